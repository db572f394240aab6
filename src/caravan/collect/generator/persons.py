"""Person rows: one real person written by one to five agencies, each its own way."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .agencies import AGENCIES_BY_CODE
from .common import grading, handling_note, pick, rng_for, weighted
from .identifiers import PHONE_PLAN, format_phone, new_document, new_phone, write_document
from .layout import BLOCK, DEFAULT_LAYOUT, PersonLayout, block_layout, person_source_id
from .name_pools import FEMALE, MALE, SURNAMES
from .names import UZ_APOSTROPHES, render_given, render_patronymic, render_surname

PERSON_COLUMNS: tuple[str, ...] = (
    "agency", "source_id", "surname", "given_name", "patronymic", "birth_date",
    "nationality", "document_number", "phone", "name_as_written", "gender",
    "source_grade", "information_grade", "handling_code", "handling_note", "recipients",
)  # fmt: skip
TRUTH_COLUMNS: tuple[str, ...] = ("true_person_id", "network_id")

_NATIONALITY: dict[str, tuple[str, ...]] = {
    "TJ": weighted([("TJ", 85), ("RU", 10), ("UZ", 5)]),
    "UZ": weighted([("UZ", 85), ("TJ", 5), ("KG", 5), ("RU", 5)]),
    "KZ": weighted([("KZ", 95), ("RU", 5)]),
    "KG": weighted([("KG", 90), ("KZ", 5), ("RU", 5)]),
    "TM": weighted([("TM", 95), ("RU", 5)]),
    "AZ": weighted([("AZ", 85), ("RU", 15)]),
    "RU": weighted([("RU", 75), ("KZ", 20), ("KG", 5)]),
    "AF": weighted([("AF", 75), ("IR", 25)]),
}
_VARIANT_SHARE = {"TJ": 0.65, "KZ": 0.2, "KG": 0.3, "AZ": 0.15}
_CYRILLIC_COUNTRIES = ("RU", "KZ", "KG", "TJ")

# Writing habits: "NAT" is the agency country's own way, resolved per ethnicity below.
_HABITS: dict[str, tuple[str, ...]] = {
    "police": weighted([("NAT", 88), ("LAT", 5), ("ICAO", 7)]),
    "frontier": weighted([("NAT", 50), ("LAT", 10), ("ICAO", 40)]),
    "centre": weighted([("RU", 45), ("LAT", 45), ("ICAO", 10)]),
}
_AGENCY_HABIT: dict[str, tuple[str, ...]] = {
    code: _HABITS[
        "centre"
        if a.type == "centre"
        else "police"
        if a.type in ("police", "drug_control")
        else "frontier"
    ]
    for code, a in AGENCIES_BY_CODE.items()
}


def _national_forms(country: str, eth: str) -> tuple[str, ...]:
    """The forms an agency of ``country`` uses for a person of ethnicity ``eth``."""
    if country == "RU":
        return ("RU",)
    if country in ("KZ", "KG"):
        return ("native", "native", "native", "RU", "RU") if eth == country else ("RU",)
    return ("native",) if eth == country else (country,)


_NAT_FORMS: dict[tuple[str, str], tuple[str, ...]] = {
    (cc, eth): _national_forms(cc, eth)
    for cc in ("KZ", "KG", "TJ", "TM", "UZ", "RU", "AZ")
    for eth in SURNAMES
}
_DATE_STYLE = weighted([("iso", 65), ("dmy", 15), ("y", 6), ("ym", 4), ("", 10)])
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class _Identity:
    """What is true about one real person (drawn once, written many times)."""

    __slots__ = (
        "day", "document", "eth", "father", "female", "given", "month", "name_father",
        "nationality", "phone", "surname", "variant", "year",
    )  # fmt: skip

    surname: int
    variant: bool
    father: int

    def __init__(self, rnd: Callable[[], float], eth: str, female: bool, kin: _Identity | None):
        self.eth = eth
        self.female = female
        pool = FEMALE[eth] if female else MALE[eth]
        self.given = int(rnd() * len(pool))
        if kin is not None:  # a brother, sister or cousin: same surname as written
            self.surname, self.variant = kin.surname, kin.variant
            self.father = kin.father if rnd() < 0.6 else int(rnd() * len(MALE[eth]))
        else:
            self.surname = int(rnd() * len(SURNAMES[eth]))
            self.variant = rnd() < _VARIANT_SHARE.get(eth, 0.0)
            self.father = int(rnd() * len(MALE[eth]))
        if not female and self.father == self.given:
            self.father = (self.father + 1) % len(MALE[eth])
        # the father matters to the surname only where it is built from his name
        self.name_father = self.father if self.variant and eth in ("KZ", "KG") else -1
        self.year = 1962 + int(rnd() * 43)
        self.month = 1 + int(rnd() * 12)
        self.day = 1 + int(rnd() * _MONTH_DAYS[self.month - 1])
        self.nationality = pick(rnd, _NATIONALITY[eth])
        self.document = new_document(rnd, self.nationality) if rnd() < 0.7 else ""
        phone_country = self.nationality if rnd() < 0.65 else ("RU" if rnd() < 0.6 else "KZ")
        if phone_country not in PHONE_PLAN:
            phone_country = "RU"
        self.phone = new_phone(rnd, phone_country) if rnd() < 0.85 else None


def _typo(rnd: Callable[[], float], word: str) -> str:
    """One keyboard slip: drop, double, swap or replace a letter (never the first)."""
    if len(word) < 4:
        return word
    i = 1 + int(rnd() * (len(word) - 2))
    op = int(rnd() * 4)
    if op == 0:
        return word[:i] + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i] + word[i:]
    if op == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[int(rnd() * len(word))] + word[i + 1 :]


def _birth_date(rnd: Callable[[], float], who: _Identity) -> str:
    style = pick(rnd, _DATE_STYLE)
    if style == "iso":
        return f"{who.year:04d}-{who.month:02d}-{who.day:02d}"
    if style == "dmy":
        return f"{who.day:02d}.{who.month:02d}.{who.year:04d}"
    if style == "y":
        return str(who.year)
    if style == "ym":
        return f"{who.year:04d}-{who.month:02d}"
    return ""


def generate_persons(
    n: int,
    seed: int = 1,
    *,
    with_truth: bool = False,
    layout: PersonLayout = DEFAULT_LAYOUT,
) -> Iterator[dict[str, str]]:
    """Yield exactly ``n`` person rows (see ``PERSON_COLUMNS``), streaming.

    With ``with_truth`` each row also carries ``true_person_id`` (the same for every
    record of one real person) and ``network_id`` (empty outside networks).
    """
    n_blocks = (n + BLOCK - 1) // BLOCK
    for b in range(n_blocks):
        blk = block_layout(seed, b, layout)
        rnd = rng_for("persons", seed, b).random
        base = b * BLOCK
        identities: list[_Identity] = []
        for i in range(min(BLOCK, n - base)):
            p = blk.person[i]
            if p == len(identities):
                kin = identities[blk.family[p]] if blk.family[p] >= 0 else None
                identities.append(_Identity(rnd, blk.eth[p], blk.female[p], kin))
            row = _render(rnd, blk.agency[i], base + i, identities[p])
            if with_truth:
                row["true_person_id"] = f"TP-{b:05d}-{p:03d}"
                net = blk.network[p]
                row["network_id"] = f"NET-{b:05d}-{net:02d}" if net >= 0 else ""
            yield row


def _render(rnd: Callable[[], float], agency: str, row: int, who: _Identity) -> dict[str, str]:
    country = AGENCIES_BY_CODE[agency].country
    eth = who.eth
    female = who.female
    form = pick(rnd, _AGENCY_HABIT[agency])
    if form == "NAT":
        form = pick(rnd, _NAT_FORMS[country, eth])
    surname = pick(
        rnd, render_surname(eth, who.surname, female, who.variant, who.name_father, form)
    )
    given = pick(rnd, render_given(eth, who.given, female, form))
    patronymic = ""
    if rnd() < (0.25 if form == "ICAO" else 0.8):
        patronymic = pick(rnd, render_patronymic(eth, who.father, female, who.variant, form))
    r = rnd()
    if r < 0.03:
        if r < 0.02:
            surname = _typo(rnd, surname)
        else:
            given = _typo(rnd, given)
    if "ʻ" in surname or "ʻ" in given or "ʻ" in patronymic:
        mark = pick(rnd, UZ_APOSTROPHES)
        surname, given = surname.replace("ʻ", mark), given.replace("ʻ", mark)
        patronymic = patronymic.replace("ʻ", mark)
    if rnd() < 0.1:
        written = f"{given} {patronymic} {surname}" if patronymic else f"{given} {surname}"
    else:
        written = f"{surname} {given} {patronymic}" if patronymic else f"{surname} {given}"
    phone = ""
    if who.phone is not None and rnd() < 0.75:
        phone = format_phone(rnd, who.phone, country)
    document = ""
    if who.document and rnd() < 0.75:
        document = write_document(rnd, who.document, country in _CYRILLIC_COUNTRIES)
    source_grade, info_grade, handling, recipients = grading(rnd, agency)
    return {
        "agency": agency,
        "source_id": person_source_id(agency, row),
        "surname": surname,
        "given_name": given,
        "patronymic": patronymic,
        "birth_date": _birth_date(rnd, who),
        "nationality": who.nationality if rnd() < 0.95 else "",
        "document_number": document,
        "phone": phone,
        "name_as_written": written,
        "gender": ("F" if female else "M") if rnd() < 0.93 else "",
        "source_grade": source_grade,
        "information_grade": info_grade,
        "handling_code": handling,
        "handling_note": handling_note(handling),
        "recipients": recipients,
    }
