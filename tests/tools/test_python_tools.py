"""Python functions as tools: the public ToolKit decorator, through the real agent."""

from __future__ import annotations

import datetime as dt

import pytest

from agent.factory import build_agent
from agent.model import ModelEndpoint
from base.settings import Settings, SettingsError
from hudhud import ToolKit, Turn
from tests.agent.test_agent_recorded import turn_of
from tools.base import ToolCall
from tools.python import KitExecutor, load_kit

KIT = ToolKit()


@KIT.tool(description="today's exchange rate of a currency to SAR")
async def exchange_rate(currency: str) -> str:
    return f"1 {currency.upper()} = 3.75 SAR"


@KIT.tool(description="days until a date", reply={"en": "{days} days to go", "ar": "باقي {days} يوم"})
async def countdown(until: dt.date, turn: Turn) -> dict[str, object]:
    return {"days": (until - dt.date(2026, 11, 25)).days, "who": turn.user.wa_id}


@KIT.tool(description="wipe everything", role="admin")
async def wipe() -> str:
    return "wiped"


@KIT.tool(description="always fails")
async def broken() -> str:
    raise RuntimeError("the rates service is down")


NOT_A_KIT = object()


def test_signature_becomes_the_spec() -> None:
    spec = KIT.specs["countdown"]
    assert spec.args["until"].kind == "date" and spec.args["until"].required and "turn" not in spec.args
    assert KIT.specs["wipe"].role == "admin"
    with pytest.raises(TypeError, match="async"):
        KIT.tool(description="x")(lambda: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a ToolKit"):
        load_kit("tests.tools.test_python_tools:NOT_A_KIT")


async def test_kit_tools_run_through_the_agent(fake_openai, tmp_path) -> None:
    settings = Settings(
        _env_file=None,
        hudhud_data_dir=tmp_path,
        hudhud_tools="tests.tools.test_python_tools:KIT",
        hudhud_tool_mode="native",  # not probed: the scripted replies are the turns'
    )  # type: ignore[call-arg]
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="m", local=False)
    runtime = await build_agent(settings, endpoint=endpoint)
    agent = runtime.agent
    fake_openai.reply_tool("exchange_rate", {"currency": "usd"})
    assert (await agent.respond(turn_of("dollar rate?")))[0].text == "1 USD = 3.75 SAR"
    # An absolute date: a relative one would resolve against the wall clock of the day the test runs.
    fake_openai.reply_tool("countdown", {"until": "2026-11-26"})
    assert (await agent.respond(turn_of("how long until 2026-11-26?")))[0].text == "1 days to go"
    fake_openai.reply_tool("wipe", {})
    assert "needs a linked account" in (await agent.respond(turn_of("wipe it all")))[0].text
    fake_openai.reply_tool("broken", {})
    assert "the rates service is down" in (await agent.respond(turn_of("rate?")))[0].text
    fake_openai.reply_tool("complete_task", {"task_id": "4"})
    assert "not connected" in (await agent.respond(turn_of("task 4 done")))[0].text
    names = {t["function"]["name"] for t in fake_openai.requests[0]["tools"]}
    assert {"exchange_rate", "countdown", "create_task"} <= names


async def test_bad_kit_setting_is_one_line(tmp_path) -> None:
    settings = Settings(_env_file=None, hudhud_data_dir=tmp_path, hudhud_tools="no.such:kit")  # type: ignore[call-arg]
    endpoint = ModelEndpoint(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", local=False)
    with pytest.raises(SettingsError, match="HUDHUD_TOOLS"):
        await build_agent(settings, endpoint=endpoint)


async def test_role_restricted_kit_tool_needs_the_role(redis, redis_prefix: str) -> None:
    from base.keys import Keys
    from memory.links import IdentityLinks

    class Inner:
        links = IdentityLinks(redis, Keys(redis_prefix))

    executor = KitExecutor(KIT, Inner())
    member, admin = turn_of("wipe", wa_id="1"), turn_of("wipe", wa_id="2")
    await Inner.links.link("1", 10, role="member")
    await Inner.links.link("2", 11, role="admin")
    assert "admin role" in (await executor.execute(ToolCall(name="wipe"), member)).error
    assert (await executor.execute(ToolCall(name="wipe"), admin)).reply == "wiped"


def test_public_api_names() -> None:
    import hudhud

    assert hudhud.create_app.__name__ == "create_app" and "ToolKit" in hudhud.__all__
    with pytest.raises(AttributeError):
        _ = hudhud.not_a_thing


async def test_the_agent_honours_the_corrections_switched_off(fake_openai, tmp_path) -> None:
    """HUDHUD_DISABLED_CORRECTIONS reaches the agent's own registry (found when measuring each rule's
    benefit: the agent kept running a correction switched off), and a name no pack has stops the start."""
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="m", local=False)
    base = {"_env_file": None, "hudhud_data_dir": tmp_path, "hudhud_tool_mode": "native"}
    runtime = await build_agent(Settings(**base, hudhud_disabled_corrections="undo"), endpoint=endpoint)  # type: ignore[arg-type]
    assert "undo" in runtime.agent.registry.disabled_corrections
    await runtime.aclose()
    with pytest.raises(SettingsError, match="HUDHUD_DISABLED_CORRECTIONS"):
        await build_agent(Settings(**base, hudhud_disabled_corrections="nope"), endpoint=endpoint)  # type: ignore[arg-type]
