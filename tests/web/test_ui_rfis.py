"""Requests for information in the browser UI: the boxes, a new request (pre-filled from a
hit notice), one request's page for each side and role, and the whole path in Chromium.

KG-MVD holds an H2 person; KZ-MVD asks for it; KG-MVD answers, a KG-MVD supervisor other
than the author approves, and only then may KZ-MVD read it. CARICC, a third agency, sees
nothing of the request.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from ui_support import browser_sign_in, csrf_of, shot, sign_in

from caravan.collect import records
from caravan.store.models import AuditEvent, Rfi
from caravan.store.models.base import utcnow
from caravan.web.app import asgi_app

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
ASK = {
    "to": "KG-MVD",
    "priority": "high",
    "subject": "Yusupov, Bakhtiyor",
    "question": "What do you hold on him?",
    "legal_basis": "Agreement of 2006, art. 4",
    "purpose": "Investigation 42/2026",
    "subject-0-kind": "person",
    "subject-0-reference": "KG-P-501",
}


@pytest.fixture
def person(world: Any) -> Any:
    with world.db.session() as session:
        return records.create_record(
            session, world.principal("kg-mvd.officer"), "persons", PERSON
        ).id


@pytest.fixture
def as_user(settings: Any, world: Any) -> Any:
    """A signed-in TestClient per user (and its CSRF token)."""
    clients: dict[str, tuple[TestClient, str]] = {}

    def get(username: str) -> tuple[TestClient, str]:
        if username not in clients:
            client = TestClient(asgi_app(settings, world.db))
            client.__enter__()
            clients[username] = (client, sign_in(client, username))
        return clients[username]

    yield get
    for client, _ in clients.values():
        client.__exit__(None, None, None)


def file_request(as_user: Any, username: str = "kz-mvd.officer", **changes: Any) -> int:
    client, csrf = as_user(username)
    data = {"csrf_token": csrf, "action": "send", **ASK, **changes}
    response = client.post("/rfis/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/rfis/(\d+)\?notice=\w+", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def answer(as_user: Any, rfi_id: int, person: Any, username: str = "kg-mvd.officer") -> Any:
    client, csrf = as_user(username)
    return client.post(
        f"/rfis/{rfi_id}/answer",
        data={
            "csrf_token": csrf,
            "outcome": "answered",
            "text": "Known courier.",
            "release": f"person:{person}",
            f"mode-{person}": "full",
        },
        follow_redirects=False,
    )


def pending_answer_id(world: Any, rfi_id: int) -> int:
    with world.db.session() as session:
        rfi = session.get(Rfi, rfi_id)
        assert rfi is not None
        return next(a.id for a in rfi.answers if a.status == "pending")


def actions_of(world: Any, reference: str) -> list[str]:
    with world.db.session() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_id == reference)
                .order_by(AuditEvent.seq)
            )
        )


# --------------------------------------------------------------------------- a new request


def test_a_hit_notice_link_fills_in_the_form(as_user: Any) -> None:
    client, _ = as_user("kz-mvd.officer")
    page = client.get("/rfis/new?to=KG-MVD&kind=person&reference=KG-P-501")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'name="to" value="KG-MVD" checked', html)
    assert 'value="KZ-MVD"' not in html  # one's own agency is never offered
    assert 'value="CARICC"' in html
    assert "Request for information: your record KG-P-501 (Person)" in html
    assert re.search(r'name="subject-0-reference" value="KG-P-501"', html)
    assert re.search(r'<option value="person" selected>', html)
    # Each priority shows its deadline from the settings (24 h, 72 h, 7 days).
    for hours in ("24", "72", "168"):
        assert f"answer within {hours} h" in html
    assert "Save draft" in html and ">Send<" in html


def test_a_reference_with_an_unknown_kind_is_kept_without_a_kind(as_user: Any) -> None:
    client, _ = as_user("kz-mvd.officer")
    html = client.get("/rfis/new?to=KG-MVD&kind=spaceship&reference=X-1").text
    assert re.search(r'name="subject-0-reference" value="X-1"', html)
    assert "spaceship" not in html.split('name="subject-0-kind"')[1].split("</select>")[0]


def test_form_errors_are_shown_beside_fields_and_values_kept(as_user: Any, world: Any) -> None:
    client, csrf = as_user("kz-mvd.officer")
    response = client.post(
        "/rfis/new",
        data={
            "csrf_token": csrf,
            "action": "send",
            "to": ["KZ-MVD", "NO-SUCH"],
            "priority": "whenever",
            "subject": "Courier <b>route</b>",
            "question": "Who drives the truck?",
            "legal_basis": "",
            "purpose": "Case 7",
            "subject-0-kind": "spaceship",
            "subject-0-reference": "KG-P-1",
            "subject-1-kind": "person",
            "subject-1-reference": "",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="error-summary"' in html
    assert "KZ-MVD is your own agency" in html
    assert "no agency with code &#39;NO-SUCH&#39;" in html
    assert re.search(r'class="field has-error[^"]*">\s*<label for="f-legal_basis"', html)
    assert "is required" in html
    # the bad subject's error is beside its row, and what was typed is kept
    row = html.split('data-subject-row="0"')[1].split('data-subject-row="1"')[0]
    assert "has-error" in row and "spaceship" in row and 'value="KG-P-1"' in row
    assert 'value="Who drives the truck?"' not in html  # a textarea keeps it as text
    assert "Who drives the truck?</textarea>" in html
    assert "Courier &lt;b&gt;route&lt;/b&gt;" in html  # escaped, never markup
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Rfi)) == 0


def test_a_draft_is_sent_or_discarded_from_its_page(as_user: Any, world: Any) -> None:
    client, csrf = as_user("kz-mvd.officer")
    response = client.post(
        "/rfis/new", data={"csrf_token": csrf, "action": "draft", **ASK}, follow_redirects=False
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.endswith("?notice=saved")
    page = client.get(location).text
    assert "saved as a draft" in page
    assert 'data-action="send"' in page and 'data-action="discard"' in page
    assert 'data-action="close"' not in page
    rfi_id = int(location.split("/")[2].split("?")[0])
    # The agency asked does not see a draft at all.
    owner, _ = as_user("kg-mvd.officer")
    assert owner.get(f"/rfis/{rfi_id}").status_code == 404
    assert client.post(f"/rfis/{rfi_id}/send", data={"csrf_token": csrf}).status_code == 200
    page = client.get(f"/rfis/{rfi_id}").text
    assert 'data-state="sent"' in page and 'data-action="close"' in page
    assert 'data-action="discard"' not in page
    # Discarding a sent request is refused, on the page.
    refused = client.post(f"/rfis/{rfi_id}/discard", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "close it instead" in refused.text
    other = file_request(as_user, action="draft")
    gone = client.post(f"/rfis/{other}/discard", data={"csrf_token": csrf}, follow_redirects=False)
    assert gone.status_code == 303 and "notice=discarded" in gone.headers["location"]
    assert client.get(f"/rfis/{other}").status_code == 404
    assert actions_of(world, actions_reference(world, rfi_id)) == ["rfi.create", "rfi.send"]


def test_a_draft_is_changed_on_its_own_form_and_only_while_a_draft(
    as_user: Any, world: Any
) -> None:
    rfi_id = file_request(as_user, action="draft")
    client, csrf = as_user("kz-mvd.officer")
    assert 'data-action="edit"' in client.get(f"/rfis/{rfi_id}").text
    form = client.get(f"/rfis/{rfi_id}/edit")
    assert form.status_code == 200
    assert 'value="Yusupov, Bakhtiyor"' in form.text and 'value="KG-P-501"' in form.text
    assert 'name="to"' not in form.text  # the agency asked stays as it was
    changed = {**ASK, "subject": "Yusupov, Bakhtiyor (b. 1990)", "subject-0-reference": "KG-P-9"}
    bad = client.post(f"/rfis/{rfi_id}/edit", data={"csrf_token": csrf, **changed, "purpose": ""})
    assert bad.status_code == 422 and 'value="Yusupov, Bakhtiyor (b. 1990)"' in bad.text
    saved = client.post(
        f"/rfis/{rfi_id}/edit",
        data={"csrf_token": csrf, "action": "send", **changed},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("?notice=sent")
    with world.db.session() as session:
        rfi = session.get(Rfi, rfi_id)
        assert rfi is not None and rfi.state == "sent"
        assert rfi.subject == "Yusupov, Bakhtiyor (b. 1990)"
        assert rfi.subjects == [{"kind": "person", "reference": "KG-P-9"}]
    assert actions_of(world, actions_reference(world, rfi_id)) == [
        "rfi.create",
        "rfi.update",
        "rfi.send",
    ]
    # Sent: no more changes, said on the page; another agency does not see it at all.
    assert client.get(f"/rfis/{rfi_id}/edit").status_code == 409
    again = client.post(f"/rfis/{rfi_id}/edit", data={"csrf_token": csrf, **changed})
    assert again.status_code == 409 and "only drafts" in again.text
    third, third_csrf = as_user("caricc.officer")
    assert third.get(f"/rfis/{rfi_id}/edit").status_code == 404
    posted = third.post(f"/rfis/{rfi_id}/edit", data={"csrf_token": third_csrf, **changed})
    assert posted.status_code == 404
    owner, _ = as_user("kg-mvd.officer")
    assert 'data-action="edit"' not in owner.get(f"/rfis/{rfi_id}").text


def actions_reference(world: Any, rfi_id: int) -> str:
    with world.db.session() as session:
        rfi = session.get(Rfi, rfi_id)
        assert rfi is not None
        return rfi.reference


def test_several_agencies_get_one_request_each(as_user: Any) -> None:
    client, csrf = as_user("kz-mvd.officer")
    response = client.post(
        "/rfis/new",
        data={"csrf_token": csrf, "action": "send", **ASK, "to": ["KG-MVD", "CARICC"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/rfis?box=outbox&notice=filed"
    outbox = client.get(response.headers["location"]).text
    assert "one to each agency" in outbox
    assert len(re.findall(r'data-rfi="RFI-\d+-\d+-(KG-MVD|CARICC)"', outbox)) == 2


def test_an_attachment_goes_with_the_request_and_downloads_safely(as_user: Any, world: Any) -> None:
    client, csrf = as_user("kz-mvd.officer")
    response = client.post(
        "/rfis/new",
        data={"csrf_token": csrf, "action": "send", **ASK},
        files={"file": ("photo<1>.html", b"<script>alert(1)</script>", "text/html")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    rfi_id = int(response.headers["location"].split("/")[2].split("?")[0])
    owner, owner_csrf = as_user("kg-mvd.officer")
    page = owner.get(f"/rfis/{rfi_id}").text
    link = re.search(r'href="(/rfis/\d+/attachments/\d+)"', page)
    assert link and "photo&lt;1&gt;.html" in page
    download = owner.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/octet-stream")
    assert download.headers["content-disposition"].startswith("attachment;")
    # The owner attaches too; an empty file is refused beside the upload field.
    empty = owner.post(
        f"/rfis/{rfi_id}/attachments",
        data={"csrf_token": owner_csrf},
        files={"file": ("empty.txt", b"", "text/plain")},
    )
    assert empty.status_code == 422 and "empty.txt is empty" in empty.text
    none = owner.post(f"/rfis/{rfi_id}/attachments", data={"csrf_token": owner_csrf})
    assert none.status_code == 422 and "Choose a file" in none.text
    added = owner.post(
        f"/rfis/{rfi_id}/attachments",
        data={"csrf_token": owner_csrf},
        files={"file": ("answer.txt", b"see the record", "text/plain")},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert client.get(f"/rfis/{rfi_id}").text.count("data-attachment") == 2
    third, _ = as_user("caricc.officer")
    assert third.get(link.group(1)).status_code == 404


def test_a_too_large_attachment_saves_nothing(as_user: Any, world: Any, settings: Any) -> None:
    client, csrf = as_user("kz-mvd.officer")
    big = b"x" * (settings.max_attachment_mb * 1024 * 1024 + 1)
    response = client.post(
        "/rfis/new",
        data={"csrf_token": csrf, "action": "send", **ASK},
        files={"file": ("big.bin", big, "application/octet-stream")},
    )
    assert response.status_code == 413
    assert "attachments may be at most" in response.text
    assert "Agreement of 2006, art. 4" in response.text  # the values are kept
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Rfi)) == 0


# --------------------------------------------------------------------------- the path


def test_each_side_sees_its_own_actions_and_the_release_needs_a_second_supervisor(
    as_user: Any, world: Any, person: Any
) -> None:
    rfi_id = file_request(as_user)
    asker, asker_csrf = as_user("kz-mvd.officer")
    outbox = asker.get("/rfis?box=outbox").text
    assert 'data-box="approvals"' not in outbox  # an officer approves nothing
    assert re.search(r'<span class="rfi-priority rfi-priority-high">High</span>', outbox)
    assert asker.get(f"/api/v1/persons/{person}").status_code == 404

    owner, owner_csrf = as_user("kg-mvd.officer")
    inbox = owner.get("/rfis").text
    assert f'href="/rfis/{rfi_id}"' in inbox and 'data-stat="open">1<' in inbox
    page = owner.get(f"/rfis/{rfi_id}").text
    assert 'data-action="acknowledge"' in page and 'data-action="close"' not in page
    assert "Your records it names" in page and "Юсупов Бахтиёр" in page
    assert f'value="person:{person}"' in page  # offered for release
    # The asker may not acknowledge: refused on the page, with the reason.
    refused = asker.post(f"/rfis/{rfi_id}/acknowledge", data={"csrf_token": asker_csrf})
    assert refused.status_code == 403 and "Only the agency asked may do this" in refused.text
    # The owner's own records never show on the asker's page.
    assert "Юсупов" not in asker.get(f"/rfis/{rfi_id}").text

    ack = owner.post(
        f"/rfis/{rfi_id}/acknowledge", data={"csrf_token": owner_csrf}, follow_redirects=False
    )
    assert ack.status_code == 303
    assert 'data-state="acknowledged"' in owner.get(f"/rfis/{rfi_id}").text

    # An answer with errors keeps what was typed and ticked.
    bad = owner.post(
        f"/rfis/{rfi_id}/answer",
        data={
            "csrf_token": owner_csrf,
            "outcome": "refused",
            "text": "Not for you.",
            "release": f"person:{person}",
            "extra_kind": "person",
            "extra_id": "not-an-id",
        },
    )
    assert bad.status_code == 422
    assert "a refusal releases nothing" in bad.text
    assert "&#39;not-an-id&#39; is not a record id" in bad.text
    assert "Not for you.</textarea>" in bad.text
    assert re.search(rf'value="person:{person}"[^>]*checked', bad.text)
    assert re.search(r'value="refused" checked', bad.text)

    done = answer(as_user, rfi_id, person)
    assert done.status_code == 303 and done.headers["location"].endswith("notice=pending")
    page = owner.get(done.headers["location"]).text
    assert "waits for a supervisor" in page
    assert 'data-action="approve"' not in page  # an officer cannot approve
    assert "answer-form" not in page  # one pending answer at a time
    # The asker sees nothing of a pending answer.
    assert "Known courier." not in asker.get(f"/rfis/{rfi_id}").text

    supervisor, supervisor_csrf = as_user("kg-mvd.supervisor")
    approvals = supervisor.get("/rfis?box=approvals").text
    assert re.search(r"data-approvals>1<", approvals)
    assert f'href="/rfis/{rfi_id}#answer-' in approvals
    page = supervisor.get(f"/rfis/{rfi_id}").text
    assert 'data-action="approve"' in page and 'data-action="return"' in page
    answer_id = pending_answer_id(world, rfi_id)
    # Returning needs a reason; the error is beside the note.
    no_reason = supervisor.post(
        f"/rfis/answers/{answer_id}/return", data={"csrf_token": supervisor_csrf, "note": " "}
    )
    assert no_reason.status_code == 422 and "say why the answer is returned" in no_reason.text
    approved = supervisor.post(
        f"/rfis/answers/{answer_id}/approve",
        data={"csrf_token": supervisor_csrf, "note": "Checked."},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    again = supervisor.post(
        f"/rfis/answers/{answer_id}/approve", data={"csrf_token": supervisor_csrf}
    )
    assert again.status_code == 409 and "already released" in again.text
    assert "data-approvals" not in supervisor.get("/rfis?box=approvals").text

    page = asker.get(f"/rfis/{rfi_id}").text
    assert 'data-state="answered"' in page and "Known courier." in page
    assert f'href="/persons/{person}" data-released-record>Юсупов Бахтиёр<' in page
    assert '<span class="badge badge-h2"' in page
    record = asker.get(f"/persons/{person}")
    assert record.status_code == 200 and "badge-h2" in record.text
    closed = asker.post(
        f"/rfis/{rfi_id}/close", data={"csrf_token": asker_csrf}, follow_redirects=False
    )
    assert closed.status_code == 303
    late = answer(as_user, rfi_id, person)
    assert late.status_code == 409 and "closed" in late.text
    assert actions_of(world, actions_reference(world, rfi_id)) == [
        "rfi.create",
        "rfi.send",
        "rfi.acknowledge",
        "rfi.answer",
        "release.approve",
        "rfi.release",
        "rfi.close",
    ]


def test_a_supervisor_who_wrote_the_answer_is_told_why_they_cannot_approve(
    as_user: Any, world: Any, person: Any
) -> None:
    rfi_id = file_request(as_user)
    assert answer(as_user, rfi_id, person, "kg-mvd.supervisor").status_code == 303
    client, csrf = as_user("kg-mvd.supervisor")
    page = client.get(f"/rfis/{rfi_id}").text
    assert "data-own-answer" in page and 'data-action="approve"' not in page
    assert "data-approvals" not in client.get("/rfis?box=approvals").text
    answer_id = pending_answer_id(world, rfi_id)
    refused = client.post(f"/rfis/answers/{answer_id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert "another supervisor must approve it" in refused.text
    # An administrator of the agency may approve it.
    admin, admin_csrf = as_user("kg-mvd.administrator")
    assert 'data-action="approve"' in admin.get(f"/rfis/{rfi_id}").text
    ok = admin.post(
        f"/rfis/answers/{answer_id}/approve",
        data={"csrf_token": admin_csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    # The asker's supervisor never had anything to approve.
    asker_supervisor, _ = as_user("kz-mvd.supervisor")
    assert "data-approvals" not in asker_supervisor.get("/rfis?box=approvals").text


def test_a_returned_answer_can_be_written_again(as_user: Any, world: Any, person: Any) -> None:
    rfi_id = file_request(as_user)
    answer(as_user, rfi_id, person)
    supervisor, csrf = as_user("kg-mvd.supervisor")
    answer_id = pending_answer_id(world, rfi_id)
    returned = supervisor.post(
        f"/rfis/answers/{answer_id}/return",
        data={"csrf_token": csrf, "note": "Release a sanitised copy"},
        follow_redirects=False,
    )
    assert returned.status_code == 303
    owner, _ = as_user("kg-mvd.officer")
    page = owner.get(f"/rfis/{rfi_id}").text
    assert "Release a sanitised copy" in page and 'data-status="returned"' in page
    assert "answer-form" in page  # the owner may answer again


def test_officers_may_not_open_approvals_and_third_agencies_see_nothing(
    as_user: Any, world: Any, person: Any
) -> None:
    rfi_id = file_request(as_user)
    answer(as_user, rfi_id, person)
    answer_id = pending_answer_id(world, rfi_id)
    officer, _ = as_user("kg-mvd.officer")
    assert officer.get("/rfis?box=approvals").status_code == 403
    officer_csrf = csrf_of(officer.get("/rfis").text)
    denied = officer.post(f"/rfis/answers/{answer_id}/approve", data={"csrf_token": officer_csrf})
    assert denied.status_code == 403
    for role in ("officer", "supervisor", "administrator"):
        third, csrf = as_user(f"caricc.{role}")
        assert third.get(f"/rfis/{rfi_id}").status_code == 404
        assert f'href="/rfis/{rfi_id}"' not in third.get("/rfis").text
        assert f'href="/rfis/{rfi_id}"' not in third.get("/rfis?box=outbox").text
        for action in ("send", "acknowledge", "close", "discard", "answer", "attachments"):
            response = third.post(f"/rfis/{rfi_id}/{action}", data={"csrf_token": csrf})
            assert response.status_code == 404, (role, action)
        for action in ("approve", "return"):
            response = third.post(
                f"/rfis/answers/{answer_id}/{action}", data={"csrf_token": csrf, "note": "x"}
            )
            assert response.status_code == 404, (role, action)
    assert officer.get("/rfis/not-a-number").status_code == 404
    assert (
        officer.post("/rfis/answers/x/approve", data={"csrf_token": officer_csrf}).status_code
        == 404
    )


def test_changes_need_the_csrf_token(as_user: Any, world: Any, person: Any) -> None:
    rfi_id = file_request(as_user)
    client, _ = as_user("kg-mvd.officer")
    response = client.post(f"/rfis/{rfi_id}/acknowledge", data={})
    assert response.status_code == 403
    asker, _ = as_user("kz-mvd.officer")
    assert asker.post("/rfis/new", data=dict(ASK)).status_code == 403
    with world.db.session() as session:
        assert session.get(Rfi, rfi_id).state == "sent"  # type: ignore[union-attr]


def test_the_boxes_filter_by_state_and_flag_what_is_overdue(as_user: Any, world: Any) -> None:
    late = file_request(as_user, priority="urgent", subject="Urgent courier")
    file_request(as_user, subject="Routine courier")
    with world.db.session() as session:
        rfi = session.get(Rfi, late)
        assert rfi is not None
        rfi.due_at = utcnow() - timedelta(hours=2)
        session.commit()
    owner, _ = as_user("kg-mvd.officer")
    inbox = owner.get("/rfis").text
    row = inbox.split(f'href="/rfis/{late}"')[0].rsplit("<tr", 1)[1]
    assert "overdue" in row and "urgent" in row
    assert re.search(r'data-stat="overdue"[^>]*>1<', inbox) and 'data-stat="total">2<' in inbox
    only = owner.get("/rfis?overdue=1").text
    assert "Urgent courier" in only and "Routine courier" not in only
    assert "Routine courier" in owner.get("/rfis?state=sent").text
    assert "Routine courier" not in owner.get("/rfis?state=closed").text
    wrong = owner.get("/rfis?state=lost")
    assert wrong.status_code == 200 and "expected one of" in wrong.text
    assert "Routine courier" in wrong.text
    detail = owner.get(f"/rfis/{late}").text
    assert "data-overdue" in detail


def test_every_role_of_both_sides_opens_its_pages(as_user: Any, world: Any, person: Any) -> None:
    rfi_id = file_request(as_user)
    for agency in ("kz-mvd", "kg-mvd"):
        for role in ("officer", "analyst", "supervisor", "administrator"):
            client, _ = as_user(f"{agency}.{role}")
            for path in ("/rfis", "/rfis?box=outbox", "/rfis/new", f"/rfis/{rfi_id}"):
                assert client.get(path).status_code == 200, (agency, role, path)
            approvals = client.get("/rfis?box=approvals").status_code
            assert approvals == (200 if role in ("supervisor", "administrator") else 403)


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_check_to_released_record_in_chromium(browser_page: Any, world: Any, person: Any) -> None:
    """The full path: a check's hit notice → request → acknowledgement → answer →
    four-eyes approval → the record readable by the asker, every step audited."""
    page = browser_page
    browser_sign_in(page, "kz-mvd.officer")
    page.click(".sidenav a[href='/checks']")
    page.wait_for_url("**/checks")
    page.fill("#f-person-surname", "Yusupov")
    page.fill("#f-person-given_name", "Bakhtiyor")
    page.fill("#f-person-birth_date", "1990-01-15")
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("#results tr[data-hit=notice]")
    notice = page.locator("tr[data-hit=notice]")
    assert "KG-P-501" in notice.inner_text() and "Юсупов" not in page.content()
    shot(page, "rfi-1-hit-notice")

    notice.locator("a[data-rfi]").click()
    page.wait_for_url("**/rfis/new?**")
    assert page.locator("input[name=to][value=KG-MVD]").is_checked()
    assert page.locator("#f-subject").input_value() == (
        "Request for information: your record KG-P-501 (Person)"
    )
    assert page.locator("#f-subject-0-reference").input_value() == "KG-P-501"
    assert page.locator("#f-subject-0-kind").input_value() == "person"
    page.click("label.radio-card:has(input[value=high])")
    page.fill("#f-question", "Is he the courier of the Osh route? What do you hold?")
    # Sending without a legal basis or purpose: both marked, the rest kept.
    page.click("button[value=send]")
    page.wait_for_selector("#error-summary")
    assert page.locator(".has-error #f-legal_basis").count() == 1
    assert page.locator(".has-error #f-purpose").count() == 1
    assert page.locator("#f-question").input_value().startswith("Is he the courier")
    shot(page, "rfi-2-form-errors")
    page.fill("#f-legal_basis", "CARICC agreement of 2006, art. 4")
    page.fill("#f-purpose", "Criminal case 42/2026 (heroin, Kordai)")
    shot(page, "rfi-3-form")
    page.click("button[value=send]")
    page.wait_for_selector("[data-notice=sent]")
    assert page.locator(".page-head [data-state=sent]").count() == 1
    reference = page.locator(".eyebrow .mono").inner_text()
    shot(page, "rfi-4-sent")

    page.context.clear_cookies()
    browser_sign_in(page, "kg-mvd.officer")
    page.click(".sidenav a[href='/rfis']")
    page.wait_for_url("**/rfis")
    row = page.locator(f"tr[data-rfi='{reference}']")
    assert "High" in row.inner_text()
    shot(page, "rfi-5-inbox")
    row.locator("a.row-link").click()
    page.wait_for_selector("button[data-action=acknowledge]")
    page.click("button[data-action=acknowledge]")
    page.wait_for_selector("[data-notice=acknowledged]")
    page.check(f"input[name=release][value='person:{person}']")
    page.fill("#f-text", "Known courier on the Osh–Almaty route; record released in full.")
    shot(page, "rfi-6-answer")
    page.click("button[data-action=answer]")
    page.wait_for_selector("[data-notice=pending]")
    assert page.locator("button[data-action=approve]").count() == 0

    page.context.clear_cookies()
    browser_sign_in(page, "kg-mvd.supervisor")
    page.click(".sidenav a[href='/rfis']")
    page.wait_for_url("**/rfis")
    assert page.locator("[data-approvals]").inner_text() == "1"
    page.click("a[data-box=approvals]")
    page.wait_for_selector("table.approvals-table")
    shot(page, "rfi-7-approvals")
    page.click(f"table.approvals-table a:has-text('{reference}')")
    page.wait_for_selector("button[data-action=approve]")
    page.fill("#f-note", "Checked against the case file.")
    shot(page, "rfi-8-approve")
    page.click("button[data-action=approve]")
    page.wait_for_selector("[data-notice=approved]")

    page.context.clear_cookies()
    browser_sign_in(page, "kz-mvd.officer")
    page.goto("/rfis?box=outbox")
    page.locator(f"tr[data-rfi='{reference}'] a.row-link").click()
    page.wait_for_selector("[data-released-record]")
    assert page.locator(".page-head [data-state=answered]").count() == 1
    shot(page, "rfi-9-answered")
    page.click("a[data-released-record]")
    page.wait_for_url(f"**/persons/{person}")
    assert "Юсупов Бахтиёр" in page.locator("h1").inner_text()
    assert page.locator(".page-head .badge-h2").count() == 1
    shot(page, "rfi-10-released-record")

    assert actions_of(world, reference) == [
        "rfi.create",
        "rfi.send",
        "rfi.acknowledge",
        "rfi.answer",
        "release.approve",
        "rfi.release",
    ]
