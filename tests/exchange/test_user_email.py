"""Users give the address their notifications are e-mailed to (or none)."""

from __future__ import annotations

from typing import Any

import pytest

from caravan.accounts import service as accounts
from caravan.errors import InvalidData
from caravan.store.models import User


def test_email_is_set_checked_and_removed(world: Any) -> None:
    with world.db.session() as session:
        user = accounts.create_user(
            session,
            username="new.officer",
            agency_code="KZ-MVD",
            role="officer",
            password="a-long-enough-password",
            email=" officer@kz-mvd.example ",
        )
        assert user.email == "officer@kz-mvd.example"
    with world.db.session() as session, pytest.raises(InvalidData) as raised:
        accounts.update_user(session, "new.officer", email="not an address")
    assert raised.value.errors[0].field == "email"
    with world.db.session() as session:
        accounts.update_user(session, "new.officer", email="")
    with world.db.session() as session:
        stored = session.query(User).filter_by(username="new.officer").one()
        assert stored.email is None
