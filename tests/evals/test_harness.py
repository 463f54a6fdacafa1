"""The per-case harness: what it does when a case cannot run as written, and how it reads replies."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from base.keys import Keys
from base.settings import Settings
from channels.whatsapp.sandbox import SandboxClient
from evals.harness import CaseEnv, Conversation, reply_of, run_case
from evals.suite import Suite, TurnSpec
from tests.conftest import REDIS_TEST_URL

SUITE = Suite.model_validate(
    {
        "name": "h",
        "clock": "2026-11-25T09:00:00+03:00",
        "fixtures": {"users": [{"username": "omar", "role": "manager"}]},
        "cases": [
            {
                "id": "c",
                "tags": ["en"],
                "user": {"wa_id": "966500000011", "linked_as": "omar"},
                "turns": [{"user": "hello"}],
            }
        ],
    }
)


def test_reply_of_every_payload_kind() -> None:
    assert reply_of({"type": "text", "text": {"body": "hi"}}).text == "hi"
    buttons = reply_of(
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Sure?"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "confirm:1", "title": "Yes"}}]},
            },
        }
    )
    assert buttons.kind == "buttons" and buttons.buttons == [{"id": "confirm:1", "title": "Yes"}]
    listed = reply_of(
        {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Pick"},
                "action": {"sections": [{"rows": [{"id": "1", "title": "One"}]}]},
            },
        }
    )
    assert listed.kind == "list" and listed.text == "Pick\n• One"
    assert reply_of({"type": "template", "template": {"name": "hello"}}).text == "hello"
    assert reply_of({"type": "image", "image": {"caption": "a cat"}}).text == "a cat"
    assert reply_of({}).kind == "unknown"


async def test_a_case_that_cannot_start_keeps_the_error(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        openai_base_url="http://127.0.0.1:9/v1",
        openai_api_key="k",  # type: ignore[call-arg]
        hudhud_tool_mode="native",
        hudhud_tools="no_such_module:kit",
        hudhud_kb_seed=None,
    )
    env = CaseEnv(
        settings=settings,
        workdir=tmp_path / "w",
        data_dir=tmp_path / "d",
        redis_url=REDIS_TEST_URL,
        model_name="m",
    )
    result = await run_case(env, SUITE, SUITE.cases[0])
    assert result.error is not None and "HUDHUD_TOOLS" in result.error
    assert result.state_before == [] and result.state_after is None and result.turns == []
    assert not list((tmp_path / "w").glob("h.c.*"))  # the case's database is removed


class Receiver:
    def __init__(self, status: int) -> None:
        self.status = status

    async def receive(
        self, chunks: Any, declared: str | None, signature: str | None
    ) -> tuple[int, bytes, bytes]:
        async for _ in chunks:
            pass
        return self.status, b'{"error": "missing or invalid X-Hub-Signature-256"}', b"application/json"


async def test_rejected_webhooks_and_turns_that_never_finish(redis: Any, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    container = SimpleNamespace(
        redis=redis, keys=keys, messengers=SimpleNamespace(sandbox=SandboxClient(redis, Keys(redis_prefix)))
    )
    case = SUITE.cases[0]
    rejected = await Conversation(container, Receiver(401), b"s", "1", case).send(
        0, TurnSpec(user="hi"), timeout_s=1
    )
    assert rejected.status == "rejected" and "webhook answered 401" in (rejected.error or "")
    silent = await Conversation(container, Receiver(200), b"s", "1", case).send(
        0, TurnSpec(user="hi"), timeout_s=0.3
    )
    assert (
        silent.status == "no_reply" and silent.error == "no finished turn within 0 s" and silent.replies == []
    )
    pressed = await Conversation(container, Receiver(200), b"s", "1", case).send(
        1, TurnSpec(press="cancel"), timeout_s=1
    )
    assert pressed.status == "no_buttons" and pressed.error == "nothing to press: no cancel button before"


@pytest.mark.parametrize("fixture_lang", ["ar", "en"])
def test_case_settings_point_at_the_case(tmp_path: Path, fixture_lang: str) -> None:
    env = CaseEnv(
        settings=Settings(_env_file=None),
        workdir=tmp_path / "w",
        data_dir=tmp_path / "d",  # type: ignore[call-arg]
        redis_url="redis://x",
        model_name="m",
    )
    core = SimpleNamespace(url="http://127.0.0.1:1", service_token="t" * 48)
    settings = env.case_settings(prefix="p", core=core, timezone="Africa/Cairo")  # type: ignore[arg-type]
    assert settings.core.url == "http://127.0.0.1:1" and settings.queue.redis_prefix == "p"
    assert settings.runtime.timezone == "Africa/Cairo" and settings.runtime.data_dir == tmp_path / "d"
    assert settings.whatsapp.app_secret.get_secret_value() == env.secret.decode()  # type: ignore[union-attr]
    assert "profile: query" in env.bots_file.read_text()
