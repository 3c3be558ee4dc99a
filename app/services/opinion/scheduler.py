"""Recompute scheduling for the live opinion map: votes mark an issue dirty, a worker recomputes.

One small interface, ``RecomputeScheduler`` (``mark_dirty``, ``start``, ``stop``, ``run``):

* embedded default: the web process starts it as a background service (a daemon thread), dirty
  marks live in an in-memory set, and the recomputes themselves run in a child process (see
  runners.py: away from the GIL of the request and websocket threads);
* scale-out (``CLUSTERING_MODE=external``): web processes only mark issues dirty, in a Redis set
  (``REDIS_URL``), and ``agora worker`` runs the same loop in its own process, emitting through
  the Socket.IO message queue.

Each issue is recomputed at most once per ``CLUSTERING_MIN_INTERVAL`` seconds; the votes of a
burst are coalesced into one recompute. Clustering never runs in a request or socket handler.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from flask import Flask

from app.extensions import db
from app.services.opinion.recompute import Recomputed
from app.services.opinion.runners import ChildProcessRunner, Runner, can_run_in_child, recompute_here
from app.services.opinion.snapshots import issues_needing_recompute

log = logging.getLogger(__name__)

EXTENSION_KEY = "agora.recompute"
# The longest the loop sleeps without news, so that stop() is noticed promptly.
_IDLE_WAIT = 0.5


class DirtyIssues(Protocol):
    """The set of issues whose votes changed since their last recompute."""

    def add(self, issue_id: int) -> None: ...

    def take(self, timeout: float) -> set[int]:
        """Remove and return every dirty issue, waiting up to ``timeout`` seconds for one."""
        ...

    def wake(self) -> None:
        """Make a waiting ``take`` return now."""
        ...


class MemoryDirtyIssues:
    """Dirty marks in this process (the embedded default: web process and worker are one)."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._changed = threading.Condition()

    def add(self, issue_id: int) -> None:
        with self._changed:
            self._ids.add(issue_id)
            self._changed.notify_all()

    def take(self, timeout: float) -> set[int]:
        with self._changed:
            if not self._ids and timeout > 0:
                self._changed.wait(timeout)
            taken, self._ids = self._ids, set()
            return taken

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


class RedisDirtyIssues:
    """Dirty marks shared by every web process and the worker: a Redis set plus a wake-up list."""

    def __init__(self, url: str, namespace: str = "agora", max_connections: int = 100) -> None:
        from redis import Redis

        # Every request thread may mark at once: redis-py's pool raises past max_connections.
        self._redis = Redis.from_url(url, max_connections=max_connections)
        self.set_key = f"{namespace}:opinion-map:dirty"
        self.wake_key = f"{namespace}:opinion-map:wake"

    def add(self, issue_id: int) -> None:
        with self._redis.pipeline() as pipe:
            pipe.sadd(self.set_key, issue_id)
            pipe.lpush(self.wake_key, 1)
            pipe.ltrim(self.wake_key, 0, 0)  # one pending wake-up is enough
            pipe.execute()

    def take(self, timeout: float) -> set[int]:
        taken = self._pop_all()
        if taken or timeout <= 0:
            return taken
        self._redis.blpop([self.wake_key], timeout=max(timeout, 0.01))
        return self._pop_all()

    def wake(self) -> None:
        self._redis.lpush(self.wake_key, 1)

    def _pop_all(self) -> set[int]:
        # Atomically: a mark added after this has its own wake-up, one added before is popped here.
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.spop(self.set_key, 10_000)
            pipe.delete(self.wake_key)
            popped, _ = pipe.execute()
        return {int(i) for i in popped or []}


class RecomputeScheduler:
    """Recomputes dirty issues, each at most once per ``min_interval`` seconds, then publishes."""

    name = "opinion-map"

    def __init__(
        self,
        dirty: DirtyIssues,
        min_interval: float,
        publish: Callable[[Recomputed], None],
        runner: Runner = recompute_here,
    ) -> None:
        self.dirty = dirty
        self.min_interval = min_interval
        self.publish = publish
        self.runner = runner
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def mark_dirty(self, issue_id: int) -> None:
        """Ask for a recompute of this issue soon; cheap, safe from any thread or process."""
        self.dirty.add(int(issue_id))

    def start(self, app: Flask) -> None:
        """Run the loop in a daemon thread of this process (the embedded default)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self.run, args=(app,), name="opinion-map-recompute", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.dirty.wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        close = getattr(self.runner, "close", None)
        if close is not None:
            close()

    def run(self, app: Flask) -> None:
        """Resume what a restart left behind, then recompute dirty issues until stopped."""
        with app.app_context():
            try:
                for issue_id in issues_needing_recompute():
                    self.mark_dirty(issue_id)
            finally:
                db.session.remove()
        due_at: dict[int, float] = {}  # issue -> earliest time its next recompute may start
        last_start: dict[int, float] = {}
        while not self._stopping.is_set():
            now = time.monotonic()
            wait = min(due_at.values(), default=now + _IDLE_WAIT) - now
            for issue_id in self.dirty.take(timeout=min(max(wait, 0.0), _IDLE_WAIT)):
                due_at.setdefault(issue_id, max(now, last_start.get(issue_id, -math.inf) + self.min_interval))
            now = time.monotonic()
            for issue_id in [i for i, at in due_at.items() if at <= now]:
                if self._stopping.is_set():
                    break
                del due_at[issue_id]
                last_start[issue_id] = time.monotonic()
                self._recompute(app, issue_id)

    def _recompute(self, app: Flask, issue_id: int) -> None:
        started = time.perf_counter()
        try:
            update = self.runner(app, issue_id)
        except Exception:
            # One issue's failure must not stop the maps of all the others.
            log.exception("Recomputing the opinion map of issue %s failed", issue_id)
            return
        if update is None:
            return
        computed = time.perf_counter()
        with app.app_context():
            try:
                self.publish(update)
            except Exception:
                log.exception("Publishing the opinion map of issue %s failed", issue_id)
        log.debug(
            "Issue %s tick %s: computed in %.3f s, published in %.3f s",
            issue_id,
            update.view.tick,
            computed - started,
            time.perf_counter() - computed,
        )


def make_dirty_issues(app: Flask) -> DirtyIssues:
    """Redis when a separate worker recomputes (CLUSTERING_MODE=external), else in memory."""
    if app.config["CLUSTERING_MODE"] == "external":
        url = app.config.get("REDIS_URL")
        if not url:
            raise RuntimeError(
                "CLUSTERING_MODE=external needs REDIS_URL: the web processes and the worker"
                " share their dirty marks there."
            )
        return RedisDirtyIssues(url, app.config["REDIS_KEY_PREFIX"], app.config["WEB_THREADS"] + 16)
    return MemoryDirtyIssues()


def init_app(app: Flask, publish: Callable[[Recomputed], None]) -> RecomputeScheduler:
    """Create the app's scheduler; the web process runs it only in the embedded mode."""
    from app import background

    embedded = app.config["CLUSTERING_MODE"] != "external"
    # `agora worker` does nothing but recompute: there the scheduler's own thread is the place.
    runner = ChildProcessRunner.for_app(app) if embedded and can_run_in_child(app) else recompute_here
    scheduler = RecomputeScheduler(make_dirty_issues(app), app.config["CLUSTERING_MIN_INTERVAL"], publish, runner)
    app.extensions[EXTENSION_KEY] = scheduler
    if embedded:
        background.register(app, scheduler)
    return scheduler


def scheduler_of(app: Flask) -> RecomputeScheduler | None:
    return app.extensions.get(EXTENSION_KEY)
