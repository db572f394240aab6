"""Lists page by key: every visible record exactly once, forwards and back, in order."""

from __future__ import annotations

from typing import Any

import pytest

from caravan.collect import records
from caravan.errors import InvalidData


def walk(session: Any, principal: Any, kind: str, filters: dict[str, str]) -> list[Any]:
    pages, page = [], records.list_records(session, principal, kind, filters, per_page=7)
    pages.append(page)
    while page.has_next:
        page = records.list_records(
            session,
            principal,
            kind,
            filters,
            per_page=7,
            page=page.page + 1,
            after=page.next_cursor,
        )
        pages.append(page)
    return pages


@pytest.mark.parametrize(
    ("kind", "filters"),
    [("persons", {}), ("persons", {"q": "ka"}), ("seizures", {}), ("reports", {})],
)
def test_cursor_pages_cover_the_list_once_and_come_back(
    world: Any, kind: str, filters: Any
) -> None:
    kz, kg = world.principal("kz-mvd.officer"), world.principal("kg-mvd.officer")
    with world.db.session() as session:
        for i in range(23):
            owner = kz if i % 3 else kg
            raw: dict[str, Any] = {
                "persons": {
                    "surname": f"Ka{i % 5}rimov",
                    "handling_code": "H2" if i % 4 == 0 else "H0",
                },
                "seizures": {
                    "date": f"2025-0{1 + i % 9}-1{i % 9}",
                    "drug": "heroin",
                    "quantity": "1",
                    "unit": "kg",
                    "handling_code": "H1",
                },
                "reports": {
                    "date": f"2024-1{i % 3}-0{1 + i % 9}",
                    "title": f"R{i}",
                    "body": "b",
                    "handling_code": "H2" if i % 4 == 0 else "H0",
                },
            }[kind]
            records.create_record(session, owner, kind, raw)
    with world.db.session() as session:
        offset_ids = [
            r.id for r in records.list_records(session, kz, kind, filters, per_page=200).items
        ]
        pages = walk(session, kz, kind, filters)
        cursor_ids = [r.id for p in pages for r in p.items]
        assert cursor_ids == offset_ids  # same order, nothing lost or repeated
        assert len(pages) == -(-len(offset_ids) // 7)
        # Back from the last page to the first, by prev cursors.
        page = pages[-1]
        while page.page > 1:
            back = records.list_records(
                session, kz, kind, filters, per_page=7, page=page.page - 1, before=page.prev_cursor
            )
            assert [r.id for r in back.items] == [r.id for r in pages[page.page - 2].items]
            page = back


def test_a_forged_cursor_is_a_clear_error(world: Any) -> None:
    with world.db.session() as session, pytest.raises(InvalidData) as caught:
        records.list_records(
            session, world.principal("kz-mvd.officer"), "persons", after="bm90LWEtY3Vyc29y"
        )
    assert caught.value.errors[0].field == "cursor"
