"""``/api/v1/charts``: saved link charts through the JSON API."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from ui_support import sign_in

from caravan.accounts import service as accounts
from caravan.analyze.network.charts import MAX_NODES
from caravan.store.models import AuditEvent


def nid(kind: str = "person") -> str:
    return f"{kind}:{uuid.uuid4()}"


def a_state() -> dict[str, Any]:
    person, phone = nid(), nid("phone")
    return {
        "nodes": [person, phone],
        "positions": {person: {"x": 12.5, "y": -3}},
        "filters": {"link_types": ["uses_phone"], "min_grade": "B2"},
        "layout": "force",
        "colour_by": "kind",
        "size_by": "betweenness",
        "pinned": [person],
        "focus": [person],
    }


@pytest.fixture
def as_(world: Any) -> Any:
    """``as_("kz-mvd.analyst")``: the Authorization header of a token of that user."""
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            with world.db.session() as session:
                user = accounts.get_user(session, username)
                tokens[username], _ = accounts.create_token(session, user, "charts")
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


def create(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/charts", json={"state": a_state(), **body}, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_save_list_open_change_delete(client: TestClient, as_: Any, world: Any) -> None:
    me = as_("kz-mvd.analyst")
    state = a_state()
    created = create(client, me, name="Osh couriers", state=state)
    chart_id = created["id"]
    assert created == {
        "id": chart_id,
        "name": "Osh couriers",
        "owner": "kz-mvd.analyst",
        "owner_name": "kz-mvd.analyst",
        "agency": "KZ-MVD",
        "mine": True,
        "shared": False,
        "node_count": 2,
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
        "url": f"/api/v1/charts/{chart_id}",
        "state": {
            **state,
            "positions": {state["nodes"][0]: {"x": 12.5, "y": -3.0}},
            "filters": {
                "link_types": ["uses_phone"],
                "date_from": None,
                "date_to": None,
                "min_grade": "B2",
                "agencies": [],
            },
        },
    }

    assert created["created_at"].endswith("+00:00")  # UTC on either database
    listed = client.get("/api/v1/charts", headers=me).json()["items"]
    assert [c["id"] for c in listed] == [chart_id] and "state" not in listed[0]
    assert client.get(created["url"], headers=me).json() == created

    renamed = client.put(created["url"], json={"name": "Osh couriers (2)"}, headers=me)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Osh couriers (2)"
    assert renamed.json()["state"] == created["state"]

    node = nid("vehicle")
    replaced = client.put(
        created["url"], json={"state": {"nodes": [node]}, "shared": True}, headers=me
    ).json()
    assert replaced["name"] == "Osh couriers (2)" and replaced["shared"] is True
    assert replaced["state"]["nodes"] == [node] and replaced["node_count"] == 1

    deleted = client.delete(created["url"], headers=me)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(created["url"], headers=me).status_code == 404
    assert client.get("/api/v1/charts", headers=me).json() == {"items": []}

    with world.db.session() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(AuditEvent.object_id == chart_id)
            .order_by(AuditEvent.seq)
        ).all()
    assert rows == [
        (action, "kz-mvd.analyst")
        for action in ("chart.save", "chart.rename", "chart.save", "chart.share", "chart.delete")
    ]


def test_shared_on_creation(client: TestClient, as_: Any) -> None:
    created = create(client, as_("kz-mvd.analyst"), name="Team chart", shared=True)
    assert created["shared"] is True
    colleague = client.get(created["url"], headers=as_("kz-mvd.officer"))
    assert colleague.status_code == 200 and colleague.json()["mine"] is False


def fields(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_data"
    return {e["field"]: e["message"] for e in body["errors"]}


def test_bad_input_is_422_naming_the_field(client: TestClient, as_: Any) -> None:
    me = as_("kz-mvd.analyst")
    post = "/api/v1/charts"
    bad_id = client.post(post, json={"name": "n", "state": {"nodes": ["person:42"]}}, headers=me)
    assert "is not a UUID" in fields(bad_id)["state.nodes[0]"]

    notice = client.post(post, json={"name": "n", "state": {"nodes": ["notice:ab12"]}}, headers=me)
    assert "never saved" in fields(notice)["state.nodes[0]"]

    many = {"nodes": [nid() for _ in range(MAX_NODES + 1)]}
    too_many = client.post(post, json={"name": "n", "state": many}, headers=me)
    assert fields(too_many) == {"state.nodes": "at most 5,000 nodes in a chart (5,001 given)"}

    # JSON has no NaN, but Python's parser reads one: it is refused, never stored.
    node = nid()
    raw = json.dumps(
        {"name": "n", "state": {"nodes": [node], "positions": {node: {"x": float("nan"), "y": 0}}}}
    )
    assert "NaN" in raw
    nan = client.post(post, content=raw, headers={**me, "Content-Type": "application/json"})
    assert "finite" in fields(nan)[f"state.positions[{node}].x"]

    empty = client.post(post, json={"name": " ", "state": a_state()}, headers=me)
    assert fields(empty) == {"name": "Give the chart a name"}
    missing = client.post(post, json={"state": a_state()}, headers=me)
    assert "name" in fields(missing)

    create(client, me, name="Taken")
    taken = client.post(post, json={"name": "taken", "state": a_state()}, headers=me)
    assert fields(taken) == {"name": "You already have a chart named 'Taken'"}

    chart = create(client, me, name="Other")
    nothing = client.put(chart["url"], json={}, headers=me)
    assert fields(nothing) == {"body": "Give name, state or shared"}
    clash = client.put(chart["url"], json={"name": "TAKEN"}, headers=me)
    assert "already have a chart" in fields(clash)["name"]
    not_uuid = client.get("/api/v1/charts/not-a-uuid", headers=me)
    assert not_uuid.status_code == 422

    # Nothing of the refused requests was written.
    names = [c["name"] for c in client.get(post, headers=me).json()["items"]]
    assert sorted(names) == ["Other", "Taken"]


def test_who_may_do_what(client: TestClient, as_: Any) -> None:
    chart = create(client, as_("kz-mvd.analyst"), name="Private")
    url = chart["url"]

    officer = as_("kz-mvd.officer")
    refused = client.post("/api/v1/charts", json={"name": "n", "state": a_state()}, headers=officer)
    assert refused.status_code == 403, refused.text

    colleague = as_("kz-mvd.supervisor")
    assert client.get(url, headers=colleague).status_code == 404
    assert client.put(url, json={"name": "x"}, headers=colleague).status_code == 404
    assert client.delete(url, headers=colleague).status_code == 404
    assert client.get("/api/v1/charts", headers=colleague).json() == {"items": []}

    assert client.put(url, json={"shared": True}, headers=as_("kz-mvd.analyst")).status_code == 200
    opened = client.get(url, headers=colleague)
    assert opened.status_code == 200 and opened.json()["mine"] is False
    for method, body in (("PUT", {"name": "x"}), ("PUT", {"state": a_state()}), ("DELETE", None)):
        changed = client.request(method, url, json=body, headers=colleague)
        assert changed.status_code == 403, (method, body, changed.text)
        assert "kz-mvd.analyst" in changed.json()["message"]

    for outsider in ("kg-mvd.analyst", "caricc.administrator"):
        headers = as_(outsider)
        hidden = client.get(url, headers=headers)
        assert hidden.status_code == 404 and "Private" not in hidden.text
        assert client.delete(url, headers=headers).status_code == 404
        assert client.get("/api/v1/charts", headers=headers).json() == {"items": []}


def test_browser_session_needs_the_csrf_token(client: TestClient) -> None:
    csrf = sign_in(client, "kz-mvd.analyst")
    body = {"name": "From the page", "state": a_state()}
    assert client.post("/api/v1/charts", json=body).status_code == 403
    saved = client.post("/api/v1/charts", json=body, headers={"X-CSRF-Token": csrf})
    assert saved.status_code == 201, saved.text
    assert client.get(saved.json()["url"]).status_code == 200


def test_charts_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/charts"]) == {"get", "post"}
    assert set(paths["/api/v1/charts/{chart_id}"]) == {"get", "put", "delete"}
