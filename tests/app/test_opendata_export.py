"""The openData export: round trip on the four shared pol.is conversations, column by column."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Issue, OpenDataSettings, Stage
from app.services.opendata.export import FILES, Export
from app.services.opendata.polis_import import import_export, read_export
from app.services.opinion.latest_map import latest_map
from app.services.opinion.recompute import recompute
from tests.support.issues import make_issue, make_participant, make_statement, make_vote

OPENDATA = Path(__file__).resolve().parent.parent / "data" / "polis-opendata"
# The time zone each conversation's exporter printed its `datetime` column in.
ZONES = {
    "vtaiwan.uberx": "Asia/Jakarta",
    "15-per-hour-seattle": "Asia/Jakarta",
    "scoop-hivemind.ubi": "America/Los_Angeles",
    "austria-climate.5twd2jsnkf.2022-08-08": "America/Los_Angeles",
    "bg2050-volunteers": "America/Chicago",
    "brexit-consensus": "Asia/Jakarta",
    "canadian-electoral-reform": "Asia/Jakarta",
    "football-concussions": "Asia/Jakarta",
    "london.youth.policing": "Asia/Jakarta",
    "scoop-hivemind.affordable-housing": "America/Los_Angeles",
    "scoop-hivemind.biodiversity": "America/Los_Angeles",
    "scoop-hivemind.freshwater": "America/Los_Angeles",
    "scoop-hivemind.taxes": "America/Los_Angeles",
    "ssis.land-bank-farmland.2rumnecbeh.2021-08-01": "America/Los_Angeles",
}


def render(export: Export, name: str, url: str = "https://agora.example/issues/x") -> str:
    return "".join(FILES[name](export, url))


def records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.slow
@pytest.mark.parametrize("folder", sorted(ZONES))
def test_import_then_export_gives_back_the_conversation(app, folder):
    source = OPENDATA / folder
    with app.app_context():
        summary = import_export(read_export(source), slug=folder.replace(".", "-"), title=folder)
        issue = db.session.get(Issue, summary.issue_id)
        recompute(issue.id)
        export = Export(issue, ZoneInfo(ZONES[folder]))

        # votes.csv: every vote event, same order, byte for byte (timestamps, datetimes, ids, values).
        original_votes = (source / "votes.csv").read_text(encoding="utf-8")
        assert render(export, "votes.csv") == original_votes

        # comments.csv: every column of every comment equal (pol.is's row order is its
        # database's, ours is by comment-id).  pol.is's newer exports (bg2050-volunteers) have
        # another header (no datetime; is-meta, is-seed, group-informed-consensus): there the
        # columns both headers have are compared.
        ours = records(render(export, "comments.csv"))
        theirs = records((source / "comments.csv").read_text(encoding="utf-8"))
        if "datetime" in theirs[0]:
            assert ours[0] == theirs[0]
        shared = [name for name in theirs[0] if name in ours[0]]
        assert len(shared) >= 7

        def by_id(table: list[list[str]]) -> dict[str, list[str]]:
            header = table[0]
            return {row[header.index("comment-id")]: [row[header.index(n)] for n in shared] for row in table[1:]}

        assert [int(row[2]) for row in ours[1:]] == sorted(int(tid) for tid in by_id(theirs))
        assert by_id(ours) == by_id(theirs)

        # participants-votes.csv: same rows in the same order, same matrix and counts; group ids
        # are this map's (our clustering's), xid (one export has an empty one) is not written.
        ours = records(render(export, "participants-votes.csv"))
        theirs = records((source / "participants-votes.csv").read_text(encoding="utf-8"))
        if "xid" in theirs[0]:
            theirs = [row[:1] + row[2:] for row in theirs]
        assert ours[0] == theirs[0]
        assert len(ours) == len(theirs)
        for column in range(len(ours[0])):
            if ours[0][column] != "group-id":
                assert [row[column] for row in ours] == [row[column] for row in theirs], ours[0][column]
        positions = latest_map(issue.id).positions
        pid_of = {v: k for k, v in export.ids.participant_id.items()}
        for row in ours[1:]:
            group = positions.get(pid_of[int(row[0])], (0, 0, None))[2]
            assert row[1] == ("" if group is None else str(group))

        # summary.csv: the corpus's keys in order; the counts pol.is's export gives.
        ours = records(render(export, "summary.csv"))
        theirs = records((source / "summary.csv").read_text(encoding="utf-8"))
        assert [row[0] for row in ours] == [row[0] for row in theirs]
        by_key = {row[0]: row[1] for row in ours}
        expected = {row[0]: row[1] for row in theirs}
        for key in ("voters", "commenters", "comments"):
            assert by_key[key] == expected[key], key


def test_issue_without_votes_exports_headers_only(app, client):
    issue_id = make_issue(app, slug="empty-one")
    make_statement(app, issue_id, "A statement nobody voted on")
    with app.app_context():
        export = Export(db.session.get(Issue, issue_id))
        assert render(export, "votes.csv") == "timestamp,datetime,comment-id,voter-id,vote\n"
        assert render(export, "participants-votes.csv") == (
            "participant,group-id,n-comments,n-votes,n-agree,n-disagree\n"
        )
        assert render(export, "comment-groups.csv") == (
            "comment-id,comment,total-votes,total-agrees,total-disagrees,total-passes\n"
        )
        comments = records(render(export, "comments.csv"))
        assert comments[1][2:] == ["0", "", "0", "0", "1", "A statement nobody voted on"]
    response = client.get("/issues/empty-one/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"empty-one/{n}" for n in [*FILES, "README.md"])
        readme = archive.read("empty-one/README.md").decode()
        assert "Creative Commons Attribution 4.0 International (CC-BY-4.0)" in readme


def test_native_votes_export_with_ids_from_zero_and_quoting(app, client):
    issue_id = make_issue(app, slug="native")
    first = make_statement(app, issue_id, 'Buses, not cars: "more" of them\nplease')
    second = make_statement(app, issue_id, "Bike lanes")
    alice, bob = make_participant(app), make_participant(app)
    make_vote(app, issue_id, alice, first, 1)
    make_vote(app, issue_id, bob, second, -1)
    make_vote(app, issue_id, alice, second, 0)
    response = client.get(f"/api/v1/issues/{issue_id}/export/comments.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert ',"Buses, not cars: ""more"" of them\nplease"\n' in text
    rows = records(text)
    assert [row[2:7] for row in rows[1:]] == [["0", "", "1", "0", "1"], ["1", "", "0", "1", "1"]]
    matrix = records(client.get(f"/api/v1/issues/{issue_id}/export/participants-votes.csv").get_data(as_text=True))
    assert matrix == [
        ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree", "0", "1"],
        ["0", "", "0", "2", "1", "0", "1", "0"],
        ["1", "", "0", "1", "0", "1", "", "-1"],
    ]


def test_unknown_issue_or_file_is_404_json(app, client):
    issue_id = make_issue(app, slug="known")
    for url in (
        "/api/v1/issues/999999/export/votes.csv",
        f"/api/v1/issues/{issue_id}/export/secrets.csv",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.is_json and response.json["error"]["code"]
    assert client.get("/issues/nope/export.zip").status_code == 404


def test_held_back_export_is_404_for_the_public_but_not_for_staff(app, client, auth):
    issue_id = make_issue(app, slug="held", current_stage=Stage.VOTING)
    with app.app_context():
        db.session.add(OpenDataSettings(issue_id=issue_id, license="CC0-1.0", public_from_stage=Stage.DECISION))
        db.session.commit()
    response = client.get(f"/api/v1/issues/{issue_id}/export/votes.csv")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "export_not_found"
    assert client.get("/issues/held/export.zip").status_code == 404
    assert "/issues/held/export.zip" not in client.get("/issues/held").get_data(as_text=True)
    auth.login(role="facilitator")
    assert client.get("/issues/held/export.zip").status_code == 200
    auth.logout()
    with app.app_context():
        db.session.scalar(select(Issue).filter_by(slug="held")).current_stage = Stage.DECISION
        db.session.commit()
    response = client.get("/issues/held/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert "CC0 1.0 Universal" in archive.read("held/README.md").decode()


def test_cli_writes_the_files(app, runner, tmp_path):
    issue_id = make_issue(app, slug="cli-one", attribution="Data by the people of Example.")
    statement = make_statement(app, issue_id, "Trees")
    make_vote(app, issue_id, make_participant(app), statement, 1)
    result = runner.invoke(args=["export-polis", "cli-one", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*FILES, "README.md"])
    assert "Data by the people of Example." in (tmp_path / "out" / "README.md").read_text()
    assert runner.invoke(args=["export-polis", "nope", str(tmp_path / "x")]).exit_code != 0
