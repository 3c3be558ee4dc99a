"""A Redis server of a test's own, on a free loopback port."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.support.network import free_port
from tests.support.waiting import eventually


def _answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.ConnectionError:
        return False


@contextlib.contextmanager
def private_redis(directory: Path) -> Iterator[str]:
    """Run ``redis-server`` (no persistence) while the block runs; yield its URL.

    The machine's shared Redis would mix this test's dirty marks and Socket.IO broadcasts with
    those of other test runs on the same server: its pub/sub channels are not scoped by database.
    """
    executable = shutil.which("redis-server")
    assert executable, "redis-server is not installed: run `make services`"
    port = free_port()
    process = subprocess.Popen(
        [executable, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        eventually(lambda: _answers(url) or process.poll() is not None, timeout=10)
        assert process.poll() is None, "redis-server exited at start-up"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
