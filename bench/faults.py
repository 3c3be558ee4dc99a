"""Benchmark: faults under load through `make scale`; no acknowledged vote may be lost.

Usage::

    python bench/faults.py [--rate 200] [--seconds 15] [--voters 200] [--faults web,worker,redis]
                           [--restart-postgres]

Starts `make scale`'s topology (deploy/scale.py: nginx, two web processes, the worker, mail, its
own redis-server) on free loopback ports with a database of its own on the local PostgreSQL
server, and for each fault sends open-loop votes (bench/load.py) while one Socket.IO viewer
watches the demo issue through nginx. A third of the way in it injects the fault:

* ``web``: SIGKILL to a web process and its gunicorn worker (supervisord starts it again);
  recovery = until the killed process answers again;
* ``worker``: SIGKILL to ``agora worker``; recovery = until the viewer gets a newer map;
* ``redis``: SIGKILL to redis-server (Socket.IO message queue, dirty marks, rate limits);
  recovery = until the viewer, reconnected, gets a newer map;
* ``postgres`` (only with ``--restart-postgres``: it restarts the machine's PostgreSQL cluster,
  which other users of the machine share): recovery = until a vote is acknowledged again.

It prints, per fault: votes acknowledged, stored and lost (acknowledged but not in the database:
the target is 0), the answers that were not 2xx, and the recovery time. Loopback only; bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import socketio
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("SCALE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FAULTS = ("web", "worker", "redis", "postgres")


def free_base_port() -> int:
    import random
    import socket

    def free(port: int) -> bool:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
            return True

    for _ in range(200):
        port = random.randrange(20000, 40000)
        if all(free(port + offset) for offset in (0, 1, 2, 100)):
            return port
    raise RuntimeError("no free ports")


class Scale:
    """deploy/scale.py run, in its own process group, on a database of its own."""

    def __init__(self) -> None:
        self.port = free_base_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="agora-faults-"))
        self.database = f"agora_faults_{uuid.uuid4().hex[:8]}"
        # pool_pre_ping: the postgres fault restarts the server under this engine's pooled connection.
        self.admin = sa.create_engine(
            POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=True,
        )
        self.database_url = POSTGRES.rsplit("/", 1)[0] + f"/{self.database}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "SOCKETIO_", "FLASK_"))},
            "PORT": str(self.port),
            "SCALE_DIR": str(self.dir),
            "DATABASE_URL": self.database_url,
            "AGORA_VOTE_RATE_LIMIT": "100000 per minute",
        }
        self.process: subprocess.Popen | None = None

    def ctl(self, *args: str) -> str:
        command = [str(BIN / "supervisorctl"), "-c", str(self.dir / "supervisord.conf"), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()

    def pid_of(self, program: str) -> int:
        return int(self.ctl("pid", program))

    def __enter__(self) -> Scale:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.database}"'))
        self.log = open(self.dir / "scale.log", "w")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy" / "scale.py"), "run"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.dir / "scale.log").read_text()[-3000:])
            try:
                ports = (self.port, self.port + 1, self.port + 2)
                if all(requests.get(f"http://127.0.0.1:{p}/healthz", timeout=2).ok for p in ports):
                    time.sleep(6)  # nginx forgets the start-up's refused connections (fail_timeout)
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("make scale did not come up")

    def __exit__(self, *exc) -> None:
        subprocess.run([sys.executable, str(ROOT / "deploy" / "scale.py"), "stop"], env=self.env, check=False)
        if self.process is not None:
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        self.admin.dispose()

    def stored(self, issue_id: int) -> set[tuple[int, int]]:
        engine = sa.create_engine(self.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT participant_id, statement_id FROM vote WHERE issue_id = :i"), {"i": issue_id}
            ).tuples()
            found = set(rows)
        engine.dispose()
        return found


class Viewer:
    """One Socket.IO viewer through nginx that joins again after every reconnection."""

    def __init__(self, url: str, issue_id: int) -> None:
        self.url, self.issue_id = url, issue_id
        self.maps: list[tuple[float, int]] = []  # (monotonic time, tick)
        self.client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
        self.client.on("opinion_map", lambda m: self.maps.append((time.monotonic(), m["tick"])))
        self.client.on("connect", self._join)

    async def _join(self) -> None:
        asyncio.get_running_loop().create_task(self.client.call("join_issue", {"issue_id": self.issue_id}, timeout=10))

    async def start(self) -> None:
        await self.client.connect(self.url, transports=["websocket"], wait_timeout=10)

    def newest_tick(self) -> int:
        return max((tick for _, tick in self.maps), default=0)

    async def wait_for_newer(self, tick: int, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            newer = [t for t, k in self.maps if k > tick]
            if newer:
                return newer[0]
            await asyncio.sleep(0.05)
        return None


async def wait_answering(url: str, timeout: float) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await asyncio.to_thread(requests.get, url, timeout=1)).ok:
                return time.monotonic()
        except requests.RequestException:
            pass
        await asyncio.sleep(0.1)
    return None


def fault_injector(scale: Scale, fault: str, viewer: Viewer, at: float):
    async def inject() -> str:
        await asyncio.sleep(at)
        tick = viewer.newest_tick()
        began = time.monotonic()
        if fault == "web":
            os.killpg(scale.pid_of("web-1"), signal.SIGKILL)
            await asyncio.sleep(0.5)
            back = await wait_answering(f"http://127.0.0.1:{scale.port + 1}/healthz", 60)
        elif fault in ("worker", "redis"):
            os.kill(scale.pid_of(fault), signal.SIGKILL)
            back = await viewer.wait_for_newer(tick, 60)
        else:  # postgres
            version = sorted(os.listdir("/etc/postgresql"))[-1]
            await asyncio.to_thread(subprocess.run, ["pg_ctlcluster", version, "main", "restart"], check=True)
            back = await wait_answering(f"{scale.url}/healthz", 60)
        return f"{back - began:.1f} s" if back else "not within 60 s"

    return inject


async def one_fault(scale: Scale, fault: str, args: argparse.Namespace) -> dict:
    issue_id, _, _ = await load.issue_of(scale.url, "vtaiwan-uberx")
    viewer = Viewer(scale.url, issue_id)
    await viewer.start()
    print(f"\n=== {fault}: {args.rate:.0f} votes/s for {args.seconds:.0f} s, fault at {args.seconds / 3:.0f} s")
    load_args = argparse.Namespace(
        url=scale.url, rate=args.rate, seconds=args.seconds, voters=args.voters, issue="vtaiwan-uberx", cpu_of=""
    )
    result = await load.run(load_args, during=fault_injector(scale, fault, viewer, args.seconds / 3))
    await viewer.client.disconnect()
    acknowledged = set(result["acknowledged"])
    stored = scale.stored(issue_id)
    lost = acknowledged - stored
    non_2xx = {s: n for s, n in result["statuses"].items() if not 200 <= s < 300}
    return {
        "fault": fault,
        "acknowledged": len(acknowledged),
        "stored": len(acknowledged & stored),
        "lost": len(lost),
        "non_2xx": non_2xx,
        "errors": result["errors"],
        "recovery": result["during"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--faults", default="web,worker,redis")
    parser.add_argument("--restart-postgres", action="store_true", help="also restart the local PostgreSQL cluster")
    args = parser.parse_args()
    faults = [f for f in args.faults.split(",") if f]
    if args.restart_postgres:
        faults.append("postgres")
    if any(f not in FAULTS for f in faults) or ("postgres" in faults and not args.restart_postgres):
        parser.error(f"faults: {', '.join(FAULTS[:3])} (postgres with --restart-postgres)")
    if not (0 < args.rate <= 2000 and 0 < args.seconds <= 60 and 0 < args.voters <= 2000):
        parser.error("bounded: --rate <= 2000, --seconds <= 60, --voters <= 2000")
    results = []
    with Scale() as scale:
        for fault in faults:
            results.append(asyncio.run(one_fault(scale, fault, args)))
            time.sleep(6)  # let nginx and the restarted process settle before the next fault
    print("\nfault     acknowledged  stored  lost  recovery        non-2xx / errors")
    for r in results:
        print(
            f"{r['fault']:<9} {r['acknowledged']:>12}  {r['stored']:>6}  {r['lost']:>4}  {r['recovery']:<15} "
            f"{r['non_2xx'] or ''} {r['errors'] or ''}"
        )
    return 1 if any(r["lost"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
