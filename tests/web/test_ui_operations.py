"""Joint operations in the browser: my operations, the workspace and its forms, members
only (404 for anyone else), CSRF, errors beside their fields, and a Chromium run-through."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ui_support import browser_sign_in, shot, sign_in

from caravan.collect.records import create_record
from caravan.config import Settings
from caravan.exchange import operations as ops
from caravan.web.app import asgi_app

SECRET_SURNAME = "Засекреченный"


def new_client(settings: Settings, world: Any) -> TestClient:
    return TestClient(asgi_app(settings, world.db))


def _records(world: Any) -> dict[str, str]:
    ids = {}
    with world.db.session() as session:
        kz = world.principal("kz-mvd.officer")
        for source_id, code, surname in (
            ("KZ-P-1001", "H1", "Каримов"),
            ("KZ-P-1002", "H2", SECRET_SURNAME),
        ):
            record = create_record(
                session,
                kz,
                "persons",
                {"source_id": source_id, "surname": surname, "handling_code": code},
            )
            ids[source_id] = str(record.id)
    return ids


def _create(client: TestClient, token: str, **fields: Any) -> str:
    data = {"csrf_token": token, "name": "SILK", "description": "Osh–Almaty", **fields}
    response = client.post("/operations", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/operations/\d+\?done=created", location)
    return location.split("?")[0]


def _post(client: TestClient, url: str, token: str, **data: Any) -> Any:
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


#: Every page and form of one operation (relative to its URL), with a form body.
def _routes(user_id: int) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("GET", "", {}),
        ("POST", "/status", {"status-status": "running"}),
        ("POST", "/agencies", {"agency-agency": "CARICC"}),
        ("POST", "/agencies/KG-MVD/remove", {}),
        ("POST", "/members", {"member-username": "kg-mvd.supervisor"}),
        ("POST", f"/members/{user_id}/remove", {}),
        ("POST", "/entries", {"kind": "message", "message-text": "hello"}),
        ("POST", "/tasks", {"task-title": "t", "task-owner": "kz-mvd.supervisor"}),
        ("POST", "/tasks/1", {"taskstatus-status": "done"}),
        ("POST", "/records", {"share-kind": "person", "share-record": "KZ-P-1001"}),
        ("POST", "/records/1/approve", {}),
        ("POST", "/records/1/refuse", {}),
    ]


def test_pages_are_for_members_only(client: TestClient, settings: Settings, world: Any) -> None:
    token = sign_in(client, "kz-mvd.supervisor")
    listing = client.get("/operations")
    assert listing.status_code == 200 and "new-operation-form" in listing.text
    url = _create(client, token, agencies=["KG-MVD"])
    page = client.get(url)
    assert page.status_code == 200 and "SILK" in page.text and "data-transition" in page.text
    assert "SILK" in client.get("/operations").text
    lead = world.users["kz-mvd.supervisor"].id
    for outsider in ("kg-mvd.supervisor", "caricc.administrator", "kz-mvd.administrator"):
        with new_client(settings, world) as other:
            other_token = sign_in(other, outsider)
            assert "SILK" not in other.get("/operations").text
            for method, suffix, data in _routes(lead):
                if method == "GET":
                    response = other.get(url + suffix)
                else:
                    response = _post(other, url + suffix, other_token, **data)
                assert response.status_code == 404, (outsider, suffix, response.status_code)
                assert "SILK" not in response.text and "Osh" not in response.text
    # Officers take part but do not open operations (no form; 403 when posted).
    with new_client(settings, world) as officer:
        officer_token = sign_in(officer, "kz-mvd.officer")
        assert "new-operation-form" not in officer.get("/operations").text
        refused = _post(officer, "/operations", officer_token, name="Mine")
        assert refused.status_code == 403
    # Changes need the CSRF token.
    assert client.post(url + "/entries", data={"message-text": "x"}).status_code == 403
    assert client.post("/operations", data={"name": "x"}).status_code == 403
    with new_client(settings, world) as anonymous:
        response = anonymous.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_forms_show_problems_beside_their_fields(client: TestClient, world: Any) -> None:
    _records(world)
    token = sign_in(client, "kz-mvd.supervisor")
    bad = _post(client, "/operations", token, name="", code="bad code!")
    assert bad.status_code == 422
    assert "must not be empty" in bad.text and "letters, digits" in bad.text
    url = _create(client, token)
    taken = _post(client, "/operations", token, name="Other", code="OP-X")
    assert taken.status_code == 303
    again = _post(client, "/operations", token, name="Other", code="op-x")
    assert again.status_code == 409 and "already taken" in again.text

    empty = _post(client, url + "/entries", token, kind="message", **{"message-text": "  "})
    assert empty.status_code == 422
    assert re.search(r'id="message-text-error"[^>]*>.*must not be empty', empty.text, re.S)
    event = _post(
        client,
        url + "/entries",
        token,
        kind="event",
        **{"event-at": "soon", "event-text": "Crossing"},
    )
    assert event.status_code == 422 and 'id="event-at-error"' in event.text
    assert 'value="Crossing"' in event.text  # what was typed is shown again
    task = _post(
        client,
        url + "/tasks",
        token,
        **{"task-title": "T", "task-owner": "kz-mvd.supervisor", "task-due_on": "x"},
    )
    assert task.status_code == 422 and 'id="task-due_on-error"' in task.text
    owner = _post(
        client, url + "/tasks", token, **{"task-title": "T", "task-owner": "kg-mvd.officer"}
    )
    assert owner.status_code == 422 and "is not a member" in owner.text
    member = _post(client, url + "/members", token, **{"member-username": "kg-mvd.officer"})
    assert member.status_code == 422 and "does not take part" in member.text
    record = _post(
        client, url + "/records", token, **{"share-kind": "person", "share-record": "KZ-P-404"}
    )
    assert record.status_code == 422 and 'id="share-record-error"' in record.text
    agency = _post(client, url + "/agencies", token, **{"agency-agency": "ZZ-NONE"})
    assert agency.status_code == 422 and "no agency" in agency.text

    for status in ("closed", "archived"):
        assert _post(client, url + "/status", token, **{"status-status": status}).status_code == 303
    archived = _post(client, url + "/entries", token, kind="message", **{"message-text": "late"})
    assert archived.status_code == 409 and "archived: it is read-only" in archived.text
    page = client.get(url).text
    assert "data-transition" not in page and "message-form" not in page


def test_four_eyes_in_the_workspace(client: TestClient, settings: Settings, world: Any) -> None:
    ids = _records(world)
    token = sign_in(client, "kz-mvd.supervisor")
    url = _create(client, token, agencies=["KG-MVD"])
    for username in ("kz-mvd.administrator", "kg-mvd.officer"):
        assert (
            _post(client, url + "/members", token, **{"member-username": username}).status_code
            == 303
        )
    shared = _post(
        client, url + "/records", token, **{"share-kind": "person", "share-record": "KZ-P-1002"}
    )
    assert shared.headers["location"].endswith("?done=pending")
    page = client.get(url).text
    assert 'data-share-status="pending"' in page and "data-approve" not in page  # not one's own
    with new_client(settings, world) as kg:
        sign_in(kg, "kg-mvd.officer")
        seen = kg.get(url).text
        assert SECRET_SURNAME not in seen and "Restricted record" in seen
        assert kg.get(f"/persons/{ids['KZ-P-1002']}").status_code == 404
    with new_client(settings, world) as admin:
        admin_token = sign_in(admin, "kz-mvd.administrator")
        page = admin.get(url).text
        share_id = re.search(r'data-approve="(\d+)"', page)
        assert share_id
        approve = f"{url}/records/{share_id.group(1)}/approve"
        assert _post(admin, approve, admin_token).status_code == 303
        twice = _post(admin, approve, admin_token)
        assert twice.status_code == 409 and "already decided" in twice.text
    own = _post(client, f"{url}/records/{share_id.group(1)}/approve", token)
    assert own.status_code == 409  # decided already; before that it was 403 (service tests)
    with new_client(settings, world) as kg:
        sign_in(kg, "kg-mvd.officer")
        assert SECRET_SURNAME in kg.get(url).text
        assert kg.get(f"/persons/{ids['KZ-P-1002']}").status_code == 200


def test_self_approval_is_refused_in_the_page(client: TestClient, world: Any) -> None:
    _records(world)
    token = sign_in(client, "kz-mvd.supervisor")
    url = _create(client, token)
    _post(client, url + "/records", token, **{"share-kind": "person", "share-record": "KZ-P-1002"})
    with world.db.session() as session:
        view = ops.workspace(session, world.principal("kz-mvd.supervisor"), url.rsplit("/", 1)[1])
        share_id = view.shares[0].share.id
    refused = _post(client, f"{url}/records/{share_id}/approve", token)
    assert refused.status_code == 403 and "another supervisor" in refused.text


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_run_an_operation_in_chromium(browser_page: Any, world: Any) -> None:
    _records(world)
    page = browser_page
    browser_sign_in(page, "kz-mvd.supervisor")
    page.click(".sidenav a[href='/operations']")
    page.wait_for_url("**/operations")
    page.fill("#f-name", "SILK — controlled delivery Osh–Almaty")
    page.fill("#f-description", "Heroin in a truck of dried fruit; hand-over at Korday.")
    page.click("form.new-operation-form button[type=submit]")
    page.wait_for_selector("[data-status=open]")
    assert "Operation opened." in page.locator(".notice-success").inner_text()

    # A participating agency, then one of its users as a member.
    page.select_option("#f-agency-agency", "KG-MVD")
    page.click("form.agency-form button[type=submit]")
    page.wait_for_selector("[data-agency=KG-MVD]")
    page.select_option("#f-member-username", "kg-mvd.officer")
    page.click("form.member-form button[type=submit]")
    page.wait_for_selector("[data-member='kg-mvd.officer']")
    page.click("[data-transition=running]")
    page.wait_for_selector("[data-status=running]")

    # An empty message is refused beside its field; then a real one.
    page.click("form.message-form button[type=submit]")
    page.wait_for_selector("#message-text-error")
    page.fill("#f-message-text", "Truck left Osh at 06:10, two drivers.")
    page.click("form.message-form button[type=submit]")
    page.wait_for_selector("[data-entry=message]")
    page.fill("#f-event-at", "2026-03-01T09:30")
    page.fill("#f-event-text", "Crossed the border at Korday")
    page.click("form.event-form button[type=submit]")
    page.wait_for_selector("[data-entry=event]")

    # A task for the KG-MVD officer, overdue, then one more.
    page.fill("#f-task-title", "Photograph the load at the border")
    page.select_option("#f-task-owner", "kg-mvd.officer")
    page.fill("#f-task-due_on", "2026-01-15")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("tr.task-overdue")
    page.fill("#f-task-title", "Book the hand-over room")
    page.select_option("#f-task-owner", "kz-mvd.supervisor")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("tr[data-task] >> nth=1")

    # Share an open record (at once) and a restricted one (waits for approval).
    page.select_option("#f-share-kind", "person")
    page.fill("#f-share-record", "KZ-P-1001")
    page.click("form.share-form button[type=submit]")
    page.wait_for_selector("[data-share-status=shared]")
    page.select_option("#f-share-kind", "person")
    page.fill("#f-share-record", "KZ-P-1002")
    page.click("form.share-form button[type=submit]")
    page.wait_for_selector("[data-share-status=pending]")
    assert "waits for another supervisor" in page.locator(".notice-success").inner_text()
    assert page.locator("[data-approve]").count() == 0  # never one's own
    assert page.locator("tr.task-overdue").count() == 1
    assert page.locator(".shares-table .badge-h2").count() == 1
    shot(page, "operation-workspace")

    # Tick the overdue task off.
    page.click("tr.task-overdue [data-done]")
    page.wait_for_selector("tr.task-done")
    assert page.locator("tr.task-overdue").count() == 0
