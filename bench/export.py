"""Benchmark: openData export time and peak memory, for the demo issue and a synthetic 2M-vote issue.

Usage::

    python bench/export.py [--database URL] [--votes 2000000] [--statements 400]

Creates a fresh database (a temporary SQLite file, or a new database on the PostgreSQL server
``--database`` points at, dropped afterwards), migrates it, loads the demo issue (vTaiwan UberX,
~50k vote events) and a synthetic issue with ``--votes`` vote events, then writes each issue's
export with ``agora export-polis``'s code path and prints the wall time, the rows written and the
peak memory: Python allocations during the export (tracemalloc) and the process's peak RSS, with
the machine's load average (the figures depend on what else runs).

It also checks that red-dwarf (the polis-community re-implementation of pol.is's math) reads the
demo export: comments.csv and votes.csv go through red-dwarf's own CSV models (``Statement``,
``Vote``, exactly as its CSV loader parses a pol.is export), and its pol.is pipeline clusters them.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Issue, ModerationStatus, Participant, Statement, Vote, VoteEvent  # noqa: E402


def make_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"agora_bench_export_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return base.set(database=name).render_as_string(hide_password=False), drop


def synthetic_issue(n_votes: int, n_statements: int) -> int:
    """An issue with n_votes vote events: every participant votes on every statement once."""
    rng = np.random.default_rng(12)
    issue = Issue(slug="synthetic", title="Synthetic 2M", description="Benchmark data.")
    db.session.add(issue)
    db.session.flush()
    n_people = -(-n_votes // n_statements)
    statements = [
        {
            "issue_id": issue.id,
            "text": f"Statement {i}, with a comma",
            "normalized_text": f"statement {i}",
            "moderation_status": ModerationStatus.ACCEPTED,
        }
        for i in range(n_statements)
    ]
    db.session.execute(sa.insert(Statement), statements)
    db.session.execute(sa.insert(Participant), [{"xid": None} for _ in range(n_people)])
    sids = db.session.scalars(
        sa.select(Statement.id).where(Statement.issue_id == issue.id).order_by(Statement.id)
    ).all()
    pids = db.session.scalars(sa.select(Participant.id).order_by(Participant.id.desc()).limit(n_people)).all()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch_events, batch_votes, written = [], [], 0
    for p_index, pid in enumerate(pids):
        values = rng.integers(-1, 2, size=len(sids)).tolist()
        for s_index, sid in enumerate(sids):
            if written >= n_votes:
                break
            at = start + timedelta(seconds=p_index * 37 + s_index)
            row = {"issue_id": issue.id, "participant_id": pid, "statement_id": sid, "value": values[s_index]}
            batch_events.append({**row, "created_at": at})
            batch_votes.append({**row, "updated_at": at})
            written += 1
        if len(batch_events) >= 50_000 or written >= n_votes:
            db.session.execute(sa.insert(VoteEvent), batch_events)
            db.session.execute(sa.insert(Vote), batch_votes)
            batch_events, batch_votes = [], []
        if written >= n_votes:
            break
    db.session.commit()
    return issue.id


def measure(issue_id: int, folder: Path) -> None:
    from app.services.opendata.export import FILES, Export
    from app.services.opendata.package import write_folder

    issue = db.session.get(Issue, issue_id)
    url = f"https://agora.example/issues/{issue.slug}"
    started = time.perf_counter()
    paths = write_folder(issue, folder, url)
    seconds = time.perf_counter() - started
    # Again under tracemalloc (which slows Python down) for the peak of Python allocations.
    tracemalloc.start()
    write_folder(issue, folder, url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = {p.name: sum(1 for _ in p.open(encoding="utf-8")) - 1 for p in paths if p.suffix == ".csv"}
    size = sum(p.stat().st_size for p in paths)
    print(
        f"  {issue.slug}: {seconds:.2f} s, {rows['votes.csv']:,} vote events, {size / 1e6:.1f} MB written; "
        f"peak Python allocations {peak / 1e6:.1f} MB; process peak RSS so far "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )
    export = Export(issue)
    split = []
    for name, write in FILES.items():
        started = time.perf_counter()
        for _chunk in write(export, url):
            pass
        split.append(f"{name} {time.perf_counter() - started:.2f} s")
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print("    per file: " + ", ".join(split) + f" (load average {load})")


def red_dwarf_reads(folder: Path) -> None:
    try:
        from reddwarf.implementations.polis import run_pipeline
        from reddwarf.models import Statement as RdStatement
        from reddwarf.models import Vote as RdVote
    except ImportError:
        print("  red-dwarf is not installed (pip install -e '.[bench]'); check skipped")
        return
    with (folder / "comments.csv").open(encoding="utf-8", newline="") as handle:
        statements = [RdStatement(**row).model_dump(mode="json") for row in csv.DictReader(handle)]
    with (folder / "votes.csv").open(encoding="utf-8", newline="") as handle:
        votes = [RdVote(**row).model_dump(mode="json") for row in csv.DictReader(handle)]
    latest = {}
    for vote in sorted(votes, key=lambda v: v["modified"]):
        latest[(vote["participant_id"], vote["statement_id"])] = vote
    mod_out = [s["statement_id"] for s in statements if s["moderated"] == -1]
    result = run_pipeline(votes=list(latest.values()), mod_out_statement_ids=mod_out, random_state=0)
    groups = len(set(result.clusterer.labels_)) if result.clusterer is not None else 0
    print(
        f"  red-dwarf read {len(statements)} statements and {len(votes):,} vote events "
        f"({len(latest):,} current), projected {len(result.participant_projections):,} participants "
        f"and found {groups} groups"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--statements", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = make_database(args.database, workdir)
        try:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "INSTANCE_PATH": str(workdir / "instance"),
                    "BACKGROUND_WORKERS": False,
                }
            )
            with app.app_context():
                from flask_migrate import upgrade

                from app.commands.demo import DEMO_SLUG
                from app.services.opinion.recompute import recompute

                upgrade()
                load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
                print(f"Database: {make_url(url).get_backend_name()}; {os.cpu_count()} cores, load average {load}")
                app.test_cli_runner().invoke(args=["load-demo"])
                demo = db.session.scalar(sa.select(Issue.id).where(Issue.slug == DEMO_SLUG))
                recompute(demo)
                print("Demo issue (vTaiwan UberX):")
                measure(demo, workdir / "demo")
                red_dwarf_reads(workdir / "demo")
                started = time.perf_counter()
                synthetic = synthetic_issue(args.votes, args.statements)
                print(f"Synthetic issue ({args.votes:,} votes, stored in {time.perf_counter() - started:.0f} s):")
                measure(synthetic, workdir / "synthetic")
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()


if __name__ == "__main__":
    main()
