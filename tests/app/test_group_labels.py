"""Opinion groups have one name everywhere: the live map's letter, in meeting records and forms too."""

from __future__ import annotations

from app.models import Role
from app.services.labels import group_label
from tests.support.ministry import setup_issue, speak_english


def test_groups_are_lettered_as_on_the_map():
    assert [group_label(i) for i in (0, 1, 2, 25)] == ["A", "B", "C", "Z"]
    assert group_label(26) == "26"


def test_meeting_records_name_groups_by_their_letter(app, client, auth):
    _, slug, _ = setup_issue(app)  # its map has groups 0 and 1
    speak_english(client)
    auth.login(Role.FACILITATOR)
    form = client.get(f"/console/issues/{slug}/meetings/new").get_data(as_text=True)
    assert "Group A" in form and "Group B" in form and "Group 0" not in form
    data = {"title": "ORID meeting", "held_at": "2026-04-01T14:00", "objective": "We saw data", "objective_groups": "1"}
    assert auth.post(f"/console/issues/{slug}/meetings/new", data=data).status_code == 302

    meetings = client.get(f"/issues/{slug}/meetings").get_data(as_text=True)

    assert "Opinion group B" in meetings
    assert "Opinion group 1" not in meetings
