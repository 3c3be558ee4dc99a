"""Benchmark: vote -> live map latency, with simulated voters and many Socket.IO listeners.

Usage::

    python bench/live.py [--rate 100] [--seconds 20] [--listeners 200] [--voters 300]
                         [--interval SECONDS] [--database URL] [--external] [--tick-log]
                         [--profile FILE]

Starts its own server (``agora serve`` on a free loopback port, embedded default) on
a fresh temporary SQLite database with the demo issue loaded (``agora load-demo``), connects the
listeners to the demo issue's room, and has the voters vote over HTTP at the given rate. It
prints the vote -> map latency -- from a vote's HTTP acknowledgement (its ``vote_event_id``) to
the first ``opinion_map`` whose ``watermark`` covers it, for every (vote, listener) pair -- and
the sustained votes per second. Everything stays on 127.0.0.1 and is bounded in count and time.
``--interval`` overrides CLUSTERING_MIN_INTERVAL (default: the app's, 1.0 s); ``--external``
runs the scale-out shape (``agora worker`` + Redis on 127.0.0.1); ``--tick-log`` reports the
server's own time per recompute; ``--profile`` records the server with py-spy.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests
import socketio

ROOT = Path(__file__).resolve().parents[1]
AGORA = Path(sys.executable).with_name("agora")
HOST = "127.0.0.1"  # loopback only, whatever the arguments
DEMO_SLUG = "vtaiwan-uberx"
# With --tick-log: what `agora serve` runs, plus the recompute worker's DEBUG lines (time per tick).
SERVE_WITH_TICK_LOG = """
import logging
import sys
logging.basicConfig(level=logging.WARNING, format="%(message)s")
logging.getLogger("app.services.recompute").setLevel(logging.DEBUG)
from app import background, create_app
from app.extensions import socketio
app = create_app()
background.start(app)
host, port = sys.argv[1], int(sys.argv[2])
socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)
"""
REDIS_URL = "redis://127.0.0.1:6379/13"
LIMITS = {"rate": 500, "seconds": 120, "listeners": 1000, "voters": 2000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`agora serve` in a subprocess on a temporary instance folder and database."""

    def __init__(
        self, database_url: str | None, interval: float | None, external: bool, tick_log: bool
    ) -> None:
        self.tick_log = tick_log
        self.tmp = Path(tempfile.mkdtemp(prefix="agora-bench-"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.env = {
            **os.environ,
            "AGORA_INSTANCE_PATH": str(self.tmp),
            "DATABASE_URL": database_url or f"sqlite:///{self.tmp / 'bench.sqlite3'}",
            "CLUSTERING_MODE": "embedded",
            "BACKGROUND_WORKERS": "1",
        }
        self.env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        self.external = external
        if external:  # the scale-out shape: web process + `agora worker`, talking through Redis
            self.env.update(
                CLUSTERING_MODE="external", REDIS_URL=REDIS_URL, SOCKETIO_MESSAGE_QUEUE=REDIS_URL
            )
        if interval is not None:
            self.env["CLUSTERING_MIN_INTERVAL"] = str(interval)
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def prepare(self) -> None:
        for command in (["db", "upgrade"], ["load-demo"]):
            subprocess.run(
                [str(AGORA), *command], env=self.env, cwd=ROOT, check=True, capture_output=True
            )

    def start(self) -> None:
        self.log = open(self.tmp / "server.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE_WITH_TICK_LOG, HOST, str(self.port)]
            if self.tick_log
            else [str(AGORA), "serve", "--host", HOST, "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        if self.external:
            self.worker = subprocess.Popen(
                [str(AGORA), "worker"],
                env=self.env,
                cwd=ROOT,
                stdout=self.log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/v1/issues", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.log.flush()
        tail = (self.tmp / "server.log").read_text()[-3000:]
        raise RuntimeError(f"the server did not start:\n{tail}")

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.terminate()
            self.worker.wait(timeout=10)
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Listener:
    """One Socket.IO viewer of the issue, recording when each map arrived and what it covered."""

    def __init__(self, url: str, issue_id: int) -> None:
        self.arrivals: list[tuple[float, int, int]] = []  # (monotonic time, watermark, tick)
        # websocket-client checks UTF-8 byte by byte in pure Python (~1 us a byte) unless told not
        # to: with 200 listeners in one process that, not the server, would be what is measured.
        self.client = socketio.Client(
            reconnection=False, websocket_extra_options={"skip_utf8_validation": True}
        )
        self.client.on("opinion_map", self._on_map)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        self.client.call("join_issue", {"issue_id": issue_id}, timeout=10)

    def _on_map(self, payload: dict) -> None:
        self.arrivals.append((time.monotonic(), payload["watermark"], payload["tick"]))

    def close(self) -> None:
        ws = getattr(self.client.eio, "ws", None)
        if ws is not None:
            ws.close(timeout=0.1)  # werkzeug never answers the closing handshake
        self.client.disconnect()


class Voter:
    """An anonymous participant with their own cookie and the statements left to vote on."""

    def __init__(
        self, url: str, issue_id: int, statement_ids: list[int], rng: random.Random
    ) -> None:
        self.url = f"{url}/api/v1/issues/{issue_id}/votes"
        self.http = requests.Session()
        self.csrf = self.http.get(f"{url}/api/v1/session", timeout=10).json()["csrf_token"]
        self.todo = rng.sample(statement_ids, len(statement_ids))
        self.lock = threading.Lock()

    def vote(self, rng: random.Random) -> tuple[int, float] | None:
        with self.lock:
            if not self.todo:
                return None
            statement_id = self.todo.pop()
            response = self.http.post(
                self.url,
                json={
                    "statement_id": statement_id,
                    "vote": rng.choice(["agree", "agree", "disagree", "pass"]),
                },
                headers={"X-CSRFToken": self.csrf},
                timeout=10,
            )
        if response.status_code not in (200, 201):
            return None
        return response.json()["vote_event_id"], time.monotonic()


def run(args: argparse.Namespace) -> None:
    server = Server(args.database, args.interval, args.external, args.tick_log)
    listeners: list[Listener] = []
    try:
        print(f"Preparing the demo database in {server.tmp} ...", flush=True)
        server.prepare()
        server.start()
        issues = requests.get(f"{server.url}/api/v1/issues", timeout=10).json()
        issue_id = next(issue["id"] for issue in issues if issue["slug"] == DEMO_SLUG)
        statements = requests.get(
            f"{server.url}/api/v1/issues/{issue_id}/statements", timeout=10
        ).json()
        statement_ids = [s["id"] for s in statements]

        first = Listener(server.url, issue_id)
        listeners.append(first)
        deadline = time.monotonic() + 60
        while not any(tick >= 1 for _, _, tick in first.arrivals) and time.monotonic() < deadline:
            time.sleep(0.1)  # the first map of the demo issue (computed cold after start-up)
        print(f"Connecting {args.listeners} listeners ...", flush=True)
        with ThreadPoolExecutor(16) as pool:
            listeners += list(
                pool.map(lambda _: Listener(server.url, issue_id), range(args.listeners - 1))
            )
        rng = random.Random(0)
        print(f"Creating {args.voters} voters ...", flush=True)
        with ThreadPoolExecutor(16) as pool:
            voters = list(
                pool.map(
                    lambda _: Voter(
                        server.url, issue_id, statement_ids, random.Random(rng.random())
                    ),
                    range(args.voters),
                )
            )

        print(f"Voting at {args.rate}/s for {args.seconds} s ...", flush=True)
        acks: list[tuple[int, float]] = []
        failures = itertools.count()
        cycle = itertools.cycle(voters)

        def one_vote(voter: Voter) -> None:
            result = voter.vote(random.Random())
            if result is None:
                next(failures)
            else:
                acks.append(result)

        profiler = None
        if args.profile:
            profiler = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("py-spy")),
                    "record",
                    "--pid",
                    str(server.process.pid),
                    "--nonblocking",
                    "--rate",
                    "50",
                    "--duration",
                    str(int(args.seconds)),
                    "--format",
                    "raw",
                    "--output",
                    args.profile,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        started = time.monotonic()
        with ThreadPoolExecutor(max(8, args.rate // 4)) as pool:
            n = 0
            while (elapsed := time.monotonic() - started) < args.seconds:
                due = int(elapsed * args.rate) + 1
                while n < due:
                    pool.submit(one_vote, next(cycle))
                    n += 1
                time.sleep(0.002)
        # Votes/s over the time it took to get every vote acknowledged (the server's pace).
        sending = max(ack for _, ack in acks) - started if acks else time.monotonic() - started
        settle = (args.interval or 1.0) * 2 + 3
        time.sleep(settle)  # the last votes' maps
        if profiler is not None:
            try:
                profiler.wait(timeout=120)
            except subprocess.TimeoutExpired:
                profiler.kill()
            print(f"py-spy profile of the server written to {args.profile}")
        report(args, acks, next(failures), sending, listeners)
        report_server(server)
    finally:
        for listener in listeners:
            try:
                listener.close()
            except Exception:  # noqa: BLE001 (best effort at shutdown)
                pass
        server.stop()


def report(args, acks, failures: int, sending: float, listeners: list[Listener]) -> None:
    if not acks:
        print("No vote was acknowledged.")
        return
    ids = np.array([a[0] for a in acks], dtype=np.int64)
    acked = np.array([a[1] for a in acks])
    latencies = []
    missing = 0
    for listener in listeners:
        if not listener.arrivals:
            missing += len(ids)
            continue
        when = np.array([a[0] for a in listener.arrivals])
        covered = np.maximum.accumulate(np.array([a[1] for a in listener.arrivals]))
        first = np.searchsorted(covered, ids, side="left")  # first map whose watermark >= the vote
        seen = first < len(when)
        missing += int((~seen).sum())
        latencies.append(np.maximum(when[first[seen]] - acked[seen], 0.0))
    lat = np.concatenate(latencies) if latencies else np.zeros(0)
    ticks = max((len(listener.arrivals) for listener in listeners), default=0)
    print()
    mode = "external worker" if args.external else "embedded default"
    print(f"machine: {os.cpu_count()} CPU cores; {mode}; demo issue {DEMO_SLUG}")
    print(
        f"listeners: {len(listeners)}   voters: {args.voters}   "
        f"target rate: {args.rate} votes/s for {args.seconds} s"
    )
    print(
        f"votes acknowledged: {len(acks)}   failed: {failures}   "
        f"sustained: {len(acks) / sending:.1f} votes/s"
    )
    print(f"opinion_map pushes per listener: {ticks}")
    if len(lat):
        p50, p95 = np.percentile(lat, [50, 95])
        print(
            f"vote -> map latency over {len(lat)} (vote, listener) pairs: "
            f"p50 {p50:.3f} s   p95 {p95:.3f} s   max {lat.max():.3f} s"
        )
    if missing:
        print(f"pairs with no covering map within the settle time: {missing}")


def report_server(server: Server) -> None:
    """Where the server's time per tick went, from its DEBUG lines (see RecomputeScheduler)."""
    server.log.flush()
    pattern = re.compile(r"computed in ([0-9.]+) s, published in ([0-9.]+) s")
    ticks = [
        tuple(map(float, m.groups()))
        for m in pattern.finditer((server.tmp / "server.log").read_text())
    ]
    if ticks:
        computed, published = np.array(ticks).T
        print(
            f"server, per tick: recompute p50 {np.median(computed):.3f} s "
            f"(max {computed.max():.3f} s), publish p50 {np.median(published):.3f} s "
            f"(max {published.max():.3f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=100, help="votes per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long to vote")
    parser.add_argument("--listeners", type=int, default=200, help="Socket.IO viewers of the issue")
    parser.add_argument("--voters", type=int, default=300, help="simulated participants")
    parser.add_argument(
        "--interval", type=float, default=None, help="CLUSTERING_MIN_INTERVAL for the server"
    )
    parser.add_argument(
        "--database", default=None, help="a database URL to use instead of a temporary SQLite file"
    )
    parser.add_argument(
        "--tick-log", action="store_true", help="report the server's recompute and publish times"
    )
    parser.add_argument(
        "--external", action="store_true", help="recompute in `agora worker` (Redis on 127.0.0.1)"
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="record the server with py-spy into this file (collapsed stacks)",
    )
    args = parser.parse_args()
    for name, limit in LIMITS.items():
        if not 0 < getattr(args, name) <= limit:
            parser.error(f"--{name} must be between 1 and {limit}")
    run(args)


if __name__ == "__main__":
    main()
