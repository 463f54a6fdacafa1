"""Settings, bots configuration and start-up checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from base.bots import ANY_NUMBER, load_bots
from base.commands import CommandRouter
from base.responder import StaticResponder
from base.settings import VARIABLES, Environment, Settings, SettingsError, load_settings
from hudhud.container import check_security, load_responder


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_are_a_runnable_sandbox() -> None:
    s = make()
    assert s.sandbox and s.runtime.env == Environment.dev
    assert s.whatsapp.api_base == "https://graph.facebook.com/v25.0"
    assert s.queue.dedupe_ttl_s >= 7 * 86400


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHATSAPP_API_BASE", "http://127.0.0.1:9/v25.0/")
    monkeypatch.setenv("HUDHUD_LEASE_MS", "1234")
    (tmp_path / ".env").write_text("HUDHUD_TIMEZONE=Africa/Cairo\n")
    s = load_settings()
    assert s.whatsapp.api_base == "http://127.0.0.1:9/v25.0"
    assert s.queue.lease_ms == 1234 and s.queue.lease_s == 1.234
    assert s.runtime.timezone == "Africa/Cairo"


@pytest.mark.parametrize(
    ("var", "value", "named"),
    [
        ("HUDHUD_ENV", "production", "HUDHUD_ENV"),
        ("HUDHUD_TIMEZONE", "Mars/Olympus", "HUDHUD_TIMEZONE"),
        ("HUDHUD_LEASE_MS", "-5", "HUDHUD_LEASE_MS"),
        ("HUDHUD_DEDUPE_TTL_S", "60", "HUDHUD_DEDUPE_TTL_S"),
        ("WHATSAPP_API_BASE", "graph.facebook.com", "WHATSAPP_API_BASE"),
    ],
)
def test_invalid_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, var: str, value: str, named: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message and named in message and message.startswith("invalid setting")


def test_prod_refuses_unsigned_webhooks_and_dev_warns() -> None:
    with pytest.raises(SettingsError, match="WHATSAPP_APP_SECRET"):
        check_security(make(hudhud_env="prod"))
    warnings = check_security(make())
    assert any("NOT checked" in w for w in warnings)
    assert check_security(make(whatsapp_app_secret="s", whatsapp_verify_token="v")) == []


def test_single_number_settings_are_one_bot() -> None:
    sandbox = load_bots(make())
    assert [b.phone_number_id for b in sandbox.all()] == [ANY_NUMBER]
    assert sandbox.get("123") is not None and sandbox.get("123").sandbox
    live = load_bots(make(whatsapp_access_token="tok", whatsapp_phone_number_id="111"))
    assert live.get("111").access_token.get_secret_value() == "tok"
    assert live.get("222") is None
    with pytest.raises(SettingsError, match="WHATSAPP_PHONE_NUMBER_ID"):
        load_bots(make(whatsapp_access_token="tok"))


def test_bots_file_maps_numbers_to_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_QUERY", "secret-q")
    path = tmp_path / "bots.yaml"
    path.write_text(
        "bots:\n"
        "  - {phone_number_id: '111', profile: exec, name: Tasks, access_token: tok-e}\n"
        "  - {phone_number_id: '222', profile: query, access_token_env: TOKEN_QUERY}\n"
        "  - {phone_number_id: '333', profile: query}\n"
    )
    bots = load_bots(make(hudhud_bots=path))
    assert bots.get("111").profile == "exec"
    assert bots.get("222").access_token.get_secret_value() == "secret-q"
    assert bots.get("333").sandbox
    assert bots.get("444") is None


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("bots: [", "not valid YAML"),
        ("bots: []", "bots"),
        ("bots:\n  - {profile: exec}", "phone_number_id"),
        ("bots:\n  - {phone_number_id: '1', access_token_env: NOPE_NOT_SET}", "NOPE_NOT_SET"),
        ("bots:\n  - {phone_number_id: '1'}\n  - {phone_number_id: '1'}", "twice"),
        ("bots:\n  - {phone_number_id: '1', fallback_templates: {ar: ''}}", "fallback_templates"),
        ("bots:\n  - {phone_number_id: '1', fallback_templates: [a]}", "fallback_templates"),
    ],
)
def test_bad_bots_file_is_a_clear_error(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bots.yaml"
    path.write_text(content)
    with pytest.raises(SettingsError) as info:
        load_bots(make(hudhud_bots=path))
    assert "HUDHUD_BOTS" in str(info.value) and fragment in str(info.value)


def test_missing_bots_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_bots(make(hudhud_bots=tmp_path / "absent.yaml"))


def test_responder_is_loaded_by_import_path() -> None:
    s = make()
    assert isinstance(load_responder("none", s), CommandRouter)
    made = load_responder("tests.responders:slow", s)
    assert isinstance(made, CommandRouter) and type(made.fallback).__name__ == "Slow"
    router = CommandRouter()
    assert load_responder("tests.test_settings:ROUTER", s) is ROUTER
    assert router is not ROUTER
    with pytest.raises(SettingsError, match="HUDHUD_RESPONDER"):
        load_responder("no.such.module:thing", s)
    assert isinstance(load_responder("tests.test_settings:STATIC", s).fallback, StaticResponder)


ROUTER = CommandRouter()
STATIC = StaticResponder("hi")


def test_env_example_documents_every_setting_and_copies_cleanly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    documented = {
        line.split("=", 1)[0]
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    }
    from coreapi.config import CoreSettings

    core = {name.upper() for name in CoreSettings.model_fields} - {"HUDHUD_DATA_DIR", "DATABASE_URL"}
    assert documented == {name.upper() for name in VARIABLES} | core | {"COREAPI_DATABASE_URL"}
    # Copied as is, the example is a valid sandbox configuration (empty values mean unset).
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(example.read_text())
    s = load_settings()
    assert s.sandbox and s.whatsapp.app_secret is None and s.whatsapp.bots is None


async def test_core_api_executor_needs_its_token(redis, redis_prefix: str) -> None:
    from base.keys import Keys
    from hudhud.container import tools_executor

    keys = Keys(redis_prefix)
    assert tools_executor(make(), redis, keys) is None
    with pytest.raises(SettingsError, match="HUDHUD_CORE_API_TOKEN"):
        tools_executor(make(core_api_url="http://127.0.0.1:8100"), redis, keys)
    executor = tools_executor(
        make(core_api_url="http://127.0.0.1:8100", hudhud_core_api_token="t"), redis, keys
    )
    assert executor is not None and executor.client.base_url == "http://127.0.0.1:8100"
    await executor.client.aclose()


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("hudhud_admin_password", "short-pw", "HUDHUD_ADMIN_PASSWORD"),
        ("hudhud_admin_password", "sand-dune-orbit-42", None),  # long, and not a common word: accepted
        ("hudhud_admin_password", "Administrator2026", "HUDHUD_ADMIN_PASSWORD"),  # a common word and a year
        ("hudhud_admin_password", "changeme1234", "HUDHUD_ADMIN_PASSWORD"),
        ("hudhud_admin_password", "Password!!!!", "HUDHUD_ADMIN_PASSWORD"),
        ("hudhud_core_api_token", "t" * 31, "HUDHUD_CORE_API_TOKEN"),
        ("hudhud_core_api_token", "t" * 32, None),
    ],
)
def test_weak_secrets_are_refused_outside_dev(env: str, setting: str, value: str, named: str | None) -> None:
    settings = make(hudhud_env=env, whatsapp_app_secret="s", hudhud_alerts=False, **{setting: value})
    if named is None:
        check_security(settings)
        return
    with pytest.raises(SettingsError) as info:
        check_security(settings)
    message = str(info.value)
    assert message.startswith(f"invalid setting {named}:") and f"HUDHUD_ENV={env}" in message
    assert value not in message  # a secret is never repeated back
    check_security(make(whatsapp_app_secret="s", **{setting: value}))  # dev: allowed
