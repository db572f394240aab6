"""The link-analysis API for every role, own and other agency, and every handling code:
what a reader may not read never reaches them — not in a view, a path, a timeline, an
analysis or an export — and exporting is for the roles that may export."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from network_samples import build

from caravan.accounts import service as accounts
from caravan.web.app import asgi_app

ROLES = ("officer", "analyst", "supervisor", "administrator")
SECRET = "Секретов"


@pytest.fixture
def api(world: Any, settings: Any) -> Any:
    with world.db.session() as session:
        region = build(session, world.agencies, hub_users=5)
        tokens = {}
        for agency in ("kz-mvd", "kg-mvd"):
            for role in ROLES:
                user = accounts.get_user(session, f"{agency}.{role}")
                tokens[f"{agency}.{role}"], _ = accounts.create_token(session, user, "graph")
    client = TestClient(asgi_app(settings, world.db))

    def headers(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user]}"}

    return client, headers, region


@pytest.mark.parametrize("role", ROLES)
def test_graph_endpoints_for_a_reader_of_another_agency(api: Any, role: str) -> None:
    client, headers, region = api
    h = headers(f"kz-mvd.{role}")
    hidden = region.node("person3")  # KG-MVD, H2

    view = client.get(
        "/api/v1/graph/neighbours", params={"node": region.node("person2")}, headers=h
    )
    assert view.status_code == 200, view.text
    assert SECRET not in view.text and str(region.ids["person3"]) not in view.text
    assert any(n["notice"] for n in view.json()["nodes"])

    assert (
        client.get("/api/v1/graph/neighbours", params={"node": hidden}, headers=h).status_code
        == 404
    )
    assert (
        client.get("/api/v1/graph/timeline", params={"node": hidden}, headers=h).status_code == 404
    )
    assert (
        client.get(
            "/api/v1/graph/paths", params={"a": region.node("person2"), "b": hidden}, headers=h
        ).status_code
        == 404
    )
    # Over KG's restricted link person3–person4 there is no way for KZ.
    path = client.get(
        "/api/v1/graph/paths",
        params={"a": region.node("person2"), "b": region.node("person4"), "k": 3},
        headers=h,
    )
    assert path.status_code == 200
    assert all(hidden not in p for p in path.json()["paths"])

    expanded = client.post(
        "/api/v1/graph/expand", json={"nodes": [region.node("person2")], "hops": 2}, headers=h
    )
    assert expanded.status_code == 200 and SECRET not in expanded.text
    refused = client.post("/api/v1/graph/expand", json={"nodes": [hidden]}, headers=h)
    assert refused.status_code == 404

    sub = client.post("/api/v1/graph/subgraph", json={"nodes": [hidden]}, headers=h)
    assert sub.status_code == 200 and sub.json()["nodes"] == []
    assert SECRET not in sub.text

    analysed = client.post("/api/v1/graph/analyse", json={"nodes": [hidden]}, headers=h)
    assert analysed.status_code == 404

    timeline = client.get(
        "/api/v1/graph/timeline", params={"node": region.node("person2")}, headers=h
    )
    assert timeline.status_code == 200 and SECRET not in timeline.text

    connected = client.post(
        "/api/v1/graph/connect",
        json={"a": [region.node("person2")], "b": [region.node("organisation1")]},
        headers=h,
    )
    assert connected.status_code == 200 and SECRET not in connected.text

    layout = client.post(
        "/api/v1/graph/layout",
        json={"nodes": ["a", "b"], "edges": [["a", "b"]], "algorithm": "circle"},
        headers=h,
    )
    assert layout.status_code == 200 and set(layout.json()["positions"]) == {"a", "b"}

    notice = next(n["id"] for n in view.json()["nodes"] if n["notice"])
    exported = client.post(
        "/api/v1/graph/export",
        json={"nodes": [region.node("person2"), hidden, notice], "format": "graphml"},
        headers=h,
    )
    if role == "officer":
        assert exported.status_code == 403
    else:
        assert exported.status_code == 200, exported.text
        assert exported.headers["x-caravan-handling-code"] == "H2"  # the notice's code
        assert SECRET.encode() not in exported.content
        assert "attachment" in exported.headers["content-disposition"]


@pytest.mark.parametrize("role", ROLES)
def test_owner_agency_sees_its_restricted_records(api: Any, role: str) -> None:
    client, headers, region = api
    h = headers(f"kg-mvd.{role}")
    view = client.get(
        "/api/v1/graph/neighbours", params={"node": region.node("person3")}, headers=h
    )
    assert view.status_code == 200 and SECRET in view.text
    path = client.get(
        "/api/v1/graph/paths",
        params={"a": region.node("person3"), "b": region.node("person4")},
        headers=h,
    )
    assert path.json()["paths"] == [[region.node("person3"), region.node("person4")]]


def test_bad_input_is_a_422_naming_the_field(api: Any) -> None:
    client, headers, region = api
    h = headers("kz-mvd.analyst")
    bad = client.get("/api/v1/graph/neighbours", params={"node": "x", "hops": 1}, headers=h)
    assert bad.status_code == 422 and "node" in bad.text
    hops = client.get(
        "/api/v1/graph/neighbours", params={"node": region.node("phone1"), "hops": 40}, headers=h
    )
    assert hops.status_code == 422 and "hops" in hops.text
    grade = client.get(
        "/api/v1/graph/neighbours",
        params={"node": region.node("phone1"), "min_grade": "Q7"},
        headers=h,
    )
    assert grade.status_code == 422 and "min_grade" in grade.text
    fmt = client.post(
        "/api/v1/graph/export", json={"nodes": [region.node("phone1")], "format": "doc"}, headers=h
    )
    assert fmt.status_code == 422 and "format" in fmt.text
    layout = client.post(
        "/api/v1/graph/layout", json={"nodes": ["a"], "algorithm": "spiral"}, headers=h
    )
    assert layout.status_code == 422 and "algorithm" in layout.text


def test_anonymous_is_refused(api: Any) -> None:
    client, _, region = api
    assert (
        client.get("/api/v1/graph/neighbours", params={"node": region.node("phone1")}).status_code
        == 401
    )
