"""Benchmark: open-loop vote load against a running Agora (e.g. `make scale`), loopback only.

Usage::

    python bench/load.py --url http://127.0.0.1:8080 [--rate 500] [--seconds 20] [--voters 500]
                         [--issue vtaiwan-uberx] [--cpu-of PID,PID...]
    python bench/load.py --serve [--rate 500] ...     # starts its own `agora serve` (embedded default)

Each simulated voter has its own session (cookie jar, CSRF token, anonymous participant) and its
own keep-alive connection. Votes are sent open-loop: vote *i* is due at ``start + i / rate``
whatever happened to the ones before, and its latency counts from that due time (a slow server
does not slow the offered load down, and queueing shows in the latency instead of hiding). A
voter whose previous vote is still in flight queues the next one on its connection, as a browser
would. The report: offered and acknowledged votes/s, p50/p99/max latency of the acknowledged
votes, every non-2xx answer by status with an example body, every connection error; then it checks
that the issue's vote count grew by at least the acknowledged new votes (201: a first vote on a
statement), and with ``--cpu-of`` the CPU the given processes (and their children) used per
acknowledged vote.

Bounded: at most 5,000 votes/s, 120 s and 5,000 voters; every request times out after 10 s; only
127.0.0.0/8, localhost and ::1 are accepted as targets.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

LIMITS = {"rate": 5000, "seconds": 120, "voters": 5000}
REQUEST_TIMEOUT = 10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError
        except ValueError:
            sys.exit(f"{url}: only loopback targets (127.0.0.0/8, localhost, ::1)")
    return url.rstrip("/")


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes and all their descendants (alive ones), in seconds."""
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
            times[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return sum(times.get(pid, 0) for pid in found) / CLOCK_TICKS


class Voter:
    def __init__(self, url: str, issue_id: int, statement_ids: list[int]) -> None:
        self.url = url
        self.issue_id = issue_id
        self.statements = random.sample(statement_ids, len(statement_ids))
        self.next = 0
        # One connection per voter, kept alive; its own cookie jar.
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1, force_close=False),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        )
        self.token = ""
        self.participant_id = 0

    async def open(self) -> None:
        async with self.http.get(f"{self.url}/api/v1/session") as answer:
            answer.raise_for_status()
            body = await answer.json()
            self.token, self.participant_id = body["csrf_token"], body["participant_id"]

    def ballot(self) -> dict:
        statement_id = self.statements[self.next % len(self.statements)]
        self.next += 1
        return {"statement_id": statement_id, "vote": random.choice(("agree", "disagree", "pass"))}

    async def vote(self, ballot: dict) -> tuple[int, str]:
        async with self.http.post(
            f"{self.url}/api/v1/issues/{self.issue_id}/votes", json=ballot, headers={"X-CSRFToken": self.token}
        ) as answer:
            body = await answer.read()
            status = answer.status
        if 200 <= status < 300 and not self.participant_id:
            # A participant exists from its first write on; the session now names it.
            await self.open()
        return status, body[:300].decode("utf-8", "replace")


async def issue_of(url: str, slug: str) -> tuple[int, int, list[int]]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.get(f"{url}/api/v1/issues") as answer:
            if answer.status != 200:
                sys.exit(f"{url}/api/v1/issues answered {answer.status}: is the server up?")
            issues = await answer.json()
        matching = [i for i in issues if i["slug"] == slug]
        if not matching:
            sys.exit(f"no issue {slug!r} at {url} (agora load-demo loads vtaiwan-uberx)")
        issue_id = matching[0]["id"]
        async with http.get(f"{url}/api/v1/issues/{issue_id}/statements") as answer:
            statement_ids = [s["id"] for s in await answer.json()]
        return issue_id, await vote_count(http, url, issue_id), statement_ids


async def vote_count(http: aiohttp.ClientSession, url: str, issue_id: int) -> int:
    async with http.get(f"{url}/api/v1/issues/{issue_id}") as answer:
        return (await answer.json())["counts"]["votes"]


async def run(args: argparse.Namespace, during=None) -> dict:
    """Send the load and print the report; ``during`` (a coroutine function) runs alongside the
    votes (bench/faults.py injects its fault there). Returns the figures, with every acknowledged
    vote as (participant id, statement id) in ``acknowledged``."""
    url = args.url
    issue_id, before, statement_ids = await issue_of(url, args.issue)
    voters = [Voter(url, issue_id, statement_ids) for _ in range(args.voters)]
    opening = asyncio.Semaphore(50)

    async def open_one(voter: Voter) -> None:
        async with opening:
            await voter.open()

    print(f"{len(voters)} voters opening their sessions on {url} (issue {issue_id}, {len(statement_ids)} statements)")
    await asyncio.gather(*(open_one(v) for v in voters))

    total = int(args.rate * args.seconds)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    examples: dict[int, str] = {}
    errors: Counter[str] = Counter()
    created = 0
    acknowledged_votes: list[tuple[int, int]] = []
    pids = [int(p) for p in args.cpu_of.split(",") if p] if args.cpu_of else []
    cpu_before = cpu_seconds(pids) if pids else 0.0

    async def one(i: int, due: float) -> None:
        nonlocal created
        voter = voters[i % len(voters)]
        ballot = voter.ballot()
        try:
            status, body = await voter.vote(ballot)
        except (aiohttp.ClientError, TimeoutError) as error:
            errors[type(error).__name__] += 1
            return
        statuses[status] += 1
        if 200 <= status < 300:
            latencies.append(time.monotonic() - due)
            created += status == 201
            acknowledged_votes.append((voter.participant_id, ballot["statement_id"]))
        else:
            examples.setdefault(status, body)

    start = time.monotonic() + 0.1
    side = asyncio.create_task(during()) if during else None
    tasks = []
    for i in range(total):
        due = start + i / args.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    sent_in = time.monotonic() - start
    await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - start
    side_result = await side if side else None
    cpu_used = cpu_seconds(pids) - cpu_before if pids else 0.0

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        after = await vote_count(http, url, issue_id)
    await asyncio.gather(*(v.http.close() for v in voters))

    acknowledged = len(latencies)
    print(f"offered     {total} votes in {sent_in:.1f} s = {total / sent_in:.0f} votes/s (target {args.rate}/s)")
    print(f"acknowledged {acknowledged} votes in {elapsed:.1f} s = {acknowledged / elapsed:.0f} votes/s")
    if latencies:
        latencies.sort()
        p50, p99 = latencies[len(latencies) // 2], latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"latency     p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    for status, count in sorted(statuses.items()):
        if not 200 <= status < 300:
            print(f"non-2xx     {count} x {status}: {examples[status]}")
    for name, count in errors.items():
        print(f"error       {count} x {name}")
    if pids:
        print(f"server CPU  {cpu_used:.1f} s = {1000 * cpu_used / max(acknowledged, 1):.2f} ms per acknowledged vote")
    grew = after - before
    ok = grew >= created
    verdict = "OK" if ok else "LOST VOTES"
    print(f"vote count  {before} -> {after} (+{grew}); acknowledged new votes {created}: {verdict}")
    return {
        "ok": ok,
        "issue_id": issue_id,
        "acknowledged": acknowledged_votes,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "during": side_result,
        "rate": acknowledged / elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running Agora, e.g. http://127.0.0.1:8080 (make scale)")
    parser.add_argument("--serve", action="store_true", help="start an embedded `agora serve` of its own")
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--issue", default="vtaiwan-uberx")
    parser.add_argument("--cpu-of", default="", help="comma-separated pids whose CPU (with children) to report")
    args = parser.parse_args()
    for name, limit in LIMITS.items():
        if not 0 < getattr(args, name) <= limit:
            parser.error(f"--{name} must be in (0, {limit}]")
    if bool(args.url) == bool(args.serve):
        parser.error("give --url or --serve")
    if args.serve:
        from live import Server  # the live-map benchmark's embedded server on a temporary demo database

        server = Server(None, None, external=False, tick_log=False)
        server.prepare()
        server.start()
        args.url = server.url
        args.cpu_of = args.cpu_of or str(server.process.pid)
        try:
            return 0 if asyncio.run(run(args))["ok"] else 1
        finally:
            server.stop()
    args.url = loopback_only(args.url)
    return 0 if asyncio.run(run(args))["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
