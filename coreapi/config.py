"""Settings of the reference core API, read from the environment (same names Hudhud's operators use).

Kept apart from `base.settings` so the core API can run as its own service, on its own machine,
exactly like an organization's backend would.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

AUDIENCE = "hudhud-coreapi"


class CoreSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # COREAPI_DATABASE_URL wins so the core API can live in another database than Hudhud's own.
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("COREAPI_DATABASE_URL", "DATABASE_URL", "database_url")
    )
    hudhud_data_dir: Path = Path("data")
    # HS256 key for user JWTs; unset means a random per-process key (tokens die with the process).
    coreapi_jwt_secret: SecretStr | None = None
    # The Hudhud service's own secret for /auth/token, /link-codes/redeem and /links; unset disables them.
    coreapi_service_token: SecretStr | None = None
    # First admin, created at start-up only when the users table is empty.
    coreapi_admin_username: str = "admin"
    coreapi_admin_password: SecretStr | None = None
    coreapi_token_ttl_s: int = Field(600, gt=0, le=24 * 3600)
    coreapi_link_code_ttl_s: int = Field(600, gt=0)
    # Failed redemptions allowed per window: per wa_id, per calling address, and all together (the last
    # stops a guesser spread over many numbers and addresses).
    coreapi_link_max_attempts: int = Field(5, gt=0)
    coreapi_link_max_attempts_per_client: int = Field(200, gt=0)
    coreapi_link_max_attempts_global: int = Field(500, gt=0)
    coreapi_link_window_s: int = Field(900, gt=0)
    # How long an expired or used code is kept (for the used/expired wording) before it is purged.
    coreapi_link_code_retention_s: int = Field(24 * 3600, gt=0)
    # Failed logins allowed per window: per (account, client address), per address, and in all (beyond
    # that only addresses that failed are refused, so nobody can lock an account out for its owner).
    coreapi_login_max_failures: int = Field(5, gt=0)
    coreapi_login_max_failures_per_client: int = Field(20, gt=0)
    coreapi_login_max_failures_global: int = Field(200, gt=0)
    coreapi_login_window_s: int = Field(900, gt=0)
    # How long a deleted task stays in the trash (restorable) before it is purged for good.
    coreapi_trash_retention_s: int = Field(7 * 24 * 3600, gt=0)
    coreapi_idempotency_ttl_s: int = Field(24 * 3600, gt=0)
    coreapi_timezone: str = "Asia/Riyadh"  # default time zone of new users

    @field_validator("coreapi_jwt_secret", "coreapi_service_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # HS256 with a short key can be brute-forced offline from any token; 32 bytes is RFC 7518's floor.
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be at least 32 bytes long")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL: DATABASE_URL with its async driver, or SQLite in the data dir."""
        if not self.database_url:
            return f"sqlite+aiosqlite:///{self.hudhud_data_dir / 'coreapi.db'}"
        return async_url(self.database_url)


def async_url(url: str) -> str:
    """Give plain `postgresql://` and `sqlite://` URLs the async driver SQLAlchemy needs."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
