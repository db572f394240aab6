"""Entity resolution in the browser and the JSON API: the review queue, a pair and its
waterfall, decisions, profiles (split, move out, hit notices), links from person pages
and check results, and runs.

KG-MVD's restricted record of Rakhimov (:data:`resolve_samples.SECRET`) is in his
profile with two readable records; no page or answer shown to KZ-MVD may contain any
of its markers.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from resolve_samples import file_persons, no_leak, pair_of, profile_of, run_resolution
from sqlalchemy import func, select
from ui_support import browser_sign_in, shot, sign_in

from caravan.accounts import service as accounts
from caravan.config import Settings
from caravan.store.models import (
    AuditEvent,
    ProfileMember,
    ResolutionDecision,
    ResolutionPair,
    ResolutionRun,
)
from caravan.web.app import asgi_app


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The test settings, with the feature cache of runs in the test's own folder."""
    return settings.model_copy(update={"resolve_dir": tmp_path / "state"})


@pytest.fixture
def resolved(world: Any, tmp_path: Path) -> dict[str, Any]:
    """The sample persons, resolved once (full run)."""
    ids = file_persons(world)
    run_resolution(world, tmp_path)
    return ids


def new_client(settings: Settings, world: Any) -> TestClient:
    return TestClient(asgi_app(settings, world.db))


def bearer(world: Any, username: str) -> dict[str, str]:
    with world.db.session() as session:
        token, _ = accounts.create_token(session, accounts.get_user(session, username), "t")
    return {"Authorization": f"Bearer {token}"}


def wait_for_run(client: TestClient, url: str, **kwargs: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(url, **kwargs).json()
        if status["status"] in ("done", "error", "interrupted"):
            return status
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


# --------------------------------------------------------------------------- the queue


def test_the_queue_lists_pairs_strongest_first(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    sign_in(client, "kz-mvd.analyst")
    home = client.get("/").text
    badge = re.search(
        r'href="/review"[^>]*>[^<]*<span class="nav-badge[^"]*"[^>]*>(\d+)</span>', home
    )
    assert badge and badge.group(1) == "2"
    page = client.get("/review")
    assert page.status_code == 200
    html = page.text
    conflict = pair_of(world, resolved["ivanov-kz"], resolved["sidorov-kg"])
    namesake = pair_of(world, resolved["nazarov-kz"], resolved["nazarov-kg"])
    rows = re.findall(r'<tr data-pair="(\d+)"', html)
    assert rows == [str(conflict.id), str(namesake.id)]  # strongest first
    assert 'data-total="2"' in html
    assert "Иванов Пётр" in html and "Сидоров Олег" in html and "Conflicting identifiers" in html
    assert html.count('class="flag-chip"') == 1
    no_leak(html)


def test_officers_have_no_queue(client: TestClient, world: Any, resolved: dict[str, Any]) -> None:
    sign_in(client, "kz-mvd.officer")
    assert 'href="/review"' not in client.get("/").text
    assert client.get("/review").status_code == 403
    pair = pair_of(world, resolved["nazarov-kz"], resolved["nazarov-kg"])
    assert client.get(f"/review/{pair.id}").status_code == 403


def test_a_pair_with_a_hidden_record_is_not_reviewable(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    """The secret's auto-links exist, but KZ-MVD may not read both sides."""
    pair = pair_of(world, resolved["rakhimov-kz"], resolved["secret"])
    sign_in(client, "kz-mvd.analyst")
    response = client.get(f"/review/{pair.id}")
    assert response.status_code == 404
    no_leak(response.text)
    assert client.get("/review/not-a-number").status_code == 404


# --------------------------------------------------------------------------- a pair


def test_the_pair_page_shows_both_records_the_flag_and_the_waterfall(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    sign_in(client, "kz-mvd.analyst")
    pair = pair_of(world, resolved["ivanov-kz"], resolved["sidorov-kg"])
    html = client.get(f"/review/{pair.id}").text
    assert "Conflicting identifiers: same document, different names — never merged" in html
    assert 'data-flag="conflicting_identifiers"' in html
    for text in ("Иванов Пётр", "Сидоров Олег", "1970-01-15", "1982-06-30", "KZ-P-3", "KG-P-3"):
        assert text in html, text
    assert "Ministry of Internal Affairs of Kyrgyzstan" in html and "badge-h1" in html
    assert "XY7777777" in html and "+77015550101" in html  # documents and phones
    assert f'href="/persons/{resolved["ivanov-kz"]}"' in html
    # One row per step: the prior, then each comparison, with the running total.
    steps = pair.detail["steps"]
    rows = re.findall(r'<tr data-step="(\w+)"', html)
    assert rows == [s["comparison"] for s in steps]
    assert html.count('class="bar bar-for ') == sum(1 for s in steps if s["weight"] > 0)
    assert html.count('class="bar bar-against ') == sum(1 for s in steps if s["weight"] < 0)
    assert "a document number shared" in html and "different names" in html
    assert ' style="' not in html  # the CSP allows no inline styles: widths are classes
    total = sum(s["weight"] for s in steps)
    assert abs(total - pair.detail["match_weight"]) < 0.01
    assert f"{total:+.2f}" in html
    weight = re.search(r"data-match-weight><strong>([+-][\d.]+)</strong>", html)
    assert weight and abs(float(weight.group(1)) - pair.detail["match_weight"]) < 0.01
    probability = re.search(r"data-probability>([\d.]+)%<", html)
    assert probability and abs(float(probability.group(1)) - 100 * pair.probability) < 0.2
    assert 'name="decision" value="confirm"' in html and 'name="decision" value="reject"' in html

    client.cookies.set("caravan_lang", "ru")
    russian = client.get(f"/review/{pair.id}").text
    assert "Противоречивые идентификаторы" in russian
    assert "общий номер документа" in russian and "Нарастающий итог" in russian


def test_a_decision_needs_a_reason(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    csrf = sign_in(client, "kz-mvd.analyst")
    pair = pair_of(world, resolved["nazarov-kz"], resolved["nazarov-kg"])
    response = client.post(
        f"/review/{pair.id}", data={"csrf_token": csrf, "decision": "confirm", "reason": "  "}
    )
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="reason-error">(.*?)</p>', response.text, re.S)
    assert error and "Give a reason for the decision" in error.group(1)
    assert 'aria-invalid="true"' in response.text
    assert pair_of(world, resolved["nazarov-kz"], resolved["nazarov-kg"]).status == "pending"
    client.cookies.set("caravan_lang", "ru")
    russian = client.post(
        f"/review/{pair.id}", data={"csrf_token": csrf, "decision": "reject", "reason": ""}
    )
    assert russian.status_code == 422 and "Укажите причину решения" in russian.text
    forged = client.post(
        f"/review/{pair.id}", data={"csrf_token": "forged", "decision": "reject", "reason": "x"}
    )
    assert forged.status_code == 403


def test_deciding_goes_on_to_the_next_pair(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    csrf = sign_in(client, "kz-mvd.analyst")
    conflict = pair_of(world, resolved["ivanov-kz"], resolved["sidorov-kg"])
    namesake = pair_of(world, resolved["nazarov-kz"], resolved["nazarov-kg"])
    rejected = client.post(
        f"/review/{conflict.id}",
        data={"csrf_token": csrf, "decision": "reject", "reason": "Forged passport"},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"] == f"/review/{namesake.id}?notice=decided"
    assert "Decision saved." in client.get(rejected.headers["location"]).text
    confirmed = client.post(
        f"/review/{namesake.id}",
        data={"csrf_token": csrf, "decision": "confirm", "reason": "Same man, KG file photo"},
        follow_redirects=False,
    )
    assert confirmed.headers["location"] == "/review?notice=decided"
    queue = client.get("/review").text
    assert "Nothing to review" in queue and "nav-badge-review" not in queue
    # Deciding twice is refused, beside the reason.
    again = client.post(
        f"/review/{namesake.id}", data={"csrf_token": csrf, "decision": "reject", "reason": "x"}
    )
    assert again.status_code == 409
    assert re.search(r'id="decision-error">This pair was already decided \(confirmed\)', again.text)
    with world.db.session() as session:
        decisions = {(d.action, d.reason) for d in session.scalars(select(ResolutionDecision))}
        assert decisions == {
            ("reject", "Forged passport"),
            ("confirm", "Same man, KG file photo"),
        }
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"resolve.reject", "resolve.confirm"} <= actions
        hows = dict(
            session.execute(
                select(ProfileMember.person_id, ProfileMember.how).where(
                    ProfileMember.person_id.in_([resolved["nazarov-kz"], resolved["nazarov-kg"]])
                )
            ).all()
        )
        assert set(hows.values()) == {"confirmed"}
    assert profile_of(world, resolved["nazarov-kz"]) == profile_of(world, resolved["nazarov-kg"])
    assert profile_of(world, resolved["ivanov-kz"]) != profile_of(world, resolved["sidorov-kg"])


# --------------------------------------------------------------------------- profiles


def test_the_profile_page_gathers_what_the_records_say(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    profile = profile_of(world, resolved["rakhimov-kz"])
    assert (
        profile
        == profile_of(world, resolved["secret"])
        == profile_of(world, resolved["rakhimov-kg"])
    )
    sign_in(client, "kz-mvd.analyst")
    response = client.get(f"/profiles/{profile}")
    assert response.status_code == 200
    html = response.text
    # Every name as written, with the agency whose record holds it.
    facts = re.search(r'<dd data-facts="names">(.*?)</dd>', html, re.S)
    assert facts
    assert re.search(
        r"Рахимов Джамшед Каримович</span> <a class=\"agency-tag\"[^>]*>KZ-MVD", facts[1]
    )
    assert re.search(r"Rakhimov Dzhamshed</span> <a class=\"agency-tag\"[^>]*>KG-MVD", facts[1])
    for text in ("1985-03-07", "Tajikistan", "N1234567", "+992931234567"):
        assert text in html, text
    records = re.search(
        r'<table class="data-table compact profile-records">.*?</table>', html, re.S
    )
    assert records
    for key in ("rakhimov-kz", "rakhimov-kg"):
        assert f'<a class="row-link" href="/persons/{resolved[key]}">' in records[0]
    assert records[0].count("Linked automatically") == 2 and "100.0%" in records[0]
    # The restricted record is a hit notice: owner, reference, handling code, contact.
    notice = re.search(r'<tr class="hit-notice" data-hit="notice">.*?</tr>', html, re.S)
    assert notice
    for text in ("KG-SECRET-REF", "badge-h3", "liaison@kg-mvd.example", "KG-MVD"):
        assert text in notice[0], text
    assert str(resolved["secret"]) not in html
    no_leak(html)
    assert 'class="timeline"' in html and html.count('data-kind="person"') == 2
    # Split and move out are for reviewers.
    assert 'id="split-form"' in html and html.count('class="move-form"') == 2


def test_no_leak_of_the_restricted_member(
    client: TestClient, world: Any, settings: Settings, resolved: dict[str, Any]
) -> None:
    """A KZ-MVD user sees the hit notice and nothing of the record, in HTML and JSON,
    in English and Russian, whatever the role."""
    profile = profile_of(world, resolved["secret"])
    for role in ("officer", "analyst", "supervisor", "administrator"):
        with new_client(settings, world) as browser:
            sign_in(browser, f"kz-mvd.{role}")
            for lang in ("en", "ru"):
                browser.cookies.set("caravan_lang", lang)
                html = browser.get(f"/profiles/{profile}").text
                no_leak(html)
                assert 'data-hit="notice"' in html and "KG-SECRET-REF" in html
            person = browser.get(f"/persons/{resolved['rakhimov-kz']}").text
            no_leak(person)
            assert browser.get(f"/persons/{resolved['secret']}").status_code == 404
        response = client.get(
            f"/api/v1/profiles/{profile}", headers=bearer(world, f"kz-mvd.{role}")
        )
        assert response.status_code == 200
        no_leak(response.text)
        data = response.json()
        assert str(resolved["secret"]) not in response.text
        assert {r["reference"] for r in data["records"]} == {"KZ-P-1", "KG-P-1"}
        assert data["notices"] == [
            {
                "kind": "person",
                "owner_agency": "KG-MVD",
                "owner_name_en": "Ministry of Internal Affairs of Kyrgyzstan",
                "owner_name_ru": "МВД Кыргызстана",
                "reference": "KG-SECRET-REF",
                "handling_code": "H3",
                "contact": "liaison@kg-mvd.example",
            }
        ]
    # The owner sees its own record in full.
    owner = client.get(f"/api/v1/profiles/{profile}", headers=bearer(world, "kg-mvd.analyst"))
    assert "ZZASWRITTEN" in owner.text and owner.json()["notices"] == []


def test_a_profile_of_hidden_records_only_does_not_exist(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    from caravan.collect import records

    with world.db.session() as session:
        hidden = records.create_record(
            session,
            world.principal("kg-mvd.officer"),
            "persons",
            {
                "surname": "Alone",
                "given_name": "Hidden",
                "handling_code": "H3",
                "handling_note": "ZZHANDLINGMARKER",
            },
        ).id
    from caravan.resolve.service import RunOptions, resolve

    resolve(world.db, options=RunOptions())
    profile = profile_of(world, hidden)
    assert profile is not None
    sign_in(client, "kz-mvd.analyst")
    assert client.get(f"/profiles/{profile}").status_code == 404
    api = client.get(f"/api/v1/profiles/{profile}", headers=bearer(world, "kz-mvd.analyst"))
    assert api.status_code == 404 and "Alone" not in api.text
    assert client.get("/profiles/not-a-uuid").status_code == 404


def test_split_and_move_out(client: TestClient, world: Any, resolved: dict[str, Any]) -> None:
    profile = profile_of(world, resolved["rakhimov-kz"])
    csrf = sign_in(client, "kz-mvd.analyst")
    # A reason is required, beside its field; nothing changes.
    refused = client.post(
        f"/profiles/{profile}/split",
        data={"csrf_token": csrf, "person_ids": str(resolved["rakhimov-kg"]), "reason": ""},
    )
    assert refused.status_code == 422
    assert re.search(r'id="split-reason-error">.*?Give a reason', refused.text, re.S)
    assert "checked" in refused.text  # the ticked record stays ticked
    nothing = client.post(f"/profiles/{profile}/split", data={"csrf_token": csrf, "reason": "x"})
    assert nothing.status_code == 422 and "Choose at least one record to move" in nothing.text
    assert profile_of(world, resolved["rakhimov-kg"]) == profile
    split = client.post(
        f"/profiles/{profile}/split",
        data={"csrf_token": csrf, "person_ids": str(resolved["rakhimov-kg"]), "reason": "Twin"},
        follow_redirects=False,
    )
    assert split.status_code == 303
    new = profile_of(world, resolved["rakhimov-kg"])
    assert new != profile and split.headers["location"] == f"/profiles/{new}?notice=split"
    page = client.get(split.headers["location"]).text
    assert "moved into this new profile" in page and "Moved here by an analyst" in page
    # Move out: one record into a profile of its own; the hidden member stays behind.
    empty = client.post(
        f"/profiles/{profile}/move",
        data={"csrf_token": csrf, "person_id": str(resolved["rakhimov-kz"]), "reason": ""},
    )
    assert empty.status_code == 422
    assert f'id="move-{resolved["rakhimov-kz"]}-reason-error"' in empty.text
    assert '<details class="move-out" open>' in empty.text
    moved = client.post(
        f"/profiles/{profile}/move",
        data={"csrf_token": csrf, "person_id": str(resolved["rakhimov-kz"]), "reason": "Wrong"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert profile_of(world, resolved["rakhimov-kz"]) not in (profile, new)
    assert profile_of(world, resolved["secret"]) == profile
    # Now KZ-MVD may read nothing of the old profile.
    assert client.get(f"/profiles/{profile}").status_code == 404
    with world.db.session() as session:
        actions = {d.action for d in session.scalars(select(ResolutionDecision))}
        assert actions == {"split", "move"}
    officer = new_client_signed_in(client, world, "kz-mvd.officer")
    refused_officer = officer.post(
        f"/profiles/{new}/split",
        data={
            "csrf_token": officer.csrf,
            "person_ids": str(resolved["rakhimov-kg"]),  # type: ignore[attr-defined]
            "reason": "x",
        },
    )
    assert refused_officer.status_code == 403
    assert 'id="split-form"' not in officer.get(f"/profiles/{new}").text


def new_client_signed_in(client: TestClient, world: Any, username: str) -> TestClient:
    other = TestClient(client.app)
    other.csrf = sign_in(other, username)  # type: ignore[attr-defined]
    return other


# --------------------------------------------------------------------------- links


def test_person_pages_and_check_results_link_to_the_profile(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    profile = profile_of(world, resolved["rakhimov-kz"])
    csrf = sign_in(client, "kz-mvd.officer")
    person = client.get(f"/persons/{resolved['rakhimov-kz']}").text
    assert f'href="/profiles/{profile}" data-profile-link' in person
    checked = client.post(
        "/checks",
        data={
            "csrf_token": csrf,
            "kind": "person",
            "person-surname": "Rakhimov",
            "person-given_name": "Dzhamshed",
        },
    )
    assert checked.status_code == 200
    results = re.search(r'<section class="panel check-results".*?</section>', checked.text, re.S)
    assert results
    assert results[0].count(f'href="/profiles/{profile}" data-profile-link') == 2
    assert results[0].count('data-hit="notice"') == 1  # the secret: a notice, no profile link
    no_leak(results[0])


def test_a_person_not_yet_resolved_has_no_profile_link(client: TestClient, world: Any) -> None:
    ids = file_persons(world, secret=False)
    sign_in(client, "kz-mvd.officer")
    assert "data-profile-link" not in client.get(f"/persons/{ids['rakhimov-kz']}").text


# --------------------------------------------------------------------------- the API


def test_review_through_the_api(client: TestClient, world: Any, resolved: dict[str, Any]) -> None:
    headers = bearer(world, "kz-mvd.analyst")
    queue = client.get("/api/v1/review", headers=headers)
    assert queue.status_code == 200
    data = queue.json()
    assert data["total"] == 2 and len(data["items"]) == 2
    conflict, namesake = data["items"]
    assert conflict["flags"] == ["conflicting_identifiers"]
    assert conflict["probability"] > namesake["probability"]
    assert {conflict["left"]["reference"], conflict["right"]["reference"]} == {"KZ-P-3", "KG-P-3"}
    one = client.get(f"/api/v1/review/{namesake['id']}", headers=headers).json()
    assert one["steps"][0]["comparison"] == "prior"
    assert abs(sum(s["weight"] for s in one["steps"]) - one["match_weight"]) < 0.01
    assert (
        client.get("/api/v1/review?limit=1&offset=1", headers=headers).json()["items"][0]["id"]
        == namesake["id"]
    )
    no_leak(queue.text)

    no_reason = client.post(
        f"/api/v1/review/{namesake['id']}",
        json={"decision": "confirm", "reason": ""},
        headers=headers,
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    bad = client.post(
        f"/api/v1/review/{namesake['id']}",
        json={"decision": "maybe", "reason": "x"},
        headers=headers,
    )
    assert bad.status_code == 422
    decided = client.post(
        f"/api/v1/review/{namesake['id']}",
        json={"decision": "confirm", "reason": "Same man"},
        headers=headers,
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "confirmed" and body["next"] == f"/api/v1/review/{conflict['id']}"
    assert body["left_profile"] == body["right_profile"]
    twice = client.post(
        f"/api/v1/review/{namesake['id']}",
        json={"decision": "reject", "reason": "x"},
        headers=headers,
    )
    assert twice.status_code == 409
    officer = bearer(world, "kz-mvd.officer")
    assert client.get("/api/v1/review", headers=officer).status_code == 403
    assert client.get(f"/api/v1/review/{conflict['id']}", headers=officer).status_code == 403
    hidden = pair_of(world, resolved["rakhimov-kz"], resolved["secret"])
    assert client.get(f"/api/v1/review/{hidden.id}", headers=headers).status_code == 404


def test_profiles_through_the_api(client: TestClient, world: Any, resolved: dict[str, Any]) -> None:
    headers = bearer(world, "kz-mvd.analyst")
    profile = profile_of(world, resolved["rakhimov-kz"])
    data = client.get(f"/api/v1/profiles/{profile}", headers=headers).json()
    assert {n["value"]: n["agency"] for n in data["names"]} == {
        "Рахимов Джамшед Каримович": "KZ-MVD",
        "Rakhimov Dzhamshed": "KG-MVD",
    }
    assert [r["how"] for r in data["records"]] == ["auto", "auto"]
    assert all(r["url"] == f"/persons/{r['id']}" for r in data["records"])
    assert [e["date"] for e in data["timeline"]] == sorted(e["date"] for e in data["timeline"])
    refused = client.post(
        f"/api/v1/profiles/{profile}/split",
        json={"person_ids": [str(resolved["rakhimov-kg"])], "reason": ""},
        headers=headers,
    )
    assert refused.status_code == 422
    split = client.post(
        f"/api/v1/profiles/{profile}/split",
        json={"person_ids": [str(resolved["rakhimov-kg"])], "reason": "Twin brother"},
        headers=headers,
    )
    assert split.status_code == 200, split.text
    new = split.json()["new_profile_id"]
    assert str(profile_of(world, resolved["rakhimov-kg"])) == new
    assert client.get(split.json()["url"], headers=headers).json()["records"][0]["how"] == "moved"
    officer = bearer(world, "kz-mvd.officer")
    assert (
        client.post(
            f"/api/v1/profiles/{new}/split",
            json={"person_ids": [str(resolved["rakhimov-kg"])], "reason": "x"},
            headers=officer,
        ).status_code
        == 403
    )


# --------------------------------------------------------------------------- runs


def test_a_run_from_the_runs_page(client: TestClient, world: Any, resolved: dict[str, Any]) -> None:
    csrf = sign_in(client, "kz-mvd.supervisor")
    page = client.get("/resolution")
    assert page.status_code == 200 and 'action="/resolution/runs"' in page.text
    assert 'href="/resolution"' in page.text
    assert page.text.count("<tr data-run=") == 1  # the fixture's run
    started = client.post(
        "/resolution/runs", data={"csrf_token": csrf, "full": "1"}, follow_redirects=False
    )
    assert started.status_code == 303
    location = started.headers["location"]
    status = wait_for_run(client, f"{location}/status")
    assert status["status"] == "done", status
    assert status["mode"] == "full" and status["records"] == 7
    html = client.get(location).text
    assert "data-result-records>7<" in html and "data-result-review>2<" in html
    assert 'href="/review"' in html
    assert client.get("/resolution").text.count("<tr data-run=") == 2
    # Incremental by default: nothing new.
    again = client.post("/resolution/runs", data={"csrf_token": csrf}, follow_redirects=False)
    status = wait_for_run(client, f"{again.headers['location']}/status")
    assert status["mode"] == "incremental" and status["records"] == 0
    client.cookies.set("caravan_lang", "ru")
    assert "Инкрементальный запуск" in client.get(again.headers["location"]).text


def test_one_run_at_a_time_and_errors_shown(
    client: TestClient, world: Any, resolved: dict[str, Any]
) -> None:
    with world.db.session() as session:
        busy = ResolutionRun(
            mode="full", engine="duckdb", status="running", step="score", done=3, total=10
        )
        session.add(busy)
        session.flush()
        busy_id = busy.id
    csrf = sign_in(client, "kz-mvd.administrator")
    refused = client.post("/resolution/runs", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert "already in progress" in refused.text and "data-run-error" in refused.text
    api = client.post(
        "/api/v1/resolution/runs", json={}, headers=bearer(world, "kz-mvd.supervisor")
    )
    assert api.status_code == 409
    running = client.get(f"/resolution/runs/{busy_id}").text
    assert "Scoring pairs" in running and "data-job-running" in running and 'value="30"' in running
    from caravan.resolve.service import recover_interrupted_runs

    assert recover_interrupted_runs(world.db) == 1
    stopped = client.get(f"/resolution/runs/{busy_id}").text
    assert "The run did not finish" in stopped and "Interrupted" in stopped
    assert "profiles are unchanged" in stopped


def test_runs_through_the_api(
    client: TestClient, world: Any, settings: Settings, resolved: dict[str, Any]
) -> None:
    headers = bearer(world, "kz-mvd.supervisor")
    started = client.post("/api/v1/resolution/runs", json={"full": False}, headers=headers)
    assert started.status_code == 202, started.text
    status = wait_for_run(client, started.json()["status_url"], headers=headers)
    assert status["status"] == "done" and status["mode"] == "incremental"
    # The run's feature cache goes to the configured folder (written just after "done").
    cache = settings.resolve_dir / "features.parquet"
    deadline = time.monotonic() + 30
    while not cache.exists():
        assert time.monotonic() < deadline, "no feature cache"
        time.sleep(0.1)
    analyst = bearer(world, "kz-mvd.analyst")
    assert client.post("/api/v1/resolution/runs", json={}, headers=analyst).status_code == 403
    assert client.get(started.json()["status_url"], headers=analyst).status_code == 403
    assert client.get("/api/v1/resolution/runs/not-a-uuid", headers=headers).status_code == 404
    with world.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ResolutionRun)) == 2
        assert (
            session.scalar(
                select(func.count())
                .select_from(ResolutionPair)
                .where(ResolutionPair.status == "pending")
            )
            == 2
        )


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_review_a_pair_and_open_the_profile_in_chromium(
    browser_page: Any, world: Any, resolved: dict[str, Any]
) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.analyst")
    assert page.locator(".sidenav .nav-badge-review").inner_text() == "2"
    page.click(".sidenav a[href='/review']")
    page.wait_for_url("**/review")
    assert page.locator("tr[data-pair]").count() == 2
    shot(page, "resolve-queue")
    # The flagged pair first: the flag, both records and the waterfall.
    page.click("tr[data-pair] >> nth=0 >> a.btn")
    page.wait_for_selector("[data-waterfall]")
    assert "never merged automatically" in page.locator("[data-flag]").inner_text()
    assert page.locator("[data-waterfall] tbody tr").count() == 7
    assert page.locator(".bar-against").count() >= 2 and page.locator(".bar-for").count() >= 2
    # A zero line splits the chart: red bars end at it, green bars start at it.
    chart = page.locator("[data-waterfall] tbody tr[data-step=documents] td.chart").bounding_box()
    green = page.locator("[data-waterfall] tr[data-step=documents] .bar-for").bounding_box()
    red = page.locator("[data-waterfall] tr[data-step=name] .bar-against").bounding_box()
    middle = chart["x"] + chart["width"] / 2
    assert abs(green["x"] - middle) < 2 and abs(red["x"] + red["width"] - middle) < 2
    shot(page, "resolve-pair-flagged")
    # Rejecting without a reason: the error beside the field.
    page.click("button[name=decision][value=reject]")
    page.wait_for_selector("#reason-error")
    assert page.locator(".has-error #f-reason").count() == 1
    page.fill("#f-reason", "One passport, two people: forged document")
    page.click("button[name=decision][value=reject]")
    # On to the next pair: the namesakes. Confirm them.
    page.wait_for_selector("[data-waterfall]")
    assert "Decision saved." in page.locator(".notice-success").inner_text()
    assert "Назаров Фаррух" in page.locator(".pair-grid").inner_text()
    assert page.locator("[data-flag]").count() == 0
    shot(page, "resolve-pair")
    page.fill("#f-reason", "Same man: KG file photo matches")
    page.click("button[name=decision][value=confirm]")
    page.wait_for_url("**/review?notice=decided")
    assert page.locator(".sidenav .nav-badge-review").count() == 0
    # The profile the confirmation made, from the person page.
    page.goto(f"/persons/{resolved['nazarov-kz']}")
    page.click("[data-profile-link]")
    page.wait_for_selector(".profile-records")
    assert page.locator(".profile-records tbody tr[data-record]").count() == 2
    assert page.locator(".profile-records").inner_text().count("Confirmed by an analyst") == 2
    # Rakhimov's profile: two records and the restricted one as a notice; from a check.
    page.goto("/checks")
    page.fill("#f-person-surname", "Rakhimov")
    page.fill("#f-person-given_name", "Dzhamshed")
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("#results")
    assert page.locator("#results [data-profile-link]").count() == 2
    shot(page, "resolve-check-links")
    page.goto(f"/persons/{resolved['rakhimov-kz']}")
    shot(page, "resolve-person")
    page.click("[data-profile-link]")
    page.wait_for_selector(".profile-records")
    assert page.locator("tr[data-hit=notice]").count() == 1
    no_leak(page.content())
    shot(page, "resolve-profile")
    page.click(".lang-switch a[hreflang=ru]")
    page.wait_for_selector(".profile-records")
    assert "Запись ограниченного доступа" in page.locator("tr[data-hit=notice]").inner_text()
    shot(page, "resolve-profile-ru")


@pytest.mark.browser
def test_a_run_follows_its_progress_in_chromium(
    browser_page: Any, world: Any, resolved: dict[str, Any]
) -> None:
    page = browser_page
    browser_sign_in(page, "kz-mvd.supervisor")
    page.click(".sidenav a[href='/resolution']")
    page.wait_for_url("**/resolution")
    page.check("input[name=full]")
    page.click("form.run-form button[type=submit]")
    page.wait_for_selector("[data-result-records]", timeout=120_000)
    assert page.locator("[data-result-records]").inner_text() == "7"
    shot(page, "resolve-run")
    page.goto("/resolution")
    assert page.locator("tr[data-run]").count() == 2
    shot(page, "resolve-runs")
    # A run in progress: its step and figures; the page follows it until it stops.
    with world.db.session() as session:
        busy = ResolutionRun(
            mode="incremental", engine="duckdb", status="running", step="score", done=3, total=10
        )
        session.add(busy)
        session.flush()
        busy_id = busy.id
    page.goto(f"/resolution/runs/{busy_id}")
    page.wait_for_selector("[data-job-running]")
    assert page.locator("[data-job-step]").inner_text() == "Scoring pairs"
    assert page.locator("[data-progress-bar]").get_attribute("value") == "30"
    shot(page, "resolve-run-progress")
    from caravan.resolve.service import recover_interrupted_runs

    recover_interrupted_runs(world.db)
    page.wait_for_selector("[data-run-message]")
    assert page.locator("[data-job-status]").text_content() == "Interrupted"
    # The flagged pair in Russian.
    page.goto("/review")
    page.click(".lang-switch a[hreflang=ru]")
    page.wait_for_url("**/review")
    page.click("tr[data-pair] >> nth=0 >> a.btn")
    page.wait_for_selector("[data-waterfall]")
    assert "Противоречивые идентификаторы" in page.locator("[data-flag]").inner_text()
    assert "общий номер документа" in page.locator("[data-waterfall]").inner_text()
    shot(page, "resolve-pair-ru")
