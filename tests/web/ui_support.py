"""Helpers for the web UI tests: sign in, read the CSRF token, file realistic records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from caravan.access import Principal
from caravan.collect.records import create_record

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


#: The password of every user of the ``world`` fixture (tests/conftest.py); the web
#: conftest checks that the two agree.
PASSWORD = "correct-horse-battery"


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the session's CSRF token."""
    response = client.post(
        "/login",
        data={"username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


PERSONS: list[dict[str, Any]] = [
    {
        "source_id": "KZ-P-1001",
        "surname": "Каримов",
        "given_name": "Алишер",
        "patronymic": "Рустамович",
        "name_as_written": "KARIMOV ALISHER",
        "birth_date": "1984-05-12",
        "nationality": "UZ",
        "gender": "M",
        "document_number": "FA1234567",
        "phone": "+998 90 123 45 67",
        "handling_code": "H1",
        "grade": "B2",
    },
    {
        "source_id": "KZ-P-1002",
        "surname": "Сейтказиев",
        "given_name": "Нурлан",
        "birth_date": "1979",
        "nationality": "KZ",
        "gender": "M",
        "phone": "+7 701 555 12 34",
        "handling_code": "H0",
        "grade": "A1",
    },
    {
        "source_id": "KZ-P-1003",
        "surname": "Rahimzoda",
        "given_name": "Firuz",
        "birth_date": "1991-11",
        "nationality": "TJ",
        "gender": "M",
        "document_number": "400987654",
        "handling_code": "H2",
        "grade": "B3",
    },
    {
        "source_id": "KZ-P-1004",
        "surname": "Абдыкадырова",
        "given_name": "Айгуль",
        "birth_date": "1988-02-29",
        "nationality": "KG",
        "gender": "F",
        "handling_code": "H1",
        "grade": "C3",
    },
]

SEIZURES: list[dict[str, Any]] = [
    {
        "source_id": "KZ-S-2025-0311",
        "date": "2025-03-11",
        "country": "KZ",
        "admin_area": "Жамбылская область",
        "city": "Кордай",
        "place_type": "border_crossing",
        "drug": "heroin",
        "quantity": "12.4",
        "unit": "kg",
        "purity_percent": "61",
        "origin_country": "AF",
        "departure_country": "TJ",
        "transit_countries": "KG",
        "destination_country": "RU",
        "transport_mode": "road",
        "concealment": "vehicle_hidden_compartment",
        "vehicle_plates": "777ABD02",
        "notes": "Тайник в топливном баке грузовика, рейс Бишкек — Алматы.",
        "handling_code": "H1",
        "grade": "B2",
        "persons": "KZ-P-1001",
    },
    {
        "source_id": "KZ-S-2025-0302",
        "date": "2025-03-02",
        "country": "KZ",
        "city": "Алматы",
        "place_type": "post",
        "drug": "mephedrone",
        "quantity": "2.35",
        "unit": "kg",
        "transport_mode": "post_courier",
        "concealment": "post_parcel",
        "destination_country": "KZ",
        "departure_country": "CN",
        "notes": "Parcel declared as bath salts.",
        "handling_code": "H0",
        "grade": "A2",
    },
    {
        "source_id": "KZ-S-2025-0227",
        "date": "2025-02-27",
        "country": "KZ",
        "city": "Шымкент",
        "place_type": "road",
        "drug": "cannabis_resin",
        "quantity": "48",
        "unit": "kg",
        "origin_country": "AF",
        "transit_countries": "UZ",
        "destination_country": "RU",
        "transport_mode": "road",
        "concealment": "cargo",
        "handling_code": "H2",
        "grade": "B2",
        "persons": "KZ-P-1002;KZ-P-1003",
    },
    {
        "source_id": "KZ-S-2025-0219",
        "date": "2025-02-19",
        "country": "KZ",
        "city": "Актау",
        "place_type": "sea_port",
        "drug": "acetic_anhydride",
        "quantity": "1200",
        "unit": "l",
        "origin_country": "IR",
        "destination_country": "AF",
        "transport_mode": "sea",
        "concealment": "cargo",
        "handling_code": "H1",
        "grade": "B3",
    },
    {
        "source_id": "KZ-S-2025-0205",
        "date": "2025-02-05",
        "country": "KZ",
        "city": "Астана",
        "place_type": "airport",
        "drug": "cocaine_hcl",
        "quantity": "0.86",
        "unit": "kg",
        "origin_country": "BR",
        "transit_countries": "TR",
        "destination_country": "KZ",
        "transport_mode": "air",
        "concealment": "body_internal",
        "handling_code": "H3",
        "handling_note": "Controlled delivery in progress; no action before 2025-04-01.",
        "grade": "A2",
        "persons": "KZ-P-1004",
    },
    {
        "source_id": "KZ-S-2025-0131",
        "date": "2025-01-31",
        "country": "KZ",
        "city": "Караганда",
        "place_type": "residence",
        "drug": "methamphetamine",
        "quantity": "3500",
        "unit": "tablets",
        "concealment": "drop_point",
        "handling_code": "H0",
        "grade": "B2",
    },
]

REPORTS: list[dict[str, Any]] = [
    {
        "source_id": "KZ-R-77",
        "date": "2025-03-05",
        "title": "Маршрут героина через Кордай",
        "body": "По оперативным данным, группа использует грузовые автомобили "
        "с тайниками в топливных баках.",
        "language": "ru",
        "handling_code": "H1",
        "grade": "B2",
        "persons": "KZ-P-1001;KZ-P-1002",
    },
    {
        "source_id": "KZ-R-78",
        "date": "2025-02-20",
        "title": "Synthetic cathinones ordered via messenger shops",
        "body": "Parcels from CN declared as cosmetics; payment in USDT.",
        "language": "en",
        "handling_code": "H0",
        "grade": "C3",
    },
]


def file_sample_records(principal: Principal, session: Any) -> dict[str, Any]:
    """File realistic persons, seizures and reports for ``principal``'s agency."""
    ids: dict[str, Any] = {}
    for kind, rows in (("persons", PERSONS), ("seizures", SEIZURES), ("reports", REPORTS)):
        for row in rows:
            record = create_record(session, principal, kind, row)
            ids[row["source_id"]] = record.id
    return ids


# --------------------------------------------------------------------------- in Chromium

#: Screenshots of the browser tests (look at them).
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def browser_sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
