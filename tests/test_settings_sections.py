"""Settings by section (base/settings.py): the environment variables are the ones operators knew before
the sections existed, each section reads its own, overrides go by variable name, and a bad value names
its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from base.settings import (
    VARIABLES,
    MemorySettings,
    Settings,
    SettingsError,
    WhatsAppSettings,
    load_settings,
)

# The variables of the flat Settings class (commit f7c22ad), frozen: none may be renamed or dropped.
BEFORE = set(
    [
        "chroma_url",
        "core_api_url",
        "database_url",
        "hudhud_admin_password",
        "hudhud_block_ms",
        "hudhud_bots",
        "hudhud_context_window",
        "hudhud_core_api_token",
        "hudhud_data_dir",
        "hudhud_dedupe_ttl_s",
        "hudhud_encryption_key",
        "hudhud_encryption_old_keys",
        "hudhud_env",
        "hudhud_events_maxlen",
        "hudhud_graph_backoff_max_ms",
        "hudhud_graph_backoff_ms",
        "hudhud_graph_retries",
        "hudhud_graph_timeout_ms",
        "hudhud_history_max_messages",
        "hudhud_history_tokens",
        "hudhud_history_ttl_s",
        "hudhud_host",
        "hudhud_kb_root",
        "hudhud_kb_seed",
        "hudhud_kb_threshold",
        "hudhud_kb_top_k",
        "hudhud_lease_ms",
        "hudhud_local_ctx",
        "hudhud_local_model",
        "hudhud_local_threads",
        "hudhud_log_level",
        "hudhud_max_attempts",
        "hudhud_max_body_bytes",
        "hudhud_max_reply_tokens",
        "hudhud_memory_threshold",
        "hudhud_metrics_token",
        "hudhud_model",
        "hudhud_model_retries",
        "hudhud_model_timeout_s",
        "hudhud_port",
        "hudhud_redis_prefix",
        "hudhud_responder",
        "hudhud_service_url",
        "hudhud_summary_every",
        "hudhud_timezone",
        "hudhud_tool_mode",
        "hudhud_tools",
        "hudhud_turn_timeout_ms",
        "hudhud_worker_concurrency",
        "openai_api_key",
        "openai_base_url",
        "redis_url",
        "webhook_url",
        "whatsapp_access_token",
        "whatsapp_api_base",
        "whatsapp_app_secret",
        "whatsapp_fallback_template",
        "whatsapp_fallback_template_lang",
        "whatsapp_phone_number_id",
        "whatsapp_verify_token",
    ]
)
# Added since, each with its capability: tool packs (issue 12), abuse control, dead-letter limits and
# link re-checks (issue 14), undo and switchable corrections (issue 13), KB answer latency and saved
# prompt state (issue 13 point 8).
# Added since, each with its capability: tool packs (issue 12), abuse control and dead-letter limits
# (issue 14), undo and switchable corrections (issue 13), KB answer latency and saved prompt state
# (issue 13 point 8), the evals' model prices (issue 16).
ADDED = {
    "hudhud_admin_session_s",
    "hudhud_eval_prices",
    "hudhud_eval_judge_model",
    "hudhud_eval_judge_url",
    "hudhud_eval_scorers",
    "hudhud_prompts_dir",
    "hudhud_kb_confident",
    "hudhud_kb_context_tokens",
    "hudhud_kb_min_coverage",
    "hudhud_kb_reply_tokens",
    "hudhud_local_prompt_state",
    "hudhud_undo_window_s",
    "hudhud_disabled_agent_rules",
    "hudhud_max_memories",
    "hudhud_disabled_corrections",
    "hudhud_tool_descriptions",
    "hudhud_dead_maxlen",
    "hudhud_dead_retention_s",
    "hudhud_tool_packs",
    "hudhud_rate_per_min",
    "hudhud_rate_unlinked_per_min",
    "hudhud_rate_global_per_min",
    "hudhud_flood_repeats",
    "hudhud_block_s",
    "hudhud_max_text_chars",
    "hudhud_shed_after_s",
    "hudhud_log_retention_s",
    "hudhud_aggregates_ttl_s",
    "hudhud_alerts",
    "hudhud_alert_webhook_url",
    "hudhud_alert_webhook_secret",
    "hudhud_alert_whatsapp_to",
    "hudhud_alert_template",
    "hudhud_alert_template_lang",
    "hudhud_alert_interval_s",
    "hudhud_alert_window_min",
    "hudhud_alert_cooldown_s",
    "hudhud_alert_min_turns",
    "hudhud_alert_command_p95_s",
    "hudhud_alert_knowledge_p95_s",
    "hudhud_alert_error_rate",
    "hudhud_alert_queue_age_s",
    "hudhud_alert_dead_letters",
    # outbound pacing under Meta's limits (issue 14)
    "hudhud_send_rate_per_s",
    "hudhud_send_burst",
    "hudhud_pair_interval_s",
    "hudhud_pair_burst",
    "hudhud_pair_backoff_ms",
    "hudhud_pace_max_wait_s",
    "hudhud_link_recheck_s",
    # the previous app secret accepted while rotating it (issue 17)
    "whatsapp_app_secret_old",
    # the dashboard's Evals page (issue 15)
    "hudhud_eval_runs_dir",
    "hudhud_eval_max_cases",
    "hudhud_eval_nice",
    "hudhud_eval_timeout_s",
    "hudhud_router_examples",
}


def test_the_variables_are_those_of_before_plus_the_added_ones() -> None:
    assert set(VARIABLES) == BEFORE | ADDED
    assert len(BEFORE) == 60


def test_each_section_reads_its_own_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("HUDHUD_KB_TOP_K=9\nWHATSAPP_API_BASE=https://graph.example/v1/\n")
    monkeypatch.setenv("HUDHUD_HISTORY_TOKENS", "77")
    memory, whatsapp = MemorySettings(), WhatsAppSettings()
    assert (memory.kb_top_k, memory.history_tokens) == (9, 77)
    assert whatsapp.api_base == "https://graph.example/v1"
    settings = Settings()
    assert settings.memory.kb_top_k == 9 and settings.whatsapp.api_base == "https://graph.example/v1"
    assert Settings(_env_file=None).memory.kb_top_k == 4  # without the file: the default


def test_overrides_go_by_variable_name_to_their_section() -> None:
    settings = Settings(_env_file=None, hudhud_env="prod", redis_url="redis://r:1/0", hudhud_kb_top_k=2)
    assert (settings.runtime.env.value, settings.queue.redis_url, settings.memory.kb_top_k) == (
        "prod",
        "redis://r:1/0",
        2,
    )
    copy = settings.replace(hudhud_port=9001, hudhud_kb_top_k=5)
    assert (copy.runtime.port, copy.memory.kb_top_k, copy.runtime.env.value) == (9001, 5, "prod")
    assert settings.runtime.port == 8000  # the original is unchanged
    assert copy.variables()["hudhud_port"] == 9001
    with pytest.raises(ValueError, match="hudhud_nope"):
        settings.replace(hudhud_nope=1)
    with pytest.raises(ValueError, match="unknown settings: hudhud_nope"):
        Settings(_env_file=None, hudhud_nope=1)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"hudhud_port": 70000}, "HUDHUD_PORT"),
        ({"hudhud_kb_threshold": 3}, "HUDHUD_KB_THRESHOLD"),
        ({"whatsapp_api_base": "graph.facebook.com"}, "WHATSAPP_API_BASE"),
        ({"hudhud_timezone": "Mars/Olympus"}, "HUDHUD_TIMEZONE"),
    ],
)
def test_a_bad_value_names_its_variable(override: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^invalid setting {named}: "):
        load_settings(_env_file=None, **override)


def test_a_bad_environment_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUDHUD_LEASE_MS", "-5")
    with pytest.raises(SettingsError, match=r"^invalid setting HUDHUD_LEASE_MS: "):
        load_settings(_env_file=None)


def test_no_variable_outside_the_list_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short field names are not variables: a platform's PORT, HOST, NAME or URL must not leak in."""
    for name in ("PORT", "HOST", "NAME", "URL", "ENV", "PASSWORD", "TOKEN", "LOG_LEVEL", "BOTS"):
        monkeypatch.setenv(name, "9" if name == "PORT" else "prod" if name == "ENV" else "leaked")
    settings = Settings(_env_file=None)
    assert (settings.runtime.port, settings.runtime.host, settings.runtime.env.value) == (
        8000,
        "127.0.0.1",
        "dev",
    )
    assert settings.model.name is None and settings.core.url is None and settings.admin.password is None
    assert settings.observability.log_level == "INFO" and settings.whatsapp.bots is None
