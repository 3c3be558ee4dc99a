"""docker-compose.yml: checked by parsing it, and by running the same services directly.

There is no Docker engine here, so the scale-out test starts what the compose file describes as
plain processes: `agora db upgrade`, two `agora serve` web processes and an `agora worker`, with
the compose environment pointed at the local PostgreSQL and Redis servers. A vote sent to one web
process must reach a Socket.IO listener connected to the other, through the worker.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import socketio
import yaml
from click.testing import CliRunner

from app.cli import main as agora_cli
from app.config import PROJECT_ROOT
from tests.support.databases import create_database, drop_database_later
from tests.support.network import free_port, wait_until_answering
from tests.support.redis_server import private_redis
from tests.support.waiting import eventually

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
CONFIG_SOURCE = (PROJECT_ROOT / "app" / "config.py").read_text()
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def test_compose_describes_the_scale_out_services():
    services = COMPOSE["services"]
    assert {"db", "redis", "migrate", "web", "worker", "mail", "webhooks", "nginx"} <= set(services)
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["db"]["healthcheck"]["test"][1] == "pg_isready"
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert services["worker"]["environment"]["CLUSTERING_MODE"] == "external"
    assert services["web"]["environment"]["SOCKETIO_MESSAGE_QUEUE"].startswith("redis://redis:")
    assert (PROJECT_ROOT / services["nginx"]["volumes"][0].split(":")[0]).is_file()


def test_compose_environment_is_what_the_app_reads():
    for name in COMPOSE["x-app-environment"]:
        # Read straight from os.environ, or through config.py's _bool("NAME", default).
        assert re.search(rf'(?:environ(?:\.get)?|_bool)\(\s*"{name}"|environ\["{name}"\]', CONFIG_SOURCE), name


@pytest.mark.parametrize("service", ["migrate", "web", "worker", "mail", "webhooks"])
def test_compose_commands_are_agora_commands(service):
    command = COMPOSE["services"][service]["command"]
    assert command[0] == "agora"
    # --help parses the whole command line without running it: unknown commands or options fail.
    result = CliRunner().invoke(agora_cli, [*command[1:], "--help"], env={"FLASK_APP": ""})
    assert result.exit_code == 0, result.output


@pytest.fixture
def scale_out_environment(tmp_path: Path):
    """The compose environment, with the service hosts replaced by servers on this machine."""
    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("TEST_REDIS_URL") or stack.enter_context(private_redis(tmp_path))
        name = create_database(POSTGRES_SERVER, "agora_compose")
        stack.callback(drop_database_later, POSTGRES_SERVER, name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST_"))}
        compose_env = {k: str(v) for k, v in COMPOSE["x-app-environment"].items()}
        compose_env.update(
            DATABASE_URL=POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}",
            REDIS_URL=redis_url,
            SOCKETIO_MESSAGE_QUEUE=redis_url,
            RATELIMIT_STORAGE_URI="memory://",
            SECRET_KEY="compose-test-secret",
            AGORA_INSTANCE_PATH=str(tmp_path / "instance"),
            CLUSTERING_MIN_INTERVAL="0.2",
        )
        env.update(compose_env)
        processes: list[subprocess.Popen] = []
        yield env, processes
        # Each service runs in a process group of its own (gunicorn's workers, the clustering
        # children): killing the group ends them all at once. test_serve.py tests a graceful stop.
        for process in processes:
            with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
                os.killpg(process.pid, signal.SIGKILL)
        for process in processes:
            process.wait(timeout=10)


def _agora(*args: str) -> list[str]:
    return [sys.executable, "-c", "from app.cli import main; main()", *args]


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


@pytest.mark.slow
def test_two_web_processes_and_a_worker_share_the_live_map(scale_out_environment):
    env, processes = scale_out_environment
    subprocess.run(_agora("db", "upgrade"), env=env, check=True, capture_output=True, timeout=120)
    ports = [free_port(), free_port()]
    for port in ports:
        processes.append(_start(_agora("serve", "--port", str(port)), env))
    processes.append(_start(_agora("worker"), env))
    # Seeded while they start up: they read nothing of it before the listener joins.
    created = subprocess.run(
        [sys.executable, "-c", "from tests.support.deployment_seed import seed; print(seed())"],
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    issue_id, statement_ids = created.stdout.strip().splitlines()[-1].split(":")
    statement_ids = [int(s) for s in statement_ids.split(",")]

    for port in ports:
        wait_until_answering(f"http://127.0.0.1:{port}/healthz", 60)

    # A listener on web process B.
    received: list[dict] = []
    listener = socketio.Client(reconnection=False)
    listener.on("opinion_map", received.append)
    listener.connect(f"http://127.0.0.1:{ports[1]}", transports=["websocket"], wait_timeout=10)
    listener.emit("join_issue", {"issue_id": int(issue_id)})

    # Ten citizens vote through web process A.
    watermark = 0
    for voter in range(10):
        http = requests.Session()
        base = f"http://127.0.0.1:{ports[0]}/api/v1"
        token = http.get(f"{base}/session", timeout=5).json()["csrf_token"]
        for index, statement_id in enumerate(statement_ids):
            vote = "agree" if (index + voter) % 2 else "disagree"
            response = http.post(
                f"{base}/issues/{issue_id}/votes",
                json={"statement_id": statement_id, "vote": vote},
                headers={"X-CSRFToken": token},
                timeout=5,
            )
            assert response.status_code == 201, response.text
            watermark = max(watermark, response.json()["vote_event_id"])

    try:
        eventually(
            lambda: any(m.get("watermark", 0) >= watermark for m in received),
            timeout=20,
            message="the worker's map never reached the listener on the other web process",
        )
    finally:
        listener.disconnect()
    latest = max(received, key=lambda m: m["tick"])
    assert latest["watermark"] >= watermark
    assert latest["tick"] >= 1
