"""Who may *do* what. Roles and agency ownership, as data and one check.

The matrix is deliberately small and explicit; every endpoint calls
:func:`require` with one of these actions, and the authorisation-matrix test
walks every endpoint × role × own/other agency × handling code against it.
"""

from __future__ import annotations

from caravan.access.principal import Principal
from caravan.errors import PermissionDenied
from caravan.store.models import RecordMixin

ALL_ROLES = frozenset({"officer", "analyst", "supervisor", "administrator"})

#: action → roles allowed (agency scope is checked separately by ``require``).
ROLE_MATRIX: dict[str, frozenset[str]] = {
    "record.read": ALL_ROLES,
    "record.create": ALL_ROLES,
    "record.update": ALL_ROLES,
    "record.delete": frozenset({"supervisor", "administrator"}),
    "import.run": ALL_ROLES,
    "export.run": frozenset({"analyst", "supervisor", "administrator"}),
    "audit.read": frozenset({"administrator"}),
    "user.manage": frozenset({"administrator"}),
    "agency.manage": frozenset({"administrator"}),
    "token.manage": ALL_ROLES,
    "check.run": ALL_ROLES,
    #: The agency's hit inbox: who asked about its restricted records.
    "hits.read": frozenset({"analyst", "supervisor", "administrator"}),
    #: Profiles are read through their records, so any role may open one.
    "profile.read": ALL_ROLES,
    #: Confirm or reject a pair, split a profile, move a record out of one.
    "resolve.review": frozenset({"analyst", "supervisor", "administrator"}),
    #: Start a resolution run.
    "resolve.run": frozenset({"supervisor", "administrator"}),
    #: Link analysis: expand, find paths, rank, timelines (visibility still applies).
    "graph.read": ALL_ROLES,
    #: Save, rename and delete one's own named charts.
    "chart.save": frozenset({"analyst", "supervisor", "administrator"}),
    #: Requests for information: write, send, acknowledge and answer (for one's agency).
    "rfi.create": ALL_ROLES,
    "rfi.answer": ALL_ROLES,
    #: Four-eyes: let an answer releasing H2/H3 content (or an H2/H3 record shared into an
    #: operation) leave the agency. Never one's own.
    "release.approve": frozenset({"supervisor", "administrator"}),
    #: Watch profiles, selectors and seizure queries; read one's notifications.
    "watch.manage": ALL_ROLES,
    "notification.read": ALL_ROLES,
    #: Open a joint operation; run it (status, agencies, members) as a member.
    "operation.create": frozenset({"supervisor", "administrator"}),
    "operation.manage": frozenset({"supervisor", "administrator"}),
    #: Take part as a member: messages, events, tasks, share one's agency's records.
    "operation.participate": ALL_ROLES,
    #: See the queue of e-mails and webhook calls (and why they fail).
    "delivery.read": frozenset({"administrator"}),
}

#: actions only administrators of the centre may take.
CENTRE_ONLY = frozenset({"agency.manage"})


def allowed(principal: Principal, action: str) -> bool:
    roles = ROLE_MATRIX.get(action)
    if roles is None:
        raise KeyError(f"unknown action {action!r}")
    if action in CENTRE_ONLY and not principal.at_centre:
        return False
    return principal.role in roles


def require(principal: Principal, action: str, record: RecordMixin | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``principal`` may take ``action``.

    Changing or deleting a record is for its owner agency alone: the owner keeps
    control even over what others can read.
    """
    if not allowed(principal, action):
        raise PermissionDenied(f"Your role ({principal.role}) may not {action.replace('.', ' ')}")
    changing = action in {"record.update", "record.delete"}
    if record is not None and changing and record.agency_id != principal.agency_id:
        raise PermissionDenied("Only the owner agency may change this record")


def require_agency_scope(principal: Principal, agency_id: int, action: str) -> None:
    """Acting for another agency (e.g. importing its rows) is for centre administrators only."""
    if agency_id != principal.agency_id and not principal.is_centre_admin:
        raise PermissionDenied(
            f"You may {action} only for your own agency ({principal.agency_code})"
        )
