"""Set-up commands: agencies, users (password from stdin), tokens, audit verify, demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from caravan.accounts.passwords import verify_password
from caravan.accounts.tokens import digest
from caravan.cli import context
from caravan.cli.app import app
from caravan.store.guards import drop_audit_guards
from caravan.store.models import Agency, ApiToken, AuditEvent, User

runner = CliRunner()


@pytest.fixture
def cli_db(db: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(context, "database", lambda: db)
    return db


def test_agency_user_token_and_audit(cli_db: Any) -> None:
    result = runner.invoke(
        app,
        [
            "agencies",
            "create",
            "kz-mvd",
            "--country",
            "Казахстан",
            "--name-en",
            "Ministry of Internal Affairs",
            "--name-ru",
            "МВД",
            "--type",
            "police",
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "Aigerim.S",
            "--agency",
            "KZ-MVD",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        input="a-long-enough-password\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["tokens", "create", "aigerim.s", "--label", "scripts"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("cvn_")

    with cli_db.session() as session:
        agency = session.scalar(select(Agency))
        assert (agency.code, agency.country) == ("KZ-MVD", "KZ")
        user = session.scalar(select(User))
        assert user.username == "aigerim.s"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "a-long-enough-password")
        token = session.scalar(select(ApiToken))
        assert token.token_hash == digest(secret)  # only the hash is stored
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions == ["agency.create", "user.create", "token.create"]
        # No secret ever reaches the audit log.
        logged = " ".join(str(e.after) for e in session.scalars(select(AuditEvent)))
        assert "argon2" not in logged and secret not in logged

    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0
    assert "3 rows verified" in verified.stdout


def test_bad_input_is_named_and_exits_nonzero(cli_db: Any) -> None:
    result = runner.invoke(
        app,
        [
            "agencies",
            "create",
            "X Y",
            "--country",
            "Narnia",
            "--name-en",
            "a",
            "--name-ru",
            "",
            "--type",
            "navy",
        ],
    )
    assert result.exit_code == 1
    for fragment in (
        "code:",
        "country: unknown country 'Narnia'",
        "type: must be one of",
        "name_ru: is required",
    ):
        assert fragment in result.output
    short = runner.invoke(
        app,
        ["users", "create", "u", "--agency", "NOPE", "--role", "officer", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 4  # no such agency
    with cli_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 0


def test_audit_verify_names_the_altered_row(cli_db: Any) -> None:
    runner.invoke(
        app, ["agencies", "create", "KG-MVD", "--country", "KG", "--name-en", "a", "--name-ru", "б"]
    )
    runner.invoke(
        app,
        [
            "agencies",
            "create",
            "TJ-AKN",
            "--country",
            "TJ",
            "--name-en",
            "a",
            "--name-ru",
            "б",
            "--type",
            "drug_control",
        ],
    )
    with cli_db.engine.begin() as conn:
        drop_audit_guards(conn)
        conn.execute(text("UPDATE audit_event SET detail = 'forged' WHERE seq = 2"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "row 2 was altered" in result.stdout


def test_demo_is_idempotent(cli_db: Any) -> None:
    args = ["demo", "--persons", "300", "--seizures", "200", "--reports", "30"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, (first.output, first.exc_info)
    assert "caricc.admin" in first.stdout and "caravan-demo-2026" in first.stdout
    with cli_db.session() as session:
        counts = {
            table: session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("agency", "app_user", "person", "seizure", "intel_report", "link")
        }
    assert counts["person"] == 300 and counts["seizure"] == 200 and counts["intel_report"] == 30
    assert counts["agency"] >= 8
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.stdout
    with cli_db.session() as session:
        for table, count in counts.items():
            assert session.scalar(text(f"SELECT count(*) FROM {table}")) == count  # noqa: S608


def test_the_installed_command_runs_end_to_end(tmp_path: Path) -> None:
    """The real ``caravan`` executable against a fresh SQLite file, as an operator runs it."""
    env = {**os.environ, "CARAVAN_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    caravan = [sys.executable, "-m", "caravan.cli"]

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*caravan, *args], env=env, input=stdin, capture_output=True, text=True, check=False
        )

    assert run("db", "upgrade").returncode == 0
    assert (
        run(
            "agencies",
            "create",
            "UZ-MVD",
            "--country",
            "UZ",
            "--name-en",
            "MVD",
            "--name-ru",
            "МВД",
        ).returncode
        == 0
    )
    created = run(
        "users",
        "create",
        "bobur",
        "--agency",
        "UZ-MVD",
        "--role",
        "officer",
        "--password-stdin",
        stdin="passwords-are-long\n",
    )
    assert created.returncode == 0, created.stderr
    verified = run("audit", "verify")
    assert verified.returncode == 0 and "2 rows verified" in verified.stdout


def test_users_set_role_deactivate_and_reset(cli_db: Any) -> None:
    runner.invoke(
        app,
        [
            "agencies",
            "create",
            "AZ-DGK",
            "--country",
            "AZ",
            "--name-en",
            "a",
            "--name-ru",
            "б",
            "--type",
            "customs",
        ],
    )
    runner.invoke(
        app,
        ["users", "create", "elvin", "--agency", "AZ-DGK", "--role", "officer", "--password-stdin"],
        input="first-password-123\n",
    )
    token = runner.invoke(app, ["tokens", "create", "elvin"]).stdout.strip().splitlines()[-1]
    changed = runner.invoke(app, ["users", "set", "elvin", "--role", "supervisor", "--inactive"])
    assert changed.exit_code == 0, changed.output
    assert "supervisor, inactive" in changed.stdout
    reset = runner.invoke(
        app,
        ["users", "set", "elvin", "--active", "--password-stdin"],
        input="second-password-456\n",
    )
    assert reset.exit_code == 0, reset.output
    bad = runner.invoke(app, ["users", "set", "elvin", "--role", "king"])
    assert bad.exit_code == 1 and "role: must be one of" in bad.output
    with cli_db.session() as session:
        user = session.scalar(select(User).where(User.username == "elvin"))
        assert user.role == "supervisor" and user.is_active
        assert verify_password(user.password_hash, "second-password-456")
        stored = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
        assert stored.revoked_at is not None  # switching the account off revoked its token
        updates = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update"))
        )
        assert updates[0].after == {"role": "supervisor", "is_active": False}
        assert updates[1].after == {"is_active": True, "password": "changed"}
        assert "argon2" not in str([u.before for u in updates] + [u.after for u in updates])
