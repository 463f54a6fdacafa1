"""`hudhud chat`: the same responder as WhatsApp turns, in the terminal, against a configured endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from base.catalog import t
from hudhud.cli import app
from tests.conftest import REDIS_TEST_URL

runner = CliRunner()


@pytest.fixture
def chat_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_prefix: str, fake_openai) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in {
        "REDIS_URL": REDIS_TEST_URL,
        "HUDHUD_REDIS_PREFIX": redis_prefix,
        "HUDHUD_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_API_KEY": "test-key",
        "HUDHUD_MODEL": "gpt-4o-mini",
        "HUDHUD_TOOL_MODE": "native",  # not probed: the scripted replies are the turns'
        "WHATSAPP_APP_SECRET": "s",
    }.items():
        monkeypatch.setenv(key, value)


def test_chat_runs_commands_and_agent_turns(chat_env: None, fake_openai) -> None:
    fake_openai.reply_tool("complete_task", {"task_id": "42"})
    fake_openai.reply_text("Hello Sara!")
    result = runner.invoke(
        app, ["chat", "--as", "966500000001", "-m", "/ping", "-m", "task 42 is done", "-m", "thanks a lot"]
    )
    assert result.exit_code == 0, result.output
    assert "pong" in result.output
    assert "complete_task(task_id=42)" in result.output  # understood; no core API connected yet
    assert "Hello Sara!" in result.output
    assert "gpt-4o-mini" in result.output  # the trace line names the model
    assert fake_openai.requests[0]["model"] == "gpt-4o-mini"
    assert any(t["function"]["name"] == "create_task" for t in fake_openai.requests[0]["tools"])


def test_chat_with_an_unknown_model_package_says_how_to_install(chat_env: None, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("HUDHUD_LOCAL_MODEL", "/nonexistent/model.gguf")
    result = runner.invoke(app, ["chat", "--as", "1", "-m", "hi"])
    assert result.exit_code == 2
    assert "HUDHUD_LOCAL_MODEL" in result.output or "model" in result.output.lower()


def test_lang_and_tz_commands_are_remembered(chat_env: None, fake_openai, redis_prefix: str) -> None:
    import redis as sync_redis

    fake_openai.reply_tool("create_task", {"title": "call the bank", "due_date": "tomorrow"})
    said = ["/lang ar", "/tz America/New_York", "/tz Mars/Base", "/lang fr", "call the bank tomorrow"]
    result = runner.invoke(app, ["chat", "--as", "966500000005", *(a for m in said for a in ("-m", m))])
    assert result.exit_code == 0, result.output
    assert t("prefs.lang_set", "ar") in result.output and "America/New_York" in result.output
    # After /lang ar the usage lines are Arabic only (a known language never gets the English line).
    assert t("prefs.tz_usage", "ar") in result.output and t("prefs.lang_usage", "ar") in result.output
    assert t("prefs.tz_usage", "en") not in result.output
    # English message, Arabic reply (the /lang choice wins), and "tomorrow" in New York's calendar.
    assert t("reply.not_connected", "ar").split(":")[0] in result.output
    client = sync_redis.Redis.from_url(REDIS_TEST_URL)
    prefs = client.hgetall(f"{redis_prefix}:user:966500000005:prefs")
    client.close()
    assert prefs[b"reply_lang"] == b"ar" and prefs[b"timezone"] == b"America/New_York"
    assert prefs[b"lang"] == b"en"
