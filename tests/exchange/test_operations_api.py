"""``/api/v1/operations``: the workspace over HTTP, membership (404), roles (403), four-eyes
sharing, read-only archive and bad input naming its field."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caravan.accounts import service as accounts
from caravan.collect.records import create_record
from caravan.store.models import AuditEvent
from caravan.web.app import asgi_app

USERS = (
    "kz-mvd.officer",
    "kz-mvd.supervisor",
    "kz-mvd.administrator",
    "kg-mvd.officer",
    "kg-mvd.supervisor",
    "caricc.administrator",
)
SECRET_SURNAME = "Засекреченный"


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]
    records: dict[str, str]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def call(self, username: str, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, headers=self.headers(username), **kwargs)


@pytest.fixture
def api(world: Any, settings: Any) -> Iterator[Api]:
    tokens: dict[str, str] = {}
    records: dict[str, str] = {}
    with world.db.session() as session:
        for username in USERS:
            user = accounts.get_user(session, username)
            tokens[username], _ = accounts.create_token(session, user, "operations")
        kz = world.principal("kz-mvd.officer")
        for source_id, code, surname in (
            ("KZ-P-1", "H1", "Каримов"),
            ("KZ-P-2", "H2", SECRET_SURNAME),
            ("KZ-P-3", "H3", "Другой"),
        ):
            raw = {"source_id": source_id, "surname": surname, "handling_code": code}
            if code == "H3":
                raw["handling_note"] = "Not for court use"
            records[source_id] = str(create_record(session, kz, "persons", raw).id)
    with TestClient(asgi_app(settings, world.db)) as client:
        yield Api(client, tokens, records)


def _open(api: Api, members: tuple[str, ...] = ("kg-mvd.officer",)) -> dict[str, Any]:
    created = api.call(
        "kz-mvd.supervisor",
        "POST",
        "/api/v1/operations",
        json={"name": "SILK", "description": "Osh–Almaty", "agencies": ["KG-MVD"]},
    )
    assert created.status_code == 201, created.text
    data: dict[str, Any] = created.json()
    for username in members:
        added = api.call(
            "kz-mvd.supervisor", "POST", f"{data['url']}/members", json={"username": username}
        )
        assert added.status_code == 201, added.text
    return data


def test_the_workspace_over_the_api(api: Api, world: Any) -> None:
    op = _open(api, ("kg-mvd.officer", "kz-mvd.officer", "kz-mvd.administrator"))
    url = op["url"]
    assert op["lead_agency"] == "KZ-MVD" and op["status"] == "open"
    assert [a["code"] for a in op["agencies"]] == ["KZ-MVD", "KG-MVD"]
    assert op["allowed_transitions"] == ["running", "closed"]

    assert (
        api.call("kz-mvd.supervisor", "POST", f"{url}/status", json={"status": "running"}).json()[
            "status"
        ]
        == "running"
    )
    message = api.call("kg-mvd.officer", "POST", f"{url}/entries", json={"text": "Truck left Osh"})
    assert message.status_code == 201 and message.json()["author"] == "kg-mvd.officer"
    event = api.call(
        "kz-mvd.officer",
        "POST",
        f"{url}/entries",
        json={"kind": "event", "at": "2026-03-01T06:10", "text": "Crossed at Korday"},
    )
    assert event.status_code == 201 and event.json()["at"] == "2026-03-01T06:10:00+00:00"
    task = api.call(
        "kz-mvd.supervisor",
        "POST",
        f"{url}/tasks",
        json={"title": "Photograph the load", "owner": "kg-mvd.officer", "due_on": "2020-01-31"},
    )
    assert task.status_code == 201, task.text
    task_url = f"{url}/tasks/{task.json()['id']}"
    workspace = api.call("kg-mvd.officer", "GET", url).json()
    assert workspace["tasks"][0]["overdue"] is True
    done = api.call("kg-mvd.officer", "PUT", task_url, json={"status": "done"})
    assert (
        done.status_code == 200 and done.json()["status"] == "done" and not done.json()["overdue"]
    )

    # H1 goes at once; H2 waits for another supervisor of KZ-MVD.
    shared = api.call(
        "kz-mvd.officer", "POST", f"{url}/records", json={"kind": "person", "record": "KZ-P-1"}
    )
    assert shared.status_code == 201 and shared.json()["status"] == "shared", shared.text
    pending = api.call(
        "kz-mvd.supervisor",
        "POST",
        f"{url}/records",
        json={"kind": "person", "record": api.records["KZ-P-2"]},
    )
    assert pending.status_code == 201 and pending.json()["status"] == "pending"
    share_url = f"{url}/records/{pending.json()['id']}"
    seen = api.call("kg-mvd.officer", "GET", url)
    assert SECRET_SURNAME not in seen.text  # a notice, not the content
    records = {r["id"]: r for r in seen.json()["records"]}
    waiting = records[pending.json()["id"]]
    assert not waiting["readable"] and waiting["notice"]["reference"] == "KZ-P-2"
    assert "record" not in waiting
    person_url = f"/api/v1/persons/{api.records['KZ-P-2']}"
    assert api.call("kg-mvd.officer", "GET", person_url).status_code == 404

    self_approval = api.call("kz-mvd.supervisor", "POST", f"{share_url}/approve")
    assert self_approval.status_code == 403
    assert "another supervisor" in self_approval.json()["message"]
    assert api.call("kz-mvd.officer", "POST", f"{share_url}/approve").status_code == 403
    approved = api.call("kz-mvd.administrator", "POST", f"{share_url}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "shared", approved.text
    again = api.call("kz-mvd.administrator", "POST", f"{share_url}/approve")
    assert again.status_code == 409 and "already decided" in again.json()["message"]
    read = api.call("kg-mvd.officer", "GET", person_url)
    assert read.status_code == 200 and read.json()["surname"] == SECRET_SURNAME
    assert read.json()["handling_code"] == "H2"

    # Refusing keeps it home.
    h3 = api.call(
        "kz-mvd.officer", "POST", f"{url}/records", json={"kind": "person", "record": "KZ-P-3"}
    )
    refused = api.call("kz-mvd.supervisor", "POST", f"{url}/records/{h3.json()['id']}/refuse")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    h3_url = f"/api/v1/persons/{api.records['KZ-P-3']}"
    assert api.call("kg-mvd.officer", "GET", h3_url).status_code == 404

    listed = api.call("kg-mvd.officer", "GET", "/api/v1/operations").json()["items"]
    assert [(o["code"], o["open_tasks"]) for o in listed] == [(op["code"], 0)]
    assert api.call("kg-mvd.officer", "GET", "/api/v1/operations?status=closed").json() == {
        "items": []
    }
    leave = api.call(
        "kg-mvd.officer", "DELETE", f"{url}/members/{world.users['kg-mvd.officer'].id}"
    )
    assert leave.status_code == 204
    assert api.call("kg-mvd.officer", "GET", url).status_code == 404
    with world.db.session() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {
        "operation.create",
        "operation.status",
        "operation.member",
        "operation.entry",
        "operation.task",
        "operation.share",
        "operation.share_approve",
        "operation.share_refuse",
    } <= actions


def _every_route(url: str, world: Any) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", url, None),
        ("POST", f"{url}/status", {"status": "running"}),
        ("POST", f"{url}/agencies", {"agency": "CARICC"}),
        ("DELETE", f"{url}/agencies/KG-MVD", None),
        ("POST", f"{url}/members", {"username": "kg-mvd.supervisor"}),
        ("DELETE", f"{url}/members/{world.users['kz-mvd.supervisor'].id}", None),
        ("POST", f"{url}/entries", {"text": "hello"}),
        ("POST", f"{url}/tasks", {"title": "t", "owner": "kz-mvd.supervisor"}),
        ("PUT", f"{url}/tasks/1", {"status": "done"}),
        ("POST", f"{url}/records", {"kind": "person", "record": "KZ-P-1"}),
        ("POST", f"{url}/records/1/approve", None),
        ("POST", f"{url}/records/1/refuse", None),
    ]


def test_non_members_get_404_on_every_route(api: Api, world: Any) -> None:
    op = _open(api, members=())
    url = op["url"]
    # KG-MVD takes part but its supervisor is no member; nor is the centre's administrator,
    # nor a colleague of the lead agency.
    for outsider in ("kg-mvd.supervisor", "caricc.administrator", "kz-mvd.administrator"):
        for method, target, body in _every_route(url, world):
            response = api.call(outsider, method, target, json=body)
            assert response.status_code == 404, (outsider, method, target, response.text)
            assert "SILK" not in response.text and "Osh" not in response.text
        assert api.call(outsider, "GET", "/api/v1/operations").json() == {"items": []}
    for method, target, body in _every_route(url, world):
        anonymous = api.client.request(method, target, json=body)
        assert anonymous.status_code == 401, (method, target)
    assert api.client.get("/api/v1/operations").status_code == 401
    assert api.client.post("/api/v1/operations", json={"name": "x"}).status_code == 401
    # A missing operation answers the same.
    missing = api.call("kz-mvd.supervisor", "GET", "/api/v1/operations/999999")
    assert missing.status_code == 404


def test_roles_officers_cannot_create_or_manage(api: Api) -> None:
    for username in ("kz-mvd.officer", "kg-mvd.officer"):
        refused = api.call(username, "POST", "/api/v1/operations", json={"name": "Mine"})
        assert refused.status_code == 403, refused.text
    op = _open(api, ("kg-mvd.officer", "kg-mvd.supervisor"))
    url = op["url"]
    for method, target, body in [
        ("POST", f"{url}/status", {"status": "running"}),
        ("POST", f"{url}/agencies", {"agency": "CARICC"}),
        ("POST", f"{url}/members", {"username": "kg-mvd.analyst"}),
    ]:
        assert api.call("kg-mvd.officer", method, target, json=body).status_code == 403
    # A KG-MVD manager adds its own users, not the lead agency's.
    own = api.call(
        "kg-mvd.supervisor", "POST", f"{url}/members", json={"username": "kg-mvd.analyst"}
    )
    assert own.status_code == 201
    other = api.call(
        "kg-mvd.supervisor", "POST", f"{url}/members", json={"username": "kz-mvd.officer"}
    )
    assert other.status_code == 403 and "your own agency" in other.json()["message"]
    # KG-MVD members may not share KZ-MVD's records (not theirs: unknown to the share form).
    foreign = api.call(
        "kg-mvd.officer", "POST", f"{url}/records", json={"kind": "person", "record": "KZ-P-1"}
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "record"
    assert (
        api.call("kg-mvd.officer", "POST", f"{url}/entries", json={"text": "ok"}).status_code == 201
    )


def test_archived_operations_are_read_only(api: Api, world: Any) -> None:
    op = _open(api)
    url = op["url"]
    for status in ("closed", "archived"):
        moved = api.call("kz-mvd.supervisor", "POST", f"{url}/status", json={"status": status})
        assert moved.status_code == 200, moved.text
    for method, target, body in _every_route(url, world)[1:10]:
        response = api.call("kz-mvd.supervisor", method, target, json=body)
        if target.endswith("/tasks/1"):
            assert response.status_code == 404  # no such task: checked before the status
            continue
        assert response.status_code == 409, (method, target, response.text)
        assert "archived: it is read-only" in response.json()["message"]
    assert api.call("kz-mvd.supervisor", "GET", url).json()["allowed_transitions"] == []


def _field(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_bad_input_names_the_field(api: Api) -> None:
    post = api.call
    unknown_agency = post(
        "kz-mvd.supervisor",
        "POST",
        "/api/v1/operations",
        json={"name": "X", "agencies": ["KG-MVD", "ZZ-NONE"]},
    )
    assert _field(unknown_agency) == {"agencies[1]": "no agency 'ZZ-NONE'"}
    assert "name" in _field(post("kz-mvd.supervisor", "POST", "/api/v1/operations", json={}))
    assert "colour" in _field(
        post("kz-mvd.supervisor", "POST", "/api/v1/operations", json={"name": "x", "colour": 1})
    )
    url = _open(api)["url"]
    assert "agency" in _field(
        post("kz-mvd.supervisor", "POST", f"{url}/agencies", json={"agency": "ZZ"})
    )
    outsider = post(
        "kz-mvd.supervisor", "POST", f"{url}/members", json={"username": "caricc.analyst"}
    )
    assert "which does not take part" in _field(outsider)["username"]
    assert _field(post("kg-mvd.officer", "POST", f"{url}/entries", json={"text": " "})) == {
        "text": "must not be empty"
    }
    assert "at" in _field(
        post(
            "kg-mvd.officer",
            "POST",
            f"{url}/entries",
            json={"kind": "event", "text": "x", "at": "soon"},
        )
    )
    assert "at" in _field(
        post(
            "kg-mvd.officer", "POST", f"{url}/entries", json={"text": "x", "at": "2026-03-01T10:00"}
        )
    )
    bad_task = post(
        "kg-mvd.officer",
        "POST",
        f"{url}/tasks",
        json={"title": "t", "owner": "kg-mvd.officer", "due_on": "31/01/2026"},
    )
    assert _field(bad_task) == {"due_on": "is not a date: expected YYYY-MM-DD"}
    not_member = post(
        "kg-mvd.officer", "POST", f"{url}/tasks", json={"title": "t", "owner": "kz-mvd.officer"}
    )
    assert "not a member" in _field(not_member)["owner"]
    unknown_record = post(
        "kz-mvd.supervisor", "POST", f"{url}/records", json={"kind": "person", "record": "KZ-P-404"}
    )
    assert "no person of your agency" in _field(unknown_record)["record"]
    assert "kind" in _field(
        post("kz-mvd.supervisor", "POST", f"{url}/records", json={"kind": "link", "record": "x"})
    )
    assert (
        post("kg-mvd.officer", "PUT", f"{url}/tasks/999999", json={"status": "done"}).status_code
        == 404
    )
    assert post("kz-mvd.supervisor", "POST", f"{url}/records/999999/approve").status_code == 404
    assert post("kz-mvd.supervisor", "DELETE", f"{url}/members/999999").status_code == 404
    assert "status" in _field(
        post("kz-mvd.supervisor", "POST", f"{url}/status", json={"status": "done"})
    )
    assert "status" in _field(post("kg-mvd.officer", "GET", "/api/v1/operations?status=nope"))
    taken = post(
        "kz-mvd.supervisor", "POST", "/api/v1/operations", json={"name": "Y", "code": "OP-X"}
    )
    assert taken.status_code == 201
    again = post(
        "kz-mvd.supervisor", "POST", "/api/v1/operations", json={"name": "Z", "code": "op-x"}
    )
    assert again.status_code == 409 and "OP-X is already taken" in again.json()["message"]


def test_the_api_is_described(api: Api) -> None:
    schema = api.client.get("/api/v1/openapi.json")
    paths = schema.json()["paths"]
    create = paths["/api/v1/operations"]["post"]
    assert "your agency leads it" in create["description"]
    approve = paths["/api/v1/operations/{operation_id}/records/{share_id}/approve"]["post"]
    assert "Four-eyes" in approve["description"]
