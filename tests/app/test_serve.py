"""`agora serve` end to end, as `make run` starts it: gunicorn, websockets, the clustering child.

The server runs as a real process on the test database; a citizen votes over HTTP and a Socket.IO
listener with the citizen's cookie watches the map; SIGTERM stops the server and every process it
started.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app.config import PROJECT_ROOT
from tests.app.issue_factory import make_issue
from tests.app.live_clients import Citizen, Listener
from tests.app.opinion_data import make_blocs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    """Every running process below ``pid``, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.fixture
def served(app, app_config, tmp_path):
    """`agora serve` on a free port, on the test database, in the embedded default."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": str(app_config["SQLALCHEMY_DATABASE_URI"]),
        "AGORA_INSTANCE_PATH": str(tmp_path / "served-instance"),
        "CLUSTERING_MODE": "embedded",
        "CLUSTERING_MIN_INTERVAL": "0.2",
        "RATELIMIT_ENABLED": "false",
        "BACKGROUND_WORKERS": "true",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("SOCKETIO_MESSAGE_QUEUE", None)
    process = subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert process.poll() is None, f"agora serve exited with {process.returncode}"
        assert time.monotonic() < deadline, "agora serve did not answer within 60 s"
        time.sleep(0.2)
    yield process, base_url
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def test_connections_are_kept_for_the_next_request(served):
    _, base_url = served
    connection = http.client.HTTPConnection("127.0.0.1", int(base_url.rsplit(":", 1)[1]), timeout=5)
    try:
        for _ in range(3):  # one connection, three requests (Werkzeug's server closed it after one)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            assert response.status == 200 and response.read()
            assert response.getheader("Connection", "").lower() != "close"
    finally:
        connection.close()


def test_votes_reach_the_live_map_and_sigterm_stops_everything(app, served):
    process, base_url = served
    issue_id = make_issue(app)
    blocs = make_blocs(app, issue_id, per_bloc=5)

    citizen = Citizen(base_url)
    listener = Listener(base_url, cookie=citizen.cookie)
    try:
        assert listener.join(issue_id)["ok"] is True
        acknowledged = max(citizen.vote(issue_id, sid, "agree") for sid in blocs.statement_ids[:8])
        covering = listener.wait_for("opinion_map", lambda m: m["watermark"] >= acknowledged, timeout=20)
        assert covering["k"] == 2 and covering["participants"]["voted"] == 11
        mine = listener.wait_for(
            "opinion_map_you", lambda m: m["tick"] >= covering["tick"] and m["you"]["on_map"], timeout=10
        )
        assert mine["you"]["votes"] == 8
    finally:
        listener.close()

    started = _descendants(process.pid)
    assert len(started) >= 2  # gunicorn's worker and, below it, the clustering child's processes
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in started):
        time.sleep(0.1)
    assert not [pid for pid in started if _running(pid)]
