"""Check that the history replay's base clusters are unchanged by an optimisation.

Usage::

    python bench/history_check.py --save before.pkl     # on the old code
    python bench/history_check.py --compare before.pkl  # on the new code

For every openData conversation and pol.is math fixture in the repo it runs
:func:`clustering.history.base_history` (what ``opinion_map_with_history`` replays) and
compares, conversation by conversation: the in-conv set, the base-cluster ids and members
exactly, the centres to ``--atol`` (1e-12), and the final groups (k, membership).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clustering import compute_opinion_map  # noqa: E402
from clustering.cli import load  # noqa: E402
from clustering.history import base_history  # noqa: E402

OPENDATA = ROOT / "tests" / "data" / "polis-opendata"
POLIS_MATH = ROOT / "tests" / "clustering" / "fixtures" / "polis-math"
#: every real conversation in the repo: the openData exports and the pol.is math fixtures
FOLDERS = sorted(p for p in OPENDATA.iterdir() if p.is_dir()) + sorted(p for p in POLIS_MATH.iterdir() if p.is_dir())


def states() -> dict[str, dict]:
    out = {}
    for folder in FOLDERS:
        conv = load(folder)
        excluded = np.union1d(np.asarray(conv.excluded, np.int64), np.asarray(conv.meta, np.int64))
        state = base_history(conv.votes, excluded)
        r = compute_opinion_map(
            conv.votes, conv.statement_ids, conv.excluded, meta_statement_ids=conv.meta, previous_state=state
        )
        out[folder.name] = {"state": state, "k": r.k, "group_of": dict(r.group_of)}
    return out


def compare(old: dict[str, dict], new: dict[str, dict], atol: float) -> bool:
    ok = True
    for name, a in old.items():
        b = new[name]
        sa, sb = a["state"], b["state"]
        ba, bb = sa.get("base_clusters", {}), sb.get("base_clusters", {})
        same = (
            sa["in_conv"] == sb["in_conv"] and ba.get("id") == bb.get("id") and ba.get("members") == bb.get("members")
        )
        ca, cb = np.asarray(ba.get("center", [])), np.asarray(bb.get("center", []))
        dev = float(np.abs(ca - cb).max(initial=0.0)) if same else float("inf")
        groups = a["k"] == b["k"] and a["group_of"] == b["group_of"]
        good = same and dev <= atol and groups
        ok &= good
        print(
            f"{name[:40]:40} base ids+members {'same' if same else 'DIFFER'}; centres max |diff| {dev:.1e};"
            f" groups {'same' if groups else 'DIFFER'} (k {a['k']}) -> {'OK' if good else 'FAIL'}"
        )
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--save", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--atol", type=float, default=1e-12)
    args = ap.parse_args()
    new = states()
    if args.save:
        args.save.write_bytes(pickle.dumps(new))
    if args.compare:
        return 0 if compare(pickle.loads(args.compare.read_bytes()), new, args.atol) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
