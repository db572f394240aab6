"""Misses of the 1,000,000-person benchmark (bench/out/checks-1000000-s2026-examples.txt).

One typo anywhere in a word — also with a changed ending or another script — must
leave the word sharing a blocking key with its stored form and compare as ``typo``;
a given name is not a father's name; swapped fields and gendered particles still match.
"""

import pytest

from caravan.names import Token, blocking_keys, compare, compare_names, tokens
from caravan.names.matching import match_score
from caravan.names.tokenise import MAX_FAMILY_KEYS, MAX_KEYS


def _one(role: str, word: str) -> Token:
    return tokens(**{role: word})[0]


def _name(surname: str, given: str, patronymic: str = "") -> tuple[Token, ...]:
    return tokens(surname=surname, given=given, patronymic=patronymic or None)


@pytest.mark.parametrize(
    ("role", "query", "stored"),
    [
        ("surname", "Васиьев", "Васильев"),  # dropped letter in the middle
        ("surname", "Rejpeov", "Rejepov"),  # swap
        ("surname", "Жумааев", "Жумабаев"),  # changed letter makes a double letter
        ("surname", "Жумааев", "ZHUMABAEV"),  # ... and another script
        ("surname", "Егроова", "Егорова"),  # swap that folding reads as оо
        ("surname", "Егроова", "EGOROVA"),
        ("given", "Үөөт", "Үмөт"),  # өө folds to u
        ("surname", "RAHSID", "Rashidov"),  # swap through sh, ending dropped
        ("surname", "Davlatzooa", "Давлатзаде"),  # typo in the ending, -zoda ↔ -zade
        ("surname", "Yusuov", "Юсуффов"),
        ("surname", "Кармов", "Каримзода"),  # typo and -ov ↔ -zoda
        ("surname", "Юсп", "Юсупов"),  # short word, typo and ending dropped
        ("surname", "Geldiýwea", "Geldiýew"),  # typo in the ending, gender
    ],
)
def test_one_typo_shares_a_key_and_compares_as_typo(role: str, query: str, stored: str) -> None:
    q, c = _one(role, query), _one(role, stored)
    assert set(blocking_keys(q)) & set(blocking_keys(c))
    match = compare([q], [c])
    assert match.parts[0].how == "typo", match.explain()
    assert match.score == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("role", "query", "stored"),
    [
        (
            "surname",
            "SERLKULY",
            [("surname", "SERIKULY"), ("given", "Serik"), ("surname", "Сериков")],
        ),
        (
            "surname",
            "Адлиулы",
            [("surname", "Адилулы"), ("given", "Адил"), ("patronymic", "Адилович")],
        ),
        ("surname", "Аиири", [("surname", "Амири"), ("given", "Амир"), ("surname", "Амирзода")]),
        ("given", "Карми", [("given", "Карим"), ("surname", "Каримов"), ("surname", "Karimi")]),
        ("given", "ALAMZ", [("given", "ALMAZ"), ("surname", "Almazov")]),
        (
            "surname",
            "Yusuov",
            [("surname", "Yusufov"), ("given", "Yusuf"), ("surname", "Yusufzoda")],
        ),
    ],
)
def test_a_typo_finds_the_stem_whichever_word_filed_it(
    role: str, query: str, stored: list[tuple[str, str]]
) -> None:
    """The hit index files a stem under the keys of the first word it met with that
    stem (a given name Serik, a surname Serikuly): the typo must meet every one."""
    q = _one(role, query)
    for other_role, word in stored:
        assert set(blocking_keys(q)) & set(blocking_keys(_one(other_role, word))), word


def test_a_typo_in_a_full_name_scores_near_point_eight() -> None:
    for query, stored in (
        (("Васиьев", "Роман", "Олегович"), ("Васильев", "Роман", "Олегович")),
        (("Rejpeov", "Begench", "Azatovich"), ("Rejepov", "Begench", "Azatovich")),
        (("Егроова", "Светлана", "Андреевна"), ("Егорова", "Светлана", "Андреевна")),
        (("RAHSID", "SANDZHAR", "SARDOROVICH"), ("Rashidov", "Sanjar", "Sardorovich")),
    ):
        assert 0.8 <= compare(_name(*query), _name(*stored)).score < 0.9
    davlat = compare(_name("Davlatzooa", "Bahodur"), _name("Давлатзаде", "Баҳодур"))
    assert 0.8 <= davlat.score < 0.9


def test_typo_keys_stay_few() -> None:
    for role, word in (
        ("surname", "Абдурахмонзода"),
        ("surname", "Davlatzooa"),
        ("surname", "Жээнбеокв"),
        ("given", "Talant"),
    ):
        assert len(blocking_keys(_one(role, word))) <= MAX_KEYS
    # a surname in the given-name field keeps its surname keys too, a bounded few more
    for word in ("Armanov", "KAIRVTOV", "Şariopwa"):
        assert MAX_KEYS < len(blocking_keys(_one("given", word))) <= MAX_KEYS + MAX_FAMILY_KEYS


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        (("Жээнбеокв", "Талант"), ("Жээнбеков", "Талант")),  # swap across stem and ending
        (("Зуҳуорв", "Исмоил"), ("Зухуров", "Исмоил")),
        (("Ashatluy", "Arman"), ("Асхатулы", "Арман")),  # swap inside -uly, another script
        (("Usmonv", "Nodira"), ("Usmonova", "Nodira")),
        # the h of a digraph moved out of it by a typo
        (("Zahparov", "Eldiyar"), ("Жапаров", "Элдияр")),
        (("Sanzahruly", "Daulet"), ("Sanzharuly", "Daulet")),
        (("BAIHZANULY", "TALGAT"), ("BAIZHANOV", "TALGAT")),
        # fields swapped and a typo in the surname, now in the given-name field
        (("DAULET", "KAIRVTOV"), ("KAIRATOV", "DAULET")),
        (("Gulnora", "Şariopwa"), ("Sharipova", "Gulnora")),
        (("Daniiar", "Asqarvo"), ("ASKAROV", "DANIIAR")),
        (("Farrukh", "Adbullaev"), ("Абдуллаев", "Фаррух")),
    ],
)
def test_typos_at_the_ending_and_in_swapped_fields_still_match(
    query: tuple[str, str], stored: tuple[str, str]
) -> None:
    q, c = _name(*query), _name(*stored)
    assert set(q[0].keys + q[1].keys) & set(c[0].keys)
    assert match_score(q, c) >= 0.75


def test_given_names_are_not_read_as_mistyped_surnames() -> None:
    # -ora is one letter off -ova, but only swapped letters mark a surname in that field
    for word in ("Gulnora", "Elchin", "Ruslan", "Nurlan"):
        token = _one("given", word)
        assert token.family == token.stems
        assert len(token.keys) <= MAX_KEYS


def test_given_name_is_not_the_fathers_name() -> None:
    match = compare(
        _name("Жолдош", "Нурбек", "Элдиярович"), _name("Жолдошев", "Элдияр", "Нурбекович")
    )
    assert match.score < 0.5, match.explain()
    same = compare(
        _name("Жолдош", "Нурбек", "Элдиярович"), _name("Жолдошев", "Нурбек", "Элдиярович")
    )
    assert same.score >= 0.9


def test_other_surname_with_names_crossed_is_no_hit() -> None:
    crossed = compare(
        _name("MEREDOV", "KERIM", "RESULOVICH"), _name("Mıratov", "Resul", "Kerimoviç")
    )
    assert crossed.score < 0.5, crossed.explain()


def test_other_surname_with_same_given_name_and_patronymic_is_well_below_strong() -> None:
    match = compare(
        _name("MEREDOV", "KERIM", "RESULOVICH"), _name("MIRATOV", "KERIM", "RESULOVICH")
    )
    assert match.score < 0.75, match.explain()
    assert match.parts[0].how == "different"


def test_swapped_order_still_tolerated_with_the_role_rule() -> None:
    fields = compare(
        _name("Jamshed", "Rakhimov", "Karimovich"), _name("Рахимов", "Джамшед", "Каримович")
    )
    assert fields.score >= 0.9 and fields.swapped
    full = compare(
        tokens(full="Нурбек Жолдошев Элдиярович"), _name("Жолдошев", "Нурбек", "Элдиярович")
    )
    assert full.score >= 0.9


def test_fields_swapped_with_a_suffix_change() -> None:
    match = compare(_name("ASKHAT", "ARMANOV"), _name("ARMANULY", "ASKHAT"))
    assert match.score >= 0.85, match.explain()
    assert [p.how for p in match.parts] == ["exact", "suffix"]
    assert match.parts[1].detail == "-ov ↔ -uli"
    q, c = _name("ASKHAT", "ARMANOV"), _name("ARMANULY", "ASKHAT")
    assert set(blocking_keys(q[1])) & set(blocking_keys(c[0]))
    # the given name is still not matched to a father's name
    assert compare(q, _name("Erlanov", "Askhat", "Armanovich")).score < 0.6


def test_fields_swapped_with_zoda_and_azerbaijani_patronymic() -> None:
    match = compare(
        _name("Ülvi", "Novruzzoda", "Anar oğlu"), _name("Novruzov", "Ülvi", "Anar oğlu")
    )
    assert match.score >= 0.85, match.explain()
    assert match.parts[1].how == "suffix" and match.parts[1].detail == "-zoda ↔ -ov"


def test_kyzy_uulu_gender_flip_with_a_typo() -> None:
    match = compare(_name("NURBEK KYZY", "ALAMZ"), _name("NURBEK UULU", "ALMAZ"))
    assert [p.how for p in match.parts] == ["gender", "typo"], match.explain()
    assert match.parts[0].detail == "-kizi ↔ -ulu"
    assert 0.8 <= match.score < 0.9


def test_gender_flip_with_a_typo_in_a_kyrgyz_given_name() -> None:
    match = compare(_name("Эсенова", "Үөөт", "Айбекович"), _name("Эсенов", "Үмөт", "Айбекович"))
    assert [p.how for p in match.parts] == ["gender", "typo", "exact"], match.explain()
    assert match.score >= 0.85


def test_match_score_agrees_on_the_new_cases() -> None:
    pairs = [
        (_name("Жолдош", "Нурбек", "Элдиярович"), _name("Жолдошев", "Элдияр", "Нурбекович")),
        (_name("ASKHAT", "ARMANOV"), _name("ARMANULY", "ASKHAT")),
        (_name("Эсенова", "Үөөт", "Айбекович"), _name("Эсенов", "Үмөт", "Айбекович")),
    ]
    for q, c in pairs:
        assert match_score(q, c) == compare(q, c).score


# --- misses left at 1,000,000 persons: a typo combined with something else


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("Olrova", "Орлова"),  # short stem (olr / orl): keys from stem and next letter
        ("Olrov", "Орлова"),  # ... also with the gender flipped
        ("Zaytstv", "Зайцев"),  # vowel of -ev changed: the v still marks the ending
        ("Usmnoow", "Усмонов"),  # Turkmen -ow, swap that folding reads as oo
        ("Ршидов", "Рашидов"),  # dropped letter next to ш (sh split in every key)
        ("TOSHATOV", "Тошматов"),
        ("Toshmtova", "Тошматова"),  # GOST and a dropped letter
        ("Жолошева", "Жолдошев"),  # dropped letter and gender
        ("Yldosh", "Yo'ldosheva"),  # dropped suffix and a typo
        ("Rejeopva", "Rejepov"),  # swap into the garbled feminine ending
        ("Qodiorva", "Qodirov"),
        ("Qodiorva", "Қодиров"),
    ],
)
def test_a_typo_combined_with_an_ending_or_script_change(query: str, stored: str) -> None:
    q, c = _one("surname", query), _one("surname", stored)
    assert set(blocking_keys(q)) & set(blocking_keys(c))
    match = compare([q], [c])
    assert match.parts[0].how == "typo", match.explain()
    assert match.score == pytest.approx(0.7)


def test_short_stem_keys_are_not_too_short() -> None:
    for word in ("Olrova", "Орлов", "Ли", "Али", "Юсп"):
        token = _one("surname", word)
        assert all(len(key) >= 2 for key in blocking_keys(token))
        assert all(len(key) >= 3 for key in blocking_keys(token)[1:]), blocking_keys(token)
        assert len(blocking_keys(token)) <= 12


def test_gender_typo_does_not_match_other_surnames() -> None:
    for query, stored in (("Каримова", "Рахимов"), ("Рахимова", "Каримов"), ("Орлова", "Козлов")):
        match = compare([_one("surname", query)], [_one("surname", stored)])
        assert match.parts[0].how == "different", match.explain()


def test_a_typo_with_gender_flip_in_a_full_name() -> None:
    match = compare(_name("Rejeopva", "Ayna"), _name("Rejepov", "Ayna"))
    assert [p.how for p in match.parts] == ["typo", "exact"], match.explain()
    assert 0.8 <= match.score < 0.9
    q, c = _name("Qodiorva", "Dilnoza"), _name("Қодирова", "Дилноза")
    assert match_score(q, c) == compare(q, c).score >= 0.8


def test_given_name_is_not_the_fathers_name_in_a_name_as_written() -> None:
    query = _name("Жолдош", "Нурбек", "Элдиярович")
    son = tokens(full="Элдияр Нурбекович Жолдошев")  # Нурбек's son, written unstructured
    match = compare(query, son)
    assert match.score < 0.7, match.explain()
    assert next(p.how for p in match.parts if p.query == "Нурбек") in ("different", "missing")
    # the other way round: a query written unstructured against the fields
    assert compare(tokens(full="Элдияр Нурбекович Жолдошев"), query).score < 0.7
    # the same man written unstructured still matches
    assert compare(query, tokens(full="Нурбек Элдиярович Жолдошев")).score >= 0.9
    # a surname of the -uulu kind in the given-name field (fields swapped) still matches
    swapped = compare(_name("UMOT", "NURBEK UULU"), tokens(full="Нурбек уулу Умот"))
    assert swapped.score >= 0.85, swapped.explain()


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        # a typo next to a j the stem alone reads as a glide (Orudzh-ov, Gadzh-yev)
        (("ORDZHOV", "NIDZHAT"), ("ORUDZHOV", "NIDZHAT")),
        (("Gadzhyhv", "Samir"), ("Gadzhyev", "Samir")),
    ],
)
def test_typo_beside_a_stem_final_j(query: tuple[str, str], stored: tuple[str, str]) -> None:
    q, c = _name(*query), _name(*stored)
    assert set(blocking_keys(q[0])) & set(blocking_keys(c[0]))
    match = compare(q, c)
    assert match.parts[0].how == "typo", match.explain()
    assert match.score >= 0.85


@pytest.mark.parametrize(
    ("kazakh_latin", "cyrillic"),
    [("Semionov", "Семёнов"), ("Fiodor", "Фёдор"), ("Artiomovich", "Артёмович")],
)
def test_kazakh_latin_io_is_yo(kazakh_latin: str, cyrillic: str) -> None:
    q, c = _one("surname", kazakh_latin), _one("surname", cyrillic)
    assert set(blocking_keys(q)) & set(blocking_keys(c))
    for a, b in ((q, c), (c, q)):
        assert compare([a], [b]).parts[0].how == "transliteration"


def test_kazakh_latin_io_with_other_variations() -> None:
    assert (
        compare([_one("surname", "Semionova")], [_one("surname", "Семёнов")]).parts[0].how
        == "gender"
    )
    # the ё reading is a second one: и + о as written still reads as itself
    rodion = _one("given", "Rodion")
    assert rodion.folded == "rodion" and rodion.alt == "roden"
    assert compare_names("Rodion", "Родион").parts[0].how == "transliteration"
