"""The watch index: every active watch, keyed the way new data is looked up.

Matching new data against watches is a check run backwards — many standing queries,
a stream of new records — so it reuses the check engine's pieces
(:mod:`caravan.match`) with the roles turned round:

* person selectors are filed under the blocking keys of their name words
  (:func:`caravan.names.blocking_keys`); a new person finds the watches through the
  keys of its own words and needs as many of a watch's words as a check would (two,
  or one for a one-word name). Only those candidates are scored, with the check's
  name score, birth-date agreement and bands (:mod:`caravan.match.checks`);
* phones, plates, documents and companies by their keys (:mod:`caravan.match.keys`,
  the same keys the writers store) in plain dicts;
* seizure queries by ``(country, drug group)``, each of which may be a wildcard;
* profiles by their member person ids: a new seizure, report or link naming a member.

:meth:`WatchIndex.match` takes a :class:`NewData` (what the change feed named, read in
bulk) and returns :class:`Match` es. Nothing here reads who may see what: the alert
service decides that for each watcher (:mod:`caravan.exchange.alerts`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from caravan.errors import InvalidData
from caravan.match.checks import POSSIBLE, STRONG, _coarse, _name_words, person_evidence
from caravan.match.index import MIN_STEM
from caravan.match.selectors import Selector, parse_selector
from caravan.names import MAX_TOKENS, Token, compare, match_score
from caravan.names.tokenise import _part_tokens

#: How a keyed selector's match is described (from the watch's side).
KEYED_SAID = {
    "phone": "phone number matched: same E.164",
    "document": "document number matched: same key (look-alike letters folded)",
    "plate": "number plate matched: same key (look-alike letters folded)",
    "company": "company name matched: same key (legal form dropped, words folded)",
}
#: Distinct name parts whose tokens (and the watches they find) are kept between rounds;
#: past this the caches start afresh.
TOKEN_CACHE_PARTS = 200_000

Names = tuple[tuple[Token, ...], ...]


@dataclass(frozen=True)
class Match:
    """One record that matched one watch."""

    watch_id: int
    #: The record alerted on: a person (for its name, phone or document), a seizure (for
    #: the query, or a plate on it), an organisation, or what a profile member is linked to.
    kind: str
    record_id: uuid.UUID
    score: float
    band: str
    #: What matched, with how (names only the watch's own words): for a readable record.
    explanation: str
    #: Which of the watch's parts matched, no more: for a hit notice.
    coarse: str


@dataclass
class NewPerson:
    id: uuid.UUID
    surname: str
    given_name: str | None
    patronymic: str | None
    birth_date: str | None
    nationality: str | None
    other_names: list[str] = field(default_factory=list)


@dataclass
class NewSeizure:
    id: uuid.UUID
    country: str
    drug_code: str
    drug_group: str
    quantity_kg: Decimal | float | None
    transport_mode: str | None


@dataclass
class NewData:
    """What a stretch of the change feed named, read in bulk by the alert service."""

    persons: list[NewPerson] = field(default_factory=list)
    #: (person id, E.164) of the new persons' phones.
    phones: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    #: (person id, number key) of the new persons' documents.
    documents: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    seizures: list[NewSeizure] = field(default_factory=list)
    #: (seizure id, plate key) of the vehicles on new seizures.
    plates: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    #: (organisation id, name key) of new companies.
    organisations: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    #: (person id, record kind, record id): new links naming a person — seizures and
    #: reports naming their persons, and links filed on their own.
    person_links: list[tuple[uuid.UUID, str, uuid.UUID]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.persons) + len(self.seizures) + len(self.organisations)


@dataclass(frozen=True)
class WatchRow:
    """What the index needs of a watch (read without the ORM)."""

    id: int
    kind: str
    selector_kind: str | None
    criteria: dict[str, Any]
    profile_id: uuid.UUID | None


class WatchIndex:
    """The active watches, keyed for lookups by new data (see the module docstring)."""

    def __init__(self, signature: tuple[Any, ...] = ()) -> None:
        self.signature = signature
        self.size = 0
        self.persons: dict[int, Selector] = {}
        #: watch's birth year (0: none) → blocking key → (watch id, word number) of person
        #: watches' name words: a record born in 1985 looks among 0 and 1985.
        self.name_keys: dict[int, dict[str, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.year: dict[int, int] = {}
        #: person watch → words it needs found (2, or 1 for a one-word name).
        self.need: dict[int, int] = {}
        #: document key → person watches that give that document.
        self.person_documents: dict[str, list[int]] = defaultdict(list)
        self.keyed: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in KEYED_SAID}
        #: (country, drug group), ``None`` for any → (watch id, drug code, least kg, mode).
        self.queries: dict[
            tuple[str | None, str | None], list[tuple[int, str | None, float | None, str | None]]
        ] = defaultdict(list)
        self.query_said: dict[int, str] = {}
        #: profile watch → its profile; member person → profile watches.
        self.profiles: dict[int, uuid.UUID] = {}
        self.members: dict[uuid.UUID, list[int]] = defaultdict(list)
        #: (part text, role) → its tokens; token → {watch: bits of its words found}.
        self._parts: dict[tuple[str, str], tuple[Token, ...]] = {}
        self._found: dict[tuple[Token, int], tuple[frozenset[int], frozenset[int]]] = {}

    # ------------------------------------------------------------------ building

    def add(self, watch: WatchRow) -> None:
        """File one active watch (a watch whose criteria no longer parse is left out)."""
        if watch.kind == "selector" and watch.selector_kind:
            try:
                selector = parse_selector(watch.selector_kind, watch.criteria)
            except InvalidData:
                return
            self._add_selector(watch.id, selector)
        elif watch.kind == "query":
            self._add_query(watch.id, watch.criteria)
        elif watch.kind == "profile" and watch.profile_id is not None:
            self.profiles[watch.id] = watch.profile_id
        else:
            return
        self.size += 1

    def _add_selector(self, watch_id: int, selector: Selector) -> None:
        if selector.kind != "person":
            self.keyed[selector.kind][selector.key].append(watch_id)
            return
        self.persons[watch_id] = selector
        words = [t for t in selector.names if len(t.stem) >= MIN_STEM]
        self.need[watch_id] = 2 if len(words) > 1 else 1
        year = self.year[watch_id] = _year(selector.birth_date)
        keys = self.name_keys[year]
        for number, token in enumerate(words):
            for key in token.keys:
                keys[key].append((watch_id, number))
        if selector.document:
            self.person_documents[selector.document].append(watch_id)

    def _add_query(self, watch_id: int, criteria: dict[str, Any]) -> None:
        min_kg = criteria.get("min_kg")
        self.queries[(criteria.get("country"), criteria.get("drug_group"))].append(
            (
                watch_id,
                criteria.get("drug_code"),
                float(min_kg) if min_kg is not None else None,
                criteria.get("transport_mode"),
            )
        )
        self.query_said[watch_id] = describe_query(criteria)

    def add_members(self, rows: Iterable[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """``(profile id, person id)`` of the watched profiles' members."""
        by_profile: dict[uuid.UUID, list[int]] = defaultdict(list)
        for watch_id, profile_id in self.profiles.items():
            by_profile[profile_id].append(watch_id)
        for profile_id, person_id in rows:
            self.members[person_id].extend(by_profile.get(profile_id, ()))

    @property
    def wants_names(self) -> bool:
        return bool(self.persons)

    @property
    def wants_phones(self) -> bool:
        return bool(self.keyed["phone"])

    @property
    def wants_documents(self) -> bool:
        return bool(self.keyed["document"] or self.person_documents)

    @property
    def wants_plates(self) -> bool:
        return bool(self.keyed["plate"])

    @property
    def wants_seizures(self) -> bool:
        return bool(self.queries or self.keyed["plate"] or self.members)

    # ------------------------------------------------------------------ matching

    def match(self, data: NewData) -> list[Match]:
        """Every (watch, record) pair in ``data`` at or above the ``possible`` band."""
        found: list[Match] = []
        if self.persons or self.keyed["phone"] or self.keyed["document"]:
            found.extend(self._match_persons(data))
        if self.keyed["plate"]:
            said = KEYED_SAID["plate"]
            for seizure_id, key in data.plates:
                for watch_id in self.keyed["plate"].get(key, ()):
                    found.append(Match(watch_id, "seizure", seizure_id, 1.0, "strong", said, said))
        if self.keyed["company"]:
            said = KEYED_SAID["company"]
            for org_id, key in data.organisations:
                for watch_id in self.keyed["company"].get(key, ()):
                    found.append(Match(watch_id, "organisation", org_id, 1.0, "strong", said, said))
        if self.queries:
            found.extend(self._match_seizures(data.seizures))
        if self.members:
            for person_id, kind, record_id in data.person_links:
                for watch_id in self.members.get(person_id, ()):
                    said = "a new record is linked to a person of the watched profile"
                    found.append(Match(watch_id, kind, record_id, 1.0, "strong", said, said))
        return found

    def _match_persons(self, data: NewData) -> list[Match]:
        found: list[Match] = []
        phones, documents = self.keyed["phone"], self.keyed["document"]
        for person_id, e164 in data.phones:
            for watch_id in phones.get(e164, ()):
                said = KEYED_SAID["phone"]
                found.append(Match(watch_id, "person", person_id, 1.0, "strong", said, said))
        by_document: dict[uuid.UUID, set[int]] = defaultdict(set)
        for person_id, key in data.documents:
            for watch_id in documents.get(key, ()):
                said = KEYED_SAID["document"]
                found.append(Match(watch_id, "person", person_id, 1.0, "strong", said, said))
            for watch_id in self.person_documents.get(key, ()):
                by_document[person_id].add(watch_id)
        if not self.persons:
            return found
        if len(self._parts) > TOKEN_CACHE_PARTS or len(self._found) > TOKEN_CACHE_PARTS:
            self._parts, self._found = {}, {}
        scores: dict[tuple[int, tuple[Token, ...]], float] = {}
        for person in data.persons:
            documented = by_document.get(person.id, set())
            variants = [self._name(person.surname, person.given_name, person.patronymic)]
            variants.extend(self._name(None, None, None, n) for n in person.other_names)
            names: Names = tuple(v for v in variants if v)
            watches: set[int] = set(documented)
            born = _year(person.birth_date)
            for variant in names:
                watches.update(self._candidates(variant, born))
            for watch_id in watches:
                hit = self._score(watch_id, person, names, watch_id in documented, scores)
                if hit is not None:
                    found.append(hit)
        return found

    def _part(self, text: str, role: str) -> tuple[Token, ...]:
        key = (text, role)
        made = self._parts.get(key)
        if made is None:
            made = self._parts[key] = tuple(_part_tokens(text, role))
        return made

    def _name(
        self,
        surname: str | None,
        given: str | None,
        patronymic: str | None,
        full: str | None = None,
    ) -> tuple[Token, ...]:
        """:func:`caravan.names.tokens`, word parts cached: most parts recur."""
        out: list[Token] = []
        for role, text in (("surname", surname), ("given", given), ("patronymic", patronymic)):
            if text:
                out.extend(self._part(text, role))
        if not out and full:
            out.extend(self._part(full, "name"))
        return tuple(out[:MAX_TOKENS])

    def _watches_of(self, token: Token, year: int) -> tuple[frozenset[int], frozenset[int]]:
        """Person watches of birth ``year`` one word finds: all of them, and those it finds
        enough words of on its own (a one-word watch, or a word matching two words)."""
        found = self._found.get((token, year))
        if found is None:
            bits_of: dict[int, int] = {}
            name_keys = self.name_keys.get(year, {})
            for key in token.keys:
                for watch_id, number in name_keys.get(key, ()):
                    bits_of[watch_id] = bits_of.get(watch_id, 0) | (1 << number)
            need = self.need
            found = self._found[(token, year)] = (
                frozenset(bits_of),
                frozenset(w for w, bits in bits_of.items() if bits.bit_count() >= need[w]),
            )
        return found

    def _candidates(self, variant: Sequence[Token], born: int) -> set[int]:
        """Person watches found through enough of their words by this name: on its own by
        one word, or by two words of the name (set operations, in C: a word's keys find
        hundreds of watch words). Two words finding the same watch word let a watch
        through too; the score decides. Only watches without a birth year, or born within
        ``born`` (the year), are looked at: the score refuses any other birth year."""
        out: set[int] = set()
        for year in (0, born) if born else (0,):
            if year not in self.name_keys:
                continue
            words = [self._watches_of(t, year) for t in variant if len(t.stem) >= MIN_STEM]
            for number, (every, alone) in enumerate(words):
                out |= alone
                for other, _ in words[number + 1 :]:
                    out |= every & other
        return out

    def _score(
        self,
        watch_id: int,
        person: NewPerson,
        names: Names,
        document: bool,
        memo: dict[tuple[int, tuple[Token, ...]], float],
    ) -> Match | None:
        """The check's scoring of one candidate (see ``_person_candidates`` in
        :mod:`caravan.match.checks`), for one watch."""
        selector = self.persons[watch_id]
        query = selector.names
        year, stored_year = _year(selector.birth_date), _year(person.birth_date)
        if year and not document and (not stored_year or abs(year - stored_year) > 1):
            # A watch with a birth date alerts on records whose birth date agrees: born
            # more than a year apart is no candidate (as in a check), and a record with no
            # birth date would alert every namesake's watch.
            return None
        name_score, best = 0.0, cast(tuple[Token, ...], ())
        if query:
            for variant in names:
                value = memo.get((watch_id, variant))
                if value is None:
                    value = memo[(watch_id, variant)] = match_score(query, variant)
                if value > name_score:
                    name_score, best = value, variant
        if name_score < POSSIBLE - 0.15 and not document:
            return None
        score, level, notes = person_evidence(
            selector, name_score, person.birth_date, person.nationality, document
        )
        score = max(0.0, min(1.0, score))
        if score < POSSIBLE or level in ("conflict", "near"):
            return None
        vague = not (selector.birth_date or selector.document)
        confirmed = document or level == "day" or (vague and name_score >= 0.9)
        strong = score >= STRONG and level not in ("conflict", "near") and confirmed
        match = compare(query, best) if query and best else None
        reasons = (["document number matched"] if document else []) + (
            [_name_words(match)] if match is not None else []
        )
        return Match(
            watch_id,
            "person",
            person.id,
            round(score, 3),
            "strong" if strong else "possible",
            "; ".join(r for r in (*reasons, *notes) if r),
            _coarse(match, document),
        )

    def _match_seizures(self, seizures: Sequence[NewSeizure]) -> list[Match]:
        found: list[Match] = []
        queries = self.queries
        for seizure in seizures:
            kg = float(seizure.quantity_kg) if seizure.quantity_kg is not None else None
            for key in (
                (seizure.country, seizure.drug_group),
                (seizure.country, None),
                (None, seizure.drug_group),
                (None, None),
            ):
                for watch_id, drug_code, min_kg, mode in queries.get(key, ()):
                    if drug_code is not None and drug_code != seizure.drug_code:
                        continue
                    if min_kg is not None and (kg is None or kg < min_kg):
                        continue
                    if mode is not None and mode != seizure.transport_mode:
                        continue
                    said = f"seizure matched your query: {self.query_said[watch_id]}"
                    found.append(Match(watch_id, "seizure", seizure.id, 1.0, "strong", said, said))
        return found


def describe_query(criteria: dict[str, Any]) -> str:
    """``heroin, at least 10 kg, in KG, by road`` — a seizure query in words."""
    parts = []
    if criteria.get("drug_code"):
        parts.append(str(criteria["drug_code"]))
    elif criteria.get("drug_group"):
        parts.append(f"any {criteria['drug_group']}")
    else:
        parts.append("any drug")
    if criteria.get("min_kg") is not None:
        parts.append(f"at least {float(criteria['min_kg']):g} kg")
    if criteria.get("country"):
        parts.append(f"in {criteria['country']}")
    if criteria.get("transport_mode"):
        parts.append(f"by {criteria['transport_mode']}")
    return ", ".join(parts)


def _year(birth: str | None) -> int:
    return int(birth[:4]) if birth and birth[:4].isdigit() else 0


__all__ = [
    "KEYED_SAID",
    "Match",
    "NewData",
    "NewPerson",
    "NewSeizure",
    "WatchIndex",
    "WatchRow",
    "describe_query",
]
