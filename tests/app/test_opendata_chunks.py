"""The export's chunked path: any chunk size gives the same bytes; stamps in any stored form."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select, text

from app.extensions import db
from app.models import Issue, VoteEvent
from app.services.opendata import export as export_module
from app.services.opendata.arrays import JavaDates, ranges
from app.services.opendata.export import FILES, Export
from app.services.opendata.polis_import import import_export, read_export
from tests.support.issues import make_issue, make_participant, make_statement, make_vote

SEATTLE = Path(__file__).resolve().parent.parent / "data" / "polis-opendata" / "15-per-hour-seattle"


def _render(issue: Issue, name: str, zone: str = "Asia/Jakarta") -> str:
    return "".join(FILES[name](Export(issue, ZoneInfo(zone)), "https://agora.example/issues/x"))


def test_tiny_chunks_give_the_same_files(app, monkeypatch):
    with app.app_context():
        summary = import_export(read_export(SEATTLE), slug="seattle", title="Seattle")
        issue = db.session.get(Issue, summary.issue_id)
        whole = {name: _render(issue, name) for name in ("votes.csv", "participants-votes.csv")}
        assert whole["votes.csv"] == (SEATTLE / "votes.csv").read_text(encoding="utf-8")
        monkeypatch.setattr(export_module, "CHUNK_VOTES", 37)
        monkeypatch.setattr(export_module, "CHUNK_PEOPLE", 3)
        assert {name: _render(issue, name) for name in whole} == whole
        monkeypatch.setattr(export_module, "CHUNK_PEOPLE", 10_000)
        monkeypatch.setattr(export_module, "CHUNK_CELLS", 500)  # a few participants' rows at a time
        assert _render(issue, "participants-votes.csv") == whole["participants-votes.csv"]


def test_stamps_stored_in_other_forms_and_the_zone_change(app):
    """A stamp written without microseconds (SQLite: shorter text) exports as the same instant;
    Java's zone name follows daylight saving time."""
    issue_id = make_issue(app, slug="stamps")
    statement = make_statement(app, issue_id, "Ferries")
    for _ in range(3):
        make_vote(app, issue_id, make_participant(app), statement, 1)
    winter = datetime(2026, 1, 15, 20, 0, 1, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 6, 30, 0, 123_456, tzinfo=UTC)
    with app.app_context():
        ids = db.session.scalars(select(VoteEvent.id).order_by(VoteEvent.id)).all()
        db.session.get(VoteEvent, ids[1]).created_at = summer
        if db.engine.dialect.name == "sqlite":
            db.session.execute(
                text("UPDATE vote_event SET created_at = '2026-01-15 20:00:01' WHERE id = :id"), {"id": ids[0]}
            )
        else:
            db.session.get(VoteEvent, ids[0]).created_at = winter
        db.session.commit()
        rows = _render(db.session.get(Issue, issue_id), "votes.csv", "America/Los_Angeles").splitlines()[1:]
    assert rows[0].split(",")[:2] == [str(int(winter.timestamp() * 1000)), "Thu Jan 15 12:00:01 PST 2026"]
    assert rows[1].split(",")[:2] == [str(int(summer.timestamp()) * 1000 + 123), "Tue Jun 30 23:30:00 PDT 2026"]


def test_java_dates_and_ranges():
    dates = JavaDates(ZoneInfo("Asia/Taipei"))
    assert dates.format(0) == "Thu Jan 01 08:00:00 CST 1970"
    ms = np.array([1_435_654_192_000, 1_435_654_192_999, 1_420_070_399_000], dtype=np.int64)
    parts = dates.parts(ms)
    assert [" ".join(row) for row in zip(*parts, strict=True)] == [
        "Tue Jun 30 16:49:52 CST 2015",
        "Tue Jun 30 16:49:52 CST 2015",
        "Thu Jan 01 07:59:59 CST 2015",
    ]
    assert ranges([(1, 5), (2, 5), (3, 20), (4, 1), (9, 1)], 10) == [(1, 2), (3, 3), (4, 9)]
    assert ranges([], 10) == []
