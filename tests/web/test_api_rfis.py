"""``/api/v1/rfis``: check → hit notice → request → answer → approval → record readable,
every step audited; who may do what; bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caravan.accounts import service as accounts
from caravan.store.models import AuditEvent


@pytest.fixture
def as_(world: Any) -> Any:
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            with world.db.session() as session:
                user = accounts.get_user(session, username)
                tokens[username], _ = accounts.create_token(session, user, "rfis")
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers


PERSON = {
    "source_id": "KG-P-501",
    "surname": "Юсупов",
    "given_name": "Бахтиёр",
    "birth_date": "1990-01-15",
    "nationality": "UZ",
    "handling_code": "H2",
    "grade": "B2",
    "notes": "seen in Osh bazaar with the courier",
}


def _request(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {
        "to": ["KG-MVD"],
        "priority": "high",
        "subject": "Yusupov, Bakhtiyor",
        "question": "What do you hold?",
        "legal_basis": "Agreement of 2006, art. 4",
        "purpose": "Investigation 42/2026",
        "subjects": [{"kind": "person", "reference": "KG-P-501"}],
        "send": True,
        **changes,
    }
    response = client.post("/api/v1/rfis", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["items"][0]


def test_the_whole_path_through_the_api(client: TestClient, as_: Any, world: Any) -> None:
    created = client.post("/api/v1/persons", json=PERSON, headers=as_("kg-mvd.officer"))
    assert created.status_code == 201, created.text
    person_url = f"/api/v1/persons/{created.json()['id']}"
    asker = as_("kz-mvd.officer")
    assert client.get(person_url, headers=asker).status_code == 404

    check = client.post(
        "/api/v1/checks",
        json={"kind": "person", "surname": "Yusupov", "birth_date": "1990-01-15"},
        headers=asker,
    ).json()
    ask = check["hits"][0]["notice"]["request_information"]["rfi"]
    assert ask["to"] == ["KG-MVD"]
    assert ask["subjects"] == [{"kind": "person", "reference": "KG-P-501"}]

    rfi = _request(client, asker, to=ask["to"], subjects=ask["subjects"])
    assert rfi["state"] == "sent" and rfi["due_at"] and rfi["subject_records"] == []
    url = rfi["url"]

    owner = as_("kg-mvd.officer")
    seen = client.get(url, headers=owner).json()
    assert [s["reference"] for s in seen["subject_records"]] == ["KG-P-501"]
    assert client.post(f"{url}/acknowledge", headers=owner).json()["state"] == "acknowledged"
    answer = client.post(
        f"{url}/answers",
        json={
            "outcome": "answered",
            "text": "Known courier.",
            "releases": [{"kind": "person", "id": created.json()["id"], "mode": "full"}],
        },
        headers=owner,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "pending"
    answer_id = answer.json()["id"]
    # The asker sees no pending answer and still cannot read the record.
    assert client.get(url, headers=asker).json()["answers"] == []
    assert client.get(person_url, headers=asker).status_code == 404

    queue = client.get("/api/v1/rfis/approvals", headers=as_("kg-mvd.supervisor")).json()
    assert [a["id"] for a in queue["items"]] == [answer_id]
    own = client.post(f"/api/v1/rfis/answers/{answer_id}/approve", headers=owner)
    assert own.status_code == 403  # an officer may not approve at all
    approve = client.post(
        f"/api/v1/rfis/answers/{answer_id}/approve",
        json={"note": "approved"},
        headers=as_("kg-mvd.supervisor"),
    )
    assert approve.status_code == 200, approve.text
    again = client.post(
        f"/api/v1/rfis/answers/{answer_id}/approve", headers=as_("kg-mvd.administrator")
    )
    assert again.status_code == 409

    record = client.get(person_url, headers=asker)
    assert record.status_code == 200 and record.json()["handling_code"] == "H2"
    detail = client.get(url, headers=asker).json()
    assert detail["state"] == "answered"
    (release,) = detail["answers"][0]["releases"]
    assert release["record"]["visible"] and release["record"]["surname"] == "Юсупов"

    closed = client.post(f"{url}/close", headers=asker)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    late = client.post(f"{url}/answers", json={"outcome": "refused", "text": "late"}, headers=owner)
    assert late.status_code == 409 and "closed" in late.json()["message"]

    with world.db.session() as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == rfi["reference"])
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == [
        "rfi.create",
        "rfi.send",
        "rfi.acknowledge",
        "rfi.answer",
        "release.approve",
        "rfi.release",
        "rfi.close",
    ]


def test_supervisors_cannot_approve_their_own_answers(
    client: TestClient, as_: Any, world: Any
) -> None:
    created = client.post("/api/v1/persons", json=PERSON, headers=as_("kg-mvd.supervisor"))
    rfi = _request(client, as_("kz-mvd.officer"))
    supervisor = as_("kg-mvd.supervisor")
    answer = client.post(
        f"{rfi['url']}/answers",
        json={
            "outcome": "answered",
            "text": "t",
            "releases": [{"kind": "person", "id": created.json()["id"]}],
        },
        headers=supervisor,
    ).json()
    refused = client.post(f"/api/v1/rfis/answers/{answer['id']}/approve", headers=supervisor)
    assert refused.status_code == 403 and "another supervisor" in refused.json()["message"]
    with world.db.session() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "release.approve", AuditEvent.outcome == "denied"
            )
        ).one()
        assert denied.actor == "kg-mvd.supervisor"
    # The other agency's supervisor does not even see the answer.
    other = client.post(
        f"/api/v1/rfis/answers/{answer['id']}/approve", headers=as_("kz-mvd.supervisor")
    )
    assert other.status_code == 404


@pytest.mark.parametrize("role", ["officer", "analyst", "supervisor", "administrator"])
def test_every_role_asks_and_answers_but_only_parties_see(
    client: TestClient, as_: Any, role: str
) -> None:
    rfi = _request(client, as_(f"kz-mvd.{role}"))
    assert client.get(rfi["url"], headers=as_(f"kg-mvd.{role}")).status_code == 200
    assert client.get(rfi["url"], headers=as_(f"caricc.{role}")).status_code == 404
    inbox = client.get("/api/v1/rfis?box=inbox", headers=as_(f"caricc.{role}")).json()
    assert inbox["items"] == []
    stats = client.get("/api/v1/rfis/stats?box=inbox", headers=as_(f"kg-mvd.{role}")).json()
    assert stats["total"] == 1 and stats["open"] == 1
    answer = client.post(
        f"{rfi['url']}/answers",
        json={"outcome": "refused", "text": "Not without a court order."},
        headers=as_(f"kg-mvd.{role}"),
    )
    assert answer.status_code == 201 and answer.json()["status"] == "released"
    # Only the asked agency answers; only the asker closes.
    assert client.post(f"{rfi['url']}/close", headers=as_(f"kg-mvd.{role}")).status_code == 403
    assert (
        client.post(
            f"{rfi['url']}/answers",
            json={"outcome": "refused", "text": "x"},
            headers=as_(f"kz-mvd.{role}"),
        ).status_code
        == 403
    )


def test_drafts_change_send_and_discard(client: TestClient, as_: Any) -> None:
    asker = as_("kz-mvd.analyst")
    draft = _request(client, asker, send=False)
    assert draft["state"] == "draft" and draft["due_at"] is None
    assert client.get(draft["url"], headers=as_("kg-mvd.officer")).status_code == 404
    changed = client.put(
        draft["url"],
        json={
            "priority": "urgent",
            "subject": "changed",
            "question": "q",
            "legal_basis": "b",
            "purpose": "p",
        },
        headers=asker,
    )
    assert changed.status_code == 200 and changed.json()["priority"] == "urgent"
    sent = client.post(f"{draft['url']}/send", headers=asker)
    assert sent.status_code == 200 and sent.json()["state"] == "sent"
    assert client.post(f"{draft['url']}/send", headers=asker).status_code == 409
    assert client.delete(draft["url"], headers=asker).status_code == 409
    other = _request(client, asker, send=False)
    assert client.delete(other["url"], headers=asker).status_code == 204
    assert client.get(other["url"], headers=asker).status_code == 404


def test_bad_requests_are_refused_with_the_field_named(client: TestClient, as_: Any) -> None:
    response = client.post(
        "/api/v1/rfis",
        json={
            "to": ["NOPE"],
            "subject": "",
            "question": "q",
            "legal_basis": "b",
            "purpose": "p",
        },
        headers=as_("kz-mvd.officer"),
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "no agency with code 'NOPE'" in fields["to"] and "required" in fields["subject"]
    missing = client.post("/api/v1/rfis", json={"to": ["KG-MVD"]}, headers=as_("kz-mvd.officer"))
    assert missing.status_code == 422


def test_attachments_upload_and_download(client: TestClient, as_: Any) -> None:
    rfi = _request(client, as_("kz-mvd.officer"))
    uploaded = client.post(
        f"{rfi['url']}/attachments",
        files={"file": ("scan.html", b"<script>alert(1)</script>", "text/html")},
        headers=as_("kz-mvd.officer"),
    )
    assert uploaded.status_code == 201, uploaded.text
    got = client.get(uploaded.json()["url"], headers=as_("kg-mvd.officer"))
    assert got.status_code == 200 and got.content == b"<script>alert(1)</script>"
    assert got.headers["content-type"].startswith("application/octet-stream")
    assert got.headers["content-disposition"].startswith("attachment")
    assert client.get(uploaded.json()["url"], headers=as_("caricc.officer")).status_code == 404
    empty = client.post(
        f"{rfi['url']}/attachments",
        files={"file": ("empty.txt", b"", "text/plain")},
        headers=as_("kz-mvd.officer"),
    )
    assert empty.status_code == 422
