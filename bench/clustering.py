"""Benchmark: Agora's ``clustering`` against red-dwarf, in one process, on the same votes.

Usage::

    python bench/clustering.py [--quick] [--no-reddwarf]

Runs every openData conversation in ``tests/data/polis-opendata/`` and synthetic
conversations of 10k, 100k, 1M and 2M votes (the last shaped like pol.is's largest
production conversation, ~33,000 participants x 780 statements).  Prints wall time
(best of a few runs, from parsed votes to result), the speed-up over red-dwarf, peak
memory (tracemalloc peak of one traced run, plus the process's max RSS growth) and the
time per vote, to show how time grows with the number of votes.

red-dwarf is the bench extra (``pip install -e .[bench]``).  ``--quick`` skips the 1M and
2M conversations.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clustering import VoteTable, compute_opinion_map  # noqa: E402
from clustering._matrix import final_votes  # noqa: E402
from clustering.cli import load  # noqa: E402

OPENDATA = ROOT / "tests" / "data" / "polis-opendata"
#: votes -> (participants, statements)
SYNTHETIC = {
    10_000: (400, 120),
    100_000: (2_500, 300),
    1_000_000: (16_500, 780),
    2_000_000: (33_000, 780),
}


def synthetic(n_votes: int, n_ptpts: int, n_stmts: int, seed: int = 0) -> VoteTable:
    """Votes with 4 latent opinion groups, skewed participation and 15 % noise."""
    rng = np.random.default_rng(seed)
    profile = rng.choice(np.array([-1, 0, 1], np.int8), size=(4, n_stmts), p=[0.35, 0.2, 0.45])
    group = rng.choice(4, size=n_ptpts, p=[0.4, 0.3, 0.2, 0.1])
    # participation ~ lognormal, scaled so the total is n_votes, capped at n_stmts
    act = rng.lognormal(0.0, 1.0, n_ptpts)
    per = np.minimum(np.maximum(np.round(act / act.sum() * n_votes), 1), n_stmts).astype(np.int64)
    pop = rng.random(n_stmts) + 0.2  # some statements are seen more often
    pop /= pop.sum()
    pids = np.repeat(np.arange(n_ptpts), per)
    sids = np.concatenate([rng.choice(n_stmts, size=k, replace=False, p=pop) for k in per])
    vals = profile[group[pids], sids]
    noise = rng.random(len(vals)) < 0.15
    vals[noise] = rng.choice(np.array([-1, 0, 1], np.int8), size=int(noise.sum()))
    ts = np.arange(len(pids), dtype=np.float64)
    return VoteTable(pids, sids, vals, ts)


def run_ours(votes: VoteTable, statements: np.ndarray, excluded: np.ndarray) -> Any:
    return compute_opinion_map(votes, statements, excluded)


def run_reddwarf(votes: VoteTable, statements: np.ndarray, excluded: np.ndarray) -> Any:
    """red-dwarf on the same final votes (its loader drops repeated votes; so do we here)."""
    from reddwarf.implementations.polis import run_pipeline

    pids, sids, vals = final_votes(votes)
    records = [
        {"participant_id": p, "statement_id": s, "vote": v, "modified": 0.0}
        for p, s, v in zip(pids.tolist(), sids.tolist(), vals.tolist(), strict=True)
    ]
    start = time.perf_counter()
    run_pipeline(votes=records, mod_out_statement_ids=[int(x) for x in excluded], random_state=0)
    return time.perf_counter() - start


def timed(fn: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def traced_peak(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M and 2M conversations")
    parser.add_argument("--no-reddwarf", action="store_true", help="time this library only")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    use_rd = not args.no_reddwarf
    if use_rd:
        try:
            import reddwarf  # noqa: F401
        except ImportError:
            print("red-dwarf is not installed (pip install -e .[bench]); timing this library only")
            use_rd = False

    cases: list[tuple[str, Callable[[], tuple[VoteTable, np.ndarray, np.ndarray]]]] = []
    for folder in sorted(p for p in OPENDATA.iterdir() if p.is_dir()):

        def _load(folder: Path = folder) -> tuple[VoteTable, np.ndarray, np.ndarray]:
            c = load(folder)
            return c.votes, c.statement_ids, c.excluded

        cases.append((folder.name, _load))
    for n_votes, (n_p, n_s) in SYNTHETIC.items():
        if args.quick and n_votes > 100_000:
            continue

        def _syn(n_votes: int = n_votes, n_p: int = n_p, n_s: int = n_s) -> tuple[VoteTable, np.ndarray, np.ndarray]:
            return synthetic(n_votes, n_p, n_s), np.arange(n_s), np.zeros(0, np.int64)

        cases.append((f"synthetic {n_votes:,} votes ({n_p:,} x {n_s})", _syn))

    header = f"{'conversation':46} {'votes':>9} {'ours s':>8} {'us/vote':>8} {'peak MiB':>9} {'rss+MiB':>8}"
    if use_rd:
        header += f" {'red-dwarf s':>11} {'rd rss+MiB':>10} {'speed-up':>9}"
    print(header)
    rows = []
    for name, make in cases:
        votes, statements, excluded = make()
        n = len(votes)
        repeat = 5 if n <= 200_000 else 3
        rss0 = maxrss_mib()
        ours = timed(lambda v=votes, s=statements, e=excluded: run_ours(v, s, e), repeat)
        rss_ours = maxrss_mib() - rss0
        peak = traced_peak(lambda v=votes, s=statements, e=excluded: run_ours(v, s, e))
        line = f"{name[:46]:46} {n:>9,} {ours:>8.3f} {ours / n * 1e6:>8.3f} {peak:>9.1f} {rss_ours:>8.1f}"
        if use_rd:
            rss1 = maxrss_mib()
            rd = min(run_reddwarf(votes, statements, excluded) for _ in range(1 if n > 200_000 else 2))
            line += f" {rd:>11.3f} {maxrss_mib() - rss1:>10.1f} {rd / ours:>8.1f}x"
        print(line, flush=True)
        rows.append((n, ours))
    syn = [(n, t) for n, t in rows[-len(SYNTHETIC) :]] if not args.quick else rows[-2:]
    if len(syn) >= 2:
        (n0, t0), (n1, t1) = syn[0], syn[-1]
        slope = np.log(t1 / t0) / np.log(n1 / n0)
        print(f"\ntime ~ votes^{slope:.2f} between {n0:,} and {n1:,} synthetic votes")
    print(f"process max RSS: {maxrss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
