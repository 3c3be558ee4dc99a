"""Where recomputes run: the embedded default's child process, and the worker's own thread."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from app import create_app
from app.extensions import db
from app.models import OpinionSnapshot
from app.services.opinion.latest_map import latest_map
from app.services.opinion.runners import ChildProcessRunner, can_run_in_child, recompute_here
from app.services.opinion.scheduler import scheduler_of
from tests.support.issues import make_issue
from tests.support.opinion_data import make_blocs
from tests.support.processes import exists
from tests.support.waiting import eventually

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_the_embedded_default_recomputes_in_a_child_process(app):
    issue_id = make_issue(app)
    make_blocs(app, issue_id, per_bloc=5)
    runner = scheduler_of(app).runner
    assert isinstance(runner, ChildProcessRunner)
    try:
        update = runner(app, issue_id)
        [child] = runner.child_pids()
        assert child != os.getpid()
        assert update.view.tick == 1 and update.view.payload["k"] == 2
        with app.app_context():
            stored = db.session.scalars(db.select(OpinionSnapshot)).one()  # the child stored it
            assert stored.tick == 1 and stored.result == update.view.payload
            assert latest_map(issue_id).payload == update.view.payload
    finally:
        runner.close()
    assert runner.child_pids() == []


def test_a_dead_child_is_replaced_and_the_recompute_still_happens(app):
    issue_id = make_issue(app)
    make_blocs(app, issue_id, per_bloc=5)
    runner = ChildProcessRunner.for_app(app)
    try:
        assert runner(app, issue_id).view.tick == 1
        [child] = runner.child_pids()
        os.kill(child, signal.SIGKILL)
        eventually(lambda: not exists(child), message=f"process {child} is still alive")

        assert runner(app, issue_id).view.tick == 2
        [replacement] = runner.child_pids()
        assert replacement != child
    finally:
        runner.close()


def test_the_external_worker_and_in_memory_databases_recompute_in_their_own_thread(app_config):
    external = create_app({**app_config, "CLUSTERING_MODE": "external", "REDIS_URL": REDIS_URL})
    assert scheduler_of(external).runner is recompute_here
    in_memory = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not can_run_in_child(in_memory)  # a child could not open that database
    assert scheduler_of(in_memory).runner is recompute_here


# Recomputes one issue through a ChildProcessRunner, prints the child's pid, then waits.
_WEB_PROCESS = """
import json, sys, time
from app import create_app
from app.services.opinion.runners import ChildProcessRunner
app = create_app(json.loads(sys.argv[1]))
runner = ChildProcessRunner.for_app(app)
runner(app, int(sys.argv[2]))
print(runner.child_pids()[0], flush=True)
time.sleep(60)
"""


def test_the_child_ends_when_the_web_process_is_killed(app, app_config):
    issue_id = make_issue(app)
    make_blocs(app, issue_id, per_bloc=5)
    config = {k: v for k, v in app_config.items() if isinstance(v, str | int | float | bool | None)}
    web = subprocess.Popen(
        [sys.executable, "-c", _WEB_PROCESS, json.dumps(config), str(issue_id)],
        stdout=subprocess.PIPE,
        text=True,
    )
    with web:
        try:
            child = int(web.stdout.readline())
        finally:
            web.kill()  # SIGKILL: no clean-up code of the web process runs
    eventually(lambda: not exists(child), message=f"process {child} is still alive")
