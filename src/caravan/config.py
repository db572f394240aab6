"""One typed settings object, read from ``CARAVAN_*`` environment variables.

Production mode refuses to start with a missing or default secret key: a
forgotten secret would let anyone forge session cookies.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from caravan.errors import ConfigurationError

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - refused in production
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'caravan.db'}"


class Settings(BaseSettings):
    """Every setting Caravan reads, with its type and default."""

    model_config = SettingsConfigDict(env_prefix="CARAVAN_", env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(default_factory=_default_database_url)
    secret_key: str = DEFAULT_SECRET_KEY

    #: Web sessions end after this much inactivity, and in any case after ``session_max_hours``.
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    #: Cookies are marked ``Secure`` (HTTPS only); by default only in production, so that
    #: the embedded demo works over plain http://127.0.0.1.
    cookie_secure: bool = False

    #: Sign-in throttling: after this many failures for one user name within the
    #: window, further attempts are refused until the window has passed.
    signin_max_failures: int = 5
    signin_window_minutes: int = 15

    #: Uploads larger than this are refused before being read.
    max_upload_mb: int = 200
    #: Rows per batch when importing (memory stays constant whatever the file size).
    import_batch_rows: int = 5000

    #: Processes that rank the queries of batch checks, each holding its own person index
    #: (as much memory as the web process's: about 1 GB at a million persons). 0: batches
    #: run in the web process alone. See caravan.match.workers.
    check_workers: int = Field(default=0, ge=0, le=64)

    default_language: Literal["en", "ru"] = "en"

    #: Entity resolution: pairs at or above ``resolve_auto_link`` (match probability) are
    #: linked automatically; those from ``resolve_review`` up wait for an analyst.
    resolve_auto_link: float = Field(default=0.95, gt=0, le=1)
    resolve_review: float = Field(default=0.50, gt=0, le=1)
    #: The most memory (GB) resolution's DuckDB may hold; beyond it, it spills to disk
    #: under ``resolve_dir``. Scoring a million persons needs about 3.
    resolve_memory_gb: float = Field(default=3.0, gt=0)
    #: Where resolution keeps the feature cache its incremental runs read.
    resolve_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "var" / "resolve")

    #: Exchange: hours the owner has to answer a request for information, by priority.
    rfi_hours_urgent: int = Field(default=24, gt=0)
    rfi_hours_high: int = Field(default=72, gt=0)
    rfi_hours_normal: int = Field(default=168, gt=0)
    #: The largest file a request or answer may carry.
    max_attachment_mb: int = Field(default=20, gt=0)

    #: Notifications by e-mail: the SMTP server (none: e-mail is off, the inbox still works).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "caravan@localhost"
    #: Where users reach Caravan (e.g. ``https://caravan.caricc.example``): links in e-mails
    #: start with it. Unset, e-mails give paths inside Caravan (``/rfis/7``).
    public_url: str | None = None
    smtp_timeout_seconds: float = Field(default=10, gt=0)
    #: Webhooks give up on a receiver after this long (and retry later).
    webhook_timeout_seconds: float = Field(default=5, gt=0)
    #: E-mails and webhook calls are tried this many times, waiting ``delivery_backoff_seconds``
    #: after the first failure and four times longer after each next one.
    delivery_max_attempts: int = Field(default=8, gt=0)
    delivery_backoff_seconds: float = Field(default=30, gt=0)
    #: The hour (UTC) daily digests go out.
    digest_hour_utc: int = Field(default=6, ge=0, le=23)
    #: The dispatcher (alerts, e-mail, webhooks, overdue requests): ``process`` runs it as a
    #: child process of each web process, ``inline`` in a thread of the web process, ``off``
    #: leaves it to ``caravan dispatcher`` started by the operator.
    dispatcher: Literal["process", "inline", "off"] = "process"
    #: How often the dispatcher looks for new work.
    dispatcher_interval_seconds: float = Field(default=0.5, gt=0)

    @model_validator(mode="after")
    def _enforce_safe_secrets(self) -> Settings:
        if self.environment == "production":
            if not self.secret_key or self.secret_key == DEFAULT_SECRET_KEY:
                raise ConfigurationError(
                    "CARAVAN_SECRET_KEY must be set to a long random value in production"
                )
            if len(self.secret_key) < 32:
                raise ConfigurationError("CARAVAN_SECRET_KEY must be at least 32 characters")
        return self

    @model_validator(mode="before")
    @classmethod
    def _secure_cookies_in_production(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("cookie_secure") is None:
            data = {**data, "cookie_secure": data.get("environment") == "production"}
        return data

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own ``Settings`` instead)."""
    return Settings()
