"""Where a recompute runs: in the scheduler's own thread, or in a child process of the web process.

The recompute scheduler (scheduler.py) decides *when* an issue is recomputed; a
runner decides *where*. Both have the shape ``runner(app, issue_id) -> Recomputed | None``.

* ``recompute_here``: in the calling thread. ``agora worker`` (the scale-out setup) uses it: that
  process does nothing else.
* ``ChildProcessRunner``: in one long-lived child process (the embedded default). The web
  process serves every request and websocket in threads of one interpreter. A recompute is
  mostly numpy, but each of its Python steps then waits for the GIL behind hundreds of busy
  threads, which makes it several times slower and delays the requests in turn (figures:
  bench/README.md). The child has an interpreter of its own (and another core); it reads the
  votes and stores the snapshot itself, on the same database, and hands back what the
  broadcaster needs. The scheduler and the broadcasts stay in the web process.

The child is forked from multiprocessing's fork server, which imports the app once and has no
threads of ours (forking the threaded web process itself is unsafe). A child that dies is
replaced, and the recompute it was running is tried again in the new one.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from flask import Flask

from app.extensions import db
from app.services.opinion import recompute
from app.services.opinion.latest_map import map_cache
from app.services.opinion.recompute import Recomputed

log = logging.getLogger(__name__)

Runner = Callable[[Flask, int], "Recomputed | None"]

#: What the child's app needs of the parent's configuration (the rest comes from the environment).
CHILD_CONFIG_KEYS = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "INSTANCE_PATH", "TESTING")
#: Imported once by the fork server, so that each child starts in milliseconds.
PRELOAD = ["app", "app.services.opinion.recompute", "clustering"]


def recompute_here(app: Flask, issue_id: int) -> Recomputed | None:
    """Recompute an issue's map in this thread, in a fresh app context and session."""
    with app.app_context():
        try:
            return recompute.recompute(issue_id)
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def can_run_in_child(app: Flask) -> bool:
    """A child process needs a database it can open itself: not an in-memory SQLite one."""
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    in_memory = url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:")
    return bool(url) and not in_memory


class ChildProcessRunner:
    """Runs recomputes in one child process, started at the first recompute and kept."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = {key: config[key] for key in CHILD_CONFIG_KEYS if key in config}
        self._parent_pid = os.getpid()
        self._executor: ProcessPoolExecutor | None = None

    @classmethod
    def for_app(cls, app: Flask) -> ChildProcessRunner:
        return cls({**app.config, "INSTANCE_PATH": app.instance_path})

    def __call__(self, app: Flask, issue_id: int) -> Recomputed | None:
        try:
            update = self._pool().submit(_recompute_in_child, issue_id).result()
        except BrokenProcessPool:
            # The child died (killed, out of memory): once more, in a new one.
            log.warning("The clustering child process died; starting a new one.")
            self._discard()
            update = self._pool().submit(_recompute_in_child, issue_id).result()
        if update is not None:
            map_cache(app).remember(update.view)  # the web process answers viewers from it
        return update

    def close(self) -> None:
        """Stop the child (after the recompute in progress, if any)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def child_pids(self) -> list[int]:
        """The running child's process id (empty before the first recompute)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return [process.pid for process in processes.values() if process.is_alive()]

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(PRELOAD)
            else:  # not on this platform: a fresh interpreter, slower to start
                context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=_start_child,
                initargs=(self._config, self._parent_pid),
            )
        return self._executor

    def _discard(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


# --- in the child process ---------------------------------------------------------------------

_child_app: Flask | None = None


def _start_child(config: dict[str, Any], parent_pid: int) -> None:
    global _child_app
    from app import create_app

    # Ctrl+C reaches the whole process group: the web process stops this child itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with(parent_pid)
    # The child only recomputes: no background services, no Socket.IO message queue of its own.
    _child_app = create_app(
        {**config, "BACKGROUND_WORKERS": False, "CLUSTERING_MODE": "embedded", "SOCKETIO_MESSAGE_QUEUE": None}
    )


def _exit_with(parent_pid: int) -> None:
    """End this child when the web process ends, however it ends (SIGKILL included).

    Nothing else would: the child waits for work on a queue whose writing end it holds itself,
    and it keeps the fork server alive in turn.
    """
    try:
        exited = os.pidfd_open(parent_pid)  # readable once that process has exited (Linux)
    except (AttributeError, OSError):
        exited = None

    def watch() -> None:
        if exited is not None:
            select.select([exited], [], [])
        else:
            while _is_running(parent_pid):
                threading.Event().wait(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-web-process", daemon=True).start()


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recompute_in_child(issue_id: int) -> Recomputed | None:
    assert _child_app is not None, "the child process was not initialised"
    return recompute_here(_child_app, issue_id)
