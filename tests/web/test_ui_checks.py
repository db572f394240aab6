"""Hit/no-hit checks in the browser UI: the check page, hit notices, batches, the hit inbox.

The restricted record below carries a marker in every field; no page shown to another
agency may contain any of them.
"""

from __future__ import annotations

import csv
import html
import io
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from ui_support import browser_sign_in, shot, sign_in

from caravan.collect import records
from caravan.match.report import RESULT_COLUMNS
from caravan.store.models import AuditEvent, CheckResult, HitNotification
from caravan.web.app import asgi_app

#: KG-MVD's restricted (H3) person: every field a marker that must never reach KZ-MVD.
SECRET = {
    "source_id": "KG-SECRET-REF",
    "surname": "Холматов",
    "given_name": "Бахтиёр",
    "patronymic": "Секретович",
    "name_as_written": "KHOLMATOV BAKHTIYOR ZZASWRITTEN",
    "birth_date": "1979-11-23",
    "nationality": "TM",
    "gender": "M",
    "document_number": "AC 7654321",
    "document_country": "KG",
    "phone": "+996 700 918 273",
    "notes": "ZZNOTEMARKER informant meeting",
    "handling_code": "H3",
    "handling_note": "ZZHANDLINGMARKER do not disseminate",
    "grade": "B2",
}
LEAK_MARKERS = (
    "Холматов",
    "Бахтиёр",
    "Секретович",
    "KHOLMATOV",
    "BAKHTIYOR",
    "ZZASWRITTEN",
    "1979",
    "7654321",
    "700 918",
    "+996700918273",
    "ZZNOTEMARKER",
    "ZZHANDLINGMARKER",
)
BATCH_GOOD = (
    "query_id,surname,given_name,patronymic,birth_date,nationality,document_number,phone\n"
    "q1,Karimov,Alisher,,1984-05-12,,,\n"
    "q2,Kholmatov,Bakhtiyor,,,,,\n"
    "q3,Nobodyev,Nobody,,,,,\n"
)
BATCH_BAD = (
    "query_id,surname,given_name,birth_date,phone\n"
    "q1,Kholmatov,Bakhtiyor,,\n"
    ",Ivanov,Ivan,,\n"
    "q3,Petrov,Petr,1985-02-30,\n"
    "q4,,,,<b>not-a-phone</b>\n"
)


@pytest.fixture
def secret(world: Any) -> Any:
    with world.db.session() as session:
        principal = world.principal("kg-mvd.officer")
        return records.create_record(session, principal, "persons", SECRET).id


def new_client(settings: Any, world: Any) -> TestClient:
    return TestClient(asgi_app(settings, world.db))


def run_check(client: TestClient, csrf: str, kind: str, **fields: str) -> Any:
    data = {"csrf_token": csrf, "kind": kind, **{f"{kind}-{k}": v for k, v in fields.items()}}
    return client.post("/checks", data=data)


def results_section(html: str) -> str:
    match = re.search(r'<section class="panel check-results".*?</section>', html, re.S)
    assert match, "no results on the page"
    return match.group(0)


def wait_for(client: TestClient, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"{location}/status").json()
        if status["status"] in ("done", "failed", "error"):
            return status
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


def upload(client: TestClient, csrf: str, content: str, name: str = "queries.csv") -> str:
    response = client.post(
        "/checks/batch",
        data={"csrf_token": csrf},
        files={"file": (name, content.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


# --------------------------------------------------------------------------- the page


def test_check_page_offers_every_kind_and_a_batch_upload(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.officer")
    page = client.get("/checks")
    assert page.status_code == 200
    html = page.text
    for kind in ("person", "phone", "plate", "document", "company"):
        assert f'name="kind" value="{kind}"' in html
        assert f'data-kind="{kind}"' in html
    for field in ("surname", "given_name", "patronymic", "birth_date", "nationality", "document"):
        assert f'id="f-person-{field}"' in html
    assert 'action="/checks/batch"' in html and 'name="file"' in html
    assert "query_id, surname, given_name, patronymic, birth_date, nationality" in html
    assert "100,000" in html
    # The menu: checks for everyone, the hit inbox only for roles that have one.
    assert 'href="/checks"' in html and 'href="/hits"' not in html
    assert client.get("/checks?kind=phone").text.count('value="phone" checked') == 1


def test_hit_inbox_is_in_the_menu_of_analysts(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.analyst")
    assert 'href="/hits"' in client.get("/").text
    assert client.get("/hits").status_code == 200


def test_a_person_in_another_script_is_found_and_linked(
    client: TestClient, world: Any, sample: dict[str, Any]
) -> None:
    csrf = sign_in(client, "kg-mvd.officer")
    response = run_check(
        client, csrf, "person", surname="Karimov", given_name="Alisher", birth_date="1984-05-12"
    )
    assert response.status_code == 200, response.text
    results = results_section(response.text)
    record_id = sample["KZ-P-1001"]
    assert f'href="/persons/{record_id}"' in results
    assert "Каримов Алишер Рустамович" in results
    assert "1984-05-12" in results and "Uzbekistan" in results
    assert "band-strong" in results and "KZ-P-1001" in results and "badge-h1" in results
    assert "Matched spelling" in results
    assert 'data-hit="notice"' not in results
    # The values stay in the form.
    assert 'value="Karimov"' in response.text


def test_no_hit_is_said_plainly(client: TestClient, world: Any, sample: dict[str, Any]) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = run_check(client, csrf, "plate", plate="999 ZZZ 99")
    assert response.status_code == 200
    results = results_section(response.text)
    assert "data-no-hit" in results and "No hit" in results and "<table" not in results


def test_a_restricted_record_shows_a_notice_and_nothing_of_it(
    client: TestClient, world: Any, secret: Any
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    queries = [
        ("person", {"surname": "Kholmatov", "given_name": "Bakhtiyor"}),
        ("document", {"document": "AC 7654321"}),
        ("phone", {"phone": "+996700918273"}),
    ]
    for kind, typed in queries:
        response = run_check(client, csrf, kind, **typed)
        assert response.status_code == 200, response.text
        results = results_section(response.text)
        assert 'data-hit="notice"' in results and 'data-hit="record"' not in results
        assert "Restricted record — request information" in results
        assert "Ministry of Internal Affairs of Kyrgyzstan" in results
        assert "KG-SECRET-REF" in results and "badge-h3" in results
        assert "liaison@kg-mvd.example" in results
        mailto = re.search(r'href="(mailto:[^"]+)"', results)
        assert mailto and mailto.group(1).startswith("mailto:liaison@kg-mvd.example?subject=")
        assert "KG-SECRET-REF" in mailto.group(1)
        # Nothing of the record anywhere on the page, beyond what the asker typed (shown, and
        # in the link that watches the same query).
        page = response.text
        for value in typed.values():
            page = page.replace(value, "").replace(quote_plus(value), "")
        for marker in LEAK_MARKERS:
            assert marker not in page, marker
        assert str(secret) not in page and "/persons/" not in results
        assert "Turkmenistan" not in results  # the record's nationality
    # In Russian the owner is named in Russian.
    client.cookies.set("caravan_lang", "ru")
    russian = run_check(client, csrf, "person", surname="Kholmatov", given_name="Bakhtiyor")
    results = results_section(russian.text)
    assert "МВД Кыргызстана" in results and "Запросить информацию" in results


def test_the_owner_sees_the_check_in_the_hit_inbox(
    client: TestClient, world: Any, settings: Any, secret: Any
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    run_check(client, csrf, "person", surname="Kholmatov", given_name="Bakhtiyor")
    assert client.get("/hits").status_code == 403  # officers have no inbox

    with new_client(settings, world) as owner:
        sign_in(owner, "kg-mvd.analyst")
        menu = owner.get("/").text
        assert re.search(r'href="/hits"[^>]*>[^<]*<span class="nav-badge"[^>]*>1</span>', menu)
        html = owner.get("/hits").text
        assert "kz-mvd.officer" in html and "KZ-MVD" in html
        assert "Ministry of Internal Affairs of Kazakhstan" in html
        assert f'href="/persons/{secret}"' in html and "KG-SECRET-REF" in html
        assert "Kholmatov" in html and "badge-h3" in html
        assert html.count('class="unread"') == 1
        # Opening the inbox read it.
        again = owner.get("/hits").text
        assert 'class="unread"' not in again and "nav-badge" not in again
    with world.db.session() as session:
        notification = session.scalar(select(HitNotification))
        assert notification is not None and notification.read_at is not None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "surname", "give a surname, a given name or a full name"),
        ({"surname": "Ж" * 10_000}, "surname", "is 10,000 characters long; at most 200"),
        ({"surname": "Rakhimov", "birth_date": "1985-13-45"}, "birth_date", "1985-13-45"),
        ({"surname": "12345"}, "surname", "has no letters; a name is needed"),
    ],
)
def test_field_errors_are_shown_beside_their_fields(
    client: TestClient, world: Any, fields: dict[str, str], field: str, message: str
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = run_check(client, csrf, "person", **fields)
    assert response.status_code == 422
    html = response.text
    error = re.search(rf'<p class="field-error" id="person-{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1), html[:2000]
    assert 'id="error-summary"' in html and "check-results" not in html
    for name, value in fields.items():
        assert f'value="{value}"' in html, name  # what was typed is kept


def test_errors_of_other_kinds_and_in_russian(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    phone = run_check(client, csrf, "phone", phone="call me")
    assert phone.status_code == 422 and 'id="phone-phone-error"' in phone.text
    assert 'name="kind" value="phone" checked' in phone.text
    document = run_check(client, csrf, "document", document="A-1")
    assert document.status_code == 422 and "needs at least 4 letters or digits" in document.text
    client.cookies.set("caravan_lang", "ru")
    long = run_check(client, csrf, "company", name="x" * 300)
    assert long.status_code == 422 and "длина 300 символов; допускается не более 200" in long.text
    empty = run_check(client, csrf, "person")
    assert "укажите фамилию, имя или полное имя" in empty.text


def test_checks_need_the_csrf_token(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.officer")
    response = client.post("/checks", data={"kind": "person", "person-surname": "Karimov"})
    assert response.status_code == 403
    batch = client.post("/checks/batch", files={"file": ("q.csv", b"query_id\nq1\n", "text/csv")})
    assert batch.status_code == 403


# --------------------------------------------------------------------------- batches


def test_a_good_batch_runs_and_its_results_download(
    client: TestClient, world: Any, settings: Any, sample: dict[str, Any], secret: Any
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    location = upload(client, csrf, BATCH_GOOD)
    status = wait_for(client, location)
    assert status["status"] == "done", status
    assert status["results_url"] == f"{location}/results.csv"
    page = client.get(location).text
    assert "data-result-queries>3<" in page and "/results.csv" in page
    response = client.get(f"{location}/results.csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert tuple(rows[0]) == RESULT_COLUMNS
    found = {(r["query_id"], r["source_id"], r["visible"]) for r in rows}
    assert ("q1", "KZ-P-1001", "yes") in found and ("q2", "KG-SECRET-REF", "no") in found
    assert not any(r["query_id"] == "q3" for r in rows)
    for marker in LEAK_MARKERS:
        assert marker not in response.text and marker not in page, marker
    # The check page lists the batch; no one else may open it.
    assert location in client.get("/checks").text
    with new_client(settings, world) as other:
        sign_in(other, "kz-mvd.administrator")
        for url in (location, f"{location}/status", f"{location}/results.csv"):
            assert other.get(url).status_code == 404, url
    assert client.get("/checks/batch/not-a-uuid").status_code == 404


def test_a_bad_batch_lists_every_bad_row_and_checks_nothing(
    client: TestClient, world: Any, secret: Any
) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    location = upload(client, csrf, BATCH_BAD)
    status = wait_for(client, location)
    assert status["status"] == "failed"
    page = client.get(location).text
    assert "Nothing was checked" in page and 'class="data-table error-table"' in page
    table = re.search(r'<table class="data-table error-table">.*?</table>', page, re.S)
    assert table
    rows = re.findall(r'<tr><td class="num mono">(\d+)</td><td class="mono">(\w+)</td>', table[0])
    assert rows == [("3", "query_id"), ("4", "birth_date"), ("5", "phone")]
    assert "&lt;b&gt;not-a-phone" in page and "<b>not-a-phone" not in page
    assert "/results.csv" not in page
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(CheckResult)) == 0
        assert session.scalar(select(func.count()).select_from(HitNotification)) == 0
        checks = select(func.count()).select_from(AuditEvent)
        assert session.scalar(checks.where(AuditEvent.action.like("check.%"))) == 0


def test_a_batch_needs_a_file(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = client.post("/checks/batch", data={"csrf_token": csrf})
    assert response.status_code == 422 and 'id="file-error"' in response.text
    empty = client.post(
        "/checks/batch",
        data={"csrf_token": csrf},
        files={"file": ("q.csv", b"", "text/csv")},
    )
    assert empty.status_code == 422 and "The file is empty" in empty.text


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_person_check_and_hit_inbox_in_chromium(
    browser_page: Any, sample: dict[str, Any], secret: Any, tmp_path: Path
) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.officer")
    page.click(".sidenav a[href='/checks']")
    page.wait_for_url("**/checks")
    # One kind's fields at a time.
    assert page.locator("#f-person-surname").is_visible()
    assert not page.locator("#f-phone-phone").is_visible()
    page.click(".check-kinds label:has(input[value=phone])")
    assert page.locator("#f-phone-phone").is_visible()
    assert not page.locator("#f-person-surname").is_visible()
    page.click(".check-kinds label:has(input[value=person])")
    page.fill("#f-person-surname", "Kholmatov")
    page.fill("#f-person-given_name", "Bakhtiyor")
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("#results")
    assert page.locator("tr[data-hit=notice]").count() == 1
    assert "Restricted record" in page.locator("tr[data-hit=notice]").inner_text()
    assert page.locator("#f-person-surname").input_value() == "Kholmatov"
    shot(page, "check-notice")

    page.fill("#f-person-surname", "Каримов")
    page.fill("#f-person-given_name", "Alisher")
    page.fill("#f-person-birth_date", "1984")
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("#results tr[data-hit=record]")
    assert "Каримов Алишер" in page.locator("#results").inner_text()
    shot(page, "check-results")

    batch = tmp_path / "queries.csv"
    batch.write_text(BATCH_GOOD, encoding="utf-8")
    page.set_input_files("#f-file", str(batch))
    page.click("form[action='/checks/batch'] button[type=submit]")
    page.wait_for_selector("[data-results]")
    shot(page, "check-batch-done")
    bad = tmp_path / "bad-queries.csv"
    bad.write_text(BATCH_BAD, encoding="utf-8")
    page.goto("/checks")
    page.set_input_files("#f-file", str(bad))
    page.click("form[action='/checks/batch'] button[type=submit]")
    page.wait_for_selector(".error-table")
    assert page.locator(".error-table tbody tr").count() == 3
    shot(page, "check-batch-errors")

    # In Russian: errors beside their fields, then the notice.
    page.goto("/checks")
    page.click(".lang-switch a[hreflang=ru]")
    page.wait_for_url("**/checks")
    page.fill("#f-person-birth_date", "1985-13-45")
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert page.locator(".has-error #f-person-surname").count() == 1
    assert page.locator(".has-error #f-person-birth_date").input_value() == "1985-13-45"
    shot(page, "check-errors-ru")
    page.fill("#f-person-surname", "Холматов")
    page.fill("#f-person-given_name", "Бахтиёр")
    page.fill("#f-person-birth_date", "")
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("#results")
    assert "Запись ограниченного доступа" in page.locator("#results").inner_text()
    shot(page, "check-notice-ru")
    page.click(".lang-switch a[hreflang=en]")

    page.context.clear_cookies()
    browser_sign_in(page, "kg-mvd.analyst")
    assert page.locator(".sidenav .nav-badge").inner_text() == "1"
    page.click(".sidenav a[href='/hits']")
    page.wait_for_url("**/hits")
    # Two checks and the batch's query were one asker, record and day: one entry, 3 times.
    assert page.locator("table.inbox-table tbody tr.unread").count() == 1
    assert page.locator("table.inbox-table tbody td.num").inner_text() == "3"
    shot(page, "hit-inbox")
    page.click(".lang-switch a[hreflang=ru]")
    page.wait_for_url("**/hits")
    assert page.locator("h1").inner_text().startswith("Входящие")
    shot(page, "hit-inbox-ru")


def test_a_check_offers_to_watch_its_query(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.officer")
    response = run_check(client, csrf, "person", surname="Рахимов", birth_date="1985-03-07")
    results = results_section(response.text)
    link = re.search(r'<a[^>]*data-watch href="([^"]+)"', results)
    assert link, results
    url = html.unescape(link.group(1))
    assert url.startswith("/watches?kind=person&")
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Рахимов"' in page.text and 'value="1985-03-07"' in page.text
    plate = results_section(run_check(client, csrf, "plate", plate="01 KG 123 ABC").text)
    assert "/watches?kind=plate&amp;plate=01+KG+123+ABC" in plate
