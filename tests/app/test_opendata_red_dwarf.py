"""red-dwarf (the polis-community re-implementation of pol.is's math) reads Agora's openData export
as it reads pol.is's own, and gets the same result from both (issue #12)."""

from __future__ import annotations

import csv
import io
import warnings
from pathlib import Path

import numpy as np
import pytest

from app.extensions import db
from app.services.opendata.polis_import import import_export, read_export

with warnings.catch_warnings():  # red-dwarf 0.4.0's models trip a pydantic 2.12 warning at import
    warnings.simplefilter("ignore")
    from reddwarf.implementations.polis import run_pipeline
    from reddwarf.models import Statement as RedDwarfStatement
    from reddwarf.models import Vote as RedDwarfVote

SEATTLE = Path(__file__).resolve().parent.parent / "data" / "polis-opendata" / "15-per-hour-seattle"


def red_dwarf_reads(comments_csv: str, votes_csv: str):
    """What red-dwarf's CSV loader does with an export's two files (its own models parse every
    row), then its pol.is pipeline on the latest vote per participant and statement."""
    statements = [RedDwarfStatement(**row).model_dump(mode="json") for row in csv.DictReader(io.StringIO(comments_csv))]
    votes = [RedDwarfVote(**row).model_dump(mode="json") for row in csv.DictReader(io.StringIO(votes_csv))]
    latest = {}
    for vote in sorted(votes, key=lambda v: v["modified"]):
        latest[(vote["participant_id"], vote["statement_id"])] = vote
    moderated_out = sorted(s["statement_id"] for s in statements if s["moderated"] == -1)
    with warnings.catch_warnings():  # its pandas calls are deprecated in pandas 3
        warnings.simplefilter("ignore")
        result = run_pipeline(votes=list(latest.values()), mod_out_statement_ids=moderated_out, random_state=0)
    return statements, votes, result


def without_datetime(records: list[dict], order_by: str | None = None) -> list[dict]:
    rows = [{key: value for key, value in record.items() if key != "datetime"} for record in records]
    return sorted(rows, key=lambda row: row[order_by]) if order_by else rows


@pytest.mark.slow
def test_red_dwarf_gets_the_same_result_from_our_export_as_from_polis(app, client):
    with app.app_context():
        issue_id = import_export(read_export(SEATTLE), slug="seattle", title="15 per hour").issue_id
        db.session.commit()
    texts = []
    for name in ("comments.csv", "votes.csv"):
        response = client.get(f"/api/v1/issues/{issue_id}/export/{name}")  # streamed: read it whole
        assert response.status_code == 200
        texts.append(response.get_data(as_text=True))
    ours = red_dwarf_reads(*texts)
    theirs = red_dwarf_reads(
        (SEATTLE / "comments.csv").read_text(encoding="utf-8"), (SEATTLE / "votes.csv").read_text(encoding="utf-8")
    )

    (our_statements, our_votes, our_result), (their_statements, their_votes, their_result) = ours, theirs
    # Everything red-dwarf reads is the same; ``datetime`` (a display string, which red-dwarf
    # keeps but never uses) is printed in this site's DISPLAY_TIMEZONE, not the original exporter's.
    assert without_datetime(our_statements, "statement_id") == without_datetime(their_statements, "statement_id")
    assert without_datetime(our_votes) == without_datetime(their_votes)  # every vote event, same order
    assert len(our_result.participant_projections) == len(their_result.participant_projections) > 100
    for pid, projection in their_result.participant_projections.items():
        assert np.allclose(our_result.participant_projections[pid], projection)
    assert len(set(our_result.clusterer.labels_)) >= 2
    assert list(our_result.clusterer.labels_) == list(their_result.clusterer.labels_)
