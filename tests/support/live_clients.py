"""Real clients of a live server: a citizen over HTTP (requests) and a Socket.IO listener."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
import socketio


class Citizen:
    """An anonymous citizen with their own cookie jar, voting over HTTP like the page's script."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        body = self.http.get(f"{base_url}/api/v1/session", timeout=5).json()
        self.participant_id: int = body["participant_id"]
        self.csrf_token: str = body["csrf_token"]

    def post(self, path: str, json: dict[str, Any]) -> requests.Response:
        return self.http.post(f"{self.base_url}{path}", json=json, headers={"X-CSRFToken": self.csrf_token}, timeout=5)

    def vote(self, issue_id: int, statement_id: int, vote: str) -> int:
        """Vote and return the acknowledged vote_event_id."""
        response = self.post(f"/api/v1/issues/{issue_id}/votes", {"statement_id": statement_id, "vote": vote})
        assert response.status_code in (200, 201), response.text
        return response.json()["vote_event_id"]

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())


class Listener:
    """A Socket.IO client over websocket that records every event it receives."""

    def __init__(self, base_url: str, cookie: str | None = None) -> None:
        self.events: list[tuple[str, Any]] = []
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        headers = {"Cookie": cookie} if cookie else {}
        self.client.connect(base_url, headers=headers, transports=["websocket"], wait_timeout=5)

    def _record(self, event: str, data: Any = None) -> None:
        with self._changed:
            self.events.append((event, data))
            self._changed.notify_all()

    def join(self, issue_id: Any) -> dict[str, Any]:
        return self.client.call("join_issue", {"issue_id": issue_id}, timeout=5)

    def received(self, event: str) -> list[Any]:
        with self._changed:
            return [data for name, data in self.events if name == event]

    def wait_for(self, event: str, predicate=lambda data: True, timeout: float = 10.0) -> Any:
        """The first ``event`` whose data satisfies ``predicate``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for name, data in self.events:
                    if name == event and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    names = [name for name, _ in self.events]
                    raise AssertionError(f"no matching {event!r} within {timeout}s; got {names}")
                self._changed.wait(remaining)

    def close(self) -> None:
        # Werkzeug's development server never answers the websocket closing handshake, and
        # websocket-client would wait 3 s for it: close the socket with a short wait first.
        ws = getattr(self.client.eio, "ws", None)
        if ws is not None:
            ws.close(timeout=0.1)
        self.client.disconnect()
