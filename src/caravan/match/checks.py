"""Hit/no-hit checks: rank what the store holds on a selector, show it as the asker may see it.

:func:`run_check` answers one :class:`~caravan.match.selectors.Selector`:

1. finds candidates — persons through the :class:`~caravan.match.index.PersonIndex` (and
   by document number), phones, plates, documents and companies by their keys in SQL;
2. scores each (name similarity, birth date, nationality, document; the name's frequency
   in the store) and gives it a band, ``strong`` or ``possible``;
3. hands the top :data:`TOP` to :func:`caravan.access.hit_views`: a record the asker may
   read comes back whole, any other as a hit notice (owner, reference, handling code,
   contact point — nothing of its content);
4. notifies the owner of every hit notice (once per asker, record and day) and audits
   the check.

Explanations are written from the query's side for hit notices ("surname matched by
transliteration"), and name the stored spelling only where the asker may read it.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caravan import audit
from caravan.access import HitNotice, HitRecord, Principal, hit_refs, hit_views, require
from caravan.match.index import PersonIndex, birth_day, birth_month, birth_precision, birth_year
from caravan.match.selectors import Selector
from caravan.names import NameMatch, Token, compare
from caravan.names.matching import Pairs
from caravan.store.models import (
    Agency,
    HitNotification,
    IdentityDocument,
    Link,
    Organisation,
    Person,
    Phone,
    RecordMixin,
    SeizureReport,
    Vehicle,
)

#: Hits shown per check; the total says how many there were.
TOP = 20
STRONG = 0.85
POSSIBLE = 0.70
#: Persons scored per check at most: those found through most of the query's words (and,
#: with a birth date, born within a year of it).
MAX_SCORED = 400
#: Expected chance namesakes above which a name alone identifies no one.
COMMON_EXPECTED = 0.5
#: More namesakes than this make a name-only check "many possible candidates".
FEW = 3
ADVICE_COMMON = "many possible candidates — add a birth date or a document number"

#: Page of a record kind, when it has one.
PAGES = {"person": "/persons/{}", "seizure": "/seizures/{}", "report": "/reports/{}"}


@dataclass
class Hit:
    """One ranked result: the record (if the asker may read it) or a hit notice."""

    rank: int
    kind: str
    score: float
    band: str
    #: What matched, from the query's side. For a hit notice only *which* of the query's
    #: parts matched (never how, nor anything of the record's own values).
    explanation: str
    record: RecordMixin | None = None
    notice: HitNotice | None = None
    #: A readable record named, not shown (a batch's hits: :func:`caravan.access.hit_refs`).
    ref: HitRecord | None = None
    #: The stored spelling that matched — only set when ``record`` or ``ref`` is.
    matched_name: str | None = None
    #: The record found (kept out of every rendering of a hit notice).
    _target: Any = field(default=None, repr=False)
    #: The full explanation of a hit notice — for the owner's inbox only.
    detail: str = field(default="", repr=False)

    @property
    def visible(self) -> bool:
        return self.record is not None or self.ref is not None

    @property
    def record_id(self) -> Any:
        """The record's id — only when the asker may read it."""
        if self.record is not None:
            return self.record.id
        return self.ref.id if self.ref is not None else None

    @property
    def url(self) -> str | None:
        if self.record_id is None or self.kind not in PAGES:
            return None
        return PAGES[self.kind].format(self.record_id)

    @property
    def _named(self) -> HitRecord | HitNotice:
        """The hit as named without its record: a batch's ref, or the notice."""
        view = self.ref or self.notice
        assert view is not None
        return view

    @property
    def agency(self) -> str:
        return self.record.agency.code if self.record is not None else self._named.owner_code

    @property
    def reference(self) -> str:
        return self.record.reference if self.record is not None else self._named.reference

    @property
    def handling_code(self) -> str:
        if self.record is not None:
            return self.record.handling_code
        return self._named.handling_code


@dataclass
class CheckOutcome:
    selector: Selector
    #: Candidates at or above the ``possible`` band (``hits`` shows the first :data:`TOP`).
    total: int
    hits: list[Hit] = field(default_factory=list)
    advice: str | None = None

    @property
    def strong(self) -> int:
        return sum(1 for h in self.hits if h.band == "strong")


@dataclass
class _Scored:
    score: float
    band: str
    explanation: str
    record_id: Any
    kind: str
    matched_name: str | None = None
    #: The explanation for a hit notice (see :attr:`Hit.explanation`).
    coarse: str = ""
    #: What :meth:`explain` needs to write the explanations (persons: they are written
    #: only for the hits shown, not for every candidate).
    pending: tuple[Any, ...] | None = None
    #: The score before it was clipped to 1: two perfect names still differ by how
    #: their birth dates agree (``score`` if not given).
    raw: float | None = None

    @property
    def order(self) -> tuple[bool, float, str]:
        """How hits rank: confirmed (``strong``) first, then by score."""
        return (
            self.band != "strong",
            -(self.score if self.raw is None else self.raw),
            str(self.record_id),
        )

    def explain(self, query: Sequence[Token]) -> None:
        if self.pending is None:
            return
        variant, notes, document, known = self.pending
        match = compare(query, variant, known) if query and variant else None
        reasons = (["document number matched"] if document else []) + (
            [_name_words(match)] if match is not None else []
        )
        self.explanation = "; ".join(r for r in (*reasons, *notes) if r)
        self.coarse = _coarse(match, document)
        self.pending = None


# --------------------------------------------------------------------------- the index

_indexes: dict[str, PersonIndex] = {}
_build_lock = threading.Lock()


def asker_region(session: Session, principal: Principal) -> str | None:
    """The asker's country: how the national phone numbers they type are read."""
    agency = session.get(Agency, principal.agency_id)
    return agency.country if agency is not None else None


def person_index(session: Session) -> PersonIndex:
    """This process's person index of the session's database: built on first use (and
    again if the store was reset under it), refreshed from the change feed."""
    bind = session.get_bind()
    key = bind.engine.url.render_as_string(hide_password=True)
    index = _indexes.get(key)
    if index is None or not index.ready.is_set() or index.stale(session):
        with _build_lock:
            index = _indexes.get(key)
            if index is None or not index.ready.is_set() or index.stale(session):
                index = PersonIndex()
                index.build(session)
                _indexes[key] = index
    index.refresh(session)
    return index


def reset_index() -> None:
    """Forget every index (tests that empty the database call this)."""
    with _build_lock:
        _indexes.clear()


# --------------------------------------------------------------------------- persons


#: Birth date agreement levels and their score change: a shared year, month or day; a
#: conflict within the year; a year apart. Even a shared year outweighs a patronymic one
#: side did not write (0.03 to 0.057 of the name score): among namesakes the date tells
#: persons apart, the fields filed do not.
_LEVELS = ("unknown", "year", "month", "day", "conflict", "near")
_CHANGE = {
    "unknown": 0.0,
    "year": 0.06,
    "month": 0.07,
    "day": 0.08,
    "conflict": -0.15,
    "near": -0.08,
}
#: A conflict of more than a year.
_DISTANT = -0.3


def _birth(query: str | None, stored: str | None) -> tuple[str, float]:
    """How a stored (partial) birth date agrees with the query's: (level, score change)."""
    if not query or not stored or birth_precision(query) <= 0 or birth_precision(stored) <= 0:
        return "unknown", 0.0  # not given, or not an ISO partial date
    common = min(len(query), len(stored))
    if query[:common] == stored[:common]:
        level = {4: "year", 7: "month", 10: "day"}.get(common, "year")
        return level, _CHANGE[level]
    if query[:4] == stored[:4]:
        return "conflict", _CHANGE["conflict"]
    if abs(int(query[:4]) - int(stored[:4])) == 1:
        return "near", _CHANGE["near"]
    return "conflict", _DISTANT


def _matched(part: Any) -> bool:
    """A query word that found its counterpart (paired words that differ did not)."""
    return bool(part.query) and part.candidate is not None and part.how != "different"


def _role(part: Any) -> str:
    """The part's role in words; a word of an unstructured name takes the role it matched."""
    role = part.query_role if part.query_role != "name" else part.candidate_role or "name"
    return ROLE_WORDS.get(role, role)


def _name_words(match: NameMatch) -> str:
    """Query-side account of a name match: which query words matched, and how."""
    matched = [p for p in match.parts if _matched(p)]
    missing = [p for p in match.parts if p.query and not _matched(p)]
    words = [f"{_role(p)} {p.query} ({p.how})" for p in matched]
    if missing:
        words.append("not matched: " + ", ".join(p.query for p in missing))
    if match.swapped:
        words.append("name order differs")
    return "; ".join(words)


ROLE_WORDS = {
    "surname": "surname",
    "given": "given name",
    "patronymic": "patronymic",
    "name": "name",
}


def _coarse(match: NameMatch | None, document: bool) -> str:
    """Which of the query's parts matched — no more (the explanation of a hit notice)."""
    parts = (
        []
        if match is None
        else [
            ROLE_WORDS.get(p.query_role, p.query_role)
            for p in match.parts
            if p.candidate is not None and p.query
        ]
    )
    said = ["document number matched"] if document else []
    if parts:
        said.append("name matched: " + ", ".join(dict.fromkeys(parts)))
    return "; ".join(said)


def person_evidence(
    selector: Selector,
    name_score: float,
    birth: str | None,
    nationality: str | None,
    document: bool,
) -> tuple[float, str, list[str]]:
    """A stored person's score against a person selector before the name's frequency is
    weighed: the name score, moved by how the birth dates agree and by the nationality,
    raised by a shared document. Also the birth date's agreement level and what was noted.
    Watches (:mod:`caravan.exchange.watch_index`) score through it; checks do the same on
    arrays (:class:`_Evidence`, held equal to it by ``tests/match/test_check_evidence.py``)."""
    level, change = _birth(selector.birth_date, birth)
    score = name_score + change
    if selector.nationality and nationality and nationality != selector.nationality:
        score -= 0.03
    if document:
        score = max(score, 0.6) + 0.3
    return score, level, _noted(selector, level, nationality)


def _noted(selector: Selector, level: str, nationality: str | None) -> list[str]:
    """What a person check notes of a candidate besides its name: how the birth dates
    agree and whether the nationality is the same."""
    notes = [f"birth date: {level}"] if level != "unknown" else []
    if selector.nationality and nationality:
        same = nationality == selector.nationality
        notes.append("nationality same" if same else "nationality differs")
    return notes


def _person_candidates(
    session: Session, selector: Selector, index: PersonIndex
) -> tuple[list[_Scored], int, bool]:
    """The first :data:`TOP` persons at or above ``possible`` (in the order hits are
    shown), how many there are, and whether the name alone is too common to decide on."""
    found, _, frequency = index.candidates(
        selector.names, birth=selector.birth_date, limit=MAX_SCORED
    )
    by_document: set[int] = set()
    if selector.document:
        holders = session.execute(
            select(Link.from_id)
            .join(IdentityDocument, IdentityDocument.id == Link.to_id)
            .where(
                IdentityDocument.number_key == selector.document, Link.link_type == "holds_document"
            )
        ).scalars()
        by_document = set(index.ordinals_of(h.hex for h in holders))
    return rank_persons(selector, index, found, frequency, by_document)


def rank_persons(
    selector: Selector,
    index: PersonIndex,
    found: np.ndarray,
    frequency: dict[str, int],
    by_document: set[int],
) -> tuple[list[_Scored], int, bool]:
    """:func:`_person_candidates` once the candidates are found: ``found`` by name (what
    :meth:`PersonIndex.candidates` gave, with each query word's ``frequency``) and
    ``by_document`` (ordinals of the document's holders)."""
    candidates = found.tolist()
    candidates.extend(sorted(by_document.difference(candidates)))
    persons = max(index.live, 1)
    given = [t for t in selector.names if t.role in ("surname", "given", "name")]
    counts = sorted(frequency.get(t.written, 0) for t in given)
    expected = counts[0] * counts[1] / persons if len(counts) >= 2 else counts[0] if counts else 0.0
    common = expected > COMMON_EXPECTED
    # A frequent name is weak evidence on its own (without a birth date or the document).
    penalty = min(0.1, 0.03 * math.log10(1 + expected)) if common else 0.0
    evidence = _Evidence(selector, index, np.array(candidates, dtype=np.int64), by_document)
    at, raw, score = evidence.kept(penalty)
    name, level, document = evidence.name[at], evidence.level[at], evidence.document[at]
    vague = not (selector.birth_date or selector.document)
    # Common: frequent in the store, or simply many matching names for this query.
    common = common or (vague and int(np.count_nonzero(name >= STRONG)) > FEW)
    # A name and a birth *year* are shared by namesakes in a large store: strong needs
    # the full date, the document, or — asked by name alone — a rare name.
    confirmed = document | (level == _DAY) | (vague and not common and name >= 0.9)
    strong = (score >= STRONG) & (level != _CONFLICT) & (level != _NEAR) & confirmed
    # The order of hits (_Scored.order), worked out for all, kept for the first TOP.
    hexes = [index.ids[o] for o in evidence.ordinals[at].tolist()]
    order = sorted(
        range(len(at)),
        key=lambda k: (not strong[k], -raw[k], hexes[k]),
    )[:TOP]
    names = index.table.names
    scored: list[_Scored] = []
    for k in order:
        number = int(evidence.number[at[k]])
        best_variant = names[number] if number >= 0 else ()
        scored.append(
            _Scored(
                float(score[k]),
                "strong" if strong[k] else "possible",
                "",
                uuid.UUID(hexes[k]),
                "person",
                matched_name=" ".join(t.written for t in best_variant) or None,
                pending=(
                    best_variant,
                    tuple(evidence.notes(int(at[k]))),
                    bool(document[k]),
                    evidence.known,
                ),
                raw=float(raw[k]),
            )
        )
    return scored, len(at), common and vague


#: :data:`_LEVELS` by number, as :class:`_Evidence` works with them.
_DAY, _CONFLICT, _NEAR = (_LEVELS.index(level) for level in ("day", "conflict", "near"))
_CHANGES = np.array([_CHANGE[level] for level in _LEVELS])


class _Evidence:
    """:func:`person_evidence` for every candidate of a check at once: the same
    arithmetic, in the same order, on arrays."""

    def __init__(
        self, selector: Selector, index: PersonIndex, ordinals: np.ndarray, by_document: set[int]
    ) -> None:
        self.selector = selector
        self.ordinals = ordinals
        self.index = index
        live = np.frombuffer(index.alive, dtype=np.int8)[ordinals] == 1
        #: The word pairs scoring worked out, for the explanations (compare's ``known``).
        self.known: Pairs = {}
        if selector.names:
            self.name, self.number = index.name_scores(selector.names, ordinals, self.known)
        else:
            self.name = np.zeros(len(ordinals))
            self.number = np.full(len(ordinals), -1, dtype=np.int64)
        self.document = np.isin(ordinals, np.fromiter(by_document, dtype=np.int64))
        self.live = live & ((self.name >= POSSIBLE - 0.15) | self.document)
        self.level = np.zeros(len(ordinals), dtype=np.int64)
        self.nations = np.frombuffer(index.nations, dtype=np.int16)[ordinals]

    def _levels(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Birth date level numbers and score changes of the candidates ``at``."""
        asked = self.selector.birth_date
        level = np.zeros(len(at), dtype=np.int64)
        change = np.zeros(len(at))
        if not asked or birth_precision(asked) <= 0:  # as _birth: no date, or no ISO one
            return level, change
        index = self.index
        ordinals = self.ordinals[at]
        precision = np.frombuffer(index.precision, dtype=np.int8)[ordinals].astype(np.int64)
        years = np.frombuffer(index.years, dtype=np.int16)[ordinals].astype(np.int64)
        months = np.frombuffer(index.months, dtype=np.int8)[ordinals]
        days = np.frombuffer(index.days, dtype=np.int16)[ordinals]
        year, month, day = birth_year(asked), birth_month(asked), birth_day(asked)
        common = np.minimum(len(asked), precision)
        same_year = years == year
        same = np.where(
            common == 4,
            same_year,
            np.where(common == 7, same_year & (months == month), same_year & (days == day)),
        )
        known = precision > 0
        level = np.select(
            [
                ~known,
                same & (common == 4),
                same & (common == 7),
                same,
                same_year,
                np.abs(years - year) == 1,
            ],
            [0, 1, 2, 3, 4, 5],
            default=4,
        )
        change = np.where(
            known & ~same & ~same_year & (np.abs(years - year) != 1), _DISTANT, _CHANGES[level]
        )
        return level, change

    def kept(self, penalty: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The candidates at or above ``possible``: their positions, raw scores and
        scores clipped to 0..1."""
        at = np.flatnonzero(self.live)
        level, change = self._levels(at)
        self.level[at] = level
        score = self.name[at] + change
        asked = self.selector.nationality
        if asked:
            nations = self.nations[at]
            differs = (nations != 0) & (nations != self.index.nation(asked))
            score = score - np.where(differs, 0.03, 0.0)
        document = self.document[at]
        score = np.where(document, np.maximum(score, 0.6) + 0.3, score)
        if penalty and not self.selector.birth_date:
            score = score - np.where(document, 0.0, penalty)
        clipped = np.maximum(0.0, np.minimum(1.0, score))
        keep = clipped >= POSSIBLE
        return at[keep], score[keep], clipped[keep]

    def notes(self, at: int) -> list[str]:
        """What was noted of candidate ``at`` (as :func:`person_evidence` notes it)."""
        nationality = self.index.nationality[int(self.ordinals[at])]
        return _noted(self.selector, _LEVELS[self.level[at]], nationality)


# --------------------------------------------------------------------------- other selectors


def _holders(session: Session, entity_ids: list[Any], kind: str) -> dict[Any, tuple[str, Any]]:
    """The record each entity was recorded in: a phone's or document's person, a vehicle's
    seizure. Entities without one stand for themselves."""
    if not entity_ids:
        return {}
    if kind == "vehicle":
        rows = session.execute(
            select(Link.from_id, Link.to_kind, Link.to_id).where(
                Link.from_id.in_(entity_ids), Link.to_kind == "seizure"
            )
        )
    else:
        rows = session.execute(
            select(Link.to_id, Link.from_kind, Link.from_id).where(
                Link.to_id.in_(entity_ids), Link.from_kind == "person"
            )
        )
    return {entity: (holder_kind, holder) for entity, holder_kind, holder in rows}


_KEYED: dict[str, tuple[type[RecordMixin], Any, str]] = {
    "phone": (Phone, Phone.e164, "phone number"),
    "document": (IdentityDocument, IdentityDocument.number_key, "document number"),
    "plate": (Vehicle, Vehicle.plate_key, "number plate"),
    "company": (Organisation, Organisation.name_key, "company name"),
}


def _keyed_candidates(session: Session, selector: Selector) -> list[_Scored]:
    model, column, label = _KEYED[selector.kind]
    ids = list(session.scalars(select(model.id).where(column == selector.key).limit(TOP * 50)))
    holders = _holders(session, ids, model.KIND)
    how = "same key (look-alike letters folded)" if selector.kind != "phone" else "same E.164"
    scored = []
    for entity_id in ids:
        kind, record_id = holders.get(entity_id, (model.KIND, entity_id))
        said = f"{label} matched: {how}"
        scored.append(_Scored(1.0, "strong", said, record_id, kind, coarse=said))
    return scored


# --------------------------------------------------------------------------- the check


_MODELS: dict[str, type[RecordMixin]] = {
    "person": Person,
    "seizure": SeizureReport,
    "phone": Phone,
    "document": IdentityDocument,
    "vehicle": Vehicle,
    "organisation": Organisation,
}


def best_per_record(items: Iterable[_Scored]) -> list[_Scored]:
    """Each record's best item, in the order hits are shown (:attr:`_Scored.order`)."""
    best: dict[Any, _Scored] = {}
    for item in items:
        if item.record_id not in best or item.order < best[item.record_id].order:
            best[item.record_id] = item
    return sorted(best.values(), key=lambda s: s.order)


def rank(
    session: Session, selector: Selector, index: PersonIndex | None = None
) -> tuple[list[_Scored], int, bool]:
    """The first :data:`TOP` candidates at or above ``possible``, best first, how many
    there are, and whether the name is too common to decide on alone. ``index``: a
    person index already refreshed (a batch refreshes it once per chunk of queries)."""
    if selector.kind == "person":
        index = index or person_index(session)
        scored, total, common = _person_candidates(session, selector, index)
        ordered = scored  # one per person, in order
    else:
        # One hit per record (a seizure found by two vehicles).
        ordered, common = best_per_record(_keyed_candidates(session, selector)), False
        total = len(ordered)
    ordered = ordered[:TOP]
    for item in ordered:
        item.explain(selector.names)
    return ordered, total, common


View = RecordMixin | HitRecord | HitNotice


def views_of(
    session: Session, principal: Principal, items: Sequence[_Scored], *, named: bool = False
) -> dict[Any, View]:
    """What ``principal`` may see of each scored record (:func:`caravan.access.hit_views`;
    ``named``: a readable record is only named, :func:`caravan.access.hit_refs`)."""
    by_kind: dict[str, list[Any]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item.record_id)
    views: dict[Any, View] = {}
    read = hit_refs if named else hit_views
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            views.update(read(session, _MODELS[kind], ids[start : start + 500], principal))
    return views


def to_hits(items: Sequence[_Scored], views: dict[Any, View]) -> list[Hit]:
    """Ranked hits of ``items`` (best first): the record, or a hit notice with the coarse
    explanation. Records gone since they were scored are left out."""
    hits: list[Hit] = []
    for item in items:
        view = views.get(item.record_id)
        if view is None:
            continue
        hit = Hit(
            len(hits) + 1,
            item.kind,
            round(item.score, 3),
            item.band,
            item.coarse if isinstance(view, HitNotice) else item.explanation,
            _target=item.record_id,
        )
        if isinstance(view, HitNotice):
            hit.notice = view
            hit.detail = item.explanation
        else:
            if isinstance(view, HitRecord):
                hit.ref = view
            else:
                hit.record = view
            hit.matched_name = item.matched_name
        hits.append(hit)
    return hits


def run_check(
    session: Session,
    principal: Principal,
    selector: Selector,
    *,
    audited: bool = True,
    notify: bool = True,
) -> CheckOutcome:
    """Answer one check for ``principal`` (see the module docstring)."""
    require(principal, "check.run")
    top, total, common = rank(session, selector)
    outcome = CheckOutcome(selector, total=total, advice=ADVICE_COMMON if common else None)
    outcome.hits = to_hits(top, views_of(session, principal, top))
    if notify:
        notify_owners(session, principal, [(selector, hit) for hit in outcome.hits])
    if audited:
        audit.append(
            session,
            f"check.{selector.kind}",
            principal=principal,
            detail=selector.describe()[:500],
            after={
                "hits": outcome.total,
                "shown": len(outcome.hits),
                "strong": outcome.strong,
                "notices": sum(1 for h in outcome.hits if h.notice is not None),
            },
        )
    return outcome


def notify_owners(
    session: Session, principal: Principal, asked: Sequence[tuple[Selector, Hit]]
) -> None:
    """Tell owners about hits on their restricted records, once per asker, record and day.

    ``asked`` pairs each hit notice with the query that found it (a batch passes all of
    its hits at once: one lookup, one insert, one update for the lot).
    """
    now = datetime.now(UTC)
    today = now.date()
    latest: dict[Any, tuple[Selector, Hit, int]] = {}
    for selector, hit in asked:
        if hit.notice is not None:
            _, _, times = latest.get(hit._target, (selector, hit, 0))
            latest[hit._target] = (selector, hit, times + 1)
    if not latest:
        return

    def matched(selector: Selector, hit: Hit) -> str:
        return f"{selector.describe()} — {hit.detail or hit.explanation}"[:2000]

    ids = list(latest)
    existing: set[Any] = set()
    for start in range(0, len(ids), 500):
        existing.update(
            session.scalars(
                select(HitNotification.record_id).where(
                    HitNotification.asker_user_id == principal.user_id,
                    HitNotification.day == today,
                    HitNotification.record_id.in_(ids[start : start + 500]),
                )
            )
        )
    new = [
        {
            "owner_agency_id": hit.notice.owner_id,
            "record_kind": hit.kind,
            "record_id": record_id,
            "reference": hit.notice.reference[:100],
            "handling_code": hit.notice.handling_code,
            "asker_agency_id": principal.agency_id,
            "asker_user_id": principal.user_id,
            "day": today,
            "first_at": now,
            "last_at": now,
            "count": times,
            "matched": matched(selector, hit),
            "band": hit.band,
            "score": hit.score,
        }
        for record_id, (selector, hit, times) in latest.items()
        if record_id not in existing and hit.notice is not None
    ]
    try:
        with session.begin_nested():
            if new:
                session.execute(HitNotification.__table__.insert(), new)  # type: ignore[attr-defined]
    except IntegrityError:
        # The same asker's parallel request filed some first: count them all as repeats.
        existing.update(row["record_id"] for row in new)
    if existing:
        table: Table = HitNotification.__table__  # type: ignore[assignment]
        session.execute(
            update(table)
            .where(
                table.c.asker_user_id == principal.user_id,
                table.c.day == today,
                table.c.record_id == bindparam("rid"),
            )
            # Asked again: unread again, so the owner sees it come back.
            .values(
                count=table.c.count + bindparam("times"),
                last_at=now,
                matched=bindparam("said"),
                read_at=None,
            ),
            [
                {"rid": rid, "times": latest[rid][2], "said": matched(*latest[rid][:2])}
                for rid in existing
            ],
        )


__all__ = [
    "ADVICE_COMMON",
    "TOP",
    "CheckOutcome",
    "Hit",
    "asker_region",
    "notify_owners",
    "person_evidence",
    "person_index",
    "rank",
    "reset_index",
    "run_check",
    "to_hits",
    "views_of",
]
