"""The polling loop of `agora send-mail --loop` and `agora send-webhooks --loop`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import click


def poll(one_round: Callable[[], str | None], *, loop: bool, interval: float) -> None:
    """Run ``one_round`` once, or every ``interval`` seconds until SIGTERM or SIGINT.

    A round prints what it returns (None: nothing to say). A stop signal lets the round in
    progress finish, so a message being sent is sent and marked before the process exits:
    a supervisor's stop (or `make scale-stop`) never cuts a delivery in half.
    """
    stopping = threading.Event()
    if loop and threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stopping.set())
    while True:
        said = one_round()
        if said is not None:
            click.echo(said)
        if not loop or stopping.wait(interval):
            return
