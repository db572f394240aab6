"""Web UI fixtures: a TestClient over the app, sample data, and a live server for Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from ui_support import PASSWORD, file_sample_records

from caravan.config import Settings
from caravan.web.app import asgi_app


@pytest.fixture(scope="session", autouse=True)
def _same_password(pytestconfig: pytest.Config) -> None:
    """ui_support.PASSWORD must be the root conftest's TEST_PASSWORD."""
    for plugin in pytestconfig.pluginmanager.get_plugins():
        if getattr(plugin, "TEST_PASSWORD", None) is not None:
            assert plugin.TEST_PASSWORD == PASSWORD
            return


@pytest.fixture
def client(settings: Settings, world: Any) -> Iterator[TestClient]:
    with TestClient(asgi_app(settings, world.db)) as test_client:
        yield test_client


@pytest.fixture
def sample(world: Any) -> dict[str, Any]:
    """Realistic records filed by KZ-MVD (persons in two scripts, seizures, reports)."""
    principal = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        return file_sample_records(principal, session)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, world: Any) -> Iterator[str]:
    """The app served by uvicorn on a free local port, in a background thread."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            asgi_app(settings, world.db), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(url + "/login", timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start") from None
            time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


#: The system Chromium the browser tests drive (never a downloaded one).
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def browser_page(live_server: str) -> Iterator[Any]:
    """A page in headless Chromium on the live server; fails on any console error."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            base_url=live_server, viewport={"width": 1440, "height": 900}, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        expected = "the server responded with a status of 422"  # a form sent back with errors
        page.on(
            "console",
            lambda m: (
                errors.append(m.text) if m.type == "error" and expected not in m.text else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        browser.close()
    assert not errors, f"browser console errors: {errors}"
