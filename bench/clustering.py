"""Benchmark: Agora's ``clustering`` against red-dwarf, in one process, on the same votes.

Usage::

    python bench/clustering.py [--quick] [--no-reddwarf] [--repeat N] [--warm-only]

For every real conversation in the repo (the openData exports in
``tests/data/polis-opendata/`` and the pol.is math fixtures): wall time (best of a few
runs, from parsed votes to result), tracemalloc peak, k and adjusted Rand index against
pol.is's own groups (``group-id``; the fixtures' math blobs) -- for this library's default
(pol.is's history replayed, :func:`clustering.opinion_map_with_history`), its cold start
(one tick, :func:`clustering.compute_opinion_map`, what a live update costs) and red-dwarf
(``run_pipeline``, the bench extra), then how often each finds pol.is's k and its median
ARI over all of them.  Then synthetic conversations of 100k, 1M and 2M
votes (the last shaped like pol.is's largest production conversation, 33,000 x 780):
cold time, peak memory, red-dwarf's time; and the warm live tick: 1,000 new votes on the
2M conversation, through the live path (``LiveOpinionMap.update``) and, beside it, recomputed
from scratch with the previous result's state.

The machine is shared: every figure is the best of ``--repeat`` runs and the line
"reference" times a fixed numpy workload in the same process, so ratios stay comparable
between runs.  ``--quick`` skips the 1M and 2M conversations; ``--warm-only`` runs only the
warm tick.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
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

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from clustering import LiveOpinionMap, VoteTable, compute_opinion_map, opinion_map_with_history  # noqa: E402
from clustering._matrix import final_votes  # noqa: E402
from clustering.cli import Conversation, load  # noqa: E402

OPENDATA = ROOT / "tests" / "data" / "polis-opendata"
POLIS_MATH = ROOT / "tests" / "clustering" / "fixtures" / "polis-math"
#: votes -> (participants, statements)
SYNTHETIC = {
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


def load_fixture_groups(folder: Path) -> Conversation:
    """A pol.is math fixture, with pol.is's groups read from its math blob."""
    conv = load(folder)
    blob = json.loads((folder / "math-pca2.json").read_text(encoding="utf-8"))
    members = dict(zip(blob["base-clusters"]["id"], blob["base-clusters"]["members"], strict=True))
    conv.polis_groups = {p: g["id"] for g in blob["group-clusters"] for b in g["members"] for p in members[b]}
    return conv


def ari(group_of: dict[int, int], polis: dict[int, int]) -> float:
    common = [p for p in group_of if p in polis]
    if not common:
        return float("nan")
    return float(adjusted_rand_score([polis[p] for p in common], [group_of[p] for p in common]))


def reddwarf_groups(votes: VoteTable, excluded: np.ndarray) -> tuple[float, dict[int, int]]:
    """red-dwarf on the same final votes (its loader drops repeated votes; so do we here):
    seconds and participant -> group."""
    from reddwarf.implementations.polis import run_pipeline

    pids, sids, vals = final_votes(votes)
    records = [
        {"participant_id": p, "statement_id": s, "vote": v, "modified": 0.0}
        for p, s, v in zip(pids.tolist(), sids.tolist(), vals.tolist(), strict=True)
    ]
    start = time.perf_counter()
    result = run_pipeline(votes=records, mod_out_statement_ids=[int(x) for x in excluded], random_state=0)
    seconds = time.perf_counter() - start
    df = result.participants_df
    grouped = df[df["cluster_id"].notna()]
    return seconds, {int(p): int(g) for p, g in zip(grouped.index, grouped["cluster_id"], strict=True)}


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def traced_peak(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reference_seconds() -> float:
    """A fixed numpy workload (sort + sparse-ish arithmetic), best of 5: the machine's
    speed right now, to read the other figures against."""
    rng = np.random.default_rng(0)
    x = rng.random(2_000_000)
    return timed(lambda: np.sort(x) @ x, 5)[0]


#: per mode: (same k as pol.is, ARI with pol.is's groups), one entry per conversation
Agreement = dict[str, tuple[bool, float]]


def bench_conversation(name: str, conv: Conversation, use_rd: bool, repeat: int) -> Agreement:
    args = (conv.votes, conv.statement_ids, conv.excluded)
    kw = {"meta_statement_ids": conv.meta}
    t_hist, hist = timed(lambda: opinion_map_with_history(*args, **kw), max(1, repeat // 2))
    t_cold, cold = timed(lambda: compute_opinion_map(*args, **kw), repeat)
    peak = traced_peak(lambda: opinion_map_with_history(*args, **kw))
    k_polis = len(set(conv.polis_groups.values()))
    agreement = {
        "history": (hist.k == k_polis, ari(hist.group_of, conv.polis_groups)),
        "cold": (cold.k == k_polis, ari(cold.group_of, conv.polis_groups)),
    }
    line = (
        f"{name[:30]:30} {len(conv.votes):>7,} {k_polis:>3} | {hist.k:>2} {agreement['history'][1]:>5.2f}"
        f" {t_hist:>6.2f} {peak:>6.1f} | {cold.k:>2} {agreement['cold'][1]:>5.2f} {t_cold:>7.4f}"
    )
    if use_rd:
        t_rd, rd = min((reddwarf_groups(conv.votes, conv.excluded) for _ in range(repeat)), key=lambda r: r[0])
        k_rd = len(set(rd.values()))
        agreement["red-dwarf"] = (k_rd == k_polis, ari(rd, conv.polis_groups))
        line += (
            f" | {k_rd:>2} {agreement['red-dwarf'][1]:>5.2f} {t_rd:>6.3f} {t_rd / t_cold:>6.1f}x {t_rd / t_hist:>6.2f}x"
        )
    print(line, flush=True)
    return agreement


def print_agreement(results: list[Agreement]) -> None:
    """Issue 15's measure over the real conversations: same k as pol.is, median ARI."""
    print(f"\nagreement with pol.is over {len(results)} real conversations:")
    for mode in results[0]:
        same = sum(r[mode][0] for r in results)
        median = float(np.median([r[mode][1] for r in results]))
        print(f"  {mode:10} same k {same:>2} of {len(results)}   median ARI {median:.2f}")


def warm_tick(votes: VoteTable, statements: np.ndarray, repeat: int) -> None:
    """1,000 new votes (new and changed) on a conversation, from the previous tick: the
    live path (:class:`clustering.LiveOpinionMap`, the object kept between ticks) and the
    from-scratch warm tick (every vote, the previous state) beside it."""
    rng = np.random.default_rng(1)
    first = compute_opinion_map(votes, statements)
    n_p, n_s = int(votes.participant_ids.max()) + 1, len(statements)
    batch = VoteTable(
        rng.integers(0, n_p + 50, 1000),
        rng.integers(0, n_s, 1000),
        rng.integers(-1, 2, 1000).astype(np.int8),
        votes.timestamps[-1] + 1.0 + np.arange(1000),
    )
    new = VoteTable(
        np.concatenate([votes.participant_ids, batch.participant_ids]),
        np.concatenate([votes.statement_ids, batch.statement_ids]),
        np.concatenate([votes.values, batch.values]),
        np.concatenate([votes.timestamps, batch.timestamps]),
    )
    t_scratch, after = timed(lambda: compute_opinion_map(new, statements, previous_state=first.state), repeat)
    t_build, live = timed(lambda: LiveOpinionMap(votes, statements), 1)
    t_live, got = float("inf"), None
    for _ in range(repeat):
        fresh = copy.deepcopy(live)  # every run starts from the same previous tick
        gc.collect()
        start = time.perf_counter()
        got = fresh.update(batch)
        t_live = min(t_live, time.perf_counter() - start)
    assert got is not None
    diff = float(np.abs(got.components - after.components).max())
    agree = got.group_of == after.group_of and got.group_votes == after.group_votes
    print(
        f"warm tick, 1,000 new votes on {len(votes):,}: live {t_live:.3f} s, from scratch {t_scratch:.3f} s"
        f" (k {first.k} -> {after.k}; live = from scratch: groups {agree}, components to {diff:.1e};"
        f" building the live object: {t_build:.2f} s)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M and 2M conversations")
    parser.add_argument("--no-reddwarf", action="store_true", help="time this library only")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (best is shown)")
    parser.add_argument("--warm-only", action="store_true", help="only the warm tick on the 2M conversation")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    use_rd = not args.no_reddwarf
    if use_rd:
        try:
            import reddwarf  # noqa: F401
        except ImportError:
            print("red-dwarf is not installed (pip install -e .[bench]); timing this library only")
            use_rd = False

    print(f"reference workload: {reference_seconds():.4f} s (machine speed now; shared 2-core machine)")
    if args.warm_only:
        n_p, n_s = SYNTHETIC[2_000_000]
        warm_tick(synthetic(2_000_000, n_p, n_s), np.arange(n_s), args.repeat)
        print(f"process max RSS: {maxrss_mib():.0f} MiB")
        return 0
    print(
        "\nconversation                     votes  pk | history: k   ARI      s  peakMiB | cold: k   ARI       s"
        + (" | red-dwarf: k   ARI      s  rd s / cold s, / history s" if use_rd else "")
    )
    results = [
        bench_conversation(folder.name, load(folder), use_rd, args.repeat)
        for folder in sorted(p for p in OPENDATA.iterdir() if p.is_dir())
    ]
    results += [
        bench_conversation(f"fixture {folder.name}", load_fixture_groups(folder), use_rd, args.repeat)
        for folder in sorted(p for p in POLIS_MATH.iterdir() if p.is_dir())
    ]
    print_agreement(results)

    print(
        f"\n{'synthetic':34} {'votes':>10} {'cold s':>8} {'peak MiB':>9} {'rss+MiB':>8}"
        + (" red-dwarf s  speed-up" if use_rd else "")
    )
    last = None
    for n_votes, (n_p, n_s) in SYNTHETIC.items():
        if args.quick and n_votes > 100_000:
            continue
        votes, statements = synthetic(n_votes, n_p, n_s), np.arange(n_s)
        rss0 = maxrss_mib()
        t, _ = timed(lambda v=votes, s=statements: compute_opinion_map(v, s), args.repeat)
        rss = maxrss_mib() - rss0
        peak = traced_peak(lambda v=votes, s=statements: compute_opinion_map(v, s))
        line = f"{f'{n_p:,} x {n_s}':34} {n_votes:>10,} {t:>8.3f} {peak:>9.1f} {rss:>8.1f}"
        if use_rd:
            t_rd = reddwarf_groups(votes, np.zeros(0, np.int64))[0]
            line += f" {t_rd:>11.2f} {t_rd / t:>8.1f}x"
        print(line, flush=True)
        last = (votes, statements)
    if last is not None:
        warm_tick(*last, args.repeat)
    print(f"process max RSS: {maxrss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
