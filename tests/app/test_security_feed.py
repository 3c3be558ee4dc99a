"""The Atom feed survives control characters stored before the input guard (issue 14, point 9)."""

from __future__ import annotations

from xml.etree import ElementTree

from app.extensions import db
from app.models import Issue
from tests.support.ministry import open_stage, setup_issue, speak_english

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_with_control_characters_in_stored_text(app, auth, client):
    speak_english(client)
    issue_id, slug, _ = setup_issue(app, title="Night buses")
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        issue.title = "Night\x07 buses\x1b[31m\u2028and \ufffe more"  # as an import or an old row could hold
        issue.steward_agency = "交通部\x01"  # (PostgreSQL cannot store NUL at all)
        db.session.commit()
    open_stage(auth, slug, "inform")
    response = client.get(f"/issues/{slug}/feed.atom")
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.data)
    assert feed.find(f"{ATOM}title").text.startswith("Night buses")
    assert feed.findall(f"{ATOM}entry")
