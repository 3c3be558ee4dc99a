"""Command line: ``python -m clustering PATH [--json] [--cold]``.

With vote times the groups come from a replay of pol.is's history
(:func:`clustering.history.opinion_map_with_history`); ``--cold`` computes one tick on the
final votes instead.

PATH is either a pol.is openData export folder (``votes.csv``, or
``participants-votes.csv`` when ``votes.csv`` is absent; ``comments.csv`` for moderation)
or a folder of pol.is API JSON (``votes.json``, ``comments.json``).  This is the only
module of the package that reads files.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._types import VoteTable
from .history import opinion_map_with_history
from .pipeline import compute_opinion_map


@dataclass
class Conversation:
    """A conversation loaded from disk."""

    votes: VoteTable
    statement_ids: np.ndarray
    excluded: np.ndarray
    meta: np.ndarray
    texts: dict[int, str] = field(default_factory=dict)
    polis_groups: dict[int, int] = field(default_factory=dict)


def _int(x: Any, default: int = 0) -> int:
    if x is None or x == "":
        return default
    if isinstance(x, bool):
        return int(x)
    return int(float(x))


def _truthy(x: Any) -> bool:
    return str(x).strip().lower() in {"1", "true", "t", "yes"}


def load_polis_json(folder: Path) -> Conversation:
    """Load ``votes.json`` (agree = +1) and ``comments.json`` from a pol.is API dump."""
    raw = json.loads((folder / "votes.json").read_text(encoding="utf-8"))
    pids = np.array([_int(v.get("participant_id", v.get("pid"))) for v in raw], dtype=np.int64)
    sids = np.array([_int(v.get("statement_id", v.get("tid"))) for v in raw], dtype=np.int64)
    vals = np.array([_int(v["vote"]) for v in raw], dtype=np.int8)
    ts = np.array([float(v.get("modified") or 0.0) for v in raw], dtype=np.float64)
    statements: list[int] = []
    excluded: list[int] = []
    meta: list[int] = []
    texts: dict[int, str] = {}
    cpath = folder / "comments.json"
    if cpath.exists():
        for c in json.loads(cpath.read_text(encoding="utf-8")):
            tid = _int(c.get("statement_id", c.get("tid")))
            statements.append(tid)
            texts[tid] = str(c.get("txt", ""))
            mod = _int(c.get("moderated", c.get("mod", 0)))
            if c.get("is_meta"):
                meta.append(tid)
            if mod == -1 or c.get("is_meta"):
                excluded.append(tid)
    return Conversation(
        VoteTable(pids, sids, vals, ts),
        np.array(statements, dtype=np.int64),
        np.array(excluded, dtype=np.int64),
        np.array(meta, dtype=np.int64),
        texts,
    )


def load_opendata(folder: Path) -> Conversation:
    """Load a pol.is openData export (agree = +1, as exported)."""
    statements: list[int] = []
    excluded: list[int] = []
    meta: list[int] = []
    texts: dict[int, str] = {}
    cpath = folder / "comments.csv"
    if cpath.exists():
        with cpath.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                tid = _int(row["comment-id"])
                statements.append(tid)
                texts[tid] = row.get("comment-body", "")
                is_meta = _truthy(row.get("is-meta", ""))
                if is_meta:
                    meta.append(tid)
                if _int(row.get("moderated"), 0) == -1 or is_meta:
                    excluded.append(tid)
    polis_groups: dict[int, int] = {}
    pv = folder / "participants-votes.csv"
    if pv.exists():
        with pv.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            gcol = header.index("group-id")
            tcols = [(i, int(h)) for i, h in enumerate(header) if h.strip().lstrip("-").isdigit()]
            pv_rows = list(reader)
        for row in pv_rows:
            if row[gcol] != "":
                polis_groups[_int(row[0])] = _int(row[gcol])
    vpath = folder / "votes.csv"
    if vpath.exists():
        with vpath.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows = [(r["voter-id"], r["comment-id"], r["vote"], r["timestamp"]) for r in reader]
        arr = np.array(rows, dtype=np.float64).reshape(-1, 4) if rows else np.zeros((0, 4))
        votes = VoteTable(arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int8), arr[:, 3])
    elif pv.exists():
        p_list, s_list, v_list = [], [], []
        for row in pv_rows:
            for i, tid in tcols:
                if i < len(row) and row[i] != "":
                    p_list.append(_int(row[0]))
                    s_list.append(tid)
                    v_list.append(_int(row[i]))
        votes = VoteTable(np.array(p_list, np.int64), np.array(s_list, np.int64), np.array(v_list, np.int8))
    else:
        raise FileNotFoundError(f"{folder}: neither votes.csv nor participants-votes.csv")
    return Conversation(
        votes,
        np.array(statements, dtype=np.int64),
        np.array(excluded, dtype=np.int64),
        np.array(meta, dtype=np.int64),
        texts,
        polis_groups,
    )


def load(path: str | Path) -> Conversation:
    """Load either layout from a folder."""
    folder = Path(path)
    if (folder / "votes.json").exists():
        return load_polis_json(folder)
    return load_opendata(folder)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m clustering``."""
    parser = argparse.ArgumentParser(prog="python -m clustering", description=__doc__.split("\n")[0])
    parser.add_argument("path", help="pol.is export folder (openData CSV or API JSON)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--max-groups", type=int, default=5)
    parser.add_argument(
        "--cold",
        action="store_true",
        help="one tick on the final votes; default with vote times: replay pol.is's history",
    )
    args = parser.parse_args(argv)
    try:
        conv = load(args.path)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    history = not args.cold and conv.votes.timestamps is not None
    run = opinion_map_with_history if history else compute_opinion_map
    result = run(
        conv.votes,
        conv.statement_ids,
        conv.excluded,
        max_groups=args.max_groups,
        meta_statement_ids=conv.meta,
    )
    seconds = time.perf_counter() - start
    if args.json:
        out = result.to_dict()
        out["seconds"] = seconds
        out["history"] = history
        print(json.dumps(out))
        return 0
    print(
        f"{len(result.participant_ids)} participants, {len(result.in_conv_ids)} on the map, "
        f"{len(result.statement_ids)} statements voted on, k = {result.k} ({seconds:.3f} s, "
        f"{'replayed history' if history else 'cold start'})"
    )
    for g in result.groups:
        print(f"\nGroup {g.id}: {len(g.members)} participants")
        for r in g.representative:
            text = " ".join(conv.texts.get(r.statement_id, "").split())[:100]
            pct = 100 * r.p_success
            print(f"  {r.repful_for:>8} {pct:5.1f}%  #{r.statement_id}: {text}")
    if result.consensus.agree or result.consensus.disagree:
        print("\nConsensus (majority):")
        for label, ids in (("agree", result.consensus.agree), ("disagree", result.consensus.disagree)):
            for tid in ids:
                text = " ".join(conv.texts.get(tid, "").split())[:100]
                print(f"  {label:>8} #{tid}: {text}")
    return 0
