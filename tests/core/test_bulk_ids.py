"""Ids made by the bulk writers are valid, time-ordered UUIDs (version 7)."""

from __future__ import annotations

import time
import uuid

from caravan.store.bulk import new_id


def test_new_ids_are_uuid_version_7_and_unique() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for value in ids[:500]:
        parsed = uuid.UUID(value)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert parsed.hex == value


def test_new_ids_follow_the_clock() -> None:
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert first[:12] < second[:12]  # the millisecond timestamp leads
    assert abs(int(second[:12], 16) - time.time_ns() // 1_000_000) < 1000
