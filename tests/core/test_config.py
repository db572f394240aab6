"""Settings: typed, read from CARAVAN_* variables, unsafe production secrets refused."""

from __future__ import annotations

import pytest

from caravan.config import DEFAULT_SECRET_KEY, Settings
from caravan.errors import ConfigurationError


def test_defaults_are_the_embedded_sqlite_database() -> None:
    settings = Settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/caravan.db")
    assert settings.cookie_secure is False


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARAVAN_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("CARAVAN_SESSION_IDLE_MINUTES", "5")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.session_idle_minutes == 5


@pytest.mark.parametrize("secret", ["", DEFAULT_SECRET_KEY, "short-secret"])
def test_production_refuses_missing_default_or_short_secret(secret: str) -> None:
    with pytest.raises(ConfigurationError, match="CARAVAN_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)


def test_production_with_a_real_secret_uses_secure_cookies() -> None:
    settings = Settings(environment="production", secret_key="k" * 48)
    assert settings.cookie_secure is True
