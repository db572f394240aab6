"""API tokens on the account page, and the audit log for administrators."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from ui_support import sign_in


def test_token_secret_is_shown_once_and_can_be_revoked(client: TestClient, world: Any) -> None:
    csrf = sign_in(client, "kz-mvd.analyst")
    created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "nightly export"})
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = re.search(r"data-secret>([^<]+)<", created.text).group(1)  # type: ignore[union-attr]
    assert (
        client.get("/api/v1/persons", headers={"authorization": f"Bearer {secret}"}).status_code
        == 200
    )
    listing = client.get("/account/tokens").text
    assert "nightly export" in listing and secret not in listing
    token_id = re.search(r"/account/tokens/(\d+)/revoke", listing).group(1)  # type: ignore[union-attr]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert (
        client.get("/api/v1/persons", headers={"authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    assert "Revoked" in client.get("/account/tokens").text


def test_audit_log_is_for_administrators(client: TestClient, world: Any) -> None:
    sign_in(client, "kz-mvd.officer")
    assert client.get("/admin/audit").status_code == 403
    assert "/admin/audit" not in client.get("/").text


def test_agency_admin_sees_own_agency_and_verifies_chain(
    client: TestClient, world: Any, settings: Any
) -> None:
    from caravan.web.app import asgi_app

    with TestClient(asgi_app(settings, world.db)) as other:
        sign_in(other, "kg-mvd.officer")
    csrf = sign_in(client, "kz-mvd.administrator")
    page = client.get("/admin/audit").text
    assert "signin.success" in page and "kz-mvd.administrator" in page
    assert "kg-mvd.officer" not in page
    verified = client.post("/admin/audit/verify", data={"csrf_token": csrf})
    assert verified.status_code == 200 and 'data-verify="ok"' in verified.text


def test_centre_admin_sees_every_agency(client: TestClient, world: Any, settings: Any) -> None:
    from caravan.web.app import asgi_app

    with TestClient(asgi_app(settings, world.db)) as other:
        sign_in(other, "kg-mvd.officer")
    sign_in(client, "caricc.administrator")
    page = client.get("/admin/audit").text
    assert "kg-mvd.officer" in page and "caricc.administrator" in page
