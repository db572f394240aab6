"""The interactive API page works offline: its scripts and styles come from the package."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient


def test_api_docs_use_vendored_assets(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/persons" in spec["paths"] and "/api/v1/imports/{kind}" in spec["paths"]
