"""Duplicate keys within one import: in memory first, then in a temporary table."""

from __future__ import annotations

from typing import Any

import pytest

from caravan.collect import seen as seen_module
from caravan.collect.importer import ImportFailed, import_file
from caravan.collect.seen import SeenKeys


@pytest.mark.parametrize("limit", [1_000_000, 3])
def test_first_row_of_each_key_is_remembered(db: Any, limit: int) -> None:
    with db.session() as session:
        seen = SeenKeys(session, memory_limit=limit)
        assert seen.check([1, 2, 1], [2, 3, 4]) == [None, None, 2]
        assert seen.check([3, 4, 5, 2], [5, 6, 7, 8]) == [None, None, None, 3]
        assert seen.check([6, 6, 1], [9, 10, 11]) == [None, 9, 2]
        assert (seen.memory is None) == (limit == 3)  # spilled into the temporary table
        seen.close()


def test_import_finds_duplicates_after_spilling(
    world: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(seen_module, "MEMORY_LIMIT", 10)
    lines = ["source_id,surname"] + [f"P{i},Surname{i}" for i in range(50)] + ["P7,Again"]
    path = tmp_path / "persons.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    principal = world.principal("kz-mvd.officer")
    with pytest.raises(ImportFailed) as caught, world.db.session() as session:
        import_file(session, principal, "persons", path, batch_rows=7)
    (error,) = caught.value.errors
    assert (error.row, error.field) == (52, "source_id")
    assert error.message == "duplicate: source_id 'P7' of KZ-MVD is already on row 9"
