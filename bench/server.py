"""The real app under a real uvicorn server, in a background thread on a free local port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from caravan.config import Settings
from caravan.store import Database
from caravan.web.app import asgi_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(db: Database) -> Iterator[str]:
    """Serve ``asgi_app`` over ``db`` at the yielded base URL until the block ends."""
    settings = Settings(
        environment="test",
        database_url=db.url,
        secret_key="bench-" + "x" * 40,
        cookie_secure=False,
    )
    port = free_port()
    config = uvicorn.Config(
        asgi_app(settings, db),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="bench-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
