"""A real SMTP server process (aiosmtpd) and a real HTTP webhook receiver for the tests.

The SMTP server is ``python -m aiosmtpd`` with its ``Mailbox`` handler: each message it
accepts lands in a Maildir, read back with the standard :mod:`mailbox` module (with
``X-MailFrom`` / ``X-RcptTo`` headers naming the envelope). The receiver is
:mod:`http.server` in a thread, recording every request; its paths choose what it does:
``/ok…`` answers 200, ``/fail…`` 500, ``/slow…`` waits until the test ends.
"""

from __future__ import annotations

import email.policy
import mailbox
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import update

from caravan.store import Database
from caravan.store.models import User, Watch


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class SmtpServer:
    """``python -m aiosmtpd`` on a local port, storing what it receives in a Maildir."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.maildir = directory / f"maildir-{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SmtpServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while not accepts(self.port):
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"aiosmtpd exited: {err}")
            if time.monotonic() > deadline:
                raise RuntimeError("aiosmtpd did not start listening")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def messages(self) -> list[EmailMessage]:
        """Every message received, parsed with the modern e-mail policy."""
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(self.maildir, factory=None, create=False)
        parsed = []
        for key in sorted(box.keys()):
            raw = box.get_bytes(key)
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server in a thread that records each request it gets."""

    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                if self.path.startswith("/slow"):
                    receiver.release.wait(30)  # far past the client's timeout
                status = 500 if self.path.startswith("/fail") else 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the client gave up (the slow path)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


def give_email(db: Database, user_id: int, address: str) -> None:
    with db.session() as session:
        session.execute(update(User).where(User.id == user_id).values(email=address))


def make_watch(
    db: Database,
    user: User,
    *,
    label: str = "Phone +996 555 123 456",
    webhook_url: str | None = None,
    secret: str | None = "whsec-test-0123456789",  # noqa: S107 - a test value
    email: bool = False,
    delivery: str = "immediate",
) -> Watch:
    """A watch row made directly (the watch service is not what these tests are about)."""
    with db.session() as session:
        watch = Watch(
            user_id=user.id,
            agency_id=user.agency_id,
            kind="selector",
            label=label,
            selector_kind="phone",
            criteria={"phone": "+996555123456"},
            delivery=delivery,
            email=email,
            webhook_url=webhook_url,
            webhook_secret=secret if webhook_url else None,
        )
        session.add(watch)
        session.flush()
        session.expunge(watch)
    return watch
