"""The live opinion map over Socket.IO.

The handlers are tested through Flask-SocketIO's test client, which shares the Flask test client's
session; the end-to-end tests use real clients (HTTP and websocket) against a live server with its
worker on.

A test that something does *not* arrive sends a sentinel after it and checks that the unwanted
event did not come before the sentinel: events reach one client in the order they were sent.
"""

from __future__ import annotations

import time

import pytest

from app.extensions import db, socketio
from app.models import Issue, ModerationMode, ModerationStatus
from app.services.moderation import announce_moderation, moderate
from tests.support.issues import make_issue, make_statement
from tests.support.live_clients import Citizen, Listener
from tests.support.opinion_data import make_blocs


def names(received: list[dict]) -> list[str]:
    return [event["name"] for event in received]


def payloads(received: list[dict], name: str) -> list:
    return [event["args"][0] for event in received if event["name"] == name]


@pytest.fixture
def viewer(app, client):
    """A Socket.IO test client of ``app`` with the ``client`` fixture's cookies."""
    socket = socketio.test_client(app, flask_test_client=client)
    yield socket
    if socket.is_connected():
        socket.disconnect()


def join(socket, issue_id):
    return socket.emit("join_issue", {"issue_id": issue_id}, callback=True)


@pytest.fixture
def listeners(live_server):
    opened: list[Listener] = []

    def open_listener(cookie: str | None = None) -> Listener:
        listener = Listener(live_server.url, cookie)
        opened.append(listener)
        return listener

    yield open_listener
    for listener in opened:
        listener.close()


def test_join_answers_at_once_then_the_worker_computes(live_server, listeners):
    issue_id = make_issue(live_server.app)
    make_blocs(live_server.app, issue_id)
    viewer = listeners()

    ack = viewer.join(issue_id)

    assert ack == {"ok": True, "issue_id": issue_id, "tick": 0, "participant": False}
    first = viewer.received("opinion_map")[0]  # sent before the acknowledgement
    assert first["tick"] == 0 and first["groups"] == []
    assert first["you"] == {
        "on_map": False,
        "reason": "fewer_than_7_votes",
        "votes": 0,
        "needed": 7,
    }
    # Votes but no snapshot: joining asked the worker, which pushes tick 1 to the room.
    computed = viewer.wait_for("opinion_map", lambda m: m["tick"] >= 1)
    assert computed["k"] == 2 and computed["participants"]["on_map"] == 40
    assert "you" not in computed and computed["you_follows"] is True


def test_votes_over_http_reach_every_viewer_in_a_later_tick(live_server, listeners):
    issue_id = make_issue(live_server.app)
    blocs = make_blocs(live_server.app, issue_id)
    citizen = Citizen(live_server.url)
    # The first write makes the participant; the page's socket reconnects after it ("agora:voted").
    event_ids = [citizen.vote(issue_id, blocs.statement_ids[0], "agree")]
    mine = listeners(citizen.cookie)
    other = listeners()
    assert mine.join(issue_id)["participant"] is True
    other.join(issue_id)
    before = other.wait_for("opinion_map", lambda m: m["watermark"] >= event_ids[0])

    for n, statement_id in enumerate(blocs.statement_ids[1:7], start=1):
        event_ids.append(citizen.vote(issue_id, statement_id, "agree" if n < 4 else "disagree"))

    for listener in (mine, other):
        update = listener.wait_for("opinion_map", lambda m: m["watermark"] >= event_ids[-1])
        assert update["tick"] > before["tick"]
        assert update["participants"]["voted"] == 41
    # The voter (and only the voter) learns their own place on the map.
    you = mine.wait_for("opinion_map_you", lambda m: m["you"]["on_map"])
    assert you["issue_id"] == issue_id and you["you"]["votes"] == 7
    assert you["you"]["group_id"] in {group["id"] for group in update["groups"]}
    assert other.received("opinion_map_you") == []
    # Asking gives the same answer (clients do when a separate worker published the tick).
    asked = mine.client.call("where_am_i", {"issue_id": issue_id}, timeout=5)
    assert asked["ok"] is True and asked["you"] == you["you"]
    assert other.client.call("where_am_i", {"issue_id": issue_id}, timeout=5)["you"]["votes"] == 0


def test_fewer_than_seven_votes_is_explained(live_server, listeners):
    issue_id = make_issue(live_server.app)
    blocs = make_blocs(live_server.app, issue_id, per_bloc=10)
    citizen = Citizen(live_server.url)
    citizen.vote(issue_id, blocs.statement_ids[0], "agree")  # the participant exists from the first write
    mine = listeners(citizen.cookie)
    mine.join(issue_id)
    last = [citizen.vote(issue_id, sid, "agree") for sid in blocs.statement_ids[1:3]][-1]
    mine.wait_for("opinion_map", lambda m: m["watermark"] >= last)
    you = mine.wait_for("opinion_map_you", lambda m: m["you"]["votes"] == 3)["you"]
    assert you == {"on_map": False, "reason": "fewer_than_7_votes", "votes": 3, "needed": 7}


def test_statement_added_respects_moderation(app, make_api, viewer):
    lazy = make_issue(app, moderation_mode=ModerationMode.LAZY)
    strict = make_issue(app, moderation_mode=ModerationMode.STRICT)
    citizen = make_api()
    join(viewer, lazy)
    join(viewer, strict)
    viewer.get_received()

    shown = citizen.post(f"/api/v1/issues/{lazy}/statements", {"text": "Shown at once <script>"})
    hidden = citizen.post(f"/api/v1/issues/{strict}/statements", {"text": "Waits for a moderator"})
    sentinel = citizen.post(f"/api/v1/issues/{lazy}/statements", {"text": "The sentinel"})
    assert shown.status_code == hidden.status_code == sentinel.status_code == 201

    added = payloads(viewer.get_received(), "statement_added")
    assert [m["statement"]["id"] for m in added] == [shown.get_json()["id"], sentinel.get_json()["id"]]
    assert added[0]["issue_id"] == lazy
    assert added[0]["statement"]["text"] == "Shown at once <script>"  # raw; the page escapes it

    # Accepting it later announces it then.
    with app.app_context():
        _moderate(db.session.get(Issue, strict), hidden.get_json()["id"], "accept")
    [accepted] = payloads(viewer.get_received(), "statement_added")
    assert accepted["issue_id"] == strict
    assert accepted["statement"]["id"] == hidden.get_json()["id"]


def _moderate(issue, statement_id: int, action: str) -> None:
    """As the console does: decide, commit, then announce."""
    statement = moderate(issue, statement_id, action, None)
    db.session.commit()
    announce_moderation(issue, statement)


def test_rejecting_a_statement_hides_it_live(app, viewer):
    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Soon rejected", status=ModerationStatus.UNMODERATED)
    join(viewer, issue_id)
    with app.app_context():
        _moderate(db.session.get(Issue, issue_id), statement_id, "reject")
    assert payloads(viewer.get_received(), "statement_hidden") == [
        {
            "issue_id": issue_id,
            "statement_id": statement_id,
        }
    ]


def test_vote_counts_are_pushed_and_coalesced(live_server, listeners):
    issue_id = make_issue(live_server.app)
    blocs = make_blocs(live_server.app, issue_id, per_bloc=5)
    viewer = listeners()
    viewer.join(issue_id)
    citizens = [Citizen(live_server.url) for _ in range(3)]

    started = time.monotonic()
    for citizen in citizens:
        for statement_id in blocs.statement_ids:
            citizen.vote(issue_id, statement_id, "pass")
    elapsed = time.monotonic() - started

    total = 10 * 10 + 3 * 10
    final = viewer.wait_for("vote_counts", lambda m: m["votes"] == total)
    assert final == {"issue_id": issue_id, "participants": 13, "statements": 10, "votes": total}
    # 30 votes, yet at most one push per interval (0.5 s) plus the trailing one, besides the
    # totals that answered the join.
    assert viewer.received("vote_counts")[0]["votes"] == 10 * 10
    assert len(viewer.received("vote_counts")) <= elapsed / 0.5 + 3


def test_join_refuses_unknown_or_malformed_issues(viewer):
    assert join(viewer, 999_999)["error"]["code"] == "issue_not_found"
    assert join(viewer, "not a number")["error"]["code"] == "issue_invalid"
    assert viewer.emit("join_issue", None, callback=True)["error"]["code"] == "issue_invalid"
    assert "opinion_map" not in names(viewer.get_received())


def test_leave_issue_stops_the_updates(live_server, listeners):
    issue_id = make_issue(live_server.app)
    elsewhere = make_issue(live_server.app)
    blocs = make_blocs(live_server.app, issue_id, per_bloc=5)
    viewer = listeners()
    witness = listeners()  # stays in the room and sees what the viewer would have
    viewer.join(issue_id)
    witness.join(issue_id)
    viewer.wait_for("opinion_map", lambda m: m["tick"] >= 1)
    assert viewer.client.call("leave_issue", {"issue_id": issue_id}, timeout=5) == {
        "ok": True,
        "issue_id": issue_id,
    }
    seen = len(viewer.events)
    citizen = Citizen(live_server.url)
    event_id = citizen.vote(issue_id, blocs.statement_ids[0], "agree")
    witness.wait_for("opinion_map", lambda m: m["watermark"] >= event_id)
    witness.wait_for("vote_counts", lambda m: m["votes"] == 10 * 10 + 1)

    # The sentinel: joining another issue sends its map, after anything the room had sent.
    viewer.join(elsewhere)
    viewer.wait_for("vote_counts", lambda m: m["issue_id"] == elsewhere)
    assert [(name, data) for name, data in viewer.events[seen:] if data["issue_id"] != elsewhere] == []


def test_a_join_that_runs_after_its_client_hung_up_changes_nothing(app):
    """Socket.IO handlers run in threads of their own: a page may be gone before its join runs."""
    from flask import request

    from app.sockets.broadcast import viewers_of
    from app.sockets.issues import join_issue

    issue_id = make_issue(app)
    with app.test_request_context("/socket.io/", headers={"Accept-Language": "en"}):
        request.sid = "a-client-that-hung-up"
        request.namespace = "/"
        ack = join_issue({"issue_id": issue_id})

    assert ack["error"]["code"] == "disconnected"
    assert ack["error"]["message"] == "The connection was closed. Reload the page to follow the issue."
    assert "a-client-that-hung-up" not in viewers_of(app).of(issue_id)
