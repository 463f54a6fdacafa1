"""HUDHUD_TOOL_MODE=auto: a remote model is probed once for native tool calls, the answer cached in Redis."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from agent.factory import build_agent
from agent.model import ModelEndpoint
from agent.probe import CACHE_TTL_S, ToolModeChoice, cache_key, choose_tool_mode, doctor_row
from base.keys import Keys
from base.settings import Settings


def settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, hudhud_data_dir=tmp_path, **values)  # type: ignore[call-arg]


def remote(fake_openai: Any, model: str = "m") -> ModelEndpoint:
    return ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model=model, local=False)


async def test_a_model_that_calls_the_tool_gets_native_mode(fake_openai, tmp_path: Path) -> None:
    fake_openai.reply_tool("get_weather", {"city": "Paris"})
    choice = await choose_tool_mode(settings(tmp_path), remote(fake_openai))
    assert choice == ToolModeChoice("native", "the model answered the probe with a tool call", "probe")
    [request] = fake_openai.requests
    assert [t["function"]["name"] for t in request["tools"]] == ["get_weather"]
    assert request["tool_choice"] == "auto" and request["temperature"] == 0
    assert (
        request.get("max_completion_tokens", request.get("max_tokens")) == 64
        and "Paris" in request["messages"][-1]["content"]
    )


def tool_call(name: str, arguments: str) -> dict[str, Any]:
    call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ({"role": "assistant", "content": "It is sunny in Paris."}, "in text"),
        (tool_call("get_weather", "{city: Paris"), "malformed"),  # not JSON
        (tool_call("get_weather", "{}"), "malformed"),  # the required argument missing
        (tool_call("search", '{"q": "Paris"}'), "malformed"),  # a tool it was not given
    ],
)
async def test_a_model_without_well_formed_tool_calls_gets_the_router(
    fake_openai, tmp_path: Path, reply: dict[str, Any], reason: str
) -> None:
    fake_openai.script.append(reply)
    choice = await choose_tool_mode(settings(tmp_path), remote(fake_openai))
    assert (choice.mode, choice.source) == ("router", "probe") and reason in choice.reason


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers: a hung model server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


async def test_a_failed_probe_is_the_router_with_a_warning_and_is_not_cached(
    tmp_path: Path, silent_server: str, redis: aioredis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    refused = ModelEndpoint(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", local=False)
    choice = await choose_tool_mode(settings(tmp_path), refused, redis=redis, keys=keys)
    assert (choice.mode, choice.source) == ("router", "failed") and "probe failed" in choice.reason
    hung = ModelEndpoint(base_url=silent_server, api_key="k", model="m", local=False)
    choice = await choose_tool_mode(
        settings(tmp_path, hudhud_model_timeout_s=0.3), hung, redis=redis, keys=keys
    )
    assert (choice.mode, choice.source) == ("router", "failed") and "Timeout" in choice.reason
    assert [
        k async for k in redis.scan_iter(match=f"{redis_prefix}:toolmode:*")
    ] == []  # tried again next start


async def test_the_answer_is_cached_per_endpoint_and_model(
    fake_openai, tmp_path: Path, redis: aioredis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    fake_openai.reply_tool("get_weather", {"city": "Paris"})
    first = await choose_tool_mode(settings(tmp_path), remote(fake_openai), redis=redis, keys=keys)
    again = await choose_tool_mode(settings(tmp_path), remote(fake_openai), redis=redis, keys=keys)
    assert (first.source, again.source, again.mode) == ("probe", "cache", "native")
    assert len(fake_openai.requests) == 1  # the second start made no request
    key = cache_key(keys, remote(fake_openai))
    assert CACHE_TTL_S - 5 < await redis.ttl(key) <= CACHE_TTL_S
    # Another model on the same endpoint is probed for itself.
    fake_openai.reply_text("sunny")
    other = await choose_tool_mode(settings(tmp_path), remote(fake_openai, "small"), redis=redis, keys=keys)
    assert (other.mode, other.source, len(fake_openai.requests)) == ("router", "probe", 2)
    # A value that is not ours is ignored and overwritten.
    for junk in (b"not json", orjson.dumps({"mode": "psychic", "reason": "x"}), orjson.dumps(["native"])):
        await redis.set(key, junk)
        fake_openai.reply_tool("get_weather", {"city": "Paris"})
        assert (
            await choose_tool_mode(settings(tmp_path), remote(fake_openai), redis=redis, keys=keys)
        ).source == "probe"
    assert orjson.loads(await redis.get(key))["mode"] == "native"


async def test_an_unreachable_cache_only_costs_a_probe(fake_openai, tmp_path: Path) -> None:
    broken = aioredis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    fake_openai.reply_tool("get_weather", {"city": "Paris"})
    try:
        choice = await choose_tool_mode(settings(tmp_path), remote(fake_openai), redis=broken, keys=Keys("x"))
    finally:
        await broken.aclose()
    assert (choice.mode, choice.source) == ("native", "probe")


async def test_explicit_modes_and_the_embedded_model_are_not_probed(fake_openai, tmp_path: Path) -> None:
    for mode in ("native", "router"):
        choice = await choose_tool_mode(settings(tmp_path, hudhud_tool_mode=mode), remote(fake_openai))
        assert (choice.mode, choice.source) == (mode, "setting")
    local = ModelEndpoint(base_url="http://127.0.0.1:9/v1", api_key="local", model="local", local=True)
    assert (await choose_tool_mode(settings(tmp_path), local)).mode == "router"
    assert fake_openai.requests == []


async def test_the_factory_uses_the_probed_mode(fake_openai, tmp_path: Path) -> None:
    fake_openai.reply_text("I cannot call tools.")
    runtime = await build_agent(settings(tmp_path), endpoint=remote(fake_openai))
    assert runtime.agent.mode == "router" and len(fake_openai.requests) == 1
    fake_openai.reply_tool("get_weather", {"city": "Paris"})
    runtime = await build_agent(settings(tmp_path), endpoint=remote(fake_openai, "big"))
    assert runtime.agent.mode == "native"
    runtime = await build_agent(
        settings(tmp_path, hudhud_tool_mode="router"), endpoint=remote(fake_openai, "x")
    )
    assert runtime.agent.mode == "router" and len(fake_openai.requests) == 2  # set explicitly: no probe


async def test_doctor_prints_the_detected_mode(fake_openai, tmp_path: Path) -> None:
    base = {"hudhud_responder": "agent", "openai_base_url": fake_openai.base_url, "openai_api_key": "k"}
    fake_openai.reply_tool("get_weather", {"city": "Paris"})
    assert await doctor_row(settings(tmp_path, **base)) == (
        "tool mode", True, "native: the model answered the probe with a tool call"
    )  # fmt: skip
    dead = {**base, "openai_base_url": "http://127.0.0.1:9/v1"}
    _, ok, detail = await doctor_row(settings(tmp_path, **dead))
    assert ok is None and detail.startswith("router: probe failed")
    assert (await doctor_row(settings(tmp_path, hudhud_responder="agent")))[2].startswith(
        "router: the embedded"
    )
    assert (await doctor_row(settings(tmp_path, **base, hudhud_tool_mode="native")))[
        2
    ] == "native: HUDHUD_TOOL_MODE"
    assert await doctor_row(settings(tmp_path, hudhud_responder="none")) == ("tool mode", True, "not used")
