"""`agora import-polis` and `agora load-demo` on real pol.is openData exports."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.commands.demo import DEMO_FOLDER
from app.extensions import db
from app.models import Issue, ModerationStatus, Participant, Statement, Vote, VoteEvent
from tests.support.issues import count

DEMO = Path(DEMO_FOLDER)
OPENDATA = Path(__file__).resolve().parent.parent / "data" / "polis-opendata"


def matrix_cells(path: Path) -> dict[tuple[int, int], int]:
    """The non-empty cells of a participants-votes.csv: (participant, comment) -> vote."""
    cells = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column, cell in row.items():
                if column.isdigit() and cell != "":
                    cells[int(row["participant"]), int(column)] = int(cell)
    return cells


def latest_votes(votes_csv: Path) -> dict[tuple[int, int], int]:
    """The final vote per (voter, comment) computed straight from the CSV: latest timestamp wins."""
    latest: dict[tuple[int, int], tuple[int, int]] = {}
    with votes_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (int(row["voter-id"]), int(row["comment-id"]))
            stamp = int(row["timestamp"])
            if key not in latest or stamp >= latest[key][0]:
                latest[key] = (stamp, int(row["vote"]))
    return {key: value for key, (_stamp, value) in latest.items()}


def current_votes(app, slug: str) -> dict[tuple[int, int], int]:
    """(pol.is voter id, pol.is comment id) -> value, read back from the database."""
    with app.app_context():
        rows = db.session.execute(
            select(Participant.xid, Statement.polis_tid, Vote.value)
            .join(Vote, Vote.participant_id == Participant.id)
            .join(Statement, Statement.id == Vote.statement_id)
            .join(Issue, Issue.id == Vote.issue_id)
            .where(Issue.slug == slug)
        )
        return {(int(xid.rsplit(":", 1)[1]), tid): value for xid, tid, value in rows}


@pytest.mark.slow
def test_load_demo_imports_vtaiwan_uberx_once(app, runner, client):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "197 statements, 1921 voters, 49443 current votes" in result.output
    with app.app_context():
        issue = db.session.scalar(select(Issue).filter_by(slug="vtaiwan-uberx"))
        assert "CC BY 4.0" in issue.attribution and "Computational Democracy Project" in issue.attribution
        assert "交通部" in issue.steward_agency
        assert db.session.scalar(select(func.count()).select_from(Statement).filter_by(issue_id=issue.id)) == 197
        assert db.session.scalar(select(func.count(func.distinct(Vote.participant_id)))) == 1921
        statuses = dict(
            db.session.execute(select(Statement.moderation_status, func.count()).group_by(Statement.moderation_status))
            .tuples()
            .all()
        )
        assert statuses == {
            ModerationStatus.ACCEPTED: 99,
            ModerationStatus.REJECTED: 78,
            ModerationStatus.UNMODERATED: 20,
        }
        # Events keep their 2015..2019 timestamps and come in time order.
        stamps = db.session.scalars(select(VoteEvent.created_at).order_by(VoteEvent.id)).all()
        assert stamps == sorted(stamps) and stamps[0].year == 2015 and stamps[-1].year == 2019
    assert count(app, Vote) == 49443
    assert count(app, VoteEvent) == 49997
    assert current_votes(app, "vtaiwan-uberx") == latest_votes(DEMO / "votes.csv")

    page = client.get("/issues/vtaiwan-uberx", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Data attribution" in page and "CC BY 4.0" in page and "1,921" in page

    again = runner.invoke(args=["load-demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert count(app, Issue) == 1 and count(app, Vote) == 49443 and count(app, Statement) == 197


def test_import_a_slice_and_show_it(app, runner, client):
    folder_rows = 60  # a slice of the demo export is enough for the page
    tmp = Path(app.instance_path) / "slice"
    tmp.mkdir(parents=True)
    shutil.copy(DEMO / "comments.csv", tmp / "comments.csv")
    lines = (DEMO / "votes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp / "votes.csv").write_text("".join(lines[:folder_rows]), encoding="utf-8")
    result = runner.invoke(args=["import-polis", str(tmp), "--title", "UberX <slice>", "--slug", "uberx-slice"])
    assert result.exit_code == 0, result.output
    assert current_votes(app, "uberx-slice") == latest_votes(tmp / "votes.csv")
    html = client.get("/issues/uberx-slice", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "UberX &lt;slice&gt;" in html
    with app.app_context():
        assert db.session.scalar(select(Participant.xid).order_by(Participant.id)).startswith("polis:uberx-slice:")


def test_import_from_participants_votes_only(app, runner, tmp_path):
    folder = tmp_path / "matrix"
    folder.mkdir()
    shutil.copy(DEMO / "comments.csv", folder / "comments.csv")
    lines = (OPENDATA / "vtaiwan.uberx" / "participants-votes.csv").read_text(encoding="utf-8").splitlines(True)
    (folder / "participants-votes.csv").write_text("".join(lines[:41]), encoding="utf-8")  # header + 40 voters
    expected = matrix_cells(folder / "participants-votes.csv")
    assert len(expected) > 40

    result = runner.invoke(args=["import-polis", str(folder), "--title", "Matrix only"])
    assert result.exit_code == 0, result.output
    assert current_votes(app, "matrix") == expected
    assert count(app, VoteEvent) == len(expected)


def test_latest_events_are_exactly_the_exported_matrix(app, runner):
    """pol.is's own final matrix agrees with our "latest event wins" (Seattle $15/hour export)."""
    folder = OPENDATA / "15-per-hour-seattle"
    result = runner.invoke(args=["import-polis", str(folder), "--title", "$15/hour", "--slug", "seattle"])
    assert result.exit_code == 0, result.output
    assert current_votes(app, "seattle") == matrix_cells(folder / "participants-votes.csv")
    assert count(app, VoteEvent) == len((folder / "votes.csv").read_text(encoding="utf-8").splitlines()) - 1


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    '1435654192085,x,0,0,1,0,1,"First, with a comma"\n'
    "1435654192086,x,1,1,0,1,-1,Second\n"
)
VOTES = (
    "timestamp,datetime,comment-id,voter-id,vote\n"
    "1435654192090,x,0,0,1\n"
    "1435654192091,x,1,0,-1\n"
    "1435654192092,x,0,2,0\n"
    "1435654192093,x,0,0,-1\n"
)


def test_small_export_latest_event_is_the_current_vote(app, runner, tmp_path):
    write(tmp_path / "small", "comments.csv", COMMENTS)
    write(tmp_path / "small", "votes.csv", VOTES)
    result = runner.invoke(args=["import-polis", str(tmp_path / "small"), "--title", "Small", "--slug", "small"])
    assert result.exit_code == 0, result.output
    assert current_votes(app, "small") == {(0, 0): -1, (0, 1): -1, (2, 0): 0}
    assert count(app, VoteEvent) == 4
    assert count(app, Participant) == 3  # voters 0 and 2, author 1
    with app.app_context():
        texts = dict(db.session.execute(select(Statement.polis_tid, Statement.text)).tuples().all())
        assert texts == {0: "First, with a comma", 1: "Second"}


def test_a_rejected_comment_may_have_an_empty_body(app, runner, tmp_path):
    """pol.is keeps a rejected comment's row with its text emptied (football-concussions)."""
    write(tmp_path / "emptied", "comments.csv", COMMENTS.replace("-1,Second", "-1,"))
    write(tmp_path / "emptied", "votes.csv", VOTES)
    result = runner.invoke(args=["import-polis", str(tmp_path / "emptied"), "--title", "Emptied"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(select(Statement.polis_tid, Statement.text, Statement.moderation_status)).all()
    assert sorted(rows) == [
        (0, "First, with a comma", ModerationStatus.ACCEPTED),
        (1, "", ModerationStatus.REJECTED),
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"votes.csv": VOTES}, "comments.csv: file not found"),
        ({"comments.csv": COMMENTS}, "neither votes.csv nor participants-votes.csv"),
        (
            {"comments.csv": COMMENTS.replace("comment-body", "body"), "votes.csv": VOTES},
            "comments.csv, line 1: missing column(s) comment-body",
        ),
        (
            {"comments.csv": COMMENTS, "votes.csv": VOTES.replace("x,0,2,0", "x,0,2,2")},
            "votes.csv, line 4: vote '2'",
        ),
        (
            {"comments.csv": COMMENTS, "votes.csv": VOTES.replace("x,1,0,-1", "x,9,0,-1")},
            "votes.csv, line 3: comment-id 9",
        ),
        (
            {"comments.csv": COMMENTS, "votes.csv": VOTES.replace("x,0,0,1", "x,zero,0,1")},
            "votes.csv, line 2: comment-id 'zero'",
        ),
        (
            {"comments.csv": COMMENTS.replace("-1,Second", "7,Second"), "votes.csv": VOTES},
            "comments.csv, line 3: moderated '7'",
        ),
        (
            {"comments.csv": COMMENTS, "votes.csv": VOTES + "1435654192094,x,0\n"},
            "votes.csv, line 6: wrong number of fields",
        ),
        (
            {"comments.csv": COMMENTS.replace('"First, with a comma"', '" "'), "votes.csv": VOTES},
            "comments.csv, line 2: comment-body is empty or not text",
        ),
    ],
)
def test_malformed_folder_names_the_file_and_line_and_stores_nothing(app, runner, tmp_path, files, expected):
    for name, text in files.items():
        write(tmp_path / "bad", name, text)
    result = runner.invoke(args=["import-polis", str(tmp_path / "bad"), "--title", "Bad"])
    assert result.exit_code != 0
    assert expected in result.output
    assert count(app, Issue) == count(app, Statement) == count(app, Participant) == 0


def test_existing_slug_is_refused(app, runner, tmp_path):
    write(tmp_path / "small", "comments.csv", COMMENTS)
    write(tmp_path / "small", "votes.csv", VOTES)
    assert runner.invoke(args=["import-polis", str(tmp_path / "small"), "--title", "One"]).exit_code == 0
    result = runner.invoke(args=["import-polis", str(tmp_path / "small"), "--title", "Two"])
    assert result.exit_code != 0 and "already exists" in result.output
    assert count(app, Issue) == 1
