"""Limits for Socket.IO: connections per address, events per connection, a short cache for joins.

Each websocket holds a server thread, and each ``join_issue`` / ``where_am_i`` runs queries in a
thread of its own. Without limits one host could open enough sockets to take every thread, or
send events fast enough to take every database connection. So:

- an address may hold at most ``SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS`` connections (per web
  process); further handshakes are refused;
- each connection has a token bucket of ``SOCKETIO_EVENT_BURST`` events refilled at
  ``SOCKETIO_EVENT_RATE`` per second; an event over it is answered at once with the
  acknowledgement ``{"error": {"code": "rate_limited", ...}}`` and runs no query;
- what every joiner of an issue gets alike (the issue exists, its counts) is cached for
  ``SOCKETIO_JOIN_CACHE_SECONDS``, and forgotten at once when this process records a vote or a
  statement for the issue (a join must not send totals older than a ``vote_counts`` already sent).
  With several web processes a join may still send totals up to that long old; the next
  ``vote_counts`` corrects them.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext as _

EXTENSION_KEY = "agora_socket_guard"


class SocketGuard:
    """Connection counts per address and a token bucket per connection (thread-safe)."""

    def __init__(self, *, rate: float, burst: int, max_per_address: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.max_per_address = max_per_address
        self._clock = clock
        self._lock = threading.Lock()
        self._by_address: dict[str, set[str]] = {}
        self._address_of: dict[str, str] = {}
        self._buckets: dict[str, tuple[float, float]] = {}

    def connect(self, sid: str, address: str) -> bool:
        """Count a new connection; False (refuse it) when its address already holds the maximum."""
        with self._lock:
            sids = self._by_address.setdefault(address, set())
            if len(sids) >= self.max_per_address:
                return False
            sids.add(sid)
            self._address_of[sid] = address
            self._buckets[sid] = (float(self.burst), self._clock())
            return True

    def disconnect(self, sid: str) -> None:
        with self._lock:
            address = self._address_of.pop(sid, None)
            self._buckets.pop(sid, None)
            if address is not None:
                sids = self._by_address.get(address, set())
                sids.discard(sid)
                if not sids:
                    self._by_address.pop(address, None)

    def allow(self, sid: str) -> bool:
        """Take one token from this connection's bucket; False when it is empty."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(sid, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[sid] = (tokens - 1.0 if allowed else tokens, now)
            return allowed

    def connections(self, address: str) -> int:
        with self._lock:
            return len(self._by_address.get(address, ()))


class TTLCache:
    """A small cache of values for ``ttl`` seconds (the join payload's shared part)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[float, Any]] = {}

    def get_or_set(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = self._clock()
        with self._lock:
            found = self._values.get(key)
            if found is not None and now - found[0] < self.ttl:
                return found[1]
        value = compute()
        with self._lock:
            if len(self._values) > 10_000:  # issues come and go; never grow without bound
                self._values.clear()
            self._values[key] = (now, value)
        return value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def guard_of(app: Flask) -> SocketGuard:
    return app.extensions[EXTENSION_KEY]


def join_cache_of(app: Flask) -> TTLCache:
    return app.extensions[EXTENSION_KEY + "_join_cache"]


def rate_limited_ack() -> dict[str, Any]:
    return {
        "error": {
            "code": "rate_limited",
            "message": _("Too many requests. Please wait a moment and try again."),
        }
    }


def throttled(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Answer an event over the connection's budget with the ``rate_limited`` acknowledgement."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> dict[str, Any]:
        if not guard_of(current_app).allow(request.sid):
            return rate_limited_ack()
        return handler(*args)

    return wrapper


def on_connect(auth: Any = None) -> None:
    """Count the connection against its address; refuse it over the limit."""
    if not guard_of(current_app).connect(request.sid, request.remote_addr or "unknown"):
        raise ConnectionRefusedError("too_many_connections")


def on_disconnect() -> None:
    guard_of(current_app).disconnect(request.sid)


def _forget_issue(sender: Flask, issue_id: int, **_: Any) -> None:
    cache = sender.extensions.get(EXTENSION_KEY + "_join_cache")
    if cache is not None:
        cache.forget(issue_id)


def _env(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def init_app(app: Flask) -> None:
    from app import signals

    # Module-level receivers (connecting again is a no-op); each finds its app's cache.
    for signal in (signals.vote_cast, signals.statement_added, signals.statement_moderated):
        signal.connect(_forget_issue)
    # Behind a reverse proxy the address is the client's only once ProxyFix trusts the proxy;
    # until then every client shares the proxy's address, and this limit must be raised.
    app.config.setdefault("SOCKETIO_EVENT_RATE", _env("SOCKETIO_EVENT_RATE", 2.0))
    app.config.setdefault("SOCKETIO_EVENT_BURST", int(_env("SOCKETIO_EVENT_BURST", 10)))
    app.config.setdefault("SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS", int(_env("SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS", 20)))
    app.config.setdefault("SOCKETIO_JOIN_CACHE_SECONDS", _env("SOCKETIO_JOIN_CACHE_SECONDS", 1.0))
    app.extensions[EXTENSION_KEY] = SocketGuard(
        rate=float(app.config["SOCKETIO_EVENT_RATE"]),
        burst=int(app.config["SOCKETIO_EVENT_BURST"]),
        max_per_address=int(app.config["SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS"]),
    )
    app.extensions[EXTENSION_KEY + "_join_cache"] = TTLCache(float(app.config["SOCKETIO_JOIN_CACHE_SECONDS"]))
