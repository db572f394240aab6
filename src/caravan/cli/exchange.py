"""``caravan dispatcher``: the exchange dispatcher in a process of its own.

Runs the rounds the web process runs when ``dispatcher = inline`` (alerts, e-mail and
webhook deliveries, overdue requests, digests) in the foreground until Ctrl-C. Any
number may run beside the web workers: a lease lets one of them work at a time.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType

import typer

from caravan.cli import context
from caravan.config import get_settings
from caravan.exchange.dispatcher import Dispatcher


def dispatcher_command(
    once: bool = typer.Option(False, "--once", help="Run one round, print what it did, stop."),
    parent: int | None = typer.Option(
        None, "--parent", help="Stop when the process with this id is gone (the web process)."
    ),
) -> None:
    """Run the exchange dispatcher (alerts, e-mail, webhooks, deadlines) until Ctrl-C."""
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    dispatcher = Dispatcher(context.database(), settings)
    if once:
        done = dispatcher.run_once()
        context.console.print(
            f"leased: {done.leased}; alerts: {done.alerts}; sent: {done.sent}; "
            f"escalated: {done.escalated}; digests: {done.digests}",
            highlight=False,
        )
        for error in done.errors:
            context.err_console.print(f"[bold red]Error:[/] {error}", highlight=False)
        dispatcher.release()
        raise typer.Exit(1 if done.errors else 0)
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    context.console.print(
        f"Dispatcher {dispatcher.name}: a round every "
        f"{settings.dispatcher_interval_seconds:g} s; Ctrl-C stops it.",
        highlight=False,
    )
    dispatcher.start()
    while not stopped.wait(1.0):
        if parent is not None and os.getppid() != parent:
            break  # the web process that started us is gone
    dispatcher.stop()
    context.console.print(f"Stopped after {dispatcher.rounds} rounds.", highlight=False)
