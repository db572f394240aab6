"""The labelled queries of the checks benchmark, derived from the demo generator.

The store holds ``generate_persons(n, seed)``. This module replays the generator block
by block (same layout, same random stream, same ``_render`` calls — checked against
``generate_persons`` itself before use), so for every *real person* (identity) it knows
the rows the store holds for them (``source_id`` and spelling) and what is true about
them (name indices, sex, birth date).

Held queries: a uniform sample of held identities (reservoir over all of them), each
asked once under one *recipe* — one variation alone or two or three combined:

* ``script``: a rendering in another script or transliteration than every stored row
  (case ignored): ``cyrillic-native`` (Tajik/Kazakh/Kyrgyz/Uzbek Cyrillic letters),
  ``cyrillic-ru``, ``icao`` (ICAO 9303), ``bgn-pcgn`` (BGN/PCGN 1947 Russian),
  ``gost`` (GOST 7.79-2000 system B), ``informal`` (English-style Latin),
  ``uz-latin``, ``kz-latin`` (Kazakh Latin alphabet of 2021), ``tm-latin``, ``az-latin``;
* ``suffix``: the surname's suffix changed (``-ov`` ↔ ``-zoda`` ↔ ``-uly`` ↔ ``-ow``,
  per the person's people) or dropped;
* ``order``: surname and given name swapped between the fields, or the whole name
  sent as ``full_name`` given name first;
* ``patronymic``: left out where the reference row has one, added where it has none;
* ``typo``: one keyboard slip in the surname or given name (the generator's own);
* ``gender``: the surname (else the patronymic) in the other sex's form.

Without ``script`` a query starts from one stored row of the identity (its *reference
row*) and changes only what its recipe says; with ``script`` it starts from a fresh
rendering. Every query differs from every stored row (surname, given name, patronymic,
case-folded; full-name queries from every ``name_as_written`` too). Any stored record
of the identity counts as a correct hit. A small *control* group asks the reference row
exactly as stored (reported apart, not in the totals).

Birth dates as officers give them: 60 % the full date, 25 % the year only, 15 % none.

Unheld queries: identities of the generator under another seed, as one of their
agencies wrote them, keeping only those whose Russian-form surname and given name, sex
and full birth date no held identity has (such a "twin" would be a right strong hit).
``namesake`` marks those whose surname and given name (Russian form, same sex) a held
identity does share.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from caravan.collect.generator import generate_persons
from caravan.collect.generator import translit as t
from caravan.collect.generator.common import rng_for
from caravan.collect.generator.layout import BLOCK, DEFAULT_LAYOUT, block_layout
from caravan.collect.generator.name_pools import SURNAMES
from caravan.collect.generator.names import (
    render_given,
    render_patronymic,
    render_surname,
    to_russian,
)
from caravan.collect.generator.persons import _Identity, _render, _typo
from caravan.domain.dates import parse_partial_date

Row = dict[str, str]
Rnd = Callable[[], float]

#: Seed offset of the unheld population.
UNHELD_SEED_OFFSET = 7_777_777

VARIATIONS = ("script", "suffix", "order", "patronymic", "typo", "gender")
#: Recipes and their weights (singles count twice).
RECIPES: tuple[tuple[tuple[str, ...], int], ...] = (
    *(((v,), 2) for v in VARIATIONS),
    (("script", "suffix"), 1),
    (("script", "order"), 1),
    (("script", "patronymic"), 1),
    (("script", "typo"), 1),
    (("script", "gender"), 1),
    (("suffix", "typo"), 1),
    (("suffix", "order"), 1),
    (("patronymic", "order"), 1),
    (("typo", "order"), 1),
    (("gender", "typo"), 1),
    (("script", "suffix", "typo"), 1),
    (("script", "order", "patronymic"), 1),
    (("script", "typo", "order"), 1),
    (("script", "gender", "patronymic"), 1),
)
CONTROL_SHARE = 0.025
SCRIPT_FORMS = (
    "cyrillic-native",
    "cyrillic-ru",
    "icao",
    "bgn-pcgn",
    "gost",
    "informal",
    "uz-latin",
    "kz-latin",
    "tm-latin",
    "az-latin",
)
BIRTH_GROUPS = ("full date", "year only", "name only")
#: Generator forms a stored row may be in (to add a patronymic in the same form).
_GENERATOR_FORMS = ("native", "RU", "TJ", "ICAO", "LAT", "UZ", "TM", "AZ")


@dataclass(frozen=True)
class Stored:
    """One stored row of a held identity, as the generator wrote it."""

    source_id: str
    surname: str
    given_name: str
    patronymic: str
    birth_date: str
    written: str

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


@dataclass
class Query:
    """One labelled check: the API/selector fields and what a correct answer is."""

    qid: str
    held: bool
    fields: dict[str, str]
    birth: str
    recipe: str = ""
    variations: tuple[str, ...] = ()
    #: The identity's stored rows (held), empty for unheld.
    truth: tuple[Stored, ...] = ()
    control: bool = False
    namesake: bool = False
    person: str = ""
    #: Held: how many other held persons the query's information cannot tell from its
    #: person (:func:`count_twins`) — an oracle ranks its person first 1 / (1 + twins)
    #: of the time.
    twins: int = 0

    @property
    def shown(self) -> str:
        f = self.fields
        name = f.get("full_name") or " | ".join(
            f.get(k, "") for k in ("surname", "given_name", "patronymic")
        )
        return f"{name} [{f.get('birth_date', '-')}]"


@dataclass
class QuerySet:
    held: list[Query] = field(default_factory=list)
    unheld: list[Query] = field(default_factory=list)
    controls: list[Query] = field(default_factory=list)
    held_identities: int = 0
    unheld_rejected: int = 0

    @property
    def all(self) -> list[Query]:
        return [*self.held, *self.unheld, *self.controls]


# --------------------------------------------------------------------------- replay


def replay_block(seed: int, b: int, n: int) -> list[tuple[_Identity, list[Row]]]:
    """Block ``b`` of ``generate_persons(n, seed)`` as (identity, its rows) pairs."""
    blk = block_layout(seed, b, DEFAULT_LAYOUT)
    rnd = rng_for("persons", seed, b).random
    base = b * BLOCK
    identities: list[_Identity] = []
    rows: list[list[Row]] = []
    for i in range(min(BLOCK, n - base)):
        p = blk.person[i]
        if p == len(identities):
            kin = identities[blk.family[p]] if blk.family[p] >= 0 else None
            identities.append(_Identity(rnd, blk.eth[p], blk.female[p], kin))
            rows.append([])
        rows[p].append(_render(rnd, blk.agency[i], base + i, identities[p]))
    return list(zip(identities, rows, strict=True))


def check_replay(seed: int) -> None:
    """Raise if the replay no longer reproduces the generator (it uses its internals)."""
    expected = list(generate_persons(2 * BLOCK + 7, seed))
    got = [
        row for b in range(3) for _, rows in replay_block(seed, b, 2 * BLOCK + 7) for row in rows
    ]
    got.sort(key=lambda r: r["source_id"])
    if sorted(expected, key=lambda r: r["source_id"]) != got:
        raise RuntimeError("bench/check_data.py no longer replays generate_persons; update it")


def ru_name(who: _Identity) -> tuple[str, str, str]:
    """Surname, given name, patronymic in their usual Russian form (a person's key)."""
    return (
        render_surname(who.eth, who.surname, who.female, who.variant, who.name_father, "RU")[0],
        render_given(who.eth, who.given, who.female, "RU")[0],
        render_patronymic(who.eth, who.father, who.female, who.variant, "RU")[0],
    )


def _name_key(who: _Identity) -> tuple[str, str, bool]:
    surname, given, _ = ru_name(who)
    return surname, given, who.female


def _twin_key(who: _Identity) -> tuple[str, str, bool, int, int, int]:
    """Surname, given name, sex and full birth date: who a query without a patronymic
    cannot tell apart."""
    surname, given, _ = ru_name(who)
    return surname, given, who.female, who.year, who.month, who.day


def birth_level(query: str, stored: Iterable[str]) -> int:
    """How an identity's stored birth dates (ISO, possibly partial) agree with a query's
    at best: 3 the same day, 2 the same year (or month) where one side is partial, 1 not
    known on one side, 0 contradicted by every row."""
    best = 0
    for date in stored:
        if not query or not date:
            level = 1
        else:
            n = min(len(query), len(date))
            level = 0 if query[:n] != date[:n] else 3 if n == 10 else 2
        best = max(best, level)
    return best


@dataclass(frozen=True)
class Holding:
    """What the store holds of one identity, as far as telling namesakes apart goes."""

    person: str
    patronymic: str
    #: Whether any stored row has a patronymic.
    written_patronymic: bool
    births: tuple[str, ...]


def _holding(person: str, who: _Identity, rows: list[Row]) -> Holding:
    return Holding(
        person,
        ru_name(who)[2],
        any(r["patronymic"] for r in rows),
        tuple(
            sorted(
                {parse_partial_date(r["birth_date"]).iso() if r["birth_date"] else "" for r in rows}
            )
        ),
    )


def count_twins(query: Query, mine: Holding, namesakes: Iterable[Holding]) -> int:
    """Held persons other than the query's own whom nothing in the query tells apart
    from it, by the generator's truth, decided before any check runs: the same surname,
    given name and sex (Russian form); the same patronymic when the query gives one (or
    none written for either); and stored birth dates that agree with the query's at
    least as well as the person's own do."""
    has_patronymic = bool(query.fields.get("patronymic")) or (
        len(query.fields.get("full_name", "").split()) > 2
    )
    birth = query.fields.get("birth_date", "")
    floor = max(birth_level(birth, mine.births), 1)
    twins = 0
    for other in namesakes:
        if other.person == mine.person:
            continue
        differs = has_patronymic and other.patronymic != mine.patronymic
        if differs and (other.written_patronymic or mine.written_patronymic):
            continue
        if birth_level(birth, other.births) >= floor:
            twins += 1
    return twins


# --------------------------------------------------------------------------- renderings

_BGN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "ë", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ˮ", "ы": "y", "ь": "ʼ", "э": "e", "ю": "yu",
    "я": "ya",
}  # fmt: skip
_GOST_B = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "cz",
    "ч": "ch", "ш": "sh", "щ": "shh", "ъ": "``", "ы": "y'", "ь": "`", "э": "e'", "ю": "yu",
    "я": "ya",
}  # fmt: skip
#: Kazakh Latin (2021): from Kazakh Cyrillic (Russian letters included).
_KZ_LATIN = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
    "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "ş", "щ": "ş", "ъ": "", "ы": "y", "і": "ı", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip
#: Uzbek Latin → Uzbek Cyrillic (for Uzbek names written in Cyrillic).
_UZ_CYRILLIC: t.Table = {
    "a": "а", "b": "б", "d": "д", "e": "е", "^e": "э", "f": "ф", "g": "г", "h": "ҳ",
    "i": "и", "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "q": "қ", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "x": "х", "y": "й",
    "z": "з", "sh": "ш", "ch": "ч", "ng": "нг", "oʻ": "ў", "gʻ": "ғ", "ya": "я", "yu": "ю",
    "yo": "ё", "ye": "е", "ts": "ц", "ʼ": "ъ",
}  # fmt: skip
_CYR_VOWELS = set("аеёиоуыэюяәөұүі")


def _bgn(text: str) -> str:
    """BGN/PCGN (1947) Russian romanisation: е/ё as ye/yë initially and after a vowel,
    й, ъ or ь."""
    out: list[str] = []
    prev = ""
    for ch in text:
        low = ch.lower()
        if low in "её" and (not prev or prev in _CYR_VOWELS or prev in "йъь" or not prev.isalpha()):
            rep = "y" + _BGN[low]
        else:
            rep = _BGN.get(low, ch)
        out.append(rep.capitalize() if ch != low else rep)
        prev = low
    return "".join(out)


def _by_letter(table: dict[str, str]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        out = []
        for ch in text:
            low = ch.lower()
            rep = table.get(low, ch)
            out.append(rep[:1].upper() + rep[1:] if ch != low else rep)
        return "".join(out)

    return convert


_gost = _by_letter(_GOST_B)
_kz_latin = _by_letter(_KZ_LATIN)


def _uz_cyrillic(text: str) -> str:
    return t.convert(text, _UZ_CYRILLIC)


@dataclass(frozen=True)
class Spellings:
    surname: tuple[str, ...]
    given: tuple[str, ...]
    patronymic: tuple[str, ...]


def _generator(who: _Identity, form: str) -> Spellings:
    return Spellings(
        render_surname(who.eth, who.surname, who.female, who.variant, who.name_father, form),
        render_given(who.eth, who.given, who.female, form),
        render_patronymic(who.eth, who.father, who.female, who.variant, form),
    )


def _mapped(s: Spellings, fn: Callable[[str], str]) -> Spellings:
    return Spellings(
        tuple(fn(x) for x in s.surname),
        tuple(fn(x) for x in s.given),
        tuple(fn(x) for x in s.patronymic),
    )


def spellings(who: _Identity, form: str) -> Spellings | None:
    """The identity's name in one of :data:`SCRIPT_FORMS`; ``None`` where it has none."""
    eth = who.eth
    if form == "cyrillic-native":
        if eth in ("TJ", "KZ", "KG"):
            return _generator(who, "native")
        if eth == "UZ":
            return _mapped(_generator(who, "native"), _uz_cyrillic)
        return None
    if form == "cyrillic-ru":
        return _generator(who, "RU")
    if form == "icao":
        return _generator(who, "ICAO")
    if form == "informal":
        return _generator(who, "LAT")
    if form in ("bgn-pcgn", "gost"):
        if eth == "AF":
            return None  # Afghan names are native-Latin: no Russian source to romanise
        return _mapped(_generator(who, "RU"), _bgn if form == "bgn-pcgn" else _gost)
    if form == "kz-latin":
        if eth == "AF":
            return None
        return _mapped(_generator(who, "native" if eth == "KZ" else "RU"), _kz_latin)
    national = {"uz-latin": "UZ", "tm-latin": "TM", "az-latin": "AZ"}[form]
    return _generator(who, "native" if eth == national else national)


def _stored_form(who: _Identity, row: Stored) -> str:
    """The generator form a stored row was written in (best guess when it has a typo)."""
    for form in _GENERATOR_FORMS:
        s = _generator(who, form)
        if row.surname in s.surname and row.given_name in s.given:
            return form
    latin = row.surname.isascii()
    return ("ICAO" if row.surname.isupper() else "LAT") if latin else "RU"


# --------------------------------------------------------------------------- variations

#: Suffix families: name → (Cyrillic male, Cyrillic female, Latin male, Latin female).
_SUFFIX_FORMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "-ov": (("ов", "ев"), ("ова", "ева"), ("ov", "ev", "yev"), ("ova", "eva", "yeva")),
    "-ow": ((), (), ("ow", "ew", "ýew"), ("owa", "ewa", "ýewa")),
    "-zoda": (("зода", "заде"), ("зода", "заде"), ("zoda", "zade", "zadə"), ("zoda", "zade")),
    "-uly": (("улы", "ұлы", " уулу"), ("кызы", "қызы", " кызы"), ("uly", "ūly", " uulu"),
             ("kyzy", "qyzy", " kyzy")),
}  # fmt: skip
#: Suffix changes plausible for each people (besides dropping it).
_SUFFIX_TARGETS: dict[str, tuple[str, ...]] = {
    "TJ": ("-ov", "-zoda"),
    "UZ": ("-ov",),
    "KZ": ("-ov", "-uly"),
    "KG": ("-ov", "-uly"),
    "TM": ("-ov", "-ow"),
    "AZ": ("-ov", "-zoda"),
    "RU": ("-ov", "-ow"),
    "AF": ("-ov", "-zoda"),
}


def _suffix_of(surname: str) -> tuple[str, str, str] | None:
    """(family, stem, suffix) of a surname ending in a known suffix, longest first."""
    low = surname.lower()
    found: list[tuple[int, str]] = []
    for family, forms in _SUFFIX_FORMS.items():
        for group in forms:
            for suffix in group:
                if low.endswith(suffix) and len(low) - len(suffix) >= 3:
                    found.append((len(suffix), family))
    if not found:
        return None
    size, family = max(found)
    cut = len(surname) - size
    return family, surname[:cut], surname[cut:]


def _restore_y(who: _Identity, stem: str, removed: str) -> str:
    """Put back the й that the -ев ending swallowed (Жумабаев → Жумабай, not Жумаба)."""
    if who.eth in ("RU", "AF") or (who.variant and who.eth in ("KZ", "KG")):
        return stem
    if removed.lower() not in ("ев", "ева", "ev", "eva", "yev", "yeva", "ew", "ewa"):
        return stem
    if not to_russian(who.eth, SURNAMES[who.eth][who.surname]).endswith("й"):
        return stem
    if _cyrillic(stem):
        return stem + "й"
    return stem + ("I" if stem.isupper() else "y")


def _cyrillic(text: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in text)


def change_suffix(rnd: Rnd, who: _Identity, surname: str) -> tuple[str, str] | None:
    """The surname with another suffix (or none): (new surname, label)."""
    parsed = _suffix_of(surname)
    if parsed is None:
        return None
    family, stem, removed = parsed
    stem = _restore_y(who, stem, removed)
    slot = (0 if _cyrillic(stem) else 2) + (1 if who.female else 0)
    targets = [f for f in _SUFFIX_TARGETS[who.eth] if f != family and _SUFFIX_FORMS[f][slot]]
    # another suffix where the people has one (70 %), else none at all
    target = targets[int(rnd() * len(targets))] if targets and rnd() < 0.7 else "dropped"
    if target == "dropped":
        new = stem.rstrip()
    else:
        group = _SUFFIX_FORMS[target][slot]
        suffix = group[0]
        vowels = _CYR_VOWELS | set("aeiouy")
        if target == "-ov" and stem[-1].lower() in "йyi" and stem[-2].lower() in vowels:
            stem = stem[:-1]  # Нурлыбай → Нурлыбаев, as the -ов form of such stems is written
        if target == "-ov" and stem[-1].lower() in vowels:
            suffix = group[1] if len(group) > 1 else suffix
        if target == "-uly" and who.eth == "KG":
            suffix = group[-1]
        new = stem + suffix
    if surname.isupper():
        new = new.upper()
    if new.casefold() == surname.casefold() or len(new) < 3:
        return None
    return new, f"suffix:{target}"


_GENDER_PAIRS = (
    # (masculine ending, feminine ending), longest first
    ("ович", "овна"), ("евич", "евна"), ("ovich", "ovna"), ("evich", "evna"),
    ("owiç", "owna"), ("ýewiç", "ýewna"), ("oʻgʻli", "qizi"), ("oğlu", "qızı"),
    ("ұлы", "қызы"), ("улы", "кызы"), ("уулу", "кызы"), ("uly", "kyzy"), ("uulu", "kyzy"),
    ("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ov", "ova"), ("ev", "eva"),
    ("in", "ina"), ("ow", "owa"), ("ew", "ewa"),
)  # fmt: skip


def flip_gender(word: str, female: bool) -> str | None:
    """``word`` with its ending in the other sex's form (``None`` if it has none)."""
    low = word.lower()
    pairs = sorted(_GENDER_PAIRS, key=lambda p: -len(p[1] if female else p[0]))
    for male, fem in pairs:
        have, want = (fem, male) if female else (male, fem)
        if low.endswith(have) and len(low) > len(have) + 2:
            new = word[: len(word) - len(have)] + want
            return new.upper() if word.isupper() else new
    return None


def one_typo(rnd: Rnd, word: str) -> str | None:
    if len(word) < 4:
        return None
    for _ in range(20):
        new = _typo(rnd, word)
        if new != word:
            return new
    return None


# --------------------------------------------------------------------------- queries


def _birth(rnd: Rnd, who: _Identity) -> tuple[str, str]:
    r = rnd()
    if r < 0.60:
        return "full date", f"{who.year:04d}-{who.month:02d}-{who.day:02d}"
    if r < 0.85:
        return "year only", f"{who.year:04d}"
    return "name only", ""


def _key(surname: str, given: str, patronymic: str) -> tuple[str, str, str]:
    return surname.casefold(), given.casefold(), patronymic.casefold()


def _pick(rnd: Rnd, values: tuple[str, ...]) -> str:
    return values[int(rnd() * len(values))] if values else ""


def make_held(
    rnd: Rnd, who: _Identity, stored: tuple[Stored, ...], recipe: tuple[str, ...]
) -> tuple[dict[str, str], tuple[str, ...]] | None:
    """Fields and variation labels of a query for ``who`` under ``recipe`` (``None`` when
    the recipe does not apply to this identity)."""
    ref = stored[int(rnd() * len(stored))]
    labels: list[str] = []
    has_patronymic = bool(ref.patronymic)
    if "patronymic" in recipe:
        has_patronymic = not has_patronymic
        labels.append("patronymic:" + ("extra" if has_patronymic else "missing"))
    taken = {_key(s.surname, s.given_name, s.patronymic) for s in stored}
    if "script" in recipe:
        forms = list(SCRIPT_FORMS)
        random.Random(rnd()).shuffle(forms)
        for form in forms:
            spelt = spellings(who, form)
            if spelt is None or not spelt.surname[0]:
                continue
            surname, given = _pick(rnd, spelt.surname), _pick(rnd, spelt.given)
            patronymic = _pick(rnd, spelt.patronymic) if has_patronymic else ""
            if has_patronymic and not patronymic:
                continue
            if all(_key(surname, given, "")[:2] != k[:2] for k in taken):
                labels.insert(0, f"script:{form}")
                break
        else:
            return None
    else:
        surname, given, patronymic = ref.surname, ref.given_name, ref.patronymic
        if has_patronymic and not patronymic:
            form = _stored_form(who, ref)
            patronymic = _pick(rnd, _generator(who, form).patronymic)
            if not patronymic:
                return None
        elif not has_patronymic:
            patronymic = ""
    if "suffix" in recipe:
        changed = change_suffix(rnd, who, surname)
        if changed is None:
            return None
        surname = changed[0]
        labels.append(changed[1])
    if "gender" in recipe:
        flipped = flip_gender(surname, who.female)
        if flipped is not None:
            surname = flipped
            labels.append("gender:surname")
        elif patronymic and (flipped := flip_gender(patronymic, who.female)) is not None:
            patronymic = flipped
            labels.append("gender:patronymic")
        else:
            return None
    if "typo" in recipe:
        in_surname = rnd() < 0.6
        slipped = one_typo(rnd, surname if in_surname else given)
        if slipped is None:
            in_surname = not in_surname
            slipped = one_typo(rnd, surname if in_surname else given)
        if slipped is None:
            return None
        if in_surname:
            surname = slipped
        else:
            given = slipped
        labels.append("typo:" + ("surname" if in_surname else "given name"))
    if not given and "order" in recipe:
        return None
    fields: dict[str, str]
    if "order" in recipe:
        if rnd() < 0.5:
            full = " ".join(p for p in (given, patronymic, surname) if p)
            if any(full.casefold() == s.written.casefold() for s in stored):
                return None
            fields = {"full_name": full}
            labels.append("order:full name, given first")
        else:
            fields = {"surname": given, "given_name": surname}
            if patronymic:
                fields["patronymic"] = patronymic
            labels.append("order:fields swapped")
    else:
        fields = {"surname": surname, "given_name": given}
        if patronymic:
            fields["patronymic"] = patronymic
    if "full_name" not in fields and (
        _key(fields["surname"], fields["given_name"], fields.get("patronymic", "")) in taken
    ):
        return None
    return fields, tuple(labels)


def _stored(rows: list[Row]) -> tuple[Stored, ...]:
    return tuple(
        Stored(
            r["source_id"],
            r["surname"],
            r["given_name"],
            r["patronymic"],
            r["birth_date"],
            r["name_as_written"],
        )
        for r in rows
    )


def _blocks(n: int) -> int:
    return (n + BLOCK - 1) // BLOCK


def make_queries(
    n: int, seed: int, *, held: int, unheld: int, log: Callable[[str], None] = print
) -> QuerySet:
    """``held`` labelled queries for persons of ``generate_persons(n, seed)`` (plus a
    control group) and ``unheld`` queries for persons it does not hold."""
    check_replay(seed)
    rng = random.Random(f"bench-checks:{n}:{seed}")
    rnd = rng.random
    sample: list[tuple[str, _Identity, list[Row]]] = []
    twin_keys: set[int] = set()
    name_keys: set[int] = set()
    #: Name key (hash) → what the store holds of every identity of that name.
    holdings: dict[int, list[Holding]] = {}
    seen = 0
    want = int(held * (1 + CONTROL_SHARE)) + 50  # some recipes do not apply to everyone
    for b in range(_blocks(n)):
        for p, (who, rows) in enumerate(replay_block(seed, b, n)):
            twin_keys.add(hash(_twin_key(who)))
            name = hash(_name_key(who))
            name_keys.add(name)
            person = f"TP-{b:05d}-{p:03d}"
            holdings.setdefault(name, []).append(_holding(person, who, rows))
            seen += 1
            if len(sample) < want:
                sample.append((person, who, rows))
            else:
                j = int(rnd() * seen)
                if j < want:
                    sample[j] = (person, who, rows)
    log(f"checks: {seen:,} held identities in {n:,} rows; sampling {held:,} held queries")
    out = QuerySet(held_identities=seen)
    rng.shuffle(sample)
    made_per: dict[tuple[str, ...], int] = {recipe: 0 for recipe, _ in RECIPES}
    weight = dict(RECIPES)
    n_controls = round(held * CONTROL_SHARE)
    for i, (person, who, rows) in enumerate(sample):
        stored = _stored(rows)
        group, birth = _birth(rnd, who)
        if len(out.controls) < n_controls:
            ref = stored[int(rnd() * len(stored))]
            fields = {"surname": ref.surname, "given_name": ref.given_name}
            if ref.patronymic:
                fields["patronymic"] = ref.patronymic
            if birth:
                fields["birth_date"] = birth
            out.controls.append(
                Query(
                    f"C{i:05d}",
                    True,
                    fields,
                    group,
                    "control",
                    truth=stored,
                    control=True,
                    person=person,
                )
            )
            continue
        if len(out.held) >= held:
            break
        # the recipe furthest behind its share first; the next one where it does not apply
        for recipe in sorted(made_per, key=lambda r: made_per[r] / weight[r]):
            made = make_held(rnd, who, stored, recipe)
            if made is not None:
                made_per[recipe] += 1
                break
        else:
            continue
        fields, labels = made
        if birth:
            fields["birth_date"] = birth
        query = Query(
            f"H{i:05d}",
            True,
            fields,
            group,
            "+".join(recipe),
            labels,
            truth=stored,
            person=person,
        )
        query.twins = count_twins(
            query, _holding(person, who, rows), holdings[hash(_name_key(who))]
        )
        out.held.append(query)
    out.unheld, out.unheld_rejected = _unheld(n, seed, unheld, twin_keys, name_keys, rnd)
    log(
        f"checks: {len(out.held):,} held, {len(out.controls):,} control and {len(out.unheld):,}"
        f" unheld queries ({out.unheld_rejected:,} unheld candidates rejected as held)"
    )
    return out


def _unheld(
    n: int, seed: int, count: int, twin_keys: set[int], name_keys: set[int], rnd: Rnd
) -> tuple[list[Query], int]:
    other = seed + UNHELD_SEED_OFFSET
    queries: list[Query] = []
    rejected = 0
    b = 0
    while len(queries) < count:
        for who, rows in replay_block(other, b, (b + 1) * BLOCK):
            if len(queries) >= count:
                break
            if rnd() > 0.3:
                continue
            if hash(_twin_key(who)) in twin_keys:
                rejected += 1
                continue
            row = rows[int(rnd() * len(rows))]
            group, birth = _birth(rnd, who)
            fields = {"surname": row["surname"], "given_name": row["given_name"]}
            if row["patronymic"]:
                fields["patronymic"] = row["patronymic"]
            if birth:
                fields["birth_date"] = birth
            namesake = hash(_name_key(who)) in name_keys
            queries.append(Query(f"U{len(queries):05d}", False, fields, group, namesake=namesake))
        b += 1
    return queries, rejected


def iter_labels(query: Query) -> Iterator[str]:
    """The groups a held query is counted in: each variation, each sub-variation, its
    recipe and its number of variations."""
    kinds = sorted({label.split(":")[0] for label in query.variations})
    yield from (f"{k} (any)" for k in kinds)
    yield from query.variations
    yield f"recipe {query.recipe}"
    yield f"{len(query.recipe.split('+'))} variation(s)"
