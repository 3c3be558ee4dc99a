"""`make scale`: nginx, two web processes, the worker and mail sending under supervisord.

One `make scale` serves the module (as a person runs it: `make scale`, foreground, in its own
process group) on free loopback ports, a database of its own on the local PostgreSQL server and
its own redis-server. The smoke test votes through nginx and receives the map through nginx on a
Socket.IO client stuck to the other web process; the fault test SIGKILLs a web process during a
burst of votes and checks that every acknowledged vote is stored and the process is back.
`make scale-stop` must then stop everything `make scale` started.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from app.config import PROJECT_ROOT
from tests.support.live_clients import Listener
from tests.support.processes import descendants, running

POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
VENV = Path(sys.executable).parent.parent
DEMO = "vtaiwan-uberx"


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_base_port() -> int:
    """A PORT whose neighbours make scale also takes (PORT+1, PORT+2, PORT+100) are free too."""
    for _ in range(200):
        port = random.randrange(20000, 40000)
        if all(_port_is_free(port + offset) for offset in (0, 1, 2, 100)):
            return port
    raise RuntimeError("no free ports")


class Scale:
    def __init__(self, port: int, env: dict[str, str], database_url: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.web_ports = [port + 1, port + 2]
        self.env = env
        self.database_url = database_url
        self.supervisorctl = [str(VENV / "bin" / "supervisorctl"), "-c", f"{env['SCALE_DIR']}/supervisord.conf"]

    def make(self, target: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "-s", "-C", str(PROJECT_ROOT), target, f"VENV={VENV}"], env=self.env, timeout=120, **kwargs
        )

    def pid_of(self, program: str) -> int:
        out = subprocess.run([*self.supervisorctl, "pid", program], capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    def upstream(self, route: str) -> str:
        """The web process (host:port) nginx sends a browser with this agora_route cookie to."""
        answer = requests.get(f"{self.url}/healthz", headers={"Cookie": f"agora_route={route}"}, timeout=5)
        assert answer.status_code == 200
        return answer.headers["X-Agora-Upstream"]

    def routes_to_each_process(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for n in range(100):
            found.setdefault(self.upstream(f"route{n}"), f"route{n}")
            if len(found) == len(self.web_ports):
                return found
        raise AssertionError(f"nginx sent 100 routes to {found} only")


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory):
    admin = sa.create_engine(
        POSTGRES_SERVER.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    name = f"agora_scale_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database_url = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    port = _free_base_port()
    scale_dir = tmp_path_factory.mktemp("scale")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PYTEST_", "REDIS_", "SOCKETIO_"))}
    env.update(
        PORT=str(port),
        SCALE_DIR=str(scale_dir),
        DATABASE_URL=database_url,
        SECRET_KEY="scale-test-secret",
        CLUSTERING_MIN_INTERVAL="0.2",
        # A burst from one address through nginx: the per-participant limits still apply.
        AGORA_VOTE_RATE_LIMIT="100000 per minute",
    )
    log = open(scale_dir / "make-scale.log", "w")  # noqa: SIM115 (closed below)
    make = subprocess.Popen(
        ["make", "-s", "-C", str(PROJECT_ROOT), "scale", f"VENV={VENV}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    served = Scale(port, env, database_url)
    try:
        deadline = time.monotonic() + 240  # apt-get install nginx on a new machine
        while True:
            try:
                if all(requests.get(f"http://127.0.0.1:{p}/healthz", timeout=2).ok for p in [port, *served.web_ports]):
                    break
            except requests.ConnectionError:
                pass
            if make.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"make scale did not come up:\n{(scale_dir / 'make-scale.log').read_text()[-4000:]}")
            time.sleep(0.5)
        yield served
    finally:
        started = descendants(make.pid)
        stopped = served.make("scale-stop", capture_output=True, text=True)
        try:
            make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
        log.close()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    left = [pid for pid in started if running(pid)]
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not left, f"make scale-stop left processes running: {left}"


def _demo_issue(base: str) -> dict:
    (issue,) = [i for i in requests.get(f"{base}/api/v1/issues", timeout=10).json() if i["slug"] == DEMO]
    return issue


def test_a_vote_through_nginx_reaches_a_viewer_on_the_other_web_process(scale: Scale):
    routes = scale.routes_to_each_process()
    assert sorted(int(u.rsplit(":", 1)[1]) for u in routes) == scale.web_ports
    (voter_upstream, voter_route), (viewer_upstream, viewer_route) = sorted(routes.items())

    issue = _demo_issue(scale.url)
    viewer = Listener(scale.url, cookie=f"agora_route={viewer_route}")
    try:
        assert viewer.join(issue["id"])["ok"]
        http = requests.Session()
        http.cookies.set("agora_route", voter_route)
        session = http.get(f"{scale.url}/api/v1/session", timeout=5)
        assert session.headers["X-Agora-Upstream"] == voter_upstream != viewer_upstream
        statement = http.get(f"{scale.url}/api/v1/issues/{issue['id']}/next-statement", timeout=5).json()
        vote = http.post(
            f"{scale.url}/api/v1/issues/{issue['id']}/votes",
            json={"statement_id": statement["id"], "vote": "agree"},
            headers={"X-CSRFToken": session.json()["csrf_token"]},
            timeout=5,
        )
        assert vote.status_code == 201 and vote.headers["X-Agora-Upstream"] == voter_upstream
        assert scale.upstream(viewer_route) == viewer_upstream
        watermark = vote.json()["vote_event_id"]
        pushed = viewer.wait_for("opinion_map", lambda m: m["watermark"] >= watermark, timeout=30)
        assert pushed["tick"] >= 1
    finally:
        viewer.close()


def test_a_killed_web_process_loses_no_acknowledged_vote_and_comes_back(scale: Scale):
    issue = _demo_issue(scale.url)
    statements = requests.get(f"{scale.url}/api/v1/issues/{issue['id']}/statements", timeout=10).json()
    statement_ids = [s["id"] for s in statements][:40]
    acknowledged: list[tuple[int, int]] = []  # (voter, statement)
    voters: dict[int, requests.Session] = {}
    answers: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def voter(n: int) -> None:
        http = requests.Session()
        voters[n] = http
        token = http.get(f"{scale.url}/api/v1/session", timeout=10).json()["csrf_token"]
        for statement_id in statement_ids:
            if stop.is_set():
                return
            try:
                answer = http.post(
                    f"{scale.url}/api/v1/issues/{issue['id']}/votes",
                    json={"statement_id": statement_id, "vote": "agree" if n % 2 else "disagree"},
                    headers={"X-CSRFToken": token},
                    timeout=15,
                )
            except requests.RequestException:
                continue  # not acknowledged
            with lock:
                answers.append(answer.status_code)
                if answer.status_code in (200, 201):
                    acknowledged.append((n, statement_id))
            time.sleep(0.02)

    # The web process and its gunicorn worker at once (supervisord gives each program a process
    # group): the requests in progress there die with it, as in a crash.
    victim = scale.pid_of("web-1")
    threads = [threading.Thread(target=voter, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    os.killpg(victim, signal.SIGKILL)
    time.sleep(3.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert len(acknowledged) > 50
    assert set(answers) <= {200, 201, 503}, sorted(set(answers))  # never a 500 or nginx's 502
    # A participant exists from its first write on: each voter's cookie names it now.
    participant_of = {
        n: http.get(f"{scale.url}/api/v1/session", timeout=30).json()["participant_id"]
        for n, http in voters.items()
        if any(voter == n for voter, _ in acknowledged)
    }
    acknowledged = [(participant_of[n], statement_id) for n, statement_id in acknowledged]
    engine = sa.create_engine(scale.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                sa.text("SELECT participant_id, statement_id FROM vote WHERE issue_id = :i"), {"i": issue["id"]}
            ).tuples()
        )
    engine.dispose()
    lost = [vote for vote in acknowledged if vote not in stored]
    assert not lost, f"{len(lost)} acknowledged votes are not stored"

    deadline = time.monotonic() + 30
    while True:
        try:
            back = requests.get(f"http://127.0.0.1:{scale.web_ports[0]}/healthz", timeout=2).ok
        except requests.ConnectionError:
            back = False
        if back or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert back, "supervisord did not start the killed web process again"
    assert scale.pid_of("web-1") != victim
