"""compare(): every tolerance the hit check needs, with scores and explanations."""

import itertools

import pytest

from caravan.names import NameMatch, PartMatch, Token, compare, compare_names, tokens
from caravan.names.matching import match_score

RAKHIMOV = (
    "Раҳимзода Ҷамшед",  # Tajik Cyrillic
    "Рахимов Джамшед",  # Russian
    "RAKHIMOV DZHAMSHED",  # passport, ICAO 9303
    "Rahimov Jamshed",  # Uzbek border, informal
    "Raximov Jamshid",  # Uzbek Latin
)


def _structured(surname: str, given: str, patronymic: str = "") -> tuple[Token, ...]:
    return tokens(surname=surname, given=given, patronymic=patronymic or None)


def _how(match: NameMatch) -> list[str]:
    return [p.how for p in match.parts]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(RAKHIMOV, 2)))
def test_rakhimov_renderings_match_pairwise(a: str, b: str) -> None:
    match = compare_names(a, b)
    assert match.score >= 0.9
    surname, given = match.parts
    assert (surname.query, surname.candidate) == (a.split()[0], b.split()[0])
    assert (given.query, given.candidate) == (a.split()[1], b.split()[1])
    assert surname.how in ("exact", "transliteration", "suffix")
    assert given.how in ("exact", "transliteration", "variant")
    text = match.explain()
    assert a.split()[0] in text and b.split()[0] in text
    assert a.split()[1] in text and b.split()[1] in text
    assert not match.swapped
    # the same result, structured, and in the other direction
    structured = compare(_structured(*a.split()), _structured(*b.split()))
    assert structured.score == pytest.approx(match.score, abs=0.02)
    assert compare_names(b, a).score == pytest.approx(match.score, abs=0.02)


def test_explanation_names_parts_and_ways() -> None:
    match = compare(
        _structured("Рахимов", "Джамшед", "Каримович"), _structured("Раҳимзода", "Jamshed")
    )
    assert match.explain() == (
        "surname Рахимов ≈ Раҳимзода (suffix -ov ↔ -zoda); "
        "given name Джамшед = Jamshed (transliteration); "
        "patronymic Каримович not in candidate"
    )
    assert match.parts[0] == PartMatch(
        "Рахимов", "Раҳимзода", "surname", "surname", "suffix", 0.92, "-ov ↔ -zoda"
    )
    assert match.parts[2].how == "missing" and match.parts[2].candidate is None


def test_same_surname_other_given_name_is_low() -> None:
    match = compare_names("Рахимов Джамшед", "Рахимов Фаррух")
    assert match.score < 0.6
    assert _how(match) == ["exact", "different"]
    brothers = compare_names("Рахимов Джамшед Каримович", "Рахимов Фаррух Каримович")
    assert brothers.score < 0.6


def test_other_surname_same_given_name_is_low() -> None:
    match = compare_names("Рахимов Джамшед", "Каримов Джамшед")
    assert match.score < 0.75
    assert _how(match) == ["different", "exact"]


def test_unrelated_names_score_near_zero() -> None:
    assert compare_names("Ivanov Ivan", "Petrov Petr").score < 0.1
    assert compare_names("Рахимов Джамшед", "Смирнова Анна").score < 0.1


@pytest.mark.parametrize(
    ("a", "b", "ending"),
    [
        ("Рахимов", "Раҳимзода", "-ov ↔ -zoda"),  # Tajik
        ("Rahimov", "Rahimzade", "-ov ↔ -zade"),
        ("Rahimov", "Rahimzadeh", "-ov ↔ -zadeh"),  # Persian
        ("Rahimov", "Rahimi", "-ov ↔ -i"),  # Afghan, Tajik -ӣ
        ("Rakhimov", "Rakhim", "-ov ↔ no ending"),  # ending dropped
        ("Нурланов", "Нұрланұлы", "-ov ↔ -uli"),  # Kazakh
        ("Асанов", "Асан уулу", "-ov ↔ -ulu"),  # Kyrgyz
        ("Мирзоев", "Mirzozoda", "-ev ↔ -zoda"),
        ("Hüseynzadə", "Гусейнов", "-zada ↔ -ov"),  # Azerbaijani
        ("Rəhimli", "Рахимов", "-li ↔ -ov"),
    ],
)
def test_surname_suffix_changes(a: str, b: str, ending: str) -> None:
    match = compare(_structured(a, "Jamshed"), _structured(b, "Jamshed"))
    assert match.score >= 0.9
    assert match.parts[0].how == "suffix"
    assert match.parts[0].detail == ending


@pytest.mark.parametrize(
    ("a", "b"),
    [("Annaýew", "Аннаев"), ("Orazow", "Оразов"), ("Orazowa", "ORAZOVA")],
)
def test_turkmen_ow_ew_endings_are_transliterations(a: str, b: str) -> None:
    match = compare(_structured(a, "Serdar"), _structured(b, "Сердар"))
    assert match.score >= 0.95
    assert _how(match) == ["transliteration", "transliteration"]


def test_swapped_roles_are_tolerated_with_a_small_penalty() -> None:
    straight = compare(_structured("Rakhimov", "Jamshed"), _structured("Рахимов", "Джамшед"))
    swapped = compare(_structured("Jamshed", "Rakhimov"), _structured("Рахимов", "Джамшед"))
    assert swapped.swapped and not straight.swapped
    assert 0.9 <= swapped.score < straight.score
    assert [(p.query, p.candidate) for p in swapped.parts] == [
        ("Jamshed", "Джамшед"),
        ("Rakhimov", "Рахимов"),
    ]
    assert "written as given name" in swapped.explain()


def test_surname_first_or_last_in_a_full_string() -> None:
    match = compare_names("Jamshed Rakhimov", "RAKHIMOV JAMSHED")
    assert match.score == 1.0
    assert match.swapped
    assert match.explain().endswith("name order differs")
    mixed = compare(_structured("Рахимов", "Джамшед"), tokens(full="Jamshed Rakhimov"))
    assert mixed.score >= 0.95 and mixed.swapped


def test_missing_patronymic_costs_little() -> None:
    query = _structured("Рахимов", "Джамшед", "Каримович")
    match = compare(query, _structured("Rakhimov", "Dzhamshed"))
    assert 0.9 <= match.score < 0.97
    assert _how(match) == ["transliteration", "transliteration", "missing"]
    extra = compare(_structured("Rakhimov", "Dzhamshed"), query)
    assert 0.9 <= extra.score < 0.97
    assert extra.parts[-1] == PartMatch("", "Каримович", "", "patronymic", "extra", 0.6)
    assert "candidate also has patronymic Каримович" in extra.explain()


def test_patronymic_that_agrees_outweighs_one_not_known() -> None:
    # benchmark misses: the right record, with the father's name, came second to a
    # namesake written without one (surname in another form, or in another script)
    for query, right, namesake in (
        (
            _structured("Хасанов", "Сухроб", "Далерович"),
            _structured("Ҳасанзода", "Сӯҳроб", "Далерович"),
            _structured("Хасанов", "Сухроб"),
        ),
        (
            _structured("Исмайылов", "Элчин", "Самирович"),
            _structured("İsmayılov", "Elçin", "Samir oğlu"),
            _structured("Исмайылов", "Элчин"),
        ),
    ):
        assert compare(query, right).score > compare(query, namesake).score


def test_extra_middle_name_in_a_full_string_costs_little() -> None:
    match = compare_names("Ahmad Shah Karimi", "Karimi Ahmad")
    assert match.score >= 0.85
    assert "missing" in _how(match)


def test_missing_given_name_costs_much() -> None:
    assert compare_names("Rakhimov", "Rakhimov Jamshed").score < 0.8
    assert compare_names("Rakhimov Jamshed", "Rakhimov").score < 0.7


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rahimov Jamshed", "Rahimov Jamshde"),  # swap
        ("Rahimov Jamshed", "Rahimov Jamsed"),  # drop
        ("Rahimov Jamshed", "Rahinov Jamshed"),  # replace
        ("Rahimov Jamshed", "Rahimvo Jamshed"),  # swap inside the ending
        ("Кодиров Шерзод", "Кодиов Шерзод"),
    ],
)
def test_one_typo(a: str, b: str) -> None:
    match = compare_names(a, b)
    assert 0.8 <= match.score <= 0.9
    assert "typo" in _how(match)


def test_double_letters_are_not_typos() -> None:
    match = compare_names("Farrukh Abdullaev", "Farukh Abdulaev")
    assert match.score >= 0.95


@pytest.mark.parametrize(
    ("a", "b", "detail"),
    [
        ("Рахимова", "Рахимов", "-ova ↔ -ov"),
        ("Aliyeva", "Алиев", "-eva ↔ -ev"),
        ("Никитина", "Никитин", "-a ↔ no ending"),
        ("Krasovskaya", "Красовский", "-aia ↔ -i"),
    ],
)
def test_gender_endings_of_surnames(a: str, b: str, detail: str) -> None:
    match = compare(_structured(a, "Madina"), _structured(b, "Madina"))
    assert match.score >= 0.95
    assert match.parts[0].how == "gender"
    assert match.parts[0].detail == detail


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Каримович", "Каримовна"),
        ("Karim oʻgʻli", "Karim qizi"),
        ("Nurlanuly", "Nurlanqyzy"),
        ("Elçin oğlu", "Elçin qızı"),
    ],
)
def test_gender_endings_of_patronymics(a: str, b: str) -> None:
    match = compare(_structured("Rahimov", "Jamshed", a), _structured("Rahimov", "Jamshed", b))
    assert match.parts[2].how == "gender"
    assert match.score >= 0.95


def test_given_names_are_not_gendered() -> None:
    match = compare(_structured("Rahimov", "Aziz"), _structured("Rahimov", "Aziza"))
    assert match.parts[1].how == "typo"
    assert match.score < 0.9


@pytest.mark.parametrize("mark", ["ʻ", "ʼ", "'", "`", "´", "‘", "’"])
def test_uzbek_apostrophe_variants_match(mark: str) -> None:
    written = f"Yo{mark}ldoshev G{mark}ayrat"
    match = compare_names(written, "Yoʻldoshev Gʻayrat")
    assert match.score >= 0.97
    cyrillic = compare_names(written, "Йўлдошев Ғайрат")
    assert cyrillic.score >= 0.95


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Nūrsūltan Äbdırahmanūly", "Нұрсұлтан Әбдірахманұлы"),  # Kazakh 2021
        ("Ǵalym Ábdirahmanuly", "Ғалым Әбдірахманұлы"),  # Kazakh 2018
        ("Döwletow Begenç", "Довлетов Бегенч"),  # Turkmen
        ("Baýramowa Läle", "Байрамова Лале"),
        ("Cəfərov Rəşad", "Джафаров Рашад"),  # Azerbaijani
        ("Həsənov Vüqar", "Гасанов Вугар"),
        ("Qodirov Baxtiyor", "Кадыров Бахтиёр"),  # Uzbek Latin
    ],
)
def test_national_latin_letters(latin: str, cyrillic: str) -> None:
    assert compare_names(latin, cyrillic).score >= 0.9


@pytest.mark.parametrize(
    ("national", "russian"),
    [
        ("Қайратов Әділ Нұрланұлы", "Кайратов Адиль Нурланович"),  # Kazakh
        ("Өмүрбеков Чыңгыз", "Омурбеков Чингиз"),  # Kyrgyz
        ("Раҳимзода Ҷамшед Ғафурович", "Рахимов Джамшед Гафурович"),  # Tajik
        ("Сӯҳробов Баҳодур", "Сухробов Баходур"),
        ("Йўлдошев Ғайрат Ҳасанович", "Юлдашев Гайрат Хасанович"),  # Uzbek Cyrillic
    ],
)
def test_national_cyrillic_letters(national: str, russian: str) -> None:
    assert compare_names(national, russian).score >= 0.9


def test_initial() -> None:
    match = compare_names("J. Rakhimov", "Jamshed Rakhimov")
    assert _how(match) == ["initial", "exact"]
    assert 0.8 <= match.score < 0.9
    assert compare_names("F. Rakhimov", "Jamshed Rakhimov").score < 0.6


def test_unhandled_scripts_compare_as_written() -> None:
    assert compare_names("محمد رحيم", "محمد رحيم").score == 1.0
    assert compare_names("محمد رحيم", "Muhammad Rahim").score < 0.1
    assert compare_names("王伟", "王伟").score == 1.0
    assert compare_names("王伟", "王芳").score < 0.1


@pytest.mark.parametrize("empty", ["", "   ", "123", "..."])
def test_empty_names_score_zero(empty: str) -> None:
    assert compare_names(empty, "Rakhimov Jamshed").score == 0.0
    assert compare_names("Rakhimov Jamshed", empty).score == 0.0
    assert compare_names(empty, empty).score == 0.0
    assert compare_names(empty, empty).explain() == "no name to compare"


def test_match_score_is_the_compare_score() -> None:
    names = [*RAKHIMOV, "Каримов Джамшед", "Рахимов Фаррух", "J. Rakhimov", "Rakhimov"]
    for a, b in itertools.product(names, repeat=2):
        query, candidate = tokens(full=a), tokens(full=b)
        assert match_score(query, candidate) == compare(query, candidate).score


def test_long_names_use_the_exact_assignment() -> None:
    query = tokens(full="Abdul Rahman Muhammad Karim Ahmadzai Noor Gul Wali Shah")
    candidate = tokens(full="Shah Wali Gul Noor Ahmadzai Karim Muhammad Abdul Rahman")
    match = compare(query, candidate)
    assert match.score == 1.0
    assert all(p.how == "exact" for p in match.parts)
