"""Open data: pol.is exports in."""
