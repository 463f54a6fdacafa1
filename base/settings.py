"""Every setting of the product, read from the environment or `.env`.

One class so that operators have a single place to look; `.env.example` documents each variable.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    dev = "dev"
    staging = "staging"
    prod = "prod"


class SettingsError(RuntimeError):
    """Invalid configuration; the message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # --- WhatsApp (single number; HUDHUD_BOTS generalises it to many) ---
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_api_base: str = "https://graph.facebook.com/v25.0"
    whatsapp_fallback_template: str | None = None  # sent when a reply fails with 131047 (24 h window)
    whatsapp_fallback_template_lang: str = "en"
    webhook_url: str | None = None
    hudhud_bots: Path | None = None

    # --- runtime ---
    hudhud_env: Environment = Environment.dev
    hudhud_data_dir: Path = Path("data")
    hudhud_timezone: str = "Asia/Riyadh"
    hudhud_host: str = "127.0.0.1"
    hudhud_port: int = Field(8000, ge=0, le=65535)
    hudhud_log_level: str = "INFO"

    # "agent" (default): the LangChain agent; "none": slash commands only; "package.module:factory": yours
    hudhud_responder: str = "agent"

    # --- state ---
    redis_url: str | None = None
    hudhud_redis_prefix: str = "hudhud"

    # --- pipeline numbers (milliseconds so tests can run them fast) ---
    hudhud_max_body_bytes: int = Field(1_048_576, gt=0)
    hudhud_dedupe_ttl_s: int = Field(8 * 24 * 3600, ge=7 * 24 * 3600)
    hudhud_lease_ms: int = Field(30_000, gt=0)
    hudhud_worker_concurrency: int = Field(8, gt=0)
    hudhud_max_attempts: int = Field(5, gt=0)
    hudhud_turn_timeout_ms: int = Field(120_000, gt=0)
    hudhud_graph_timeout_ms: int = Field(15_000, gt=0)
    hudhud_graph_retries: int = Field(6, ge=0)
    hudhud_graph_backoff_ms: int = Field(500, ge=0)
    hudhud_graph_backoff_max_ms: int = Field(30_000, ge=0)
    hudhud_block_ms: int = Field(1_000, gt=0)
    hudhud_events_maxlen: int = Field(10_000, gt=0)

    # --- names later capabilities use ---
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    hudhud_model: str | None = None
    hudhud_local_model: str = "1.5b"
    hudhud_local_threads: int = Field(2, gt=0)
    hudhud_local_ctx: int = Field(4096, ge=512)
    hudhud_tool_mode: str = Field("auto", pattern="^(auto|native|router)$")
    hudhud_model_timeout_s: float = Field(60.0, gt=0)
    hudhud_model_retries: int = Field(2, ge=0)
    hudhud_max_reply_tokens: int = Field(256, gt=0)
    hudhud_context_window: int = Field(32_768, ge=1024)
    core_api_url: str | None = None
    hudhud_core_api_token: SecretStr | None = None  # Hudhud's service token for the core API
    hudhud_tools: str | None = None  # "package.module:kit": a ToolKit of Python tools
    hudhud_tool_packs: str = "tools.packs.tasks"  # domain packs (tools/pack.py), comma-separated modules
    database_url: str | None = None
    chroma_url: str | None = None
    # Memory (memory/): conversation history in Redis, knowledge base and long-term memories in Chroma.
    hudhud_encryption_key: SecretStr | None = None
    hudhud_encryption_old_keys: SecretStr | None = None  # comma-separated keys still accepted for reading
    hudhud_history_ttl_s: int = Field(90 * 24 * 3600, gt=0)
    hudhud_history_max_messages: int = Field(2_000, gt=0)
    hudhud_history_tokens: int = Field(1_024, ge=0)
    hudhud_summary_every: int = Field(10, gt=0)
    hudhud_kb_top_k: int = Field(4, gt=0)
    hudhud_memory_threshold: float = Field(0.05, ge=-1, le=1)
    hudhud_kb_threshold: float = Field(0.09, ge=-1, le=1)  # relevance margin, not a cosine
    hudhud_kb_root: Path | None = None  # the only place `POST /admin/api/kb/documents` reads paths from
    hudhud_kb_seed: str | None = None  # paths (comma-separated) ingested at start-up, unchanged files skipped
    hudhud_service_url: str = "http://127.0.0.1:8000"  # where `hudhud kb` finds a running service
    hudhud_admin_password: SecretStr | None = None
    hudhud_metrics_token: SecretStr | None = None  # bearer token of /metrics outside dev
    # --- abuse control (hudhud/abuse.py): per-minute budgets, flood, block length, load shedding ---
    hudhud_rate_per_min: int = Field(20, gt=0)  # messages per number per minute (linked)
    hudhud_rate_unlinked_per_min: int = Field(6, gt=0)  # the same for a number not linked yet
    hudhud_rate_global_per_min: int = Field(3_000, gt=0)  # all numbers together; beyond: "busy"
    hudhud_flood_repeats: int = Field(5, ge=2)  # the same text this often within 2 minutes: blocked
    hudhud_block_s: int = Field(900, gt=0)  # how long a number over its budget is blocked
    hudhud_max_text_chars: int = Field(4_000, gt=0)  # longer texts are answered "too long"
    hudhud_shed_after_s: float = Field(300.0, gt=0)  # a job that waited longer gets an apology

    @field_validator("hudhud_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("whatsapp_api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "must be an http(s) URL including the version, e.g. https://graph.facebook.com/v25.0"
            )
        return value.rstrip("/")

    @property
    def sandbox(self) -> bool:
        """Outbound is captured locally when no access token is configured."""
        return self.whatsapp_access_token is None

    @property
    def lease_s(self) -> float:
        return self.hudhud_lease_ms / 1000


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError with one line naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
