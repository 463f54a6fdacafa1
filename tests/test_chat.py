"""`hudhud chat`: the same responder as WhatsApp turns, in the terminal, against a configured endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
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
        "HUDHUD_SERVICE_URL": "http://127.0.0.1:9",  # nothing listens there: the chat runs its own model
    }.items():
        monkeypatch.setenv(key, value)


def test_chat_runs_commands_and_agent_turns(chat_env: None, fake_openai) -> None:
    fake_openai.reply_tool("complete_task", {"task_id": "42"})
    fake_openai.reply_text("Hello Sara!")
    result = runner.invoke(
        app, ["chat", "--as", "966500000001", "-m", "/ping", "-m", "task 42 is done", "-m", "thanks a lot"]
    )
    assert result.exit_code == 0, result.output
    assert "no service at http://127.0.0.1:9: chatting with a model of this process's own" in result.output
    assert "pong" in result.output
    assert "complete_task(task_id=42)" in result.output  # understood; no core API connected yet
    assert "Hello Sara!" in result.output
    assert "gpt-4o-mini" in result.output  # the trace line names the model
    assert fake_openai.requests[0]["model"] == "gpt-4o-mini"
    assert any(t["function"]["name"] == "create_task" for t in fake_openai.requests[0]["tools"])


def test_a_chat_of_its_own_shows_the_prompt_too(chat_env: None, fake_openai) -> None:
    fake_openai.reply_text("You're welcome!")
    result = runner.invoke(app, ["chat", "--as", "966500000001", "-m", "thanks a lot", "--show-prompt"])
    assert result.exit_code == 0, result.output
    assert "model call 1/1 · gpt-4o-mini · tools: create_task" in result.output
    assert "[human] thanks a lot" in result.output and "→ You're welcome!" in result.output


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


WA = "966500000077"


@pytest.fixture
def served(settings_factory, fake_openai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`hudhud up` over loopback (API, a worker, the embedded core API) on the fake model; the CLI's
    environment points at it."""
    from hudhud.app import create_app
    from tests.helpers import agent_settings, free_port, live

    port = free_port()
    settings = agent_settings(
        settings_factory, fake_openai, port, "admin-pass-123", hudhud_data_dir=tmp_path / "served"
    )
    with live(create_app(settings, workers=1, embed_core=True), port=port) as server:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("HUDHUD_SERVICE_URL", server.url)
        monkeypatch.setenv("HUDHUD_ADMIN_PASSWORD", "admin-pass-123")
        yield server


@contextmanager
def _core(served) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """The served core API, as its admin."""
    with httpx.Client(base_url=f"{served.url}/core", timeout=30) as core:
        token = core.post("/auth/login", json={"username": "admin", "password": "admin-pass-123"})
        yield core, {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_chat_through_the_service_opens_no_model_and_presses_a_button(
    served, fake_openai, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agent.factory
    import hudhud.container

    opened: list[str] = []

    def refuse(name: str):
        def opened_here(*args: object, **kwargs: object) -> None:
            opened.append(name)
            raise AssertionError(f"chat opened {name} of its own next to a running service")

        return opened_here

    monkeypatch.setattr(agent.factory, "build_agent", refuse("a model"))
    monkeypatch.setattr(hudhud.container.Container, "open", refuse("a container"))
    with _core(served) as (core, auth):
        code = core.post("/link-codes", headers=auth).json()["code"]
        task = core.post("/tasks", json={"title": "Old draft"}, headers=auth).json()["id"]
        fake_openai.reply_tool("delete_task", {"task_id": task})
        said = [f"/link {code}", f"delete task {task}", "/confirm"]
        result = runner.invoke(app, ["chat", "--as", WA, *(a for m in said for a in ("-m", m))])
        assert result.exit_code == 0, result.output
        assert core.get(f"/tasks/{task}", headers=auth).status_code == 404  # deleted by the tap
    assert opened == []
    out = result.output
    assert f"chatting through the service at {served.url}" in out
    assert "Linked to" in out
    assert "[1] " in out and "[2] " in out  # the confirmation's buttons, numbered
    assert "(pressed " in out
    assert "delete_task {'task_id': " in out  # the summary line of the agent's decision
    assert len(fake_openai.requests) == 1  # the tap ran the held call: no second model call


def test_chat_presses_a_button_by_its_number_and_shows_prompt_and_trace(served, fake_openai) -> None:
    with _core(served) as (core, auth):
        code = core.post("/link-codes", headers=auth).json()["code"]
        task = core.post("/tasks", json={"title": "Old draft"}, headers=auth).json()["id"]
    fake_openai.reply_tool("delete_task", {"task_id": task})
    said = [f"/link {code}", f"delete task {task}", "2"]
    result = runner.invoke(
        app, ["chat", "--as", WA, *(a for m in said for a in ("-m", m)), "--show-prompt", "--trace"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    # --show-prompt: what the model was given, call by call: the persona, the user's message, the tools.
    assert "model call 1/1 · gpt-test · tools: create_task" in out
    assert "[system] " in out and f"[human] delete task {task}" in out
    assert f"→ delete_task(task_id={task})" in out
    # --trace: the agent's full trace and the turn's log entry, as JSON.
    assert '"action": "delete_task"' in out and '"rules": []' in out and '"prompts": {' in out
    assert '"tokens_in": 10' in out and '"outcome": "confirm"' in out
    # "2" pressed the second button: Cancel.
    assert "(pressed " in out and t("reply.cancelled", "en") in out


def test_the_routers_prompt_is_abbreviated_by_its_hashes_unless_full(
    chat_env: None, fake_openai, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prompts.store import PromptStore

    monkeypatch.setenv("HUDHUD_TOOL_MODE", "router")
    router = PromptStore().get("router")
    for full in ([], ["--full"]):
        fake_openai.reply_text('{"action": "answer"}')
        fake_openai.reply_text("You're welcome!")
        said = ["chat", "--as", "966500000001", "-m", "thanks a lot", "--show-prompt", *full]
        result = runner.invoke(app, said)
        assert result.exit_code == 0, result.output
        assert "model call 1/2 · gpt-4o-mini · router, schema route" in result.output
        assert "model call 2/2" in result.output and "→ You're welcome!" in result.output
        assert (router.text[:60] in result.output) == bool(full)
        assert (f"router@{router.version} {router.short_sha}" in result.output) != bool(full)


def test_a_line_presses_what_the_latest_reply_offered() -> None:
    from base.turn import Button, ButtonsPart, ListPart, ListRow, ListSection, TextPart
    from hudhud.chat import options_of, read_line

    confirm = ButtonsPart(
        text="Delete task 7?",
        buttons=[Button(id="confirm:ab", title="Confirm"), Button(id="cancel:ab", title="No")],
    )
    pick = ListPart(
        text="Which?", button="☰", sections=[ListSection(rows=[ListRow(id="pick:1", title="Slides")])]
    )
    options = options_of([TextPart(text="hi"), confirm, pick])
    assert [(o.id, o.row) for o in options] == [("confirm:ab", False), ("cancel:ab", False), ("pick:1", True)]
    assert read_line("/confirm", options) == options[0] and read_line(" /Cancel ", options) == options[1]
    assert read_line("3", options) == options[2]
    assert read_line("4", options) == "4" and read_line("0", options) == "0"  # no such option: the text
    assert read_line("\\1", options) == "1"  # sent as typed
    assert read_line("/cancel", []) == "/cancel"  # nothing to press: the bot's own /cancel


def test_a_service_without_a_playground_is_said_in_one_line(chat_env: None, monkeypatch) -> None:
    """A service outside dev serves no playground: chat says so, and opens no model of its own."""
    from fastapi import FastAPI

    from tests.helpers import live

    service = FastAPI()
    service.get("/healthz")(lambda: {"status": "ok"})
    with live(service) as server:
        monkeypatch.setenv("HUDHUD_SERVICE_URL", server.url)
        result = runner.invoke(app, ["chat", "--as", "966500000001", "-m", "hello"])
    assert result.exit_code == 1
    assert f"the service at {server.url} has no playground: only a service in HUDHUD_ENV=dev" in result.output
