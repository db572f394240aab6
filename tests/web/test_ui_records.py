"""Filing, showing and listing records through the HTML forms."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from ui_support import sign_in

from caravan.collect.records import create_record
from caravan.store.models import Link, Person, SeizureReport

XSS = "<script>alert(1)</script>"


def _seizure_form(csrf: str, **extra: Any) -> dict[str, Any]:
    form = {
        "csrf_token": csrf,
        "date": "2025-03-14",
        "country": "KZ",
        "city": "Кордай",
        "place_type": "border_crossing",
        "drug": "heroin",
        "quantity": "7.25",
        "unit": "kg",
        "origin_country": "AF",
        "transit_countries": ["TJ", "KG"],
        "destination_country": "RU",
        "transport_mode": "road",
        "concealment": "vehicle_fuel_tank",
        "vehicle_plates": "777ABD02; 01KG123AB",
        "notes": f"{XSS} found in the fuel tank",
        "grading_scheme": "europol",
        "source_grade": "B",
        "information_grade": "2",
        "handling_code": "H1",
        "recipients": ["KG-MVD"],
        "source_id": "KZ-S-TEST-1",
    }
    form.update(extra)
    return form


def test_create_seizure_with_inline_and_picked_persons(
    client: TestClient, world: Any, sample: dict[str, Any]
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    existing = sample["KZ-P-1001"]
    form = _seizure_form(
        csrf,
        person_ids=[str(existing)],
        **{
            "new_persons-0-surname": "Тохтаров",
            "new_persons-0-given_name": "Бахтияр",
            "new_persons-0-birth_date": "1990-07-01",
            "new_persons-0-nationality": "KG",
            "new_persons-0-phone": "+996 555 123 456",
            "new_persons-1-surname": "",  # an empty extra group is ignored
        },
    )
    response = client.post("/seizures/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/seizures/[0-9a-f-]{36}\?notice=created", location)
    seizure_id = uuid.UUID(location.split("/")[2].split("?")[0])
    with world.db.session() as session:
        seizure = session.get(SeizureReport, seizure_id)
        assert seizure is not None and seizure.transit_countries == ["TJ", "KG"]
        assert seizure.grade_as_entered == "europol:B2" and seizure.handling_code == "H1"
        linked = session.scalars(
            select(Link.from_id).where(Link.to_id == seizure_id, Link.from_kind == "person")
        ).all()
        assert existing in linked and len(linked) == 2
        new_person = session.scalar(select(Person).where(Person.surname == "Тохтаров"))
        assert new_person is not None and new_person.birth_date == "1990-07-01"
    page = client.get(location)
    assert "Каримов" in page.text and "Тохтаров" in page.text
    assert "777ABD02" in page.text and "KG-MVD" in page.text


def test_validation_errors_are_shown_beside_their_fields(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    form = _seizure_form(csrf, date="2025-02-31", quantity="lots", drug="")
    response = client.post("/seizures/new", data=form)
    assert response.status_code == 422
    html = response.text
    assert 'class="error-summary"' in html
    for field in ("date", "quantity", "drug"):
        assert re.search(rf'class="field has-error[^"]*">\s*<label for="f-{field}"', html), field
    assert 'value="lots"' in html and 'value="Кордай"' in html  # the user's values are kept
    with world.db.session() as session:
        assert session.scalar(select(SeizureReport.id)) is None


def test_inline_person_errors_point_at_the_group(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    form = _seizure_form(
        csrf, **{"new_persons-0-given_name": "Nameless", "new_persons-0-birth_date": "1990-13"}
    )
    response = client.post("/seizures/new", data=form)
    assert response.status_code == 422
    assert 'id="f-new_persons-0-surname"' in response.text
    assert re.search(r'has-error">\s*<label for="f-new_persons-0-surname"', response.text)
    with world.db.session() as session:
        assert session.scalar(select(Person.id)) is None  # nothing half-written


def test_user_text_is_escaped_on_list_and_detail(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = client.post("/seizures/new", data=_seizure_form(csrf), follow_redirects=False)
    detail = client.get(response.headers["location"]).text
    listing = client.get("/seizures").text
    for html in (detail, listing):
        assert XSS not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_person_page_shows_every_name_and_linked_records(
    client: TestClient, sample: dict[str, Any]
) -> None:
    sign_in(client, "kg-mvd.officer")  # another agency: sees the H0/H1 records only
    page = client.get(f"/persons/{sample['KZ-P-1001']}").text
    assert "Каримов Алишер Рустамович" in page and "KARIMOV ALISHER" in page
    assert "Cyrillic" in page and "Latin" in page
    assert "FA1234567" in page and "+998901234567" in page
    assert f"/seizures/{sample['KZ-S-2025-0311']}" in page
    assert f"/reports/{sample['KZ-R-77']}" in page
    assert "Involved in seizure" in page


def test_restricted_record_of_another_agency_is_hidden(
    client: TestClient, world: Any, sample: dict[str, Any]
) -> None:
    sign_in(client, "kg-mvd.officer")
    h2 = sample["KZ-S-2025-0227"]
    assert client.get(f"/seizures/{h2}").status_code == 404
    assert client.get(f"/seizures/{h2}/edit").status_code == 404
    listing = client.get("/seizures").text
    assert str(h2) not in listing and "Шымкент" not in listing
    assert str(sample["KZ-S-2025-0311"]) in listing
    assert client.get(f"/persons/{sample['KZ-P-1003']}").status_code == 404


def test_recipient_agency_sees_the_h2_record(world: Any, client: TestClient) -> None:
    owner = world.principal("kz-mvd.officer")
    with world.db.session() as session:
        record = create_record(
            session,
            owner,
            "reports",
            {
                "date": "2025-03-01",
                "title": "Shared",
                "body": "text",
                "handling_code": "H2",
                "recipients": ["KG-MVD"],
            },
        )
    sign_in(client, "kg-mvd.officer")
    page = client.get(f"/reports/{record.id}")
    assert page.status_code == 200 and "Shared" in page.text
    assert f"/reports/{record.id}/edit" not in page.text  # only the owner may change it


def test_edit_and_delete(client: TestClient, world: Any, sample: dict[str, Any]) -> None:
    sign_in(client, "kz-mvd.supervisor")
    person_id = sample["KZ-P-1002"]
    form_page = client.get(f"/persons/{person_id}/edit").text
    assert 'value="Сейтказиев"' in form_page and 'value="+77015551234"' in form_page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form_page).group(1)  # type: ignore[union-attr]
    data = {
        "csrf_token": csrf,
        "surname": "Сейтказиев",
        "given_name": "Нурлан",
        "birth_date": "1979-04",
        "nationality": "KZ",
        "handling_code": "H0",
        "grading_scheme": "europol",
    }
    response = client.post(f"/persons/{person_id}/edit", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert "1979-04" in client.get(f"/persons/{person_id}").text
    response = client.post(
        f"/reports/{sample['KZ-R-78']}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get(f"/reports/{sample['KZ-R-78']}").status_code == 404


def test_officer_of_another_agency_cannot_edit(client: TestClient, sample: dict[str, Any]) -> None:
    csrf = sign_in(client, "kg-mvd.officer")
    record = sample["KZ-S-2025-0311"]
    assert f"/seizures/{record}/edit" not in client.get(f"/seizures/{record}").text
    response = client.post(f"/seizures/{record}/delete", data={"csrf_token": csrf})
    assert response.status_code == 403


def test_list_filters_and_pagination(client: TestClient, sample: dict[str, Any]) -> None:
    sign_in(client, "kz-mvd.officer")
    page = client.get("/seizures?drug_group=opiates").text
    assert "Кордай" in page and "Шымкент" not in page
    page = client.get("/persons?q=кар").text
    assert "Каримов" in page and "Сейтказиев" not in page
    page = client.get("/seizures?date_from=not-a-date")
    assert page.status_code == 200 and "use YYYY-MM-DD" in page.text
    page = client.get("/seizures?date_from=2025-02-01&date_to=2025-02-28").text
    assert "Шымкент" in page and "Кордай" not in page


def test_dashboard_counts_stop_at_the_cap(client: Any, world: Any, monkeypatch: Any) -> None:
    """A million visible rows are not counted one by one: past the cap it says "N+"."""
    from caravan.web.ui import dashboard

    with world.db.session() as session:
        officer = world.principal("kz-mvd.officer")
        for i in range(4):
            create_record(
                session, officer, "persons", {"surname": f"Name{i}", "handling_code": "H0"}
            )
    sign_in(client, "kz-mvd.officer")
    assert 'data-count="persons">4<' in client.get("/").text
    monkeypatch.setattr(dashboard, "COUNT_CAP", 3)
    assert 'data-count="persons">3+<' in client.get("/").text
