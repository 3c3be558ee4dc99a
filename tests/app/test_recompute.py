"""The recompute scheduler: coalesces bursts, keeps the minimum interval, survives failures."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from app import background, create_app
from app.services.opinion import recompute as recompute_module
from app.services.opinion.scheduler import (
    MemoryDirtyIssues,
    RecomputeScheduler,
    RedisDirtyIssues,
    scheduler_of,
)
from tests.support.issues import make_issue
from tests.support.opinion_data import make_blocs

REDIS_URL = "redis://127.0.0.1:6379/15"


class Published:
    def __init__(self) -> None:
        self.updates = []
        self.times = []
        self._changed = threading.Condition()

    def __call__(self, update) -> None:
        with self._changed:
            self.updates.append(update)
            self.times.append(time.monotonic())
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.updates) >= count, timeout), self.updates


@pytest.fixture
def running(app):
    """Start a scheduler with a recording publisher; stop it afterwards."""
    started = []

    def start(min_interval: float) -> tuple[RecomputeScheduler, Published]:
        published = Published()
        scheduler = RecomputeScheduler(MemoryDirtyIssues(), min_interval, published)
        scheduler.start(app)
        started.append(scheduler)
        return scheduler, published

    yield start
    for scheduler in started:
        scheduler.stop()


def test_a_burst_of_votes_is_one_recompute_after_the_interval(app, running):
    issue_id = make_issue(app)
    make_blocs(app, issue_id, per_bloc=5)
    # Taken before the scheduler starts: on start it marks the issue itself (votes, no snapshot yet).
    first_marked = time.monotonic()
    scheduler, published = running(min_interval=0.4)
    scheduler.mark_dirty(issue_id)
    published.wait_for(1)

    for _ in range(25):
        scheduler.mark_dirty(issue_id)
    published.wait_for(2)
    time.sleep(0.6)

    assert [u.view.tick for u in published.updates] == [1, 2]
    # The interval separates the starts of two recomputes; the first started after it was marked.
    assert published.times[1] - first_marked >= 0.4


def test_issues_are_throttled_separately(app, running):
    first, second = make_issue(app), make_issue(app)
    make_blocs(app, first, per_bloc=3)
    scheduler, published = running(min_interval=5.0)
    scheduler.mark_dirty(first)
    published.wait_for(1)
    scheduler.mark_dirty(second)  # another issue need not wait for the first one's interval
    published.wait_for(2, timeout=2.0)
    assert [u.view.issue_id for u in published.updates] == [first, second]


def test_a_failing_issue_does_not_stop_the_others(app, running, monkeypatch):
    broken, fine = make_issue(app), make_issue(app)
    real = recompute_module.recompute

    def recompute(issue_id):
        if issue_id == broken:
            raise RuntimeError("boom")
        return real(issue_id)

    monkeypatch.setattr(recompute_module, "recompute", recompute)
    scheduler, published = running(min_interval=0.0)
    scheduler.mark_dirty(broken)
    scheduler.mark_dirty(fine)
    published.wait_for(1)
    assert published.updates[0].view.issue_id == fine


def test_memory_dirty_set_waits_and_coalesces():
    dirty = MemoryDirtyIssues()
    started = time.monotonic()
    assert dirty.take(timeout=0.2) == set()
    assert time.monotonic() - started >= 0.15
    for issue_id in (3, 3, 4):
        dirty.add(issue_id)
    assert dirty.take(timeout=1) == {3, 4}
    threading.Timer(0.1, dirty.add, args=(7,)).start()
    assert dirty.take(timeout=5) == {7}


def test_redis_dirty_set_is_shared_between_processes():
    namespace = f"test-{uuid.uuid4().hex}"
    web, worker = RedisDirtyIssues(REDIS_URL, namespace), RedisDirtyIssues(REDIS_URL, namespace)
    for issue_id in (5, 5, 6):
        web.add(issue_id)
    assert worker.take(timeout=1) == {5, 6}
    started = time.monotonic()
    assert worker.take(timeout=0.3) == set()
    assert time.monotonic() - started >= 0.25
    threading.Timer(0.1, web.add, args=(8,)).start()
    started = time.monotonic()
    assert worker.take(timeout=5) == {8}
    assert time.monotonic() - started < 2


def test_external_mode_only_marks_issues_dirty(app_config, api):
    external = create_app({**app_config, "CLUSTERING_MODE": "external", "REDIS_URL": REDIS_URL})
    scheduler = scheduler_of(external)
    assert isinstance(scheduler.dirty, RedisDirtyIssues)
    assert scheduler not in background.services(external)  # `agora worker` runs it instead


def test_external_mode_needs_redis(app_config):
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app({**app_config, "CLUSTERING_MODE": "external", "REDIS_URL": None})


def test_worker_command_refuses_the_embedded_mode(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "CLUSTERING_MODE=external" in result.output
