"""Who is acting: the user, their agency and role, resolved once per request."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("officer", "analyst", "supervisor", "administrator")


@dataclass(frozen=True)
class Principal:
    """The acting user, as every service receives it."""

    user_id: int
    username: str
    agency_id: int
    agency_code: str
    role: str
    #: True when the user's agency is the centre (its administrators act region-wide).
    at_centre: bool = False

    @property
    def is_centre_admin(self) -> bool:
        return self.at_centre and self.role == "administrator"

    @classmethod
    def from_user(cls, user: object) -> Principal:
        """Build from a ``caravan.store.models.User`` (typed loosely to keep layers apart)."""
        agency = user.agency  # type: ignore[attr-defined]
        return cls(
            user_id=user.id,  # type: ignore[attr-defined]
            username=user.username,  # type: ignore[attr-defined]
            agency_id=agency.id,
            agency_code=agency.code,
            role=user.role,  # type: ignore[attr-defined]
            at_centre=agency.type == "centre",
        )
