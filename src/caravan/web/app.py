"""The FastAPI application factory."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from caravan import __version__
from caravan.config import Settings, get_settings
from caravan.exchange.dispatcher import Dispatcher, DispatcherProcess
from caravan.exchange.dispatcher import state as dispatcher_state
from caravan.match import workers
from caravan.match.checks import person_index
from caravan.store import Database
from caravan.web import errors
from caravan.web.middleware import RequestGuard

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "ui" / "static"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app: JSON API under ``/api/v1`` (OpenAPI at ``/api/docs``) and the UI."""
    from caravan.web.api import docs as api_docs
    from caravan.web.api import router as api_router
    from caravan.web.ui import router as ui_router

    settings = settings or get_settings()
    app = FastAPI(
        title="Caravan",
        version=__version__,
        description="Intelligence records, checks and exchange for drug-law-enforcement "
        "agencies. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `caravan tokens create NAME`).",
        docs_url=None,  # served by caravan.web.api.docs from vendored files
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.db = database or Database(settings.database_url)
    errors.install(app)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(api_docs.router)
    app.include_router(ui_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.environment != "test":
        app.router.on_startup.append(lambda: warm_check_index(app.state.db))
        if settings.check_workers:
            count = settings.check_workers
            app.router.on_startup.append(lambda: workers.start_shared(app.state.db.url, count))
            app.router.on_shutdown.append(workers.stop_shared)
        if settings.dispatcher != "off":
            dispatcher: Dispatcher | DispatcherProcess = (
                Dispatcher(app.state.db, settings)
                if settings.dispatcher == "inline"
                else DispatcherProcess(settings)
            )
            app.state.dispatcher = dispatcher
            # Watches see data from the app's start on, however long the child takes.
            app.router.on_startup.append(lambda: dispatcher_state(app.state.db))
            app.router.on_startup.append(dispatcher.start)
            app.router.on_shutdown.append(dispatcher.stop)
    return app


def warm_check_index(db: Database) -> threading.Thread:
    """Build the person index of checks in the background, so the first check need not."""

    def build() -> None:
        try:
            with db.session() as session:
                person_index(session)
        except Exception:  # the first check builds it then, and says why
            log.exception("building the check index at start-up failed")

    thread = threading.Thread(target=build, name="check-index", daemon=True)
    thread.start()
    return thread


def asgi_app(settings: Settings | None = None, database: Database | None = None) -> RequestGuard:
    """The app wrapped in the request guard: what servers and tests run."""
    return RequestGuard(
        create_app(settings, database),
        max_body=(settings or get_settings()).max_upload_mb * 1024 * 1024,
    )
