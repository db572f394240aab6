"""The browser pages under the same matrix as the API: role × own/other agency × handling code.

Expectations restate the rules independently of ``caravan.access`` (see
test_authorisation_matrix.py, whose route check also requires every page to be listed
in ``COVERED_UI_ROUTES``).
"""

from __future__ import annotations

import itertools
import re
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_authorisation_matrix import (
    CODES,
    KINDS,
    OWNERS,
    ROLES,
    expected_status,
    file_resolution_case,
    may_see,
)

from caravan.collect import records
from caravan.web.app import asgi_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-battery"


def sign_in(client: TestClient, username: str) -> str:
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    match = CSRF.search(client.get("/").text)
    assert match
    return match.group(1)


@pytest.fixture
def records_by_case(world: Any) -> dict[tuple[str, str, str], uuid.UUID]:
    ids = {}
    with world.db.session() as session:
        kz = world.principal("kz-mvd.officer")
        kg = world.principal("kg-mvd.officer")
        for kind, base in KINDS.items():
            for owner, code in itertools.product(OWNERS, CODES):
                raw = {
                    **base,
                    "handling_code": code,
                    "handling_note": "Not for court use" if code == "H3" else None,
                    "recipients": ["KZ-MVD"] if owner == "other+recipient" else [],
                }
                principal = kz if owner == "own" else kg
                ids[(kind, owner, code)] = records.create_record(session, principal, kind, raw).id
    return ids


def ui_status(action: str, role: str, owner: str, code: str) -> int:
    """The page answers as the API does, with redirects where the API says 200/204."""
    status = expected_status(action, role, owner, code)
    return 303 if (action != "read" and status in (200, 204)) else status


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
def test_record_pages(
    world: Any, settings: Any, records_by_case: Any, kind: str, role: str
) -> None:
    client = TestClient(asgi_app(settings, world.db))
    csrf = sign_in(client, f"kz-mvd.{role}")
    listing = client.get(f"/{kind}?per_page=200").text
    for owner, code in itertools.product(OWNERS, CODES):
        case = f"{kind} {role} {owner} {code}"
        record_id = records_by_case[(kind, owner, code)]
        assert (str(record_id) in listing) == may_see(owner, code), case

        page = client.get(f"/{kind}/{record_id}")
        assert page.status_code == expected_status("read", role, owner, code), case
        edit_form = client.get(f"/{kind}/{record_id}/edit")
        expected_edit = expected_status("update", role, owner, code)
        assert edit_form.status_code == expected_edit, case

        body = {**KINDS[kind], "handling_code": code, "csrf_token": csrf}
        if code == "H3":
            body["handling_note"] = "Not for court use"
        saved = client.post(f"/{kind}/{record_id}/edit", data=body, follow_redirects=False)
        assert saved.status_code == ui_status("update", role, owner, code), (case, saved.text[:300])

        deleted = client.post(
            f"/{kind}/{record_id}/delete", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert deleted.status_code == ui_status("delete", role, owner, code), case


def test_changes_without_csrf_token_are_refused(
    world: Any, settings: Any, records_by_case: Any
) -> None:
    client = TestClient(asgi_app(settings, world.db))
    sign_in(client, "kz-mvd.supervisor")
    record_id = records_by_case[("persons", "own", "H0")]
    for url, data in [
        (f"/persons/{record_id}/delete", {}),
        (f"/persons/{record_id}/edit", {"surname": "X"}),
        ("/persons/new", {"surname": "X"}),
        ("/logout", {}),
        ("/account/tokens", {"name": "x"}),
        ("/admin/audit/verify", {}),
        ("/checks", {"kind": "person", "person-surname": "X"}),
        ("/checks/batch", {}),
    ]:
        response = client.post(url, data={**data, "csrf_token": "forged"}, follow_redirects=False)
        assert response.status_code == 403, url
    assert client.get(f"/persons/{record_id}").status_code == 200  # nothing was deleted


@pytest.mark.parametrize("role", ROLES)
def test_check_pages(world: Any, settings: Any, records_by_case: Any, role: str) -> None:
    """Every role may check; a hit links to the record exactly when the role may read it,
    else it is a notice. The hit inbox is not for officers; a batch is its user's alone."""
    client = TestClient(asgi_app(settings, world.db))
    csrf = sign_in(client, f"kz-mvd.{role}")
    assert client.get("/checks").status_code == 200
    page = client.post(
        "/checks",
        data={"csrf_token": csrf, "kind": "person", "person-surname": "Каримов"},
    )
    assert page.status_code == 200, page.text[:500]
    for owner, code in itertools.product(OWNERS, CODES):
        record_id = records_by_case[("persons", owner, code)]
        linked = f'href="/persons/{record_id}"' in page.text
        assert linked == may_see(owner, code), f"{role} {owner} {code}"
    restricted = sum(not may_see(o, c) for o, c in itertools.product(OWNERS, CODES))
    assert page.text.count('data-hit="notice"') == restricted

    batch = client.post(
        "/checks/batch",
        data={"csrf_token": csrf},
        files={"file": ("q.csv", b"query_id,surname\nq1,Karimov\n", "text/csv")},
        follow_redirects=False,
    )
    assert batch.status_code == 303
    location = batch.headers["location"]
    deadline = time.monotonic() + 30
    while client.get(f"{location}/status").json()["status"] not in ("done", "failed", "error"):
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.05)
    for url in (location, f"{location}/status", f"{location}/results.csv"):
        assert client.get(url).status_code == 200, url
    other = TestClient(asgi_app(settings, world.db))
    sign_in(other, "kz-mvd.supervisor" if role != "supervisor" else "kz-mvd.officer")
    for url in (location, f"{location}/status", f"{location}/results.csv"):
        assert other.get(url).status_code == 404, url

    assert client.get("/hits").status_code == (403 if role == "officer" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_resolution_pages(world: Any, settings: Any, tmp_path: Any, role: str) -> None:
    """The review queue and its pairs are for reviewers (analysts and up), runs for
    supervisors and administrators; any role opens a profile it may read something of."""
    case = file_resolution_case(world, tmp_path / "state")
    app = asgi_app(settings.model_copy(update={"resolve_dir": tmp_path / "state"}), world.db)
    client = TestClient(app)
    csrf = sign_in(client, f"kz-mvd.{role}")
    reviewer = role != "officer"
    runner = role in ("supervisor", "administrator")
    review = 200 if reviewer else 403
    assert client.get("/review").status_code == review
    assert client.get(f"/review/{case.pair_id}").status_code == review
    decided = client.post(
        f"/review/{case.pair_id}",
        data={"csrf_token": csrf, "decision": "confirm", "reason": ""},
        follow_redirects=False,
    )
    assert decided.status_code == (422 if reviewer else 403)

    assert client.get(f"/profiles/{case.visible_profile}").status_code == 200
    hidden = client.get(f"/profiles/{case.hidden_profile}")
    assert hidden.status_code == 404 and "Hiddenov" not in hidden.text
    for action, data in (
        ("split", {"person_ids": str(case.members[1])}),
        ("move", {"person_id": str(case.members[1])}),
    ):
        form = {"csrf_token": csrf, "reason": "", **data}
        shown = client.post(f"/profiles/{case.visible_profile}/{action}", data=form)
        assert shown.status_code == (422 if reviewer else 403), action
        other = client.post(f"/profiles/{case.hidden_profile}/{action}", data=form)
        assert other.status_code == (404 if reviewer else 403), action

    runs = 200 if runner else 403
    assert client.get("/resolution").status_code == runs
    assert client.get(f"/resolution/runs/{case.run_id}").status_code == runs
    assert client.get(f"/resolution/runs/{case.run_id}/status").status_code == runs
    started = client.post("/resolution/runs", data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == (303 if runner else 403)
    if runner:
        location = started.headers["location"]
        deadline = time.monotonic() + 120
        while client.get(f"{location}/status").json()["status"] not in ("done", "error"):
            assert time.monotonic() < deadline, "the run did not finish"
            time.sleep(0.1)
        assert client.get(f"{location}/status").json()["status"] == "done"


def test_resolution_changes_need_the_csrf_token(world: Any, settings: Any, tmp_path: Any) -> None:
    case = file_resolution_case(world, tmp_path / "state")
    client = TestClient(asgi_app(settings, world.db))
    sign_in(client, "kz-mvd.administrator")
    for url, data in [
        (f"/review/{case.pair_id}", {"decision": "confirm", "reason": "Same man"}),
        (f"/profiles/{case.visible_profile}/split", {"person_ids": str(case.members[1])}),
        (f"/profiles/{case.visible_profile}/move", {"person_id": str(case.members[1])}),
        ("/resolution/runs", {}),
    ]:
        response = client.post(
            url, data={**data, "reason": "x", "csrf_token": "forged"}, follow_redirects=False
        )
        assert response.status_code == 403, url
    assert client.get(f"/review/{case.pair_id}").status_code == 200  # still pending
    assert 'name="decision" value="confirm"' in client.get(f"/review/{case.pair_id}").text


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_are_for_administrators(world: Any, settings: Any, role: str) -> None:
    client = TestClient(asgi_app(settings, world.db))
    csrf = sign_in(client, f"kz-mvd.{role}")
    expected = 200 if role == "administrator" else 403
    assert client.get("/admin/audit").status_code == expected
    verify = client.post("/admin/audit/verify", data={"csrf_token": csrf})
    assert verify.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_network_chart_pages(world: Any, settings: Any, role: str) -> None:
    """Every role may open the network chart and its list of saved charts; a saved chart
    opens for its owner and, when shared, for colleagues of the same agency only."""
    from caravan.analyze.network import charts

    state = {"nodes": [f"person:{uuid.uuid4()}"]}
    with world.db.session() as session:
        own_agency = charts.save_chart(session, world.principal("kz-mvd.supervisor"), "ours", state)
        charts.set_shared(session, world.principal("kz-mvd.supervisor"), own_agency.id, True)
        private = charts.save_chart(session, world.principal("kz-mvd.analyst"), "mine", state)
        other = charts.save_chart(session, world.principal("kg-mvd.analyst"), "theirs", state)
        charts.set_shared(session, world.principal("kg-mvd.analyst"), other.id, True)
    client = TestClient(asgi_app(settings, world.db))
    sign_in(client, f"kz-mvd.{role}")
    assert client.get("/graph").status_code == 200
    assert client.get("/graph", params={"node": f"person:{uuid.uuid4()}"}).status_code == 200
    assert client.get("/graph/charts").status_code == 200
    assert client.get(f"/graph/charts/{own_agency.id}").status_code == 200
    mine = client.get(f"/graph/charts/{private.id}")
    assert mine.status_code == (200 if role == "analyst" else 404)
    theirs = client.get(f"/graph/charts/{other.id}")
    assert theirs.status_code == 404 and "theirs" not in theirs.text


def test_anonymous_visitors_are_sent_to_sign_in(
    world: Any, settings: Any, records_by_case: Any
) -> None:
    client = TestClient(asgi_app(settings, world.db))
    record_id = records_by_case[("persons", "own", "H0")]
    for url in [
        "/",
        "/persons",
        f"/persons/{record_id}",
        "/seizures/new",
        "/imports",
        "/account/tokens",
        "/admin/audit",
        f"/imports/{uuid.uuid4()}",
        "/checks",
        f"/checks/batch/{uuid.uuid4()}",
        "/hits",
        "/review",
        "/review/1",
        f"/profiles/{uuid.uuid4()}",
        "/resolution",
        f"/resolution/runs/{uuid.uuid4()}",
        f"/resolution/runs/{uuid.uuid4()}/status",
        "/graph",
        "/graph/charts",
        f"/graph/charts/{uuid.uuid4()}",
    ]:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/login").status_code == 200


#: Every page, with the test that covers it (the route check in test_authorisation_matrix.py
#: fails for a page missing here).
COVERED_UI_ROUTES = {
    ("GET", "/graph"): "test_network_chart_pages (every role) + tests/web/test_ui_graph.py",
    ("GET", "/graph/charts"): "test_network_chart_pages (every role)",
    ("GET", "/graph/charts/{chart_id}"): "test_network_chart_pages (owner, shared, other)",
    ("GET", "/"): "test_anonymous_gets_redirected (+ tests/web)",
    ("GET", "/{kind}"): "test_record_pages",
    ("GET", "/{kind}/new"): "test_anonymous_visitors_are_sent_to_sign_in; tests/web forms",
    ("POST", "/{kind}/new"): "test_changes_without_csrf_token_are_refused; tests/web",
    ("GET", "/{kind}/{record_id}"): "test_record_pages",
    ("GET", "/{kind}/{record_id}/edit"): "test_record_pages",
    ("POST", "/{kind}/{record_id}/edit"): "test_record_pages",
    ("POST", "/{kind}/{record_id}/delete"): "test_record_pages",
    ("GET", "/imports"): "tests/web/test_ui_imports.py",
    ("POST", "/imports"): "tests/web/test_ui_imports.py (agency scope)",
    ("GET", "/imports/{job_id}"): "tests/web/test_ui_imports.py (job owner only)",
    ("GET", "/imports/{job_id}/status"): "tests/web/test_ui_imports.py",
    ("GET", "/imports/{job_id}/errors.json"): "tests/web/test_ui_imports.py",
    ("GET", "/account/tokens"): "tests/web/test_ui_account_admin.py",
    ("POST", "/account/tokens"): "tests/web/test_ui_account_admin.py",
    ("POST", "/account/tokens/{token_id}/revoke"): "tests/web/test_ui_account_admin.py",
    ("GET", "/admin/audit"): "test_admin_pages_are_for_administrators",
    ("POST", "/admin/audit/verify"): "test_admin_pages_are_for_administrators",
    ("GET", "/login"): "tests/web/test_ui_auth.py",
    ("POST", "/login"): "tests/web/test_ui_auth.py",
    ("POST", "/logout"): "test_changes_without_csrf_token_are_refused",
    ("GET", "/lang/{lang}"): "tests/web/test_ui_i18n.py",
    ("GET", "/api/docs"): "tests/web/test_api_docs.py (public page, no data)",
    ("GET", "/checks"): "test_check_pages (every role)",
    ("POST", "/checks"): "test_check_pages (links only to records the role may read)",
    ("POST", "/checks/batch"): "test_check_pages; test_changes_without_csrf_token_are_refused",
    ("GET", "/checks/batch/{job_id}"): "test_check_pages (its user only)",
    ("GET", "/checks/batch/{job_id}/status"): "test_check_pages (its user only)",
    ("GET", "/checks/batch/{job_id}/results.csv"): "test_check_pages (its user only)",
    ("GET", "/hits"): "test_check_pages (403 for officers)",
    ("GET", "/review"): "test_resolution_pages (403 for officers)",
    ("GET", "/review/{pair_id}"): "test_resolution_pages (403 for officers)",
    (
        "POST",
        "/review/{pair_id}",
    ): "test_resolution_pages; test_resolution_changes_need_the_csrf_token",
    ("GET", "/profiles/{profile_id}"): "test_resolution_pages (404: nothing readable)",
    ("POST", "/profiles/{profile_id}/split"): "test_resolution_pages (reviewers; 404 if unseen)",
    ("POST", "/profiles/{profile_id}/move"): "test_resolution_pages (reviewers; 404 if unseen)",
    ("GET", "/resolution"): "test_resolution_pages (supervisors, administrators)",
    (
        "POST",
        "/resolution/runs",
    ): "test_resolution_pages; test_resolution_changes_need_the_csrf_token",
    ("GET", "/resolution/runs/{run_id}"): "test_resolution_pages (supervisors, administrators)",
    ("GET", "/resolution/runs/{run_id}/status"): "test_resolution_pages (runners only)",
}
