"""Every setting of the product, read from the environment or `.env`, by section.

Each section is its own pydantic-settings model that reads its own variables, and each component takes
the section it needs (`settings.memory`, `settings.whatsapp`); the service's wiring (hudhud/) holds the
whole. Variable names are those operators know (`WHATSAPP_APP_SECRET`, `HUDHUD_KB_TOP_K`): each field's
alias is its variable, whatever its short name in the section. `.env.example` documents each one.

| Section | Holds |
|---|---|
| `runtime` | environment, data dir, time zone, host and port, which responder answers |
| `whatsapp` | the number's credentials and Graph API, the bots file, delivery retries, outbound pacing |
| `queue` | Redis and the pipeline: URL and prefix, body cap, dedupe, leases, workers, attempts, timeouts |
| `abuse` | per-number and global budgets, flood, block length, longest text, load shedding |
| `model` | the OpenAI-compatible endpoint or the embedded model, tool mode, timeouts, tokens, prices |
| `core` | the core API, its token, tool packs (corrections switched off), Python tools, undo, its database |
| `memory` | history, summaries, encryption keys, Chroma, knowledge base and memories thresholds |
| `admin` | the admin password, dashboard sessions, the knowledge-base root, where the CLI finds the service |
| `observability` | log level, the /metrics token, interaction log and aggregates retention, alerts |
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    dev = "dev"
    staging = "staging"
    prod = "prod"


class SettingsError(RuntimeError):
    """Invalid configuration; the message is one line naming the variable."""


def _var(default: Any, name: str, **constraints: Any) -> Any:
    """A field read from the environment variable `name` (its alias)."""
    return Field(default, validation_alias=name, **constraints)


class _Section(BaseSettings):
    # No populate_by_name: pydantic-settings would then also read each field's short name from the
    # environment (PORT, HOST, NAME, URL…), variables that were never Hudhud's. Values go by variable.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )


class RuntimeSettings(_Section):
    env: Environment = _var(Environment.dev, "hudhud_env")
    data_dir: Path = _var(Path("data"), "hudhud_data_dir")
    timezone: str = _var("Asia/Riyadh", "hudhud_timezone")
    host: str = _var("127.0.0.1", "hudhud_host")
    port: int = _var(8000, "hudhud_port", ge=0, le=65535)
    # "agent" (default): the LangChain agent; "none": slash commands only; "package.module:factory": yours
    responder: str = _var("agent", "hudhud_responder")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class WhatsAppSettings(_Section):
    """A single number; HUDHUD_BOTS generalises it to many."""

    verify_token: SecretStr | None = _var(None, "whatsapp_verify_token")
    access_token: SecretStr | None = _var(None, "whatsapp_access_token")
    phone_number_id: str | None = _var(None, "whatsapp_phone_number_id")
    app_secret: SecretStr | None = _var(None, "whatsapp_app_secret")
    # The previous app secret, accepted beside the new one while a rotation rolls out (docs/operations.md).
    app_secret_old: SecretStr | None = _var(None, "whatsapp_app_secret_old")
    api_base: str = _var("https://graph.facebook.com/v25.0", "whatsapp_api_base")
    fallback_template: str | None = _var(None, "whatsapp_fallback_template")  # sent on 131047 (24 h window)
    fallback_template_lang: str = _var("en", "whatsapp_fallback_template_lang")
    webhook_url: str | None = _var(None, "webhook_url")
    bots: Path | None = _var(None, "hudhud_bots")
    graph_timeout_ms: int = _var(15_000, "hudhud_graph_timeout_ms", gt=0)
    graph_retries: int = _var(6, "hudhud_graph_retries", ge=0)
    graph_backoff_ms: int = _var(500, "hudhud_graph_backoff_ms", ge=0)
    graph_backoff_max_ms: int = _var(30_000, "hudhud_graph_backoff_max_ms", ge=0)
    # Outbound pacing (channels/whatsapp/pacing.py), Meta's documented defaults: 80 messages per second
    # per number; to one user one message per 6 s on average, bursts of up to 45 borrowed from later.
    send_rate_per_s: float = _var(80.0, "hudhud_send_rate_per_s", gt=0)
    send_burst: int = _var(80, "hudhud_send_burst", ge=1)
    pair_interval_s: float = _var(6.0, "hudhud_pair_interval_s", gt=0)
    pair_burst: int = _var(45, "hudhud_pair_burst", ge=1)
    # After a 131056 (pair rate limit) that user's sends wait base × 4^n (n: hits in a row), Meta's advice.
    pair_backoff_ms: int = _var(1_000, "hudhud_pair_backoff_ms", gt=0)
    # The longest one send waits for the buckets and back-offs; beyond it the turn is retried later.
    pace_max_wait_s: float = _var(60.0, "hudhud_pace_max_wait_s", gt=0)

    @field_validator("api_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "must be an http(s) URL including the version, e.g. https://graph.facebook.com/v25.0"
            )
        return value.rstrip("/")

    @property
    def app_secrets(self) -> tuple[bytes, ...]:
        """The secrets a webhook signature may be made with: the app secret, then the old one."""
        found = (self.app_secret, self.app_secret_old) if self.app_secret else ()
        return tuple(s.get_secret_value().encode() for s in found if s is not None)

    @property
    def sandbox(self) -> bool:
        """Outbound is captured locally when no access token is configured."""
        return self.access_token is None


class QueueSettings(_Section):
    """Redis and the pipeline's numbers (milliseconds, so tests can run them fast)."""

    redis_url: str | None = _var(None, "redis_url")
    redis_prefix: str = _var("hudhud", "hudhud_redis_prefix")
    max_body_bytes: int = _var(1_048_576, "hudhud_max_body_bytes", gt=0)
    dedupe_ttl_s: int = _var(8 * 24 * 3600, "hudhud_dedupe_ttl_s", ge=7 * 24 * 3600)
    lease_ms: int = _var(30_000, "hudhud_lease_ms", gt=0)
    worker_concurrency: int = _var(8, "hudhud_worker_concurrency", gt=0)
    max_attempts: int = _var(5, "hudhud_max_attempts", gt=0)
    turn_timeout_ms: int = _var(120_000, "hudhud_turn_timeout_ms", gt=0)
    block_ms: int = _var(1_000, "hudhud_block_ms", gt=0)
    events_maxlen: int = _var(10_000, "hudhud_events_maxlen", gt=0)
    # Dead letters: at most this many kept, none older than this (they hold messages: not forever).
    dead_maxlen: int = _var(10_000, "hudhud_dead_maxlen", gt=0)
    dead_retention_s: int = _var(30 * 24 * 3600, "hudhud_dead_retention_s", gt=0)

    @property
    def lease_s(self) -> float:
        return self.lease_ms / 1000


class AbuseSettings(_Section):
    """hudhud/abuse.py: per-minute budgets, flood, block length, load shedding."""

    rate_per_min: int = _var(20, "hudhud_rate_per_min", gt=0)  # messages per number per minute (linked)
    rate_unlinked_per_min: int = _var(6, "hudhud_rate_unlinked_per_min", gt=0)  # not linked yet
    rate_global_per_min: int = _var(3_000, "hudhud_rate_global_per_min", gt=0)  # beyond: "busy"
    flood_repeats: int = _var(5, "hudhud_flood_repeats", ge=2)  # the same text within 2 minutes
    block_s: int = _var(900, "hudhud_block_s", gt=0)
    max_text_chars: int = _var(4_000, "hudhud_max_text_chars", gt=0)
    shed_after_s: float = _var(300.0, "hudhud_shed_after_s", gt=0)  # a job that waited longer: apology


class ModelPrice(BaseModel):
    """The price of 1,000 tokens of one model, in the operator's currency."""

    model_config = ConfigDict(extra="forbid")

    input_per_1k: float = Field(ge=0)
    output_per_1k: float = Field(ge=0)


class ModelSettings(_Section):
    base_url: str | None = _var(None, "openai_base_url")
    api_key: SecretStr | None = _var(None, "openai_api_key")
    name: str | None = _var(None, "hudhud_model")
    local_model: str = _var("1.5b", "hudhud_local_model")
    local_threads: int = _var(2, "hudhud_local_threads", gt=0)
    local_ctx: int = _var(4096, "hudhud_local_ctx", ge=512)
    # Warmed prompts saved under HUDHUD_DATA_DIR/prompt-state and restored at the next start.
    local_prompt_state: bool = _var(True, "hudhud_local_prompt_state")
    tool_mode: str = _var("auto", "hudhud_tool_mode", pattern="^(auto|native|router)$")
    timeout_s: float = _var(60.0, "hudhud_model_timeout_s", gt=0)
    retries: int = _var(2, "hudhud_model_retries", ge=0)
    max_reply_tokens: int = _var(256, "hudhud_max_reply_tokens", gt=0)
    context_window: int = _var(32_768, "hudhud_context_window", ge=1024)
    # The agent's own rules switched off by name, comma-separated (agent/agent.py AGENT_RULES), to
    # measure what each is worth; `withhold_claims` only in dev.
    disabled_rules: str = _var("", "hudhud_disabled_agent_rules")
    # Router mode: how many lines of the example bank (prompts/router-bank.md) nearest to a message are
    # shown to the model with it (agent/examples.py); 0, the default, shows none: on the 1.5B they fixed
    # as many held-out cases as they broke (docs/evals.md).
    router_examples: int = _var(0, "hudhud_router_examples", ge=0, le=8)
    # What each model's tokens cost, for the evals' cost figures and `max_cost` (evals/pricing.py):
    # JSON {"model or glob": {"input_per_1k": 0.15, "output_per_1k": 0.6}}; the embedded model costs 0.
    eval_prices: dict[str, ModelPrice] = _var({}, "hudhud_eval_prices")
    # Where the prompt files are read from (prompts/store.py); unset: the shipped prompts/ folder.
    prompts_dir: Path | None = _var(None, "hudhud_prompts_dir")
    # The evals' LLM judge (evals/scorers/judge.py): a model other than the one under test, on its own
    # endpoint (default OPENAI_BASE_URL). Unset: no judge, the judge scorer is skipped.
    eval_judge_model: str | None = _var(None, "hudhud_eval_judge_model")
    eval_judge_url: str | None = _var(None, "hudhud_eval_judge_url")
    # Extra eval scorers, "module:Class" comma-separated, beside the `hudhud.scorers` entry points.
    eval_scorers: str = _var("", "hudhud_eval_scorers")


class CoreApiSettings(_Section):
    url: str | None = _var(None, "core_api_url")
    token: SecretStr | None = _var(None, "hudhud_core_api_token")  # Hudhud's service token
    tools: str | None = _var(None, "hudhud_tools")  # "package.module:kit": a ToolKit of Python tools
    tool_packs: str = _var("tools.packs.tasks", "hudhud_tool_packs")  # comma-separated modules
    # Corrections of the packs (tools/packs/*/corrections.py) switched off, by name, comma-separated.
    disabled_corrections: str = _var("", "hudhud_disabled_corrections")
    # A YAML file `descriptions: {tool: text}` replacing those tools' descriptions (tools/registry.py):
    # how an eval run tries the playground's drafts (hudhud/drafts.py). Unset: the packs' own.
    tool_descriptions: Path | None = _var(None, "hudhud_tool_descriptions")
    # How long a user's own last change can be undone ("undo", /undo: tools/undo.py).
    undo_window_s: int = _var(600, "hudhud_undo_window_s", gt=0)
    # How old a cached WhatsApp link may get before the core API is asked again whether it stands
    # (blocked? unlinked? the user deactivated, their role changed?): memory/links.py.
    link_recheck_s: float = _var(300, "hudhud_link_recheck_s", gt=0)
    database_url: str | None = _var(None, "database_url")  # the reference core API's


class MemorySettings(_Section):
    """Conversation history in Redis; knowledge base and long-term memories in Chroma."""

    chroma_url: str | None = _var(None, "chroma_url")
    encryption_key: SecretStr | None = _var(None, "hudhud_encryption_key")
    encryption_old_keys: SecretStr | None = _var(None, "hudhud_encryption_old_keys")  # comma-separated
    history_ttl_s: int = _var(90 * 24 * 3600, "hudhud_history_ttl_s", gt=0)
    history_max_messages: int = _var(2_000, "hudhud_history_max_messages", gt=0)
    history_tokens: int = _var(1_024, "hudhud_history_tokens", ge=0)
    summary_every: int = _var(10, "hudhud_summary_every", gt=0)
    kb_top_k: int = _var(4, "hudhud_kb_top_k", gt=0)
    memory_threshold: float = _var(0.05, "hudhud_memory_threshold", ge=-1, le=1)
    kb_threshold: float = _var(0.09, "hudhud_kb_threshold", ge=-1, le=1)  # relevance margin, not a cosine
    kb_confident: float = _var(0.15, "hudhud_kb_confident", ge=-1, le=1)  # kept without the word check
    kb_min_coverage: float = _var(0.4, "hudhud_kb_min_coverage", ge=0, le=1)  # 0: no word check
    kb_seed: str | None = _var(None, "hudhud_kb_seed")  # paths ingested at start-up, unchanged ones skipped
    max_memories: int = _var(200, "hudhud_max_memories", gt=0)  # long-term memories per user (abuse cap)
    kb_context_tokens: int = _var(200, "hudhud_kb_context_tokens", ge=64)  # retrieved text per answer
    kb_reply_tokens: int = _var(120, "hudhud_kb_reply_tokens", gt=0)  # longest answer from the KB


class AdminSettings(_Section):
    password: SecretStr | None = _var(None, "hudhud_admin_password")
    kb_root: Path | None = _var(None, "hudhud_kb_root")  # where `POST /admin/api/kb/documents` may read
    service_url: str = _var("http://127.0.0.1:8000", "hudhud_service_url")  # where the CLI finds it
    # How long a dashboard sign-in lasts (hudhud/admin/auth.py); a new sign-in after it.
    session_s: int = _var(8 * 3600, "hudhud_admin_session_s", ge=300, le=7 * 24 * 3600)
    # The Evals page (hudhud/admin/evals.py): where runs are written and read, the most cases a run
    # started there may have, its CPU priority (nice) and how long it may take.
    eval_runs_dir: Path = _var(Path("data/evals/runs"), "hudhud_eval_runs_dir")
    eval_max_cases: int = _var(20, "hudhud_eval_max_cases", ge=1, le=1000)
    eval_nice: int = _var(10, "hudhud_eval_nice", ge=0, le=19)
    eval_timeout_s: int = _var(3600, "hudhud_eval_timeout_s", ge=10)


class ObservabilitySettings(_Section):
    """Logs, /metrics, the interaction log, per-minute aggregates and alerts (docs/observability.md)."""

    log_level: str = _var("INFO", "hudhud_log_level")
    metrics_token: SecretStr | None = _var(None, "hudhud_metrics_token")  # bearer of /metrics outside dev
    log_retention_s: int = _var(30 * 24 * 3600, "hudhud_log_retention_s", gt=0)  # the interaction log
    aggregates_ttl_s: int = _var(7 * 24 * 3600, "hudhud_aggregates_ttl_s", ge=3600)  # per-minute counts
    alerts: bool = _var(True, "hudhud_alerts")
    alert_webhook_url: str | None = _var(None, "hudhud_alert_webhook_url")  # the required channel
    alert_webhook_secret: SecretStr | None = _var(None, "hudhud_alert_webhook_secret")  # HMAC of each POST
    alert_whatsapp_to: str = _var("", "hudhud_alert_whatsapp_to")  # admin numbers, comma-separated
    alert_template: str | None = _var(None, "hudhud_alert_template")  # approved; outside the 24 h window
    alert_template_lang: str = _var("en", "hudhud_alert_template_lang")
    alert_interval_s: float = _var(30.0, "hudhud_alert_interval_s", gt=0)
    alert_window_min: int = _var(5, "hudhud_alert_window_min", ge=1, le=60)  # the minutes rules look at
    alert_cooldown_s: int = _var(1800, "hudhud_alert_cooldown_s", ge=0)  # per rule
    alert_min_turns: int = _var(10, "hudhud_alert_min_turns", ge=1)  # fewer: no latency/error verdict
    alert_command_p95_s: float = _var(3.0, "hudhud_alert_command_p95_s", gt=0)
    alert_knowledge_p95_s: float = _var(8.0, "hudhud_alert_knowledge_p95_s", gt=0)
    alert_error_rate: float = _var(0.1, "hudhud_alert_error_rate", gt=0, le=1)
    alert_queue_age_s: float = _var(60.0, "hudhud_alert_queue_age_s", gt=0)
    alert_dead_letters: int = _var(1, "hudhud_alert_dead_letters", ge=1)  # new ones within the window

    @field_validator("alert_webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @property
    def alert_numbers(self) -> list[str]:
        return [n.strip().lstrip("+") for n in self.alert_whatsapp_to.split(",") if n.strip()]


class Settings(BaseModel):
    """The sections. `Settings(**flat)` and `load_settings(**flat)` take overrides by variable name
    (`hudhud_env="prod"`); `settings.replace(**flat)` is a copy with some changed."""

    model_config = ConfigDict(frozen=False)

    SECTIONS: ClassVar[dict[str, type[_Section]]] = {
        "runtime": RuntimeSettings,
        "whatsapp": WhatsAppSettings,
        "queue": QueueSettings,
        "abuse": AbuseSettings,
        "model": ModelSettings,
        "core": CoreApiSettings,
        "memory": MemorySettings,
        "admin": AdminSettings,
        "observability": ObservabilitySettings,
    }

    runtime: RuntimeSettings
    whatsapp: WhatsAppSettings
    queue: QueueSettings
    abuse: AbuseSettings
    model: ModelSettings
    core: CoreApiSettings
    memory: MemorySettings
    admin: AdminSettings
    observability: ObservabilitySettings

    @model_validator(mode="before")
    @classmethod
    def _sections_from_variables(cls, data: Any) -> Any:
        """Build each section from the environment and the overrides it declares (by variable name)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        env_file = data.pop("_env_file", ".env")
        built = {name: data.pop(name) for name in cls.SECTIONS if isinstance(data.get(name), _Section)}
        unknown = set(data) - set(VARIABLES)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        for name, section in cls.SECTIONS.items():
            if name not in built:
                mine = {k: v for k, v in data.items() if VARIABLES[k][0] == name}
                built[name] = section(_env_file=env_file, **mine)  # type: ignore[call-arg]
        return built

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some variables changed (by variable name: `replace(hudhud_env="prod")`)."""
        changed: dict[str, dict[str, Any]] = {}
        for variable, value in overrides.items():
            if variable not in VARIABLES:
                raise ValueError(f"unknown setting {variable!r}")
            changed.setdefault(VARIABLES[variable][0], {})[variable] = value
        sections = {name: getattr(self, name) for name in self.SECTIONS}
        for name, values in changed.items():
            section = sections[name]
            fields = type(section).model_fields
            current = {str(info.validation_alias): getattr(section, f) for f, info in fields.items()}
            sections[name] = self.SECTIONS[name].model_validate({**current, **values})  # validated
        return Settings.model_construct(**sections)

    def variables(self) -> dict[str, Any]:
        """Every variable's value, by variable name (what the environment would say)."""
        return {v: getattr(getattr(self, s), f) for v, (s, f) in VARIABLES.items()}

    @property
    def sandbox(self) -> bool:
        return self.whatsapp.sandbox


def _variables() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for name, section in Settings.SECTIONS.items():
        for field, info in section.model_fields.items():
            out[str(info.validation_alias)] = (name, field)
    return out


VARIABLES: dict[str, tuple[str, str]] = _variables()  # variable name (lowercase) -> (section, field)


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
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        name = next((p for p in reversed(loc) if p in VARIABLES), loc[-1] if loc else "settings")
        raise SettingsError(f"invalid setting {name.upper()}: {first['msg']}") from None
