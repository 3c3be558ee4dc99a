"""`agora serve` end to end, as `make run` starts it: gunicorn, websockets, the clustering child.

The server runs as a real process on the test database; a citizen votes over HTTP and a Socket.IO
listener with the citizen's cookie watches the map; SIGTERM stops the server and every process it
started.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys

import pytest

from app.config import PROJECT_ROOT
from tests.support.issues import make_issue
from tests.support.live_clients import Citizen, Listener
from tests.support.network import free_port, wait_until_answering
from tests.support.opinion_data import make_blocs
from tests.support.processes import descendants, running
from tests.support.waiting import eventually


@pytest.fixture
def served(app, app_config, tmp_path):
    """`agora serve` on a free port, on the test database, in the embedded default."""
    port = free_port()
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
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_until_answering(f"{base_url}/healthz", 60, alive=lambda: process.poll() is None)
    yield process, base_url
    # The server's process group holds gunicorn's worker and the clustering children too.
    with contextlib.suppress(ProcessLookupError):  # all of them have exited already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_connections_are_kept_for_the_next_request(served):
    _, base_url = served
    connection = http.client.HTTPConnection("127.0.0.1", int(base_url.rsplit(":", 1)[1]), timeout=5)
    try:
        for _ in range(3):  # one connection, three requests (Werkzeug's development server closes it after one)
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

    started = descendants(process.pid)
    assert len(started) >= 2  # gunicorn's worker and, below it, the clustering child's processes
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    eventually(lambda: not any(running(pid) for pid in started), timeout=10)
