"""Loopback ports and waiting for a server to answer."""

from __future__ import annotations

import socket
import time

import requests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, timeout: float, alive=lambda: True) -> None:
    """Poll ``url`` until it answers 200; ``alive`` is asked between tries (a server that exited fails fast)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert alive(), f"the server behind {url} exited"
        assert time.monotonic() < deadline, f"{url} did not answer within {timeout} s"
        time.sleep(0.1)
