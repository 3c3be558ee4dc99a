"""The Atom feed of an issue: stage changes and the ministry's responses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
import time_machine

from app.models import Role
from tests.support.ministry import (
    AGENCY,
    full_answers,
    open_stage,
    setup_issue,
    speak_english,
    the_response,
)

ATOM = "{http://www.w3.org/2005/Atom}"
START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(client):
    speak_english(client)


def test_feed_lists_stage_changes_and_responses_newest_first(app, app_config, auth, client):
    app.config["PUBLIC_BASE_URL"] = "https://agora.example"
    issue_id, slug, statements = setup_issue(app, title="Uber <& taxis>")
    with time_machine.travel(START, tick=False) as clock:
        open_stage(auth, slug, "inform")
        clock.shift(timedelta(days=2))
        auth.login(Role.MINISTRY, agency=AGENCY)
        auth.post(
            f"/ministry/responses/{the_response(app, issue_id).id}/extend",
            data={"reason": "Consulting <the> Executive Yuan", "new_due_at": "2026-06-20T12:00"},
        )
        clock.shift(timedelta(days=1))
        answers = full_answers(statements)
        answers["summary"] = "Our answer <script>alert(1)</script>"
        auth.post(f"/ministry/responses/{the_response(app, issue_id).id}", data=answers)
        feed = client.get(f"/issues/{slug}/feed.atom", headers={"Accept-Language": "en"})

    assert feed.status_code == 200
    assert feed.mimetype == "application/atom+xml"
    root = ElementTree.fromstring(feed.data)  # well-formed XML despite <, & in the texts
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Uber <& taxis>"
    assert root.findtext(f"{ATOM}id").startswith("tag:agora.example,")
    assert root.findtext(f"{ATOM}updated") == "2026-06-04T01:00:00+00:00"
    self_link = next(link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == f"https://agora.example/issues/{slug}/feed.atom"

    entries = root.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles[0] == "Inform-stage response published"
    assert titles[1].startswith("Inform-stage response extended to")
    assert "Stage “Inform” opened" in titles and "Inform-stage response due" in titles
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:agora.example,") for i in ids)
    assert all(entry.findtext(f"{ATOM}updated") for entry in entries)
    published = entries[0].find(f"{ATOM}content")
    assert published.get("type") == "html"
    assert "<script" not in published.text and "&lt;script&gt;" in published.text  # sanitised HTML, escaped in XML

    # Entry ids are stable: the same feed later names the same entries.
    assert ids == [
        e.findtext(f"{ATOM}id")
        for e in ElementTree.fromstring(client.get(f"/issues/{slug}/feed.atom").data).findall(f"{ATOM}entry")
    ]


def test_feed_of_a_quiet_issue_is_valid_and_unknown_issue_404(app, client):
    _, slug, _ = setup_issue(app)
    root = ElementTree.fromstring(client.get(f"/issues/{slug}/feed.atom").data)
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated")
    assert client.get("/issues/nope/feed.atom").status_code == 404
