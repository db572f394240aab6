"""Property tests: idempotent folding, script round trips, no crash on any text."""

import iuliia
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from caravan.collect.generator import names as generator_names
from caravan.collect.generator import translit as generator_translit
from caravan.collect.generator.name_pools import FEMALE, MALE, SURNAMES
from caravan.names import blocking_keys, compare, compare_names, fold, tokens
from caravan.names.matching import match_score

NAME_LETTERS = (
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяғӣқӯҳҷәңөұүһіў"
    "abcdefghijklmnopqrstuvwxyzəışçğöüäžňýáǵńóúūñŋšč"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜŞÇĞİ"
    "'ʻʼ`´‘’ -."
)
name_text = st.text(st.sampled_from(NAME_LETTERS), max_size=24)


def _russian_forms() -> tuple[list[str], list[str], list[str]]:
    """Russian spellings of the demo name pools: surnames, given names, patronymics."""
    surnames: set[str] = set()
    given: set[str] = set()
    patronymics: set[str] = set()
    for eth, pool in SURNAMES.items():
        for s in range(len(pool)):
            for female in (False, True):
                for variant in (False, True):
                    surnames.update(generator_names.surname_ru(eth, s, female, variant, 0))
        for female, names in ((False, MALE[eth]), (True, FEMALE[eth])):
            given.update(generator_names.given_ru(eth, g, female) for g in range(len(names)))
        for f in range(len(MALE[eth])):
            for female in (False, True):
                patronymics.add(generator_names.patronymic_ru(eth, f, female, False))
    return sorted(surnames - {""}), sorted(given - {""}), sorted(patronymics - {""})


SURNAMES_RU, GIVEN_RU, PATRONYMICS_RU = _russian_forms()
russian_name = st.tuples(
    st.sampled_from(SURNAMES_RU), st.sampled_from(GIVEN_RU), st.sampled_from(PATRONYMICS_RU)
)

EXACT_SCHEMAS = ("BGN_PCGN", "BGN_PCGN_ALT", "GOST_52290", "MVD_782")
"""iuliia schemas whose renderings of the demo names fold to the Cyrillic key."""
STRONG_SCHEMAS = (
    "ICAO_DOC_9303",
    "WIKIPEDIA",
    "MOSMETRO",
    "YANDEX_MAPS",
    "YANDEX_MONEY",
    "TELEGRAM",
    "GOST_52535",
    "MVD_310",
    "ALA_LC",
    "BS_2979",
    "ISO_9_1968_ALT",
)
"""Schemas that differ only where the fold cannot tell ы+е from ье (Дурдыев)."""
ISO9_SCHEMAS = ("GOST_779", "GOST_779_ALT", "GOST_7034", "GOST_16876")
"""GOST 7.79 A/B and relatives: j for й folds as дж, so a pair may need the typo level."""

GENERATOR_TABLES = (
    generator_translit.RU_TO_ICAO,
    generator_translit.RU_TO_LAT_H,
    generator_translit.RU_TO_LAT_KH,
    generator_translit.RU_TO_UZ,
    generator_translit.RU_TO_TM,
    generator_translit.RU_TO_AZ,
)

INFORMAL: dict[str, tuple[str, ...]] = {
    # how Russian letters are spelt in informal Latin, passports past and present
    "х": ("kh", "h", "x"),
    "ж": ("zh", "j"),
    "ц": ("ts", "tz", "c"),
    "ч": ("ch", "tch"),
    "ш": ("sh",),
    "щ": ("shch", "sch", "sh"),
    "я": ("ya", "ia"),
    "ю": ("yu", "iu", "you"),
    "ё": ("yo", "e"),
    "й": ("y", "i"),
    "ы": ("y", "i"),
    "ь": ("", "'"),
    "ъ": ("",),
    "в": ("v", "w"),
    "у": ("u", "ou"),
    "э": ("e",),
    "е": ("e",),
}
_PLAIN = dict(zip("абвгдзиклмнопрстф", "abvgdziklmnoprstf", strict=True))


def _informal(word: str, choices: list[int]) -> str:
    out = []
    lowered = word.lower().replace("дж", "\0")
    for k, ch in enumerate(lowered):
        if ch == "\0":
            options: tuple[str, ...] = ("j", "dj", "dzh")
        elif ch in INFORMAL:
            options = INFORMAL[ch]
        else:
            options = (_PLAIN.get(ch, ch),)
        out.append(options[choices[k % len(choices)] % len(options)])
    return "".join(out)


# --------------------------------------------------------------------------- properties


@given(name_text)
def test_fold_is_idempotent_on_name_letters(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text())
def test_no_crash_on_any_text(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded
    result = tokens(full=text)
    assert len(result) <= 8
    for token in result:
        assert token.folded and token.stem
        assert len(blocking_keys(token)) <= 12
    match = compare(result, tokens(full=text[::-1]))
    assert 0.0 <= match.score <= 1.0
    assert isinstance(match.explain(), str)
    assert compare_names(text, text).score in ((1.0,) if result else (0.0,))


@given(st.text(st.sampled_from(" \t\n\r\u00a0\u2003\u3000-.,;'"), max_size=40))
def test_blank_input_gives_no_tokens_and_score_zero(text: str) -> None:
    assert fold(text) == ""
    assert tokens(full=text) == ()
    assert tokens(surname=text, given=text, patronymic=text) == ()
    assert compare_names(text, "Rakhimov Jamshed").score == 0.0


@settings(deadline=None, max_examples=30)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["any", "letters", "one word"]))
def test_ten_thousand_characters(seed: int, kind: str) -> None:
    import random

    rnd = random.Random(seed)
    if kind == "any":
        text = "".join(chr(rnd.randrange(1, 0x2FFFF)) for _ in range(10_000))
    elif kind == "letters":
        text = "".join(rnd.choice(NAME_LETTERS) for _ in range(10_000))
    else:
        text = "".join(rnd.choice(NAME_LETTERS.replace(" ", "")) for _ in range(10_000))
    result = tokens(full=text)
    assert len(result) <= 8
    assert 0.0 <= compare(result, tokens(full=text[::-1])).score <= 1.0
    folded = fold(text)
    assert fold(folded) == folded


# --------------------------------------------------------------------------- round trips


@given(russian_name, st.sampled_from(EXACT_SCHEMAS))
def test_iuliia_renderings_fold_to_the_cyrillic_key(
    name: tuple[str, str, str], schema: str
) -> None:
    latin = [getattr(iuliia, schema).translate(part) for part in name]
    assert [fold(x) for x in latin] == [fold(x) for x in name]


@given(russian_name, st.sampled_from(EXACT_SCHEMAS + STRONG_SCHEMAS))
def test_iuliia_renderings_compare_strongly(name: tuple[str, str, str], schema: str) -> None:
    latin = [getattr(iuliia, schema).translate(part) for part in name]
    query = tokens(surname=name[0], given=name[1], patronymic=name[2])
    candidate = tokens(surname=latin[0], given=latin[1], patronymic=latin[2])
    match = compare(query, candidate)
    assert match.score >= 0.9, match.explain()
    full = compare_names(" ".join(latin[1::-1]), " ".join(name))  # given name first
    assert full.score >= 0.9, full.explain()


@given(russian_name, st.sampled_from(ISO9_SCHEMAS))
def test_gost_7_79_renderings_compare_at_least_as_a_typo(
    name: tuple[str, str, str], schema: str
) -> None:
    latin = [getattr(iuliia, schema).translate(part) for part in name]
    query = tokens(surname=name[0], given=name[1], patronymic=name[2])
    match = compare(query, tokens(surname=latin[0], given=latin[1], patronymic=latin[2]))
    assert match.score >= 0.7, match.explain()


@given(russian_name, st.sampled_from(GENERATOR_TABLES))
def test_generator_renderings_compare_strongly(
    name: tuple[str, str, str], table: generator_translit.Table
) -> None:
    latin = [generator_translit.convert(part, table) for part in name]
    query = tokens(surname=name[0], given=name[1], patronymic=name[2])
    match = compare(query, tokens(surname=latin[0], given=latin[1], patronymic=latin[2]))
    assert match.score >= 0.85, match.explain()


@given(russian_name, st.lists(st.integers(0, 5), min_size=1, max_size=12))
def test_informal_renderings_compare_strongly(
    name: tuple[str, str, str], choices: list[int]
) -> None:
    latin = [_informal(part, choices) for part in name]
    assume(all(latin))
    query = tokens(surname=name[0], given=name[1], patronymic=name[2])
    candidate = tokens(surname=latin[0], given=latin[1], patronymic=latin[2])
    match = compare(query, candidate)
    assert match.score >= 0.8, (latin, match.explain())
    for part in match.parts:
        if part.how not in ("exact", "transliteration", "different", "initial"):
            q = next(t for t in query if t.written == part.query)
            c = next(t for t in candidate if t.written == part.candidate)
            assert set(blocking_keys(q)) & set(blocking_keys(c))


@given(russian_name, russian_name)
def test_match_implies_a_shared_blocking_key(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    query, candidate = tokens(full=" ".join(a)), tokens(full=" ".join(b))
    match = compare(query, candidate)
    assert match_score(query, candidate) == match.score
    for part in match.parts:
        if part.how in ("transliteration", "gender", "suffix", "variant", "typo"):
            q = next(t for t in query if t.written == part.query)
            c = next(t for t in candidate if t.written == part.candidate)
            assert set(blocking_keys(q)) & set(blocking_keys(c)), part
