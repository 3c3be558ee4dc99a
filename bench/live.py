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
``--interval`` overrides CLUSTERING_MIN_INTERVAL (default: the app's, 0.5 s); ``--external``
runs the scale-out shape (``agora worker`` + Redis on 127.0.0.1); ``--tick-log`` reports the
server's own time per recompute; ``--profile`` records the server with py-spy.

The client is split in two so that it costs the server as little CPU as possible, and its own
GIL inflates neither the ack times nor the arrival times: all the listeners run in one separate
process (``multiprocessing``, spawned), as ``socketio.AsyncClient``s (aiohttp websockets) in one
asyncio event loop; the voters stay in this process (``requests`` in threads). Both record
``time.monotonic()`` (CLOCK_MONOTONIC, the same clock in every process), so the times compare
directly. The listener process says when every listener has joined and the first map is out;
at the end it is told to stop and sends back every listener's arrivals over a pipe. The report
ends with the CPU seconds per second that the server, the listeners and the voters used while
the votes were being sent, which tells which side saturates.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import orjson
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
logging.getLogger("app.services.opinion.scheduler").setLevel(logging.DEBUG)
from app.cli import main
main(["serve", "--host", sys.argv[1], "--port", sys.argv[2]])
"""
REDIS_URL = "redis://127.0.0.1:6379/13"
LIMITS = {"rate": 500, "seconds": 120, "listeners": 1000, "voters": 2000, "listener_processes": 8}
CONNECTING_AT_ONCE = 24  # listeners connecting at the same time (the server is not flooded)
FIRST_MAP_TIMEOUT = 60  # seconds for the demo issue's first map (computed cold after start-up)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # the unit of utime and stime in /proc/<pid>/stat
Arrival = tuple[float, int, int]  # (monotonic time, watermark, tick) of one opinion_map
# The listeners' JSON: orjson. 200 listeners share one process here, where each would be a browser
# of its own (JSON.parse takes ~0.1 ms for a map); with the standard library's decoder (0.7 ms, and
# Engine.IO's default passes every integer through a Python size check on top) the 200th listener
# of a tick got its map after 199 decodes, which measured this process, not the server.
FAST_JSON = types.SimpleNamespace(dumps=lambda obj, **_: orjson.dumps(obj).decode(), loads=orjson.loads)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """`agora serve` in a subprocess on a temporary instance folder and database."""

    def __init__(self, database_url: str | None, interval: float | None, external: bool, tick_log: bool) -> None:
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
            # Every simulated viewer connects from this one host; real ones come from many.
            "SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS": str(LIMITS["listeners"] + 100),
        }
        self.env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        self.external = external
        if external:  # the scale-out shape: web process + `agora worker`, talking through Redis
            self.env.update(CLUSTERING_MODE="external", REDIS_URL=REDIS_URL, SOCKETIO_MESSAGE_QUEUE=REDIS_URL)
        if interval is not None:
            self.env["CLUSTERING_MIN_INTERVAL"] = str(interval)
        self.process: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def prepare(self) -> None:
        for command in (["db", "upgrade"], ["load-demo"]):
            subprocess.run([str(AGORA), *command], env=self.env, cwd=ROOT, check=True, capture_output=True)

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
            except requests.RequestException:  # refused, or accepted while the app still loads
                time.sleep(0.2)
        self.log.flush()
        tail = (self.tmp / "server.log").read_text()[-3000:]
        raise RuntimeError(f"the server did not start:\n{tail}")

    def stop(self) -> None:
        # The server's own children (the recompute process and its fork server) can outlive it.
        started = [p for p in (self.process, self.worker) if p is not None]
        times = cpu_times()
        children = set().union(*(tree_of(p.pid, times) for p in started)) - {p.pid for p in started}
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
        end_leftovers(children)
        shutil.rmtree(self.tmp, ignore_errors=True)


def end_leftovers(pids: set[int]) -> None:
    """SIGTERM, then SIGKILL, the given processes (the server's children) that are still there."""

    def running(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = {pid for pid in pids if running(pid)}
        for pid in alive:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = {pid for pid in alive if running(pid)}
        if not alive:
            return


class ListenerError(RuntimeError):
    """The listener process could not get its listeners connected, or the first map."""


def listen(url: str, issue_id: int, count: int, conn) -> None:
    """The listener process: ``count`` Socket.IO viewers of the issue in one asyncio loop.

    Sends ``("ready", count)`` once all have joined and the first map (tick >= 1) is out, or
    ``("error", message)``; then waits for the parent's ``"stop"`` and sends back every listener's
    arrivals, a list of ``(monotonic time, watermark, tick)`` per listener.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when this process stops
    try:
        asyncio.run(_listen(url, issue_id, count, conn))
    finally:
        conn.close()


async def _listen(url: str, issue_id: int, count: int, conn) -> None:
    arrivals: list[list[Arrival]] = [[] for _ in range(count)]
    clients: list[socketio.AsyncClient] = []
    first_map = asyncio.Event()
    at_once = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def connect(i: int) -> None:
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False, json=FAST_JSON)
        record = arrivals[i].append

        def on_map(payload: dict) -> None:
            record((time.monotonic(), payload["watermark"], payload["tick"]))
            if payload["tick"] >= 1:
                first_map.set()

        client.on("opinion_map", on_map)
        clients.append(client)
        async with at_once:
            try:
                await client.connect(url, transports=["websocket"], wait_timeout=10)
                await client.call("join_issue", {"issue_id": issue_id}, timeout=10)
            except Exception as error:
                raise ListenerError(
                    f"listener {i + 1} of {count} could not join the issue: {type(error).__name__}: {error}"
                ) from error

    try:
        try:
            await connect(0)
            try:  # the first map of the demo issue (computed cold after start-up)
                await asyncio.wait_for(first_map.wait(), FIRST_MAP_TIMEOUT)
            except TimeoutError:
                raise ListenerError(f"no opinion map with tick >= 1 within {FIRST_MAP_TIMEOUT} s") from None
            await asyncio.gather(*(connect(i) for i in range(1, count)))
        except ListenerError as error:
            conn.send(("error", str(error)))
            return
        conn.send(("ready", len(clients)))
        try:
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
        except EOFError:  # the parent is gone
            return
        conn.send(arrivals)
    finally:
        # A server may never answer the websocket closing handshake: never wait long for it.
        await asyncio.wait(
            [asyncio.ensure_future(asyncio.wait_for(client.disconnect(), 2)) for client in clients], timeout=3
        )


class Listeners:
    """All the listeners, in one process of their own (see ``listen``)."""

    def __init__(self, url: str, issue_id: int, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=listen, args=(url, issue_id, count, child), name="bench-listeners", daemon=True
        )
        self.process.start()
        child.close()
        self.collected = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self) -> int:
        """Wait until every listener has joined and the first map is out; how many joined."""
        # The process has its own timeouts (connects, calls, first map); this one is the backstop.
        deadline = time.monotonic() + FIRST_MAP_TIMEOUT + 120
        while not self.conn.poll(0.5):
            if not self.process.is_alive():
                raise ListenerError(f"the listener process exited (code {self.process.exitcode})")
            if time.monotonic() > deadline:
                raise ListenerError("the listeners were not ready in time")
        kind, value = self.conn.recv()
        if kind != "ready":
            raise ListenerError(value)
        return value

    def collect(self) -> list[list[Arrival]]:
        """Stop the listeners and get what each one received."""
        self.conn.send("stop")
        if not self.conn.poll(30):
            raise ListenerError("the listener process did not send its arrivals")
        self.collected = True
        return self.conn.recv()

    def close(self) -> None:
        """Let the process end (it disconnects the listeners, with a timeout); end it if it does not."""
        if not self.collected:  # stopped early: read what it sends, so that it is not stuck sending it
            try:
                self.conn.send("stop")
                if self.conn.poll(10):
                    self.conn.recv()
            except (EOFError, OSError):  # it has gone already
                pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class Voter:
    """An anonymous participant with their own cookie and the statements left to vote on."""

    def __init__(self, url: str, issue_id: int, statement_ids: list[int], rng: random.Random) -> None:
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


def cpu_times() -> dict[int, tuple[int, float]]:
    """CPU seconds (user + system) used so far by every process: {pid: (parent pid, seconds)}."""
    times = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # the name in (...) may hold spaces
        except (OSError, IndexError):
            continue  # gone meanwhile
        times[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return times


def tree_of(pid: int, times: dict[int, tuple[int, float]]) -> set[int]:
    """A process and its descendants (e.g. the server's recompute child)."""
    tree, grown = {pid}, True
    while grown:
        more = {child for child, (parent, _) in times.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return tree & times.keys()


def cpu_used(pid: int, before: dict, after: dict, tree: bool = True) -> dict[int, float]:
    """CPU seconds used between two ``cpu_times()`` by a process (and its descendants), per process."""
    pids = tree_of(pid, after) if tree else {pid} & after.keys()
    return {p: after[p][1] - (before[p][1] if p in before else 0.0) for p in pids}


def machine_reference() -> float:
    """Seconds a fixed pure-Python workload takes here now (best of 5).

    Shared cloud machines change speed from hour to hour (this one by 1.5x within a session): the
    latencies of two runs compare only when their references are close.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(300_000))
        best = min(best, time.perf_counter() - started)
    return best


def run(args: argparse.Namespace) -> None:
    server = Server(args.database, args.interval, args.external, args.tick_log)
    listeners: list[Listeners] = []
    try:
        print(f"Preparing the demo database in {server.tmp} ...", flush=True)
        server.prepare()
        server.start()
        issues = requests.get(f"{server.url}/api/v1/issues", timeout=10).json()
        issue_id = next(issue["id"] for issue in issues if issue["slug"] == DEMO_SLUG)
        statements = requests.get(f"{server.url}/api/v1/issues/{issue_id}/statements", timeout=10).json()
        statement_ids = [s["id"] for s in statements]

        print(
            f"Connecting {args.listeners} listeners (in {args.listener_processes} processes) ...",
            flush=True,
        )
        # In each process the first joins, and the rest join once the first map is out.
        shares = np.array_split(np.arange(args.listeners), args.listener_processes)
        for share in shares:
            if len(share):
                listeners.append(Listeners(server.url, issue_id, len(share)))
                listeners[-1].wait_ready()
        rng = random.Random(0)
        print(f"Creating {args.voters} voters ...", flush=True)
        with ThreadPoolExecutor(16) as pool:
            voters = list(
                pool.map(
                    lambda _: Voter(server.url, issue_id, statement_ids, random.Random(rng.random())),
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
                    "--subprocesses",  # gunicorn's worker, the clustering child
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
        reference_before = machine_reference()
        cpu_before = cpu_times()
        started = time.monotonic()
        with ThreadPoolExecutor(max(8, args.rate // 4)) as pool:
            n = 0
            while (elapsed := time.monotonic() - started) < args.seconds:
                due = int(elapsed * args.rate) + 1
                while n < due:
                    pool.submit(one_vote, next(cycle))
                    n += 1
                time.sleep(0.002)
        # The voting window: until the last vote sent was answered.
        window = time.monotonic() - started
        cpu_after = cpu_times()
        # Votes/s over the time it took to get every vote acknowledged (the server's pace).
        sending = max(ack for _, ack in acks) - started if acks else time.monotonic() - started
        settle = (args.interval or 1.0) * 2 + 3
        time.sleep(settle)  # the last votes' maps
        arrivals = [received for process in listeners for received in process.collect()]
        if profiler is not None:
            try:
                profiler.wait(timeout=120)
            except subprocess.TimeoutExpired:
                profiler.kill()
            print(f"py-spy profile of the server written to {args.profile}")
        reference_after = machine_reference()
        report(args, acks, next(failures), sending, arrivals)
        print(
            f"machine reference (a fixed pure-Python loop, best of 5): {reference_before * 1000:.1f} ms "
            f"before voting, {reference_after * 1000:.1f} ms after"
        )
        report_cpu(server, listeners, cpu_before, cpu_after, window)
        report_server(server)
    finally:
        for process in listeners:
            process.close()
        server.stop()


def report(args, acks, failures: int, sending: float, arrivals: list[list[Arrival]]) -> None:
    if not acks:
        print("No vote was acknowledged.")
        return
    ids = np.array([a[0] for a in acks], dtype=np.int64)
    acked = np.array([a[1] for a in acks])
    latencies = []
    missing = 0
    for received in arrivals:
        if not received:
            missing += len(ids)
            continue
        when = np.array([a[0] for a in received])
        covered = np.maximum.accumulate(np.array([a[1] for a in received]))
        first = np.searchsorted(covered, ids, side="left")  # first map whose watermark >= the vote
        seen = first < len(when)
        missing += int((~seen).sum())
        latencies.append(np.maximum(when[first[seen]] - acked[seen], 0.0))
    lat = np.concatenate(latencies) if latencies else np.zeros(0)
    ticks = max((len(received) for received in arrivals), default=0)
    # How long one tick took to reach every listener (server fan-out plus this client's receiving).
    tick_times: dict[int, list[float]] = {}
    for received in arrivals:
        for when, _, tick in received:
            tick_times.setdefault(tick, []).append(when)
    spreads = np.array([max(t) - min(t) for t in tick_times.values() if len(t) == len(arrivals)])
    print()
    mode = "external worker" if args.external else "embedded default"
    interval = f"{args.interval} s" if args.interval is not None else "the app's default"
    print(f"machine: {os.cpu_count()} CPU cores; {mode}; demo issue {DEMO_SLUG}; CLUSTERING_MIN_INTERVAL: {interval}")
    print(f"listeners: {len(arrivals)}   voters: {args.voters}   target rate: {args.rate} votes/s for {args.seconds} s")
    print(f"votes acknowledged: {len(acks)}   failed: {failures}   sustained: {len(acks) / sending:.1f} votes/s")
    print(f"opinion_map pushes per listener: {ticks}")
    if len(lat):
        p50, p95 = np.percentile(lat, [50, 95])
        print(
            f"vote -> map latency over {len(lat)} (vote, listener) pairs: "
            f"p50 {p50:.3f} s   p95 {p95:.3f} s   max {lat.max():.3f} s"
        )
    if len(spreads):
        print(
            f"one map to all {len(arrivals)} listeners (first to last arrival): "
            f"p50 {np.median(spreads):.3f} s   max {spreads.max():.3f} s"
        )
    if missing:
        print(f"pairs with no covering map within the settle time: {missing}")


def report_cpu(server: Server, listeners: list[Listeners], before: dict, after: dict, window: float) -> None:
    """CPU seconds per second of the voting window, per side (a process near 1.0 s/s is GIL-bound)."""
    used = cpu_used(server.process.pid, before, after)
    busiest = max(used.values(), default=0.0)  # the web process (gunicorn's worker)
    parts = [
        f"server {sum(used.values()) / window:.2f} s/s (busiest process {busiest / window:.2f}, "
        f"the others, clustering child included, {(sum(used.values()) - busiest) / window:.2f})"
    ]
    if server.worker is not None:
        parts.append(f"worker {sum(cpu_used(server.worker.pid, before, after).values()) / window:.2f} s/s")
    listening = sum(sum(cpu_used(process.pid, before, after).values()) for process in listeners)
    parts.append(f"listeners {listening / window:.2f} s/s")
    # This process alone (the server and the listeners are its children).
    voting = sum(cpu_used(os.getpid(), before, after, tree=False).values())
    parts.append(f"voters {voting / window:.2f} s/s")
    print(f"cpu during voting ({window:.1f} s): {', '.join(parts)}")


def report_server(server: Server) -> None:
    """Where the server's time per tick went, from its DEBUG lines (see RecomputeScheduler)."""
    server.log.flush()
    pattern = re.compile(r"computed in ([0-9.]+) s, published in ([0-9.]+) s")
    ticks = [tuple(map(float, m.groups())) for m in pattern.finditer((server.tmp / "server.log").read_text())]
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
    parser.add_argument(
        "--listener-processes",
        type=int,
        default=2,
        help="processes the listeners are shared out between (one asyncio loop each)",
    )
    parser.add_argument("--voters", type=int, default=300, help="simulated participants")
    parser.add_argument("--interval", type=float, default=None, help="CLUSTERING_MIN_INTERVAL for the server")
    parser.add_argument("--database", default=None, help="a database URL to use instead of a temporary SQLite file")
    parser.add_argument("--tick-log", action="store_true", help="report the server's recompute and publish times")
    parser.add_argument("--external", action="store_true", help="recompute in `agora worker` (Redis on 127.0.0.1)")
    parser.add_argument(
        "--profile",
        default=None,
        help="record the server with py-spy into this file (collapsed stacks)",
    )
    args = parser.parse_args()
    for name, limit in LIMITS.items():
        if not 0 < getattr(args, name) <= limit:
            parser.error(f"--{name.replace('_', '-')} must be between 1 and {limit}")
    run(args)


if __name__ == "__main__":
    main()
