"""Company rows: front companies, transport and logistics firms, traders.

Each company is registered in one member state and written the way that state's
agencies write it: in Russian or national Cyrillic with the country's legal form
(``ТОО``/``ЖШС`` Kazakhstan, ``ОсОО`` Kyrgyzstan, ``ООО`` Russia and Tajikistan, ``МЧЖ``
/ ``MChJ`` Uzbekistan, ``ХК`` Turkmenistan), or in Latin (``LLP``, ``LLC``). About a
quarter of them are filed again by an agency of another state, in the other script —
``ТОО «Восток Транзит»`` by KZ, ``Vostok Tranzit LLP`` by KG — which is what company
checks must find across scripts.

The stream is its own (``rng_for("companies", seed)``): it never disturbs the person,
seizure or report streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import translit as t
from .agencies import AGENCIES_BY_CODE, MEMBER_STATES
from .common import AGENCIES_OF, NATIONAL_AGENCIES, grading, handling_note, pick, rng_for

COMPANY_COLUMNS: tuple[str, ...] = (
    "agency", "source_id", "name", "legal_form", "registration_number", "country", "notes",
    "source_grade", "information_grade", "handling_code", "handling_note", "recipients",
)  # fmt: skip

#: Companies in ``caravan demo`` (rows: some companies are filed by two agencies).
DEMO_COMPANIES = 300

#: The first word of a name: places, rivers, mountains, and the usual grand words.
BRANDS: tuple[str, ...] = (
    "Восток", "Запад", "Памир", "Алтай", "Арал", "Каспий", "Сырдарья", "Зарафшан",
    "Фергана", "Тараз", "Орион", "Сапфир", "Меридиан", "Гранит", "Кристалл", "Альянс",
    "Вектор", "Магистраль", "Континент", "Гарант", "Сункар", "Барс", "Арлан", "Сомон",
    "Ситора", "Нур", "Бахор", "Дустлик", "Ак Жол", "Сары Арка", "Тумар", "Береке",
    "Атлант", "Импульс", "Эверест", "Орда", "Самарканд", "Бухара", "Хорог", "Нарын",
    "Иссык Куль", "Мургаб", "Балхаш", "Капчагай", "Достук", "Азия", "Евразия", "Сибирь",
)  # fmt: skip
#: The second word: what the firm says it does.
TRADES: tuple[str, ...] = (
    "Транзит", "Логистик", "Транс", "Экспресс", "Трейд", "Импорт", "Экспорт", "Агро",
    "Фарм", "Карго", "Авто", "Строй", "Торг", "Сервис", "Групп", "Инвест", "Терминал",
    "Текстиль", "Фрукт", "Холод",
)  # fmt: skip
#: What the owner agency notes about the firm (Russian, English).
NOTES: tuple[tuple[str, str], ...] = (
    ("грузоперевозки, международные автоперевозки", "international road haulage"),
    ("экспедирование грузов, таможенный брокер", "freight forwarding, customs broker"),
    ("оптовая торговля фруктами и овощами", "wholesale fruit and vegetables"),
    ("импорт бытовой химии", "imports household chemicals"),
    ("рефрижераторные перевозки", "refrigerated transport"),
    ("подставная фирма, директор номинальный", "front company, nominee director"),
    ("адрес массовой регистрации", "registered at a mass-registration address"),
    ("склад временного хранения у пункта пропуска", "bonded warehouse near the border crossing"),
    ("торговля текстилем, наличные расчёты", "textile trade, cash payments"),
    ("аренда грузовых автомобилей", "truck rental"),
    ("", ""),
    ("", ""),
)  # fmt: skip

#: country → (Cyrillic legal forms, placed before the name or after it), Latin legal form.
LEGAL_FORMS: dict[str, tuple[tuple[tuple[str, bool], ...], str]] = {
    "KZ": ((("ТОО", True), ("ЖШС", False)), "LLP"),
    "KG": ((("ОсОО", True),), "LLC"),
    "RU": ((("ООО", True),), "LLC"),
    "TJ": ((("ООО", True), ("ҶДММ", True)), "LLC"),
    "UZ": ((("МЧЖ", False),), "MChJ"),
    "TM": ((("ХК", True),), "LLC"),
    "AZ": ((("ООО", True),), "LLC"),
}
#: Share of a state's agencies' own filings written in Latin.
LATIN_SHARE: dict[str, float] = {
    "KZ": 0.15, "KG": 0.15, "RU": 0.05, "TJ": 0.2, "UZ": 0.6, "TM": 0.4, "AZ": 0.7,
}  # fmt: skip
#: Share of companies filed a second time, by an agency of another state.
TWIN_SHARE = 0.25
#: Digits of the national registration number (BIN, INN, STIR…).
REG_DIGITS: dict[str, int] = {"KZ": 12, "KG": 14, "RU": 10, "TJ": 9, "UZ": 9, "TM": 10, "AZ": 10}


def _latin(words: str, country: str) -> str:
    table = t.RU_TO_UZ if country == "UZ" else t.RU_TO_LAT_KH
    return t.convert(words, table)


def _national(words: str, country: str) -> str:
    return t.convert(words, t.RU_TO_TJ) if country == "TJ" else words


def _name(rnd: Callable[[], float], words: str, country: str, latin: bool) -> tuple[str, str]:
    """The name as written, and its legal form as written."""
    cyrillic_forms, latin_form = LEGAL_FORMS[country]
    if latin:
        return f"{_latin(words, country)} {latin_form}", latin_form
    form, before = pick(rnd, cyrillic_forms)
    quoted = f"«{_national(words, country)}»"
    return (f"{form} {quoted}" if before else f"{quoted} {form}"), form


def _registration(rnd: Callable[[], float], country: str) -> str:
    digits = REG_DIGITS[country]
    return "".join(str(int(rnd() * 10)) for _ in range(digits))


def _companies(rnd: Callable[[], float]) -> Iterator[tuple[str, str]]:
    """``(words, country)`` of every company, ``Восток Транзит`` (KZ) first, no name twice."""
    seen = {"Восток Транзит"}
    yield "Восток Транзит", "KZ"
    pairs = [f"{b} {w}" for b in BRANDS for w in TRADES]
    while len(seen) < len(pairs):
        words = pick(rnd, pairs)
        if words in seen:
            continue
        seen.add(words)
        yield words, pick(rnd, MEMBER_STATES)


def _other_agency(rnd: Callable[[], float], country: str) -> str:
    while True:
        agency = pick(rnd, NATIONAL_AGENCIES)
        if AGENCIES_BY_CODE[agency].country != country:
            return agency


def generate_companies(k: int = DEMO_COMPANIES, seed: int = 1) -> Iterator[dict[str, str]]:
    """Yield about ``k`` company rows (see ``COMPANY_COLUMNS``): ``k`` companies, some of
    them filed a second time by another state's agency in the other script.

    Source ids are ``ORG-{agency}-{n}``, ``n`` numbering the companies, so a company filed
    twice has the same number in both agencies.
    """
    rnd = rng_for("companies", seed).random
    for number, (words, country) in enumerate(_companies(rnd), start=1):
        if number > k:
            return
        owner = pick(rnd, AGENCIES_OF[country])
        latin = rnd() < LATIN_SHARE[country]
        registration = _registration(rnd, country) if rnd() < 0.7 else ""
        notes = pick(rnd, NOTES)
        filings = [(owner, latin)]
        if number == 1:
            filings = [("KZ-MVD", False), ("KG-MVD", True)]
        elif rnd() < TWIN_SHARE:
            filings.append((_other_agency(rnd, country), not latin))
        for agency, in_latin in filings:
            name, form = _name(rnd, words, country, in_latin)
            if number == 1 and not in_latin:
                name, form = "ТОО «Восток Транзит»", "ТОО"  # the example of docs and tests
            source_grade, info_grade, handling, recipients = grading(rnd, agency)
            home = AGENCIES_BY_CODE[agency].country == country
            yield {
                "agency": agency,
                "source_id": f"ORG-{agency}-{number:05d}",
                "name": name,
                "legal_form": form if rnd() < 0.5 else "",
                "registration_number": registration if home or rnd() < 0.5 else "",
                "country": country,
                "notes": notes[1] if in_latin else notes[0],
                "source_grade": source_grade,
                "information_grade": info_grade,
                "handling_code": handling,
                "handling_note": handling_note(handling),
                "recipients": recipients,
            }
