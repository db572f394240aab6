"""Tests of the deterministic demo-data generator (pure producers, no database)."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import phonenumbers
import pytest

from caravan.collect.generator import (
    COMPANY_COLUMNS,
    DEMO_COMPANIES,
    LINK_COLUMNS,
    MEMBER_STATES,
    PERSON_COLUMNS,
    REPORT_COLUMNS,
    ROLES,
    SEIZURE_COLUMNS,
    TRUTH_COLUMNS,
    demo_agencies,
    demo_users,
    generate_companies,
    generate_intel_reports,
    generate_links,
    generate_persons,
    generate_seizures,
)

N_PERSONS = 3000
COUNTRY = {a.code: a.country for a in demo_agencies()}
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN = re.compile("[A-Za-z]")


@pytest.fixture(scope="module")
def persons() -> list[dict[str, str]]:
    return list(generate_persons(N_PERSONS, seed=7, with_truth=True))


@pytest.fixture(scope="module")
def seizures() -> list[dict[str, str]]:
    return list(generate_seizures(2000, seed=7, persons=N_PERSONS))


def test_agencies_cover_centre_and_member_states() -> None:
    agencies = demo_agencies()
    assert agencies[0].code == "CARICC"
    assert agencies[0].type == "centre"
    assert agencies[0].country == "KZ"
    codes = [a.code for a in agencies]
    assert len(codes) == len(set(codes))
    for state in MEMBER_STATES:
        assert 2 <= sum(a.country == state for a in agencies if a.type != "centre") <= 3
    assert all(a.contact.endswith(".example") and "@" in a.contact for a in agencies)


def test_users_cover_every_role() -> None:
    users = demo_users()
    assert {u.role for u in users} == set(ROLES)
    assert {u.role for u in users if u.agency == "CARICC"} == set(ROLES)
    assert len({u.username for u in users}) == len(users)
    assert {u.agency for u in users} <= set(COUNTRY)
    assert {"caricc.admin", "kz.officer"} <= {u.username for u in users}


def test_persons_deterministic_and_exact_count(persons: list[dict[str, str]]) -> None:
    again = list(generate_persons(N_PERSONS, seed=7, with_truth=True))
    assert again == persons
    assert len(persons) == N_PERSONS
    other = list(generate_persons(200, seed=8))
    assert other != [{k: r[k] for k in PERSON_COLUMNS} for r in persons[:200]]
    # a shorter run is a prefix of a longer one
    assert list(generate_persons(300, seed=7, with_truth=True)) == persons[:300]
    assert sum(1 for _ in generate_persons(0)) == 0
    assert sum(1 for _ in generate_persons(1)) == 1


def test_person_columns_and_values(persons: list[dict[str, str]]) -> None:
    assert all(list(r) == [*PERSON_COLUMNS, *TRUTH_COLUMNS] for r in persons)
    assert all(isinstance(v, str) for r in persons for v in r.values())
    assert len({(r["agency"], r["source_id"]) for r in persons}) == N_PERSONS
    assert {r["agency"] for r in persons} >= set(COUNTRY) - {"CARICC"}
    assert {r["source_grade"] for r in persons} == {"A", "B", "C", "X"}
    assert {r["information_grade"] for r in persons} == {"1", "2", "3", "4"}
    handling = [r["handling_code"] for r in persons]
    assert set(handling) == {"H0", "H1", "H2", "H3"}
    assert 0.10 < handling.count("H2") / len(handling) < 0.20
    for r in persons:
        if r["recipients"]:
            assert r["handling_code"] in ("H2", "H3")
            assert set(r["recipients"].split(";")) <= set(COUNTRY)
        assert r["gender"] in ("M", "F", "")
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?|\d{2}\.\d{2}\.\d{4}|", r["birth_date"])
        assert r["surname"] and r["given_name"] and r["surname"] in r["name_as_written"]


def test_phones_are_valid_for_the_agency_region(persons: list[dict[str, str]]) -> None:
    phones = [(r["phone"], COUNTRY[r["agency"]]) for r in persons if r["phone"]]
    phones += [
        (r["phone"], COUNTRY[r["agency"]])
        for r in itertools.islice(generate_persons(20_000, seed=3), 0, None, 7)
        if r["phone"]
    ]
    sample = phones[:2000]
    assert len(sample) == 2000
    for text, region in sample:
        assert phonenumbers.is_valid_number(phonenumbers.parse(text, region)), (text, region)


def test_same_person_in_cyrillic_and_latin(persons: list[dict[str, str]]) -> None:
    renderings: dict[str, list[dict[str, str]]] = {}
    for r in persons:
        renderings.setdefault(r["true_person_id"], []).append(r)
    cross = [
        rows
        for rows in renderings.values()
        if len({r["agency"] for r in rows}) > 1
        and any(CYRILLIC.search(r["surname"]) for r in rows)
        and any(LATIN.search(r["surname"]) for r in rows)
    ]
    assert len(cross) >= 10
    assert any(len(rows) > 1 for rows in renderings.values())
    networks = {r["network_id"] for r in persons if r["network_id"]}
    assert networks


def test_national_writing_habits(persons: list[dict[str, str]]) -> None:
    names = " ".join(r["name_as_written"] for r in persons)
    for marker in ("зода", "ұлы", "уулу", "ҳ", "ow", "ə", "ov"):
        assert marker in names, marker
    assert re.search(r"\b[A-Z]{3,} [A-Z]{3,}\b", names)  # ICAO upper case
    assert re.search(r"[oOgG][ʻ'`ʼ‘]", names)  # Uzbek oʻ/gʻ with its stand-ins


def test_seizures_deterministic_and_valid(
    seizures: list[dict[str, str]], persons: list[dict[str, str]]
) -> None:
    assert list(generate_seizures(2000, seed=7, persons=N_PERSONS)) == seizures
    assert list(generate_seizures(50, seed=8)) != seizures[:50]
    assert all(list(r) == list(SEIZURE_COLUMNS) for r in seizures)
    assert len({(r["agency"], r["source_id"]) for r in seizures}) == len(seizures)
    person_ids = {(r["agency"], r["source_id"]) for r in persons}
    referenced = 0
    lo, hi = dt.date(2021, 1, 1), dt.date(2026, 10, 31)
    for r in seizures:
        assert r["country"] == COUNTRY[r["agency"]]
        assert float(r["quantity"].replace(",", ".")) > 0
        assert r["unit"] in ("kg", "g", "tablets", "l", "кг", "г")
        day = r["date"] if len(r["date"]) == 10 else r["date"] + "-01"
        assert lo <= dt.date.fromisoformat(day) <= hi
        assert -90 <= float(r["latitude"]) <= 90 and -180 <= float(r["longitude"]) <= 180
        for pid in filter(None, r["persons"].split(";")):
            assert (r["agency"], pid) in person_ids
            referenced += 1
    assert referenced > 100
    assert {r["concealment"] for r in seizures} >= {"drop_point", "vehicle_hidden_compartment"}
    assert {r["country"] for r in seizures} == set(MEMBER_STATES)
    drugs = {r["drug"] for r in seizures}
    assert {"героин", "heroin", "метамфетамин", "мефедрон"} <= drugs


def test_reports_and_links(persons: list[dict[str, str]]) -> None:
    reports = list(generate_intel_reports(300, seed=7, persons=N_PERSONS))
    assert reports == list(generate_intel_reports(300, seed=7, persons=N_PERSONS))
    assert all(list(r) == list(REPORT_COLUMNS) for r in reports)
    assert {r["language"] for r in reports} == {"ru", "en"}
    assert len({(r["agency"], r["source_id"]) for r in reports}) == 300
    person_ids = {(r["agency"], r["source_id"]) for r in persons}
    network = {(r["agency"], r["source_id"]): r["network_id"] for r in persons}
    for r in reports:
        for pid in filter(None, r["persons"].split(";")):
            assert (r["agency"], pid) in person_ids
    links = list(generate_links(seed=7, persons=N_PERSONS))
    assert links == list(generate_links(seed=7, persons=N_PERSONS))
    assert links and all(list(r) == list(LINK_COLUMNS) for r in links)
    assert {r["link_type"] for r in links} <= {"associate", "family", "travelled_with", "called"}
    for r in links:
        a, b = (r["agency"], r["from_source_id"]), (r["agency"], r["to_source_id"])
        assert a in person_ids and b in person_ids and a != b
        assert network[a] and network[a] == network[b]


def test_companies_deterministic_and_across_scripts() -> None:
    from caravan.collect.clean import detect_legal_form, script_of
    from caravan.match.keys import company_key

    companies = list(generate_companies(DEMO_COMPANIES, seed=7))
    assert companies == list(generate_companies(DEMO_COMPANIES, seed=7))
    assert companies != list(generate_companies(DEMO_COMPANIES, seed=8))
    assert all(list(r) == list(COMPANY_COLUMNS) for r in companies)
    assert all(isinstance(v, str) for r in companies for v in r.values())
    assert len({(r["agency"], r["source_id"]) for r in companies}) == len(companies)
    numbers = [r["source_id"].rsplit("-", 1)[1] for r in companies]
    assert len(set(numbers)) == DEMO_COMPANIES
    assert DEMO_COMPANIES < len(companies) < 2 * DEMO_COMPANIES
    assert {r["agency"] for r in companies} <= set(COUNTRY) - {"CARICC"}
    assert {r["country"] for r in companies} == set(MEMBER_STATES)
    # the docs' example: ТОО «Восток Транзит» by KZ, Vostok Tranzit LLP by KG
    assert [(r["agency"], r["name"]) for r in companies[:2]] == [
        ("KZ-MVD", "ТОО «Восток Транзит»"),
        ("KG-MVD", "Vostok Tranzit LLP"),
    ]
    forms = {detect_legal_form(r["name"]) for r in companies}
    assert {"ТОО", "ЖШС", "ОсОО", "ООО", "МЧЖ", "MChJ", "ХК", "LLP", "LLC"} <= forms
    assert all(r["legal_form"] in ("", detect_legal_form(r["name"])) for r in companies)
    assert all(r["handling_note"] for r in companies if r["handling_code"] == "H3")
    # a company filed twice: two states' agencies, two scripts, one key
    by_number: dict[str, list[dict[str, str]]] = {}
    for row, number in zip(companies, numbers, strict=True):
        by_number.setdefault(number, []).append(row)
    twins = [rows for rows in by_number.values() if len(rows) == 2]
    assert len(twins) >= DEMO_COMPANIES // 6
    for a, b in twins:
        assert COUNTRY[a["agency"]] != COUNTRY[b["agency"]]
        assert {script_of(a["name"]), script_of(b["name"])} == {"cyrillic", "latin"}
        assert company_key(a["name"]) == company_key(b["name"]), (a["name"], b["name"])
    # different companies keep different keys
    keys = {company_key(rows[0]["name"]) for rows in by_number.values()}
    assert len(keys) == DEMO_COMPANIES
    # a shorter run is a prefix of a longer one
    shorter = list(generate_companies(50, seed=7))
    assert shorter == companies[: len(shorter)]
