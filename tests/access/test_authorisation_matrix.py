"""Every endpoint × role × own/other agency × handling code, against an independent statement
of the rules.

The expectations below restate DESIGN.md's rules in plain Python, without calling
``caravan.access``, so a bug there fails here. ``test_every_route_is_in_the_matrix``
makes each new endpoint join the matrix: an unlisted route fails the suite.
"""

from __future__ import annotations

import importlib
import itertools
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caravan.accounts import service as accounts
from caravan.collect import records
from caravan.web.app import asgi_app, create_app

ROLES = ("officer", "analyst", "supervisor", "administrator")
CODES = ("H0", "H1", "H2", "H3")
OWNERS = ("own", "other", "other+recipient")
KINDS = {
    "persons": {"surname": "Каримов", "given_name": "Алишер"},
    "seizures": {"date": "2026-03-01", "drug": "heroin", "quantity": "1.5", "unit": "kg"},
    "reports": {"date": "2026-03-01", "title": "Courier route", "body": "Route via Osh."},
}


def may_see(owner: str, code: str) -> bool:
    return code in ("H0", "H1") or owner in ("own", "other+recipient")


def expected_status(action: str, role: str, owner: str, code: str) -> int:
    if action == "read":
        return 200 if may_see(owner, code) else 404
    if not may_see(owner, code):
        return 404
    if owner != "own":
        return 403
    if action == "update":
        return 200
    if action == "delete":
        return 204 if role in ("supervisor", "administrator") else 403
    raise AssertionError(action)


@dataclass
class Fixture:
    client: TestClient
    tokens: dict[str, str]
    ids: dict[tuple[str, str, str], uuid.UUID]

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def matrix(world, settings) -> Fixture:
    ids: dict[tuple[str, str, str], uuid.UUID] = {}
    tokens: dict[str, str] = {}
    with world.db.session() as session:
        for role in ROLES:
            user = accounts.get_user(session, f"kz-mvd.{role}")
            tokens[role], _ = accounts.create_token(session, user, "matrix")
        kz = world.principal("kz-mvd.officer")
        kg = world.principal("kg-mvd.officer")
        for kind, base in KINDS.items():
            for owner, code in itertools.product(OWNERS, CODES):
                principal = kz if owner == "own" else kg
                raw: dict[str, Any] = {
                    **base,
                    "handling_code": code,
                    "handling_note": "Not for court use" if code == "H3" else None,
                    "recipients": ["KZ-MVD"] if owner == "other+recipient" else [],
                    "source_id": f"{kind}-{owner}-{code}",
                }
                record = records.create_record(session, principal, kind, raw)
                ids[(kind, owner, code)] = record.id
    client = TestClient(asgi_app(settings, world.db))
    return Fixture(client, tokens, ids)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
def test_record_endpoints(matrix: Fixture, kind: str, role: str) -> None:
    """For one kind and role: read, list, change and delete each owner × handling-code record."""
    headers = matrix.as_(role)
    client = matrix.client
    listed = client.get(f"/api/v1/{kind}?per_page=200", headers=headers)
    assert listed.status_code == 200
    listed_ids = {item["id"] for item in listed.json()["items"]}

    for owner, code in itertools.product(OWNERS, CODES):
        case = f"{kind} {role} {owner} {code}"
        record_id = matrix.ids[(kind, owner, code)]
        assert (str(record_id) in listed_ids) == may_see(owner, code), case

        got = client.get(f"/api/v1/{kind}/{record_id}", headers=headers)
        assert got.status_code == expected_status("read", role, owner, code), case
        if got.status_code == 404:
            # The answer names the id asked for and nothing of the record.
            assert str(record_id) in got.json()["message"], case
            assert "Каримов" not in got.text and "Courier" not in got.text, case

        body = {**KINDS[kind], "handling_code": code, "source_id": f"{kind}-{owner}-{code}"}
        if code == "H3":
            body["handling_note"] = "Not for court use"
        if owner == "other+recipient":
            body["recipients"] = ["KZ-MVD"]
        changed = client.put(f"/api/v1/{kind}/{record_id}", json=body, headers=headers)
        assert changed.status_code == expected_status("update", role, owner, code), (
            case,
            changed.text,
        )

        deleted = client.delete(f"/api/v1/{kind}/{record_id}", headers=headers)
        assert deleted.status_code == expected_status("delete", role, owner, code), (
            case,
            deleted.text,
        )
        after = client.get(f"/api/v1/{kind}/{record_id}", headers=headers)
        assert after.status_code == (404 if deleted.status_code == 204 else got.status_code), case


@pytest.mark.parametrize("role", ROLES)
def test_create_is_for_own_agency_only(matrix: Fixture, role: str) -> None:
    for kind, base in KINDS.items():
        own = matrix.client.post(
            f"/api/v1/{kind}", json={**base, "handling_code": "H1"}, headers=matrix.as_(role)
        )
        assert own.status_code == 201, own.text
        assert own.json()["agency"] == "KZ-MVD"
        other = matrix.client.post(
            f"/api/v1/{kind}", json={**base, "agency": "KG-MVD"}, headers=matrix.as_(role)
        )
        assert other.status_code == 422  # ``agency`` is not an input field: owner = caller


def wait_for_batch(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(url, headers=headers).json()
        if status["status"] in ("done", "failed", "error"):
            return status
        time.sleep(0.05)
    raise AssertionError("the batch did not finish")


@pytest.mark.parametrize("role", ROLES)
def test_checks_and_hit_inbox(matrix: Fixture, role: str) -> None:
    """Every role may check, alone or in a batch; each hit is the record exactly when the
    role may read it, else a notice. The hit inbox is for analysts, supervisors and
    administrators; a batch is its user's alone."""
    headers = matrix.as_(role)
    client = matrix.client
    checked = client.post(
        "/api/v1/checks", json={"kind": "person", **KINDS["persons"]}, headers=headers
    )
    assert checked.status_code == 200, checked.text
    hits = {h["reference"]: h for h in checked.json()["hits"]}
    for owner, code in itertools.product(OWNERS, CODES):
        case = f"{role} {owner} {code}"
        hit = hits[f"persons-{owner}-{code}"]
        assert hit["visible"] == may_see(owner, code), case
        assert ("record" in hit) == may_see(owner, code) and ("notice" in hit) != may_see(
            owner, code
        ), case

    batch = client.post(
        "/api/v1/checks/batch",
        files={"file": ("q.csv", "query_id,surname,given_name\nq1,Каримов,Алишер\n", "text/csv")},
        headers=headers,
    )
    assert batch.status_code == 202, batch.text
    status_url = batch.json()["status_url"]
    status = wait_for_batch(client, status_url, headers)
    assert status["status"] == "done", status
    results = client.get(status["results_url"], headers=headers)
    assert results.status_code == 200 and results.text.count("\nq1,") == len(hits)
    someone_else = matrix.as_("supervisor" if role != "supervisor" else "officer")
    assert client.get(status_url, headers=someone_else).status_code == 404
    assert client.get(status["results_url"], headers=someone_else).status_code == 404

    inbox = client.get("/api/v1/hits", headers=headers)
    assert inbox.status_code == (403 if role == "officer" else 200), inbox.text


def test_anonymous_gets_401_everywhere(matrix: Fixture) -> None:
    record_id = matrix.ids[("persons", "own", "H0")]
    for method, url in [
        ("GET", "/api/v1/persons"),
        ("GET", f"/api/v1/persons/{record_id}"),
        ("PUT", f"/api/v1/persons/{record_id}"),
        ("DELETE", f"/api/v1/persons/{record_id}"),
        ("POST", "/api/v1/persons"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/imports/persons"),
        ("POST", "/api/v1/checks"),
        ("POST", "/api/v1/checks/batch"),
        ("GET", f"/api/v1/checks/batch/{uuid.uuid4()}"),
        ("GET", f"/api/v1/checks/batch/{uuid.uuid4()}/results.csv"),
        ("GET", "/api/v1/hits"),
        ("GET", "/api/v1/review"),
        ("GET", "/api/v1/review/1"),
        ("POST", "/api/v1/review/1"),
        ("GET", f"/api/v1/profiles/{uuid.uuid4()}"),
        ("POST", f"/api/v1/profiles/{uuid.uuid4()}/split"),
        ("POST", "/api/v1/resolution/runs"),
        ("GET", f"/api/v1/resolution/runs/{uuid.uuid4()}"),
        ("GET", "/api/v1/charts"),
        ("POST", "/api/v1/charts"),
        ("GET", f"/api/v1/charts/{uuid.uuid4()}"),
        ("PUT", f"/api/v1/charts/{uuid.uuid4()}"),
        ("DELETE", f"/api/v1/charts/{uuid.uuid4()}"),
    ]:
        response = matrix.client.request(method, url, json={})
        assert response.status_code == 401, (method, url, response.status_code)
    bad = matrix.client.get("/api/v1/me", headers={"Authorization": "Bearer cvn_not-a-token"})
    assert bad.status_code == 401


def test_revoked_token_is_refused(matrix: Fixture, world) -> None:
    headers = matrix.as_("officer")
    assert matrix.client.get("/api/v1/me", headers=headers).status_code == 200
    tokens = matrix.client.get("/api/v1/tokens", headers=headers).json()
    assert (
        matrix.client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=headers).status_code
        == 204
    )
    assert matrix.client.get("/api/v1/me", headers=headers).status_code == 401


# --------------------------------------------------------------------------- resolution

RESOLUTION_PERSONS = (
    # One man in both agencies (H1): an auto-linked profile every KZ-MVD role may read.
    (
        "kz-mvd.officer",
        {
            "surname": "Рахимов",
            "given_name": "Джамшед",
            "birth_date": "1985-03-07",
            "nationality": "TJ",
            "document_number": "N 1234567",
            "handling_code": "H1",
        },
    ),
    (
        "kg-mvd.officer",
        {
            "surname": "Rakhimov",
            "given_name": "Dzhamshed",
            "birth_date": "1985-03-07",
            "nationality": "TJ",
            "document_number": "N1234567",
            "handling_code": "H1",
        },
    ),
    # Namesakes with nothing else known: a pair for review.
    (
        "kz-mvd.officer",
        {
            "surname": "Назаров",
            "given_name": "Фаррух",
            "birth_date": "1990",
            "nationality": "TJ",
            "handling_code": "H1",
        },
    ),
    (
        "kg-mvd.officer",
        {"surname": "Nazarov", "given_name": "Farrukh", "nationality": "TJ", "handling_code": "H0"},
    ),
    # KG-MVD's restricted record, alone: a profile KZ-MVD may not see at all.
    (
        "kg-mvd.officer",
        {
            "surname": "Hiddenov",
            "given_name": "Zafar",
            "handling_code": "H3",
            "handling_note": "Not for court use",
        },
    ),
)


@dataclass
class ResolutionCase:
    #: A profile of records KZ-MVD may read, one of records it may not read at all.
    visible_profile: uuid.UUID
    hidden_profile: uuid.UUID
    #: A pending pair whose two records KZ-MVD may read.
    pair_id: int
    run_id: uuid.UUID
    #: Two readable records of ``visible_profile`` (for split requests).
    members: list[uuid.UUID]


def file_resolution_case(world: Any, state_dir: Any) -> ResolutionCase:
    """File :data:`RESOLUTION_PERSONS` and resolve them (a full run)."""
    from sqlalchemy import select

    from caravan.resolve.service import RunOptions, resolve
    from caravan.store.models import ProfileMember, ResolutionPair

    with world.db.session() as session:
        ids = [
            records.create_record(session, world.principal(user), "persons", raw).id
            for user, raw in RESOLUTION_PERSONS
        ]
    run = resolve(world.db, full=True, options=RunOptions(state_dir=state_dir))
    with world.db.session() as session:
        rows = session.execute(select(ProfileMember.person_id, ProfileMember.profile_id))
        profile = {person: profile_id for person, profile_id in rows}
        pending = session.scalars(
            select(ResolutionPair.id).where(ResolutionPair.status == "pending")
        ).all()
    assert profile[ids[0]] == profile[ids[1]] and len(pending) == 1
    return ResolutionCase(profile[ids[0]], profile[ids[4]], pending[0], run.id, ids[:2])


def wait_for_run(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(url, headers=headers).json()
        if status["status"] in ("done", "error", "interrupted"):
            return status
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


@pytest.mark.parametrize("role", ROLES)
def test_resolution_endpoints(world, settings, tmp_path, role: str) -> None:
    """Reviewing is for analysts, supervisors and administrators, runs for supervisors
    and administrators; any role reads a profile through the records it may read, and a
    profile of records it may not read does not exist for it."""
    case = file_resolution_case(world, tmp_path / "state")
    with world.db.session() as session:
        user = accounts.get_user(session, f"kz-mvd.{role}")
        token, _ = accounts.create_token(session, user, "matrix")
    headers = {"Authorization": f"Bearer {token}"}
    client = TestClient(
        asgi_app(settings.model_copy(update={"resolve_dir": tmp_path / "state"}), world.db)
    )
    reviewer = role != "officer"
    runner = role in ("supervisor", "administrator")

    assert client.get("/api/v1/review", headers=headers).status_code == (200 if reviewer else 403)
    pair = client.get(f"/api/v1/review/{case.pair_id}", headers=headers)
    assert pair.status_code == (200 if reviewer else 403)
    decided = client.post(
        f"/api/v1/review/{case.pair_id}",
        json={"decision": "confirm", "reason": ""},
        headers=headers,
    )
    assert decided.status_code == (422 if reviewer else 403), decided.text

    assert (
        client.get(f"/api/v1/profiles/{case.visible_profile}", headers=headers).status_code == 200
    )
    hidden = client.get(f"/api/v1/profiles/{case.hidden_profile}", headers=headers)
    assert hidden.status_code == 404 and "Hiddenov" not in hidden.text
    body = {"person_ids": [str(case.members[1])], "reason": ""}
    split = client.post(
        f"/api/v1/profiles/{case.visible_profile}/split", json=body, headers=headers
    )
    assert split.status_code == (422 if reviewer else 403), split.text
    hidden_split = client.post(
        f"/api/v1/profiles/{case.hidden_profile}/split", json=body, headers=headers
    )
    assert hidden_split.status_code == (404 if reviewer else 403)

    status = client.get(f"/api/v1/resolution/runs/{case.run_id}", headers=headers)
    assert status.status_code == (200 if runner else 403)
    started = client.post("/api/v1/resolution/runs", json={}, headers=headers)
    assert started.status_code == (202 if runner else 403), started.text
    if runner:
        done = wait_for_run(client, started.json()["status_url"], headers)
        assert done["status"] == "done" and done["mode"] == "incremental", done


# --------------------------------------------------------------------------- saved charts


@pytest.mark.parametrize("role", ROLES)
def test_chart_endpoints(world, settings, role: str) -> None:
    """Saving, changing and deleting charts is for analysts, supervisors and administrators,
    on their own charts only; every role lists and opens its own charts and those colleagues
    of its agency shared. A colleague's unshared chart and another agency's chart (shared
    or not) answer as if they did not exist."""
    from caravan.analyze.network import charts

    saver = role in ("analyst", "supervisor", "administrator")
    colleague = "kz-mvd.supervisor" if role == "analyst" else "kz-mvd.analyst"
    state = {"nodes": [f"person:{uuid.uuid4()}"]}
    ids: dict[str, str] = {}
    with world.db.session() as session:
        for case, owner, shared in (
            ("colleague-shared", colleague, True),
            ("colleague-private", colleague, False),
            ("other-agency-shared", "kg-mvd.analyst", True),
        ):
            principal = world.principal(owner)
            chart = charts.save_chart(session, principal, case, state)
            charts.set_shared(session, principal, chart.id, shared)
            ids[case] = str(chart.id)
        user = accounts.get_user(session, f"kz-mvd.{role}")
        token, _ = accounts.create_token(session, user, "matrix")
    headers = {"Authorization": f"Bearer {token}"}
    client = TestClient(asgi_app(settings, world.db))

    created = client.post("/api/v1/charts", json={"name": "mine", "state": state}, headers=headers)
    assert created.status_code == (201 if saver else 403), created.text
    listed = client.get("/api/v1/charts", headers=headers)
    assert listed.status_code == 200
    expected = {ids["colleague-shared"]} | ({created.json()["id"]} if saver else set())
    assert {c["id"] for c in listed.json()["items"]} == expected

    for case, chart_id in ids.items():
        url = f"/api/v1/charts/{chart_id}"
        readable = case == "colleague-shared"
        opened = client.get(url, headers=headers)
        assert opened.status_code == (200 if readable else 404), case
        if not readable:
            assert case not in opened.text
        # Not the owner: refused (403) where the chart may be opened, else it does not exist;
        # a role that may not save is refused before anything is looked up.
        refused = 403 if readable or not saver else 404
        changed = client.put(url, json={"name": "x"}, headers=headers)
        assert changed.status_code == refused, (case, changed.text)
        deleted = client.delete(url, headers=headers)
        assert deleted.status_code == refused, (case, deleted.text)

    if saver:
        own = created.json()["url"]
        changed = client.put(own, json={"name": "renamed", "shared": True}, headers=headers)
        assert changed.status_code == 200, changed.text
        assert client.delete(own, headers=headers).status_code == 204
        assert client.get(own, headers=headers).status_code == 404


#: Every route of the app, with the test that covers it. A new route must be added here.
COVERED_ROUTES = {
    ("GET", "/api/v1/{kind}"): "test_record_endpoints",
    ("GET", "/api/v1/{kind}/{record_id}"): "test_record_endpoints",
    ("POST", "/api/v1/{kind}"): "test_create_is_for_own_agency_only",
    ("PUT", "/api/v1/{kind}/{record_id}"): "test_record_endpoints",
    ("DELETE", "/api/v1/{kind}/{record_id}"): "test_record_endpoints",
    ("GET", "/api/v1/me"): "test_anonymous_gets_401_everywhere",
    ("GET", "/api/v1/tokens"): "test_revoked_token_is_refused",
    ("POST", "/api/v1/tokens"): "test_tokens_api",
    ("DELETE", "/api/v1/tokens/{token_id}"): "test_revoked_token_is_refused",
    ("POST", "/api/v1/imports/{kind}"): "test_import_scope.py (every role, own/other agency)",
    ("POST", "/api/v1/checks"): "test_checks_and_hit_inbox (every role; notices per handling code)",
    ("POST", "/api/v1/checks/batch"): "test_checks_and_hit_inbox (every role)",
    ("GET", "/api/v1/checks/batch/{job_id}"): "test_checks_and_hit_inbox (its user only)",
    ("GET", "/api/v1/checks/batch/{job_id}/results.csv"): "test_checks_and_hit_inbox (own)",
    ("GET", "/api/v1/hits"): "test_checks_and_hit_inbox (403 for officers)",
    ("GET", "/api/v1/review"): "test_resolution_endpoints (403 for officers)",
    ("GET", "/api/v1/review/{pair_id}"): "test_resolution_endpoints (both records readable)",
    ("POST", "/api/v1/review/{pair_id}"): "test_resolution_endpoints (403 for officers)",
    ("GET", "/api/v1/profiles/{profile_id}"): "test_resolution_endpoints (404: nothing readable)",
    ("POST", "/api/v1/profiles/{profile_id}/split"): "test_resolution_endpoints (reviewers)",
    ("POST", "/api/v1/resolution/runs"): "test_resolution_endpoints (supervisors, administrators)",
    ("GET", "/api/v1/resolution/runs/{run_id}"): "test_resolution_endpoints (runners only)",
    ("GET", "/api/v1/charts"): "test_chart_endpoints (own + agency's shared)",
    ("POST", "/api/v1/charts"): "test_chart_endpoints (403 for officers)",
    ("GET", "/api/v1/charts/{chart_id}"): "test_chart_endpoints (404: not own, not shared)",
    ("PUT", "/api/v1/charts/{chart_id}"): "test_chart_endpoints (owner only)",
    ("DELETE", "/api/v1/charts/{chart_id}"): "test_chart_endpoints (owner only)",
    ("GET", "/api/v1/graph/neighbours"): "test_network_access.py (every role, both agencies)",
    ("POST", "/api/v1/graph/expand"): "test_network_access.py (404 for hidden ids)",
    ("GET", "/api/v1/graph/paths"): "test_network_access.py (no path over hidden links)",
    ("POST", "/api/v1/graph/connect"): "test_network_access.py (every role)",
    ("POST", "/api/v1/graph/subgraph"): "test_network_access.py (hidden ids dropped)",
    ("POST", "/api/v1/graph/analyse"): "test_network_access.py (404 for hidden ids)",
    ("POST", "/api/v1/graph/layout"): "test_network_access.py (ids only, no content)",
    ("GET", "/api/v1/graph/timeline"): "test_network_access.py (404 for hidden ids)",
    ("POST", "/api/v1/graph/export"): "test_network_access.py (403 for officers; audited)",
}


def _normalise(path: str) -> str:
    for kind in KINDS:
        path = path.replace(f"/{kind}", "/{kind}")
    return path


def test_every_route_is_in_the_matrix(settings, world) -> None:
    from routes import all_routes
    from test_ui_authorisation_matrix import COVERED_UI_ROUTES

    routes = all_routes(create_app(settings, world.db))
    assert len(routes) > 50  # the walker sees nested routers (it once saw none)
    covered = set(COVERED_ROUTES) | set(COVERED_UI_ROUTES)
    # Each area's routes may be listed in a module of its own: covered_<area>.py (COVERED).
    for path in sorted(Path(__file__).parent.glob("covered_*.py")):
        covered |= set(importlib.import_module(path.stem).COVERED)
    missing = sorted({(m, _normalise(p)) for m, p in routes} - covered)
    assert not missing, f"routes without an authorisation test: {missing}"
