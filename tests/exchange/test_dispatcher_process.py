"""The dispatcher as a child process (``dispatcher = process``, the default)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import select

from caravan.collect import records
from caravan.config import Settings
from caravan.exchange import alerts
from caravan.exchange.dispatcher import DispatcherProcess
from caravan.store.models import Notification


def _notifications(world: Any, watch_id: int) -> list[Notification]:
    with world.db.session() as session:
        return list(session.scalars(select(Notification).where(Notification.watch_id == watch_id)))


def test_a_child_process_matches_new_data_and_stops_with_the_app(
    world: Any, settings: Settings
) -> None:
    watcher = world.principal("kz-mvd.analyst")
    with world.db.session() as session:
        watch_id = alerts.create_watch(
            session,
            watcher,
            {
                "kind": "selector",
                "selector_kind": "phone",
                "criteria": {"phone": "+996 555 010 203"},
            },
        ).id
    child = DispatcherProcess(settings)
    process = child.start()
    try:
        with world.db.session() as session:
            records.create_record(
                session,
                world.principal("kg-mvd.officer"),
                "persons",
                {"surname": "Probe", "phone": "+996555010203", "handling_code": "H1"},
            )
        deadline = time.monotonic() + 60  # a child starting on a loaded machine; not a timing test
        while not _notifications(world, watch_id) and time.monotonic() < deadline:
            assert process.poll() is None, "the dispatcher process died"
            time.sleep(0.2)
        (note,) = _notifications(world, watch_id)
        assert note.kind == "alert" and "Probe" in note.title + note.body
    finally:
        child.stop()
    assert process.returncode is not None


def test_the_child_stops_on_its_own_when_its_parent_is_gone(settings: Settings) -> None:
    env = {**os.environ, "CARAVAN_DATABASE_URL": settings.database_url}
    # Its parent is this test, so "--parent 1" names a process that is not its parent.
    process = subprocess.Popen(
        [sys.executable, "-m", "caravan.cli", "dispatcher", "--parent", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
