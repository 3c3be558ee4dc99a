"""Socket.IO limits (issue 14, point 4): events per connection, connections per address, a bounded flood."""

from __future__ import annotations

import pytest
import requests
import socketio

from app.security.sockets import SocketGuard, TTLCache
from tests.support.issues import make_issue
from tests.support.live_clients import Listener


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_per_connection():
    clock = Clock()
    guard = SocketGuard(rate=2.0, burst=3, max_per_address=5, clock=clock)
    assert guard.connect("a", "10.0.0.1")
    assert [guard.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back
    assert [guard.allow("a") for _ in range(2)] == [True, False]
    assert guard.connect("b", "10.0.0.1") and guard.allow("b")  # buckets are per connection


def test_connections_per_address():
    guard = SocketGuard(rate=1.0, burst=1, max_per_address=2)
    assert guard.connect("a", "10.0.0.1") and guard.connect("b", "10.0.0.1")
    assert not guard.connect("c", "10.0.0.1")
    assert guard.connect("d", "10.0.0.2")  # another address has its own allowance
    guard.disconnect("a")
    assert guard.connect("c", "10.0.0.1")
    assert guard.connections("10.0.0.1") == 2


def test_ttl_cache():
    clock = Clock()
    cache = TTLCache(1.0, clock)
    calls = []
    assert cache.get_or_set(1, lambda: calls.append(1) or "x") == "x"
    assert cache.get_or_set(1, lambda: calls.append(1) or "y") == "x"
    clock.now += 1.5
    assert cache.get_or_set(1, lambda: calls.append(1) or "z") == "z"
    assert len(calls) == 2


@pytest.fixture
def limited_server(app_config, request):
    app_config.update(
        SOCKETIO_EVENT_RATE=1.0,
        SOCKETIO_EVENT_BURST=5,
        SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS=4,
    )
    return request.getfixturevalue("live_server")


@pytest.fixture
def opened():
    listeners: list[Listener] = []
    yield listeners
    for listener in listeners:
        listener.close()


def test_event_flood_gets_rate_limited_acks_and_the_site_keeps_answering(limited_server, opened):
    issue_id = make_issue(limited_server.app)
    flooder = Listener(limited_server.url)
    opened.append(flooder)
    answers = [flooder.client.call("where_am_i", {"issue_id": issue_id}, timeout=5) for _ in range(40)]
    ok = [a for a in answers if a.get("ok")]
    limited = [a for a in answers if a.get("error", {}).get("code") == "rate_limited"]
    assert len(ok) + len(limited) == 40
    assert 5 <= len(ok) < 40 and limited  # the burst, perhaps a refill, then refusals
    assert limited[0]["error"]["message"]
    # Others are not affected: a new viewer joins, and HTTP answers.
    other = Listener(limited_server.url)
    opened.append(other)
    assert other.join(issue_id)["ok"] is True
    assert requests.get(f"{limited_server.url}/api/v1/issues/{issue_id}", timeout=5).status_code == 200


def test_connection_flood_from_one_address_is_capped(limited_server, opened):
    issue_id = make_issue(limited_server.app)
    opened.extend(Listener(limited_server.url) for _ in range(4))
    refused = 0
    for _ in range(20):
        # Long-polling: a refused websocket client waits seconds for a closing handshake the test
        # server never sends; the limit is the same for both transports.
        client = socketio.Client(reconnection=False)
        try:
            client.connect(limited_server.url, transports=["polling"], wait_timeout=5)
        except socketio.exceptions.ConnectionError:
            refused += 1
        finally:
            client.disconnect()
    assert refused == 20
    assert requests.get(f"{limited_server.url}/healthz", timeout=5).status_code == 200
    assert opened[0].join(issue_id)["ok"] is True
    # A connection that ends frees its place.
    opened.pop().close()
    replacement = _connect_eventually(limited_server.url)
    opened.append(replacement)
    assert replacement.join(issue_id)["ok"] is True


def _connect_eventually(url: str) -> Listener:
    """The server learns of a hang-up asynchronously: retry a few times, bounded."""
    import time

    for _ in range(50):
        try:
            return Listener(url)
        except socketio.exceptions.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("the freed connection slot was never given back")


def test_a_vote_makes_the_next_join_send_fresh_totals(app, api):
    """The join cache never answers with totals older than a vote this process recorded."""
    from app.security.sockets import join_cache_of
    from tests.support.issues import make_statement

    issue_id = make_issue(app)
    statement_id = make_statement(app, issue_id, "Cached totals")
    cache = join_cache_of(app)
    cache.get_or_set(issue_id, lambda: {"counts": {"votes": 0}})
    assert (
        api.post(f"/api/v1/issues/{issue_id}/votes", json={"statement_id": statement_id, "vote": "agree"}).status_code
        == 201
    )
    assert cache.get_or_set(issue_id, lambda: "recomputed") == "recomputed"
