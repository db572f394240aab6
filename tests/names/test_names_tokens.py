"""tokens() and blocking_keys(): words folded once, with roles, stems and index keys."""

import dataclasses
import random

import pytest

from caravan.names import MAX_TOKENS, MAX_WORD, Token, blocking_keys, tokens


def _folded(result: tuple[Token, ...]) -> list[tuple[str, str, str]]:
    return [(t.role, t.folded, t.stem) for t in result]


def test_token_fields_start_with_the_agreed_four() -> None:
    names = [f.name for f in dataclasses.fields(Token)]
    assert names[:4] == ["role", "written", "folded", "stem"]
    token = Token("surname", "Рахимова", "rahimova", "rahim")
    assert token.stems[0] == "rahim"
    assert token.keys == blocking_keys(token)
    assert token == tokens(surname="Рахимова")[0]


def test_structured_parts_give_roles() -> None:
    result = tokens(surname="Раҳимзода", given="Ҷамшед", patronymic="Каримович")
    assert _folded(result) == [
        ("surname", "rahimzoda", "rahim"),
        ("given", "jamshed", "jamshed"),
        ("patronymic", "karimovich", "karim"),
    ]
    assert [t.written for t in result] == ["Раҳимзода", "Ҷамшед", "Каримович"]
    assert [t.weight for t in result] == [1.0, 1.0, 0.5]


def test_a_part_of_several_words_gives_several_tokens() -> None:
    result = tokens(surname="Петров-Водкин", given="Кузьма")
    assert _folded(result) == [
        ("surname", "petrov", "petr"),
        ("surname", "vodkin", "vodkin"),
        ("given", "kuzma", "kuzma"),
    ]


def test_full_is_ignored_when_structured_parts_are_given() -> None:
    result = tokens(surname="Rakhimov", full="Somebody Else")
    assert [t.folded for t in result] == ["rahimov"]


def test_full_is_used_when_structured_parts_are_blank() -> None:
    result = tokens(surname="  ", given="", full="RAKHIMOV JAMSHED")
    assert [(t.role, t.folded) for t in result] == [("name", "rahimov"), ("name", "jamshed")]


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Асан уулу Бакыт", ["asanulu", "bakit"]),
        ("Jamshid Karim oʻgʻli", ["jamshid", "karimugli"]),
        ("Dilnoza Karim qizi", ["dilnoza", "karimkizi"]),
        ("Elnur Elçin oğlu", ["elnur", "elchinoglu"]),
        ("Abdul Aziz Karimi", ["abdulaziz", "karimi"]),
        ("Nurlan uly", ["nurlanuli"]),
    ],
)
def test_particles_join_their_word(full: str, expected: list[str]) -> None:
    assert [t.folded for t in tokens(full=full)] == expected


def test_patronymic_like_words_weigh_half_in_a_full_name() -> None:
    result = tokens(full="Rahimov Jamshid Karim oʻgʻli")
    assert [t.weight for t in result] == [1.0, 1.0, 0.5]
    assert [t.stem for t in result] == ["rahim", "jamshid", "karim"]


@pytest.mark.parametrize(
    ("role", "word", "stem"),
    [
        ("surname", "Рахимов", "rahim"),
        ("surname", "Рахимова", "rahim"),
        ("surname", "Раҳимзода", "rahim"),
        ("surname", "Rahimzadeh", "rahim"),
        ("surname", "Rahimi", "rahim"),
        ("surname", "Rəhimli", "rahim"),
        ("surname", "Rahimow", "rahim"),
        ("surname", "Нұрланұлы", "nurlan"),
        ("surname", "Никитина", "nikitin"),
        ("surname", "Красовская", "krasovsk"),
        ("surname", "Krasovsky", "krasovsk"),
        ("patronymic", "Каримович", "karim"),
        ("patronymic", "Каримовна", "karim"),
        ("name", "Bekzod", "bekzod"),  # -zod is dropped from surnames only
        ("surname", "Bekzod", "bek"),
        ("given", "Rahimova", "rahimova"),  # given names keep their form
        ("name", "Ali", "ali"),  # too short to lose an ending
    ],
)
def test_stems(role: str, word: str, stem: str) -> None:
    token = tokens(**{"full" if role == "name" else role: word})[0]
    assert token.stem == stem


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "12345", "--", "., ;", "\u200b"])
def test_no_letters_gives_no_tokens(text: str) -> None:
    assert tokens(full=text) == ()
    assert tokens(surname=text, given=text) == ()


def test_unhandled_scripts_are_kept_as_written() -> None:
    assert [t.folded for t in tokens(full="محمد رحيم")] == ["محمد", "رحيم"]
    assert [t.folded for t in tokens(full="王伟")] == ["王伟"]


def test_caps_on_tokens_and_word_length() -> None:
    many = tokens(full=" ".join(f"Name{chr(97 + i)}word" for i in range(20)))
    assert len(many) == MAX_TOKENS
    long_word = tokens(full="Rakhimov" * 1250)[0]
    assert len(long_word.written) == MAX_WORD
    assert len(tokens(surname="A B C D E", given="F G H I", patronymic="J K L")) <= MAX_TOKENS


def test_ten_thousand_characters() -> None:
    rnd = random.Random(7)
    noise = "".join(chr(rnd.randrange(0x20, 0x3000)) for _ in range(10_000))
    for text in (noise, "Рахимов " * 1250, "ʻ" * 10_000, "\u0301" * 10_000, "x" * 10_000):
        result = tokens(full=text)
        assert len(result) <= MAX_TOKENS
        assert all(len(t.written) <= MAX_WORD * 2 + 1 for t in result)


def test_blocking_keys_are_few_and_share_for_variants() -> None:
    rahimov = tokens(surname="Рахимов")[0]
    assert blocking_keys(rahimov) == ("rakem", "akem", "rkem", "raem", "rakm", "rake")
    variants = ["Раҳимзода", "RAKHIMOV", "Rahimi", "Rakhim", "Rahimova", "Rahimvo", "Rahmov"]
    for written in variants:
        other = tokens(surname=written)[0]
        assert set(blocking_keys(other)) & set(blocking_keys(rahimov)), written
        assert len(blocking_keys(other)) <= 12
    assert not set(blocking_keys(tokens(surname="Каримов")[0])) & set(blocking_keys(rahimov))


def test_initials_have_no_blocking_keys() -> None:
    initial = tokens(given="J.")[0]
    assert initial.folded == "j"
    assert blocking_keys(initial) == ()
