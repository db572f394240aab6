"""Alerts: watches on profiles, selectors and seizure queries, matched against new data.

A user keeps watches of three kinds (:data:`KINDS`):

* ``profile`` — a resolved profile they may see at least one member of: alert on a new
  seizure, report or link naming one of its persons, and on a person record that a
  later resolution run puts into it;
* ``selector`` — a person (name, birth date…), phone, plate, document or company, as a
  check takes it (:func:`caravan.match.selectors.parse_selector`);
* ``query`` — seizure criteria: a drug or drug group, a country, a least quantity and a
  transport mode ("heroin seizures over 10 kg in Kyrgyzstan").

:func:`match_new` runs in every dispatcher round. It follows the change feed from
:attr:`DispatcherState.feed_id`, reads what the new rows name in bulk, matches it against
an in-memory :class:`~caravan.exchange.watch_index.WatchIndex` of the active watches, and
files each new (watch, record) pair once as a :class:`WatchHit` with a notification.

Restricted matches produce hit notices, not content: what a notification says of a
record comes through :func:`caravan.access.hit_views` for the watcher. A record they may
not read is "a person record of KG-MVD (H3) matched your watch; ask …" with a link to
request it, and its owner is told as for a check's hit notice
(:func:`caravan.match.checks.notify_owners`).
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import HitNotice, Principal, hit_views, personal_clause, require
from caravan.domain.countries import normalise_country
from caravan.domain.drugs import drug_groups, resolve_drug
from caravan.domain.places import TransportMode, parse_vocab
from caravan.errors import FieldError, InvalidData, InvalidValue, NotFound
from caravan.exchange.watch_index import (
    describe_query,
)
from caravan.match import checks
from caravan.match.selectors import KINDS as SELECTOR_KINDS
from caravan.match.selectors import Selector, parse_selector
from caravan.store import Database
from caravan.store.models import (
    ChangeFeed,
    DispatcherState,
    IdentityDocument,
    IntelReport,
    Organisation,
    Person,
    Phone,
    ProfileMember,
    RecordMixin,
    SeizureReport,
    Vehicle,
    Watch,
    WatchHit,
)

KINDS = ("profile", "selector", "query")
DELIVERIES = ("immediate", "digest")
MAX_LABEL = 200
MAX_URL = 500
#: Notifications one watch gets per round; more matches are summed up in one more.
NOTIFY_PER_ROUND = 10
#: Feed rows read per step of a round, and how long a round keeps taking steps.
FEED_STEP = 20
ROUND_BUDGET_SECONDS = 5.0
#: Record kinds of the store, for :func:`caravan.access.hit_views`.
MODELS: dict[str, type[RecordMixin]] = {
    "person": Person,
    "seizure": SeizureReport,
    "report": IntelReport,
    "organisation": Organisation,
    "phone": Phone,
    "document": IdentityDocument,
    "vehicle": Vehicle,
}
_CHUNK = 500


# --------------------------------------------------------------------------- validation


def _bad(field: str, message: str, value: Any = None) -> InvalidData:
    return InvalidData([FieldError(field, message, value=None if value is None else str(value))])


def _url(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if len(text) > MAX_URL:
        raise _bad("webhook_url", f"is {len(text)} characters long; at most {MAX_URL}")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad("webhook_url", "must be an http:// or https:// URL with a host", text[:80])
    return text


def _bool(raw: Mapping[str, Any], name: str, default: bool) -> bool:
    value = raw.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise _bad(name, "must be true or false", value)


def _delivery(value: Any) -> str:
    text = str(value or "immediate").strip().lower()
    if text not in DELIVERIES:
        raise _bad("delivery", f"must be one of {', '.join(DELIVERIES)}", value)
    return text


def _label(value: Any, default: str) -> str:
    text = " ".join(str(value or "").split()) or default
    if len(text) > MAX_LABEL:
        raise _bad("label", f"is {len(text)} characters long; at most {MAX_LABEL}")
    return text


def parse_query(criteria: Mapping[str, Any]) -> dict[str, Any]:
    """Validate seizure criteria; returns them cleaned (drug code and its group, country
    code, least kilograms, transport mode)."""
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    drug = criteria.get("drug_code") or criteria.get("drug")
    if drug not in (None, ""):
        try:
            found = resolve_drug(str(drug))
            out["drug_code"], out["drug_group"] = found.code, found.group
        except InvalidValue as exc:
            errors.append(FieldError("criteria.drug_code", str(exc), value=str(drug)[:60]))
    group = criteria.get("drug_group")
    if group not in (None, ""):
        text = str(group).strip().lower()
        if text not in drug_groups():
            errors.append(
                FieldError(
                    "criteria.drug_group",
                    f"unknown drug group; use one of {', '.join(drug_groups())}",
                    value=str(group)[:60],
                )
            )
        elif "drug_group" in out and out["drug_group"] != text:
            errors.append(
                FieldError(
                    "criteria.drug_group",
                    f"{out['drug_code']} is in group {out['drug_group']}, not {text}",
                    value=text,
                )
            )
        else:
            out["drug_group"] = text
    country = criteria.get("country")
    if country not in (None, ""):
        try:
            out["country"] = normalise_country(str(country))
        except InvalidValue as exc:
            errors.append(FieldError("criteria.country", str(exc), value=str(country)[:60]))
    min_kg = criteria.get("min_kg")
    if min_kg not in (None, ""):
        try:
            kg = Decimal(str(min_kg).strip().replace(",", "."))
            if not kg.is_finite() or kg <= 0:
                raise InvalidOperation
            out["min_kg"] = float(kg)
        except (InvalidOperation, ValueError):
            errors.append(
                FieldError("criteria.min_kg", "must be a number above 0", value=str(min_kg)[:60])
            )
    mode = criteria.get("transport_mode")
    if mode not in (None, ""):
        try:
            out["transport_mode"] = str(parse_vocab(TransportMode, str(mode)))
        except InvalidValue as exc:
            errors.append(FieldError("criteria.transport_mode", str(exc), value=str(mode)[:60]))
    if errors:
        raise InvalidData(errors)
    if not out:
        raise _bad(
            "criteria",
            "give at least one of drug_code, drug_group, country, min_kg or transport_mode",
        )
    return out


def _selector(
    session: Session, principal: Principal, kind: Any, criteria: Mapping[str, Any]
) -> Selector:
    if kind not in SELECTOR_KINDS:
        raise _bad("selector_kind", f"must be one of {', '.join(SELECTOR_KINDS)}", kind)
    try:
        return parse_selector(str(kind), criteria, region=checks.asker_region(session, principal))
    except InvalidData as exc:
        raise InvalidData(
            [FieldError(f"criteria.{e.field}", e.message, value=e.value) for e in exc.errors]
        ) from None


def _members(session: Session, profile_id: uuid.UUID) -> list[str]:
    return sorted(
        p.hex
        for p in session.scalars(
            select(ProfileMember.person_id).where(ProfileMember.profile_id == profile_id)
        )
    )


def _profile(session: Session, principal: Principal, value: Any) -> uuid.UUID:
    from caravan.resolve.profiles import profile_view

    if value in (None, ""):
        raise _bad("profile_id", "is required for a profile watch")
    try:
        profile_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except ValueError:
        raise _bad("profile_id", "is not a profile id", value) from None
    profile_view(session, profile_id, principal)  # NotFound unless a member is visible
    return profile_id


def selector_label(selector: Selector) -> str:
    """A watch's default label: what it watches, as given."""
    if selector.kind == "person":
        shown = selector.shown
        name = " ".join(
            v for k in ("surname", "given_name", "patronymic", "full_name") if (v := shown.get(k))
        )
        extra = [shown[k] for k in ("birth_date", "document") if shown.get(k)]
        return " · ".join([name, *extra]) if name else " · ".join(extra)
    return next(iter(selector.shown.values()), selector.kind)


# --------------------------------------------------------------------------- the service


def _snapshot(watch: Watch) -> dict[str, Any]:
    return {
        "kind": watch.kind,
        "label": watch.label,
        "selector_kind": watch.selector_kind,
        "criteria": public_criteria(watch),
        "profile_id": str(watch.profile_id) if watch.profile_id else None,
        "delivery": watch.delivery,
        "email": watch.email,
        "webhook_url": watch.webhook_url,
        "active": watch.active,
    }


def public_criteria(watch: Watch) -> dict[str, Any]:
    """A watch's criteria as shown to its owner (a profile watch's baseline left out)."""
    return {k: v for k, v in (watch.criteria or {}).items() if k != "baseline"}


def _ensure_feed_start(session: Session) -> None:
    """A watch made before the dispatcher's first round still sees what comes after it."""
    if session.get(DispatcherState, 1) is None:
        start = int(session.scalar(select(func.max(ChangeFeed.id))) or 0)
        try:
            with session.begin_nested():
                session.add(DispatcherState(id=1, feed_id=start))
        except IntegrityError:
            pass


def create_watch(session: Session, principal: Principal, raw: Mapping[str, Any]) -> Watch:
    """Start watching. ``raw``: ``kind`` (``profile``, ``selector`` or ``query``); for a
    selector ``selector_kind`` and ``criteria`` (as a check takes them); for a query
    ``criteria`` (``drug_code`` or ``drug_group``, ``country``, ``min_kg``,
    ``transport_mode``); for a profile ``profile_id``. Optional: ``label``,
    ``delivery`` (``immediate``/``digest``), ``email``, ``webhook_url``, ``active``.

    Raises:
        InvalidData: naming each bad field (``criteria.phone``, ``webhook_url``…).
        NotFound: the profile does not exist or the principal may see none of it.
    """
    require(principal, "watch.manage")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _bad("kind", f"must be one of {', '.join(KINDS)}", kind)
    criteria_raw = raw.get("criteria") or {}
    if not isinstance(criteria_raw, Mapping):
        raise _bad("criteria", "must be an object of fields")
    watch = Watch(
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        kind=kind,
        delivery=_delivery(raw.get("delivery")),
        email=_bool(raw, "email", False),
        active=_bool(raw, "active", True),
        match_count=0,
    )
    if kind == "selector":
        selector = _selector(session, principal, raw.get("selector_kind"), criteria_raw)
        watch.selector_kind = selector.kind
        watch.criteria = dict(selector.shown)
        default = selector_label(selector)
    elif kind == "query":
        watch.criteria = parse_query(criteria_raw)
        default = describe_query(watch.criteria)
    else:
        profile_id = _profile(session, principal, raw.get("profile_id"))
        watch.profile_id = profile_id
        watch.criteria = {"baseline": _members(session, profile_id)}
        default = f"profile {str(profile_id)[:8]}"
    watch.label = _label(raw.get("label"), default)
    watch.webhook_url = _url(raw.get("webhook_url"))
    watch.webhook_secret = secrets.token_hex(32) if watch.webhook_url else None
    _ensure_feed_start(session)
    session.add(watch)
    session.flush()
    audit.append(
        session,
        "watch.create",
        principal=principal,
        object_kind="watch",
        object_id=watch.id,
        after=_snapshot(watch),
    )
    return watch


def list_watches(session: Session, principal: Principal) -> list[Watch]:
    """The principal's own watches, newest first."""
    require(principal, "watch.manage")
    return list(
        session.scalars(
            select(Watch).where(personal_clause(Watch.user_id, principal)).order_by(Watch.id.desc())
        )
    )


def get_watch(session: Session, principal: Principal, watch_id: int) -> Watch:
    """One of the principal's watches; :class:`NotFound` for anyone else's."""
    require(principal, "watch.manage")
    watch = session.scalars(
        select(Watch).where(Watch.id == watch_id, personal_clause(Watch.user_id, principal))
    ).first()
    if watch is None:
        raise NotFound(f"No watch {watch_id} of yours")
    return watch


CHANGEABLE = ("label", "active", "delivery", "email", "webhook_url")


def update_watch(
    session: Session, principal: Principal, watch_id: int, changes: Mapping[str, Any]
) -> Watch:
    """Change a watch's ``label``, ``active``, ``delivery``, ``email`` or ``webhook_url``
    (what it watches is fixed: make a new watch for something else). A new webhook gets
    a new secret; removing the webhook removes the secret."""
    watch = get_watch(session, principal, watch_id)
    unknown = [k for k in changes if k not in CHANGEABLE]
    if unknown:
        raise _bad(unknown[0], f"cannot be changed; change one of {', '.join(CHANGEABLE)}")
    if not changes:
        raise _bad("body", f"give one of {', '.join(CHANGEABLE)}")
    before = _snapshot(watch)
    if "label" in changes:
        watch.label = _label(changes["label"], watch.label)
    if "active" in changes:
        watch.active = _bool(changes, "active", watch.active)
    if "delivery" in changes:
        watch.delivery = _delivery(changes["delivery"])
    if "email" in changes:
        watch.email = _bool(changes, "email", watch.email)
    if "webhook_url" in changes:
        url = _url(changes["webhook_url"])
        if url is None:
            watch.webhook_secret = None
        elif url != watch.webhook_url or not watch.webhook_secret:
            watch.webhook_secret = secrets.token_hex(32)
        watch.webhook_url = url
    session.flush()
    after = _snapshot(watch)
    changed = audit.changed_fields(before, after)
    audit.append(
        session,
        "watch.update",
        principal=principal,
        object_kind="watch",
        object_id=watch.id,
        before=changed[0],
        after=changed[1],
    )
    return watch


def delete_watch(session: Session, principal: Principal, watch_id: int) -> None:
    """Stop watching and forget the watch's matches (its notifications stay)."""
    watch = get_watch(session, principal, watch_id)
    before = _snapshot(watch)
    session.delete(watch)
    session.flush()
    audit.append(
        session,
        "watch.delete",
        principal=principal,
        object_kind="watch",
        object_id=watch_id,
        before=before,
    )


@dataclass(frozen=True)
class HitView:
    """A watch's match as its owner may see it now."""

    kind: str
    score: float
    explanation: str
    created_at: datetime
    record: RecordMixin | None = None
    notice: HitNotice | None = None

    @property
    def visible(self) -> bool:
        return self.record is not None

    @property
    def label(self) -> str:
        if self.record is not None:
            return record_label(self.record)
        assert self.notice is not None
        return notice_text(self.notice)

    @property
    def url(self) -> str | None:
        if self.record is not None:
            return record_url(self.record)
        assert self.notice is not None
        return rfi_url(self.notice)


def watch_hits(
    session: Session, principal: Principal, watch_id: int, *, limit: int = 200
) -> list[HitView]:
    """The watch's matches, newest first, as the principal may see each record now (a
    record since deleted is left out)."""
    watch = get_watch(session, principal, watch_id)
    hits = list(
        session.scalars(
            select(WatchHit)
            .where(WatchHit.watch_id == watch.id)
            .order_by(WatchHit.id.desc())
            .limit(limit)
        )
    )
    by_kind: dict[str, list[uuid.UUID]] = defaultdict(list)
    for hit in hits:
        by_kind[hit.record_kind].append(hit.record_id)
    views: dict[Any, RecordMixin | HitNotice] = {}
    for kind, ids in by_kind.items():
        if kind in MODELS:
            views.update(hit_views(session, MODELS[kind], ids, principal))
    out = []
    for hit in hits:
        view = views.get(hit.record_id)
        if view is None:
            continue
        out.append(
            HitView(
                hit.record_kind,
                hit.score,
                hit.explanation,
                hit.created_at,
                record=view if not isinstance(view, HitNotice) else None,
                notice=view if isinstance(view, HitNotice) else None,
            )
        )
    return out


# --------------------------------------------------------------------------- wording


def record_label(record: RecordMixin) -> str:
    if isinstance(record, Person):
        born = f" ({record.birth_date})" if record.birth_date else ""
        return f"{record.full_name}{born}"
    label = getattr(record, "label", None)
    return str(label) if label else record.reference


def record_url(record: RecordMixin) -> str | None:
    page = checks.PAGES.get(record.KIND)
    return page.format(record.id) if page else None


def notice_text(notice: HitNotice) -> str:
    ask = notice.contact or notice.owner_code
    return (
        f"a {notice.kind} record of {notice.owner_code} ({notice.handling_code}) "
        f"matched your watch; ask {ask}"
    )


def rfi_url(notice: HitNotice) -> str:
    """Where to request a record of a hit notice."""
    query = urlencode({"to": notice.owner_code, "kind": notice.kind, "reference": notice.reference})
    return f"/rfis/new?{query}"


# --------------------------------------------------------------------------- matching


def match_new(db: Database) -> int:
    """Match new data against the active watches (the dispatcher's alert step; see
    :func:`caravan.exchange.alert_feed.match_new`)."""
    from caravan.exchange import alert_feed

    return alert_feed.match_new(db)


def reset_cache() -> None:
    """Forget every cached watch index (tests that empty the database call this)."""
    from caravan.exchange import alert_feed

    alert_feed.reset_cache()


__all__ = [
    "DELIVERIES",
    "KINDS",
    "HitView",
    "create_watch",
    "delete_watch",
    "get_watch",
    "list_watches",
    "match_new",
    "notice_text",
    "parse_query",
    "public_criteria",
    "record_label",
    "reset_cache",
    "rfi_url",
    "update_watch",
    "watch_hits",
]
