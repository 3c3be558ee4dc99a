"""Embeds: /embed/<slug>, framing origins (CSP frame-ancestors), cookies for third-party iframes,
external ids (one participant per XID and issue), the ``xid`` policy and its CSV allow-list."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EmbedSettings, Role, Vote, XidAllowed, XidParticipant
from app.services.integrations.xids import xids_by_participant
from tests.support.issues import make_issue, make_statement

EN = {"Accept-Language": "en"}
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def issue(app):
    issue_id = make_issue(app, slug="buses")
    return issue_id, make_statement(app, issue_id, "Night buses")


def embed(client, url="/embed/buses", **kwargs):
    response = client.get(url, headers=EN, **kwargs)
    token = CSRF.search(response.get_data(as_text=True))
    return response, token.group(1) if token else None


def vote(client, issue_id, statement_id, token):
    return client.post(
        f"/api/v1/issues/{issue_id}/votes",
        json={"statement_id": statement_id, "vote": "agree"},
        headers={"X-CSRFToken": token, **EN},
    )


def save_settings(app, issue_id, origins=(), xid_only=False, allowed=()):
    with app.app_context():
        db.session.merge(EmbedSettings(issue_id=issue_id, frame_origins=list(origins), xid_only=xid_only))
        db.session.add_all(XidAllowed(issue_id=issue_id, xid=xid) for xid in allowed)
        db.session.commit()


def test_embed_page_shows_the_vote_card_and_forbids_framing_by_default(app, client, issue):
    response, _ = embed(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Night buses" in html and 'value="agree"' in html and "data-statement-form" in html
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_listed_origins_may_frame_it(app, client, issue):
    save_settings(app, issue[0], ["https://www.example.gov.tw", "http://127.0.0.1:8123"])
    response, _ = embed(client)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://www.example.gov.tw http://127.0.0.1:8123" in policy
    assert response.headers.get("X-Frame-Options") is None


def test_unknown_issue_is_404(client):
    assert client.get("/embed/nope").status_code == 404


def test_an_xid_is_one_participant_per_issue(app, issue):
    issue_id, statement_id = issue
    other_issue = make_issue(app, slug="trains")
    first = app.test_client()
    _, token = embed(first, "/embed/buses?xid=agency-user-42")
    assert vote(first, issue_id, statement_id, token).status_code == 201
    again = app.test_client()  # another device of the same person
    _, token = embed(again, "/embed/buses?xid=agency-user-42")
    assert vote(again, issue_id, statement_id, token).status_code == 200  # the same participant's vote
    embed(app.test_client(), "/embed/trains?xid=agency-user-42")
    with app.app_context():
        mappings = db.session.scalars(select(XidParticipant).order_by(XidParticipant.id)).all()
        assert [(m.issue_id, m.xid) for m in mappings] == [
            (issue_id, "agency-user-42"),
            (other_issue, "agency-user-42"),
        ]
        assert mappings[0].participant_id != mappings[1].participant_id
        (stored,) = db.session.scalars(select(Vote)).all()
        assert stored.participant_id == mappings[0].participant_id
        assert xids_by_participant(issue_id) == {mappings[0].participant_id: "agency-user-42"}


def test_xid_policy_lets_only_listed_ids_vote(app, issue):
    issue_id, statement_id = issue
    save_settings(app, issue_id, xid_only=True, allowed=["alice"])
    outsider = app.test_client()
    response, token = embed(outsider, "/embed/buses?xid=mallory")
    assert "data-xid-error" in response.get_data(as_text=True)
    assert vote(outsider, issue_id, statement_id, token).json["error"]["code"] == "xid_required"
    anonymous = app.test_client()
    response, token = embed(anonymous)
    assert "data-xid-error" in response.get_data(as_text=True)
    refused = vote(anonymous, issue_id, statement_id, token)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "xid_required"
    refused = anonymous.post(
        f"/api/v1/issues/{issue_id}/statements", json={"text": "Mine"}, headers={"X-CSRFToken": token, **EN}
    )
    assert refused.status_code == 403
    member = app.test_client()
    response, token = embed(member, "/embed/buses?xid=alice")
    assert "data-xid-error" not in response.get_data(as_text=True)
    assert vote(member, issue_id, statement_id, token).status_code == 201
    with app.app_context():
        assert len(db.session.scalars(select(Vote)).all()) == 1


def test_embed_cookie_is_third_party_ready_on_https(app, issue):
    secure = app.test_client()
    response = secure.get("/embed/buses?xid=a", base_url="https://agora.example")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    # Its API calls keep the same cookie attributes: the session remembers it is embedded.
    token = CSRF.search(response.get_data(as_text=True)).group(1)
    voted = secure.post(
        "/api/v1/issues/1/votes",
        json={"statement_id": issue[1], "vote": "pass"},
        headers={"X-CSRFToken": token, "Referer": "https://agora.example/embed/buses"},
        base_url="https://agora.example",
    )
    assert voted.status_code == 201
    plain = app.test_client().get("/", base_url="https://agora.example").headers.get("Set-Cookie", "")
    assert "SameSite=None" not in plain
    assert "SameSite=Lax" in app.test_client().get("/embed/buses").headers["Set-Cookie"]


def test_console_saves_origins_and_uploads_the_allow_list(app, auth, issue):
    issue_id, _ = issue
    auth.login(Role.FACILITATOR)
    assert auth.client.get("/console/issues/buses/embed", headers=EN).status_code == 200
    saved = auth.post(
        "/console/issues/buses/embed",
        data={"frame_origins": "https://www.example.gov.tw/\nhttp://127.0.0.1:8123", "xid_only": "y"},
    )
    assert saved.status_code == 302
    refused = auth.post("/console/issues/buses/embed", data={"frame_origins": "https://x.example/path"}, headers=EN)
    assert refused.status_code == 400 and "is not an origin" in refused.get_data(as_text=True)
    csv = b"xid\nalice\nbob\n\nalice\n"
    uploaded = auth.post(
        "/console/issues/buses/embed/allow-list",
        data={"file": (io.BytesIO(csv), "list.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    bad = auth.post(
        "/console/issues/buses/embed/allow-list",
        data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "list.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    with app.app_context():
        settings = db.session.get(EmbedSettings, issue_id)
        assert settings.frame_origins == ["https://www.example.gov.tw", "http://127.0.0.1:8123"]
        assert settings.xid_only is True
        assert sorted(db.session.scalars(select(XidAllowed.xid))) == ["alice", "bob"]


def test_console_embed_settings_are_for_facilitators(app, auth, issue):
    auth.login(Role.CITIZEN)
    assert auth.client.get("/console/issues/buses/embed").status_code == 403
    assert auth.post("/console/issues/buses/embed", data={"frame_origins": "https://evil.example"}).status_code == 403
    with app.app_context():
        assert db.session.get(EmbedSettings, issue[0]) is None


def test_embed_script_and_small_map(client, issue):
    script = client.get("/static/embed.js")
    assert script.status_code == 200 and b"agora-embed" in script.data
    script.close()
    html = client.get("/embed/buses?map=1", headers=EN).get_data(as_text=True)
    assert "<svg" in html and "Opinion map" in html


def test_the_export_carries_the_xid_column(app, issue):
    """As pol.is does for conversations with external ids: participants-votes.csv gets ``xid``."""
    from app.models import Issue
    from app.services.opendata.export import FILES, Export

    issue_id, statement_id = issue
    member = app.test_client()
    _, token = embed(member, "/embed/buses?xid=agency,7")  # a comma: the cell is quoted
    assert vote(member, issue_id, statement_id, token).status_code == 201
    anonymous = app.test_client()
    _, token = embed(anonymous)
    assert vote(anonymous, issue_id, statement_id, token).status_code == 201
    with app.test_request_context():
        text = "".join(FILES["participants-votes.csv"](Export(db.session.get(Issue, issue_id)), "https://a.example"))
    import csv

    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:7] == ["participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
    assert sorted(row[1] for row in rows) == ["", "agency,7"]
    assert '"agency,7"' in text
