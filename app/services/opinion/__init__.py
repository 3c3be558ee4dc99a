"""The opinion map: loading votes, clustering them, storing snapshots, serving the latest map."""
