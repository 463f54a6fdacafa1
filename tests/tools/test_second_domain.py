"""A second tool domain loaded through the registry: the test-only leave pack (tests/packs/leave) and its
API over loopback. Its specs reach the router, its correction puts a misreading right, its follow-up id
and its slash command work, through the same agent, executor and command router as the task pack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest

from agent.agent import Agent
from agent.exec_commands import register_tool_commands
from agent.model import ModelEndpoint, chat_model
from base.commands import CommandRouter
from base.keys import Keys
from base.settings import Settings, SettingsError
from base.turn import Turn
from hudhud.container import tool_registry
from memory.links import IdentityLinks
from prompts.store import PromptStore
from tests.agent.test_agent_native import NOW
from tests.agent.test_agent_recorded import turn_of
from tests.helpers import LiveServer, live
from tests.packs.leave.api import SERVICE_TOKEN, create_app
from tools.client import CoreApiClient
from tools.confirm import Confirmations
from tools.executor import CoreApiExecutor
from tools.registry import ToolRegistry

PACKS = "tools.packs.tasks,tests.packs.leave"
WA = "966500000042"


@pytest.fixture
def leave_api() -> Iterator[LiveServer]:
    with live(create_app()) as server:
        yield server


@pytest.fixture
async def executor(leave_api: LiveServer, redis, redis_prefix: str) -> AsyncIterator[CoreApiExecutor]:
    keys = Keys(redis_prefix)
    client = CoreApiClient(leave_api.url, SERVICE_TOKEN, retries=0)
    registry = ToolRegistry.shipped(PACKS)
    made = CoreApiExecutor(client, IdentityLinks(redis, keys), registry, Confirmations(redis, keys),
                           redis=redis, keys=keys)  # fmt: skip
    await made.links.link(WA, 7, display_name="Leila", role="member")
    yield made
    await client.aclose()


def make_agent(fake_openai, executor: CoreApiExecutor, redis, redis_prefix: str) -> Agent:
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="remote-model", local=False)
    return Agent(
        llm=chat_model(endpoint, Settings(_env_file=None).model, max_retries=0),  # type: ignore[call-arg]
        model_name="remote-model",
        mode="router",
        registry=executor.registry,
        prompts=PromptStore(),
        executor=executor,
        redis=redis,
        keys=Keys(redis_prefix),
        clock=lambda: NOW,
    )


def routed(fake_openai, action: str, **args: Any) -> None:
    fake_openai.reply_text(orjson.dumps({"action": action, **args}).decode())


def requests_of(leave_api: LiveServer) -> dict[int, dict[str, Any]]:
    return leave_api.server.config.app.state.requests


def test_the_setting_names_the_packs(settings_factory) -> None:
    registry = tool_registry(settings_factory(hudhud_tool_packs=PACKS))
    assert {"create_task", "request_leave", "list_leave", "cancel_leave"} <= set(registry.names())
    assert [p.name for p in registry.packs] == ["tasks", "leave"]
    schema = orjson.dumps(registry.router_schema()).decode()
    assert '"const":"request_leave"' in schema and '"const":"create_task"' in schema
    only_tasks = tool_registry(settings_factory())
    assert "request_leave" not in only_tasks.names()


@pytest.mark.parametrize(
    ("packs", "says"),
    [
        ("tests.packs.nowhere", "tool pack 'tests.packs.nowhere' cannot be imported"),
        ("tests.packs", "tool pack 'tests.packs' defines no PACK"),
        ("tools.packs.tasks,tools.packs.tasks", "defined twice"),
    ],
)
def test_a_bad_pack_is_one_settings_line(settings_factory, packs: str, says: str) -> None:
    with pytest.raises(SettingsError, match="invalid setting HUDHUD_TOOL_PACKS: .*" + says):
        tool_registry(settings_factory(hudhud_tool_packs=packs))


def test_corrections_are_switched_off_by_their_names(settings_factory) -> None:
    """HUDHUD_DISABLED_CORRECTIONS names corrections of any loaded pack; a name none has stops the start."""
    off = "undo,leave.cancel_not_request"
    registry = tool_registry(settings_factory(hudhud_tool_packs=PACKS, hudhud_disabled_corrections=off))
    assert registry.disabled_corrections == {"undo", "leave.cancel_not_request"}
    assert not tool_registry(settings_factory()).disabled_corrections
    with pytest.raises(
        SettingsError, match="invalid setting HUDHUD_DISABLED_CORRECTIONS: no correction named"
    ):
        tool_registry(settings_factory(hudhud_disabled_corrections="undo, no_such_rule"))


async def test_the_agent_runs_the_second_domain(
    fake_openai, executor: CoreApiExecutor, leave_api: LiveServer, redis, redis_prefix: str
) -> None:
    agent = make_agent(fake_openai, executor, redis, redis_prefix)
    routed(fake_openai, "request_leave", start_date="2026-12-01", end_date="2026-12-03", kind="annual")
    parts = await agent.respond(turn_of("I need annual leave from Dec 1 to Dec 3", wa_id=WA))
    assert parts[0].text == "Leave request #1 sent: 2026-12-01 to 2026-12-03 (pending)."  # type: ignore[union-attr]
    assert requests_of(leave_api)[1]["state"] == "pending"
    assert agent.traces[-1].action == "request_leave" and agent.traces[-1].routed_action == ""

    # The pack's correction: "cancel leave request 1" misread as a new request cancels request 1.
    routed(fake_openai, "request_leave", start_date=None, end_date=None, kind=None)
    parts = await agent.respond(turn_of("please cancel leave request 1", wa_id=WA))
    assert parts[0].text == "Leave request #1 cancelled."  # type: ignore[union-attr]
    assert requests_of(leave_api)[1]["state"] == "cancelled"
    trace = agent.traces[-1]
    assert (trace.routed_action, trace.action, trace.args) == (
        "request_leave",
        "cancel_leave",
        {"request_id": 1},
    )


async def test_the_second_domain_speaks_arabic_and_reports_its_api_errors(
    fake_openai, executor: CoreApiExecutor, leave_api: LiveServer, redis, redis_prefix: str
) -> None:
    agent = make_agent(fake_openai, executor, redis, redis_prefix)
    routed(fake_openai, "cancel_leave", request_id="9")
    parts = await agent.respond(turn_of("الغ طلب الاجازة ٩", wa_id=WA))
    text = parts[0].text  # type: ignore[union-attr]
    assert agent.traces[-1].outcome == "failed"
    assert "لم" in text and not any("a" <= c <= "z" for c in text.lower())  # no English inside
    routed(fake_openai, "request_leave", start_date=None, end_date=None, kind=None)
    parts = await agent.respond(turn_of("ابغى اجازة", wa_id=WA))
    assert parts[0].text == "من أي يوم؟"  # type: ignore[union-attr]
    assert requests_of(leave_api) == {}


async def test_the_pack_adds_its_slash_command(executor: CoreApiExecutor, leave_api: LiveServer) -> None:
    router = CommandRouter()

    async def english(turn: Turn) -> str:
        return "en"

    register_tool_commands(router, executor, english)

    async def say(text: str) -> str:
        return str(next(iter(await router.respond(turn_of(text, wa_id=WA)))).text)  # type: ignore[union-attr]

    assert await say("/leaves") == "You have no leave requests."
    await executor.client.call(7, "request_leave", {"start_date": "2026-12-01", "end_date": "2026-12-02"})
    assert await say("/leaves") == "#1 2026-12-01 → 2026-12-02 · pending"
    helped = await say("/help")
    assert "/leaves — Your leave requests" in helped and "/tasks" in helped
