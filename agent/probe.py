"""Does a remote model make native tool calls? One small request answers it, and Redis remembers.

With `HUDHUD_TOOL_MODE=auto` (the default) the embedded model uses the structured router (it emits no
native tool calls), and a remote endpoint is probed once: one trivial tool, a message that obviously
needs it, `tool_choice: auto`, temperature 0, a few tokens. A well-formed call of that tool → `native`;
text, a malformed call or another tool → `router`. A probe that fails (error, timeout) → `router` with
a warning, never a crash, and is not remembered, so the next start tries again. A real answer is cached
in Redis under (base URL, model) for a day, so restarts do not probe again; a new model or endpoint
is probed afresh.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import asdict, dataclass
from typing import Any, Literal

import httpx
import orjson
import redis.asyncio as aioredis
import structlog
from langchain_core.messages import HumanMessage, SystemMessage

from agent.model import ModelEndpoint, chat_model, endpoint_from_settings
from base.keys import Keys
from base.settings import Settings

log = structlog.get_logger(__name__)

Mode = Literal["native", "router"]
Source = Literal["setting", "embedded", "probe", "cache", "failed"]

CACHE_TTL_S = 24 * 3600
PROBE_TIMEOUT_S = 20.0  # at most; a shorter HUDHUD_MODEL_TIMEOUT_S wins
PROBE_MAX_TOKENS = 64

PROBE_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name"}},
            "required": ["city"],
        },
    },
}
PROBE_MESSAGES = [
    SystemMessage("You are an assistant that can call tools. Call a tool when it answers the question."),
    HumanMessage("What is the weather in Paris right now? Use the get_weather tool."),
]


@dataclass(frozen=True)
class ToolModeChoice:
    mode: Mode
    reason: str  # why, in words an operator reads in the log and in `hudhud doctor`
    source: Source


def cache_key(keys: Keys, endpoint: ModelEndpoint) -> str:
    digest = hashlib.sha256(f"{endpoint.base_url}\n{endpoint.model}".encode()).hexdigest()[:24]
    return keys.tool_mode(digest)


async def probe_tool_calls(
    endpoint: ModelEndpoint, settings: Settings, *, timeout_s: float
) -> ToolModeChoice:
    """One request: does this model answer an obvious tool question with a well-formed tool call?"""
    async with httpx.AsyncClient(timeout=timeout_s) as http:
        llm = chat_model(
            endpoint,
            settings.model,
            max_tokens=PROBE_MAX_TOKENS,
            timeout=timeout_s,
            max_retries=0,
            http_async_client=http,
        )
        try:
            reply = await asyncio.wait_for(
                llm.bind_tools([PROBE_TOOL], tool_choice="auto").ainvoke(PROBE_MESSAGES), timeout_s
            )
        except Exception as exc:  # any failure means "unknown": the router works with every model
            reason = f"probe failed ({type(exc).__name__}: {str(exc)[:200] or 'no detail'})"
            return ToolModeChoice("router", reason, "failed")
    calls = getattr(reply, "tool_calls", None) or []
    for call in calls:
        args = call.get("args")
        if call.get("name") == "get_weather" and isinstance(args, dict) and isinstance(args.get("city"), str):
            return ToolModeChoice("native", "the model answered the probe with a tool call", "probe")
    if calls or getattr(reply, "invalid_tool_calls", None):
        return ToolModeChoice("router", "the model's tool call was malformed", "probe")
    return ToolModeChoice("router", "the model answered the probe in text, without a tool call", "probe")


async def choose_tool_mode(
    settings: Settings,
    endpoint: ModelEndpoint,
    *,
    redis: aioredis.Redis | None = None,
    keys: Keys | None = None,
    ttl_s: int = CACHE_TTL_S,
) -> ToolModeChoice:
    """The tool mode for this endpoint: the setting, the router for the embedded model, else the
    cached or a fresh probe (cached only when `redis` and `keys` are given)."""
    if settings.model.tool_mode != "auto":
        return ToolModeChoice(settings.model.tool_mode, "HUDHUD_TOOL_MODE", "setting")  # type: ignore[arg-type]
    if endpoint.local:
        return ToolModeChoice("router", "the embedded model makes no native tool calls", "embedded")
    key = cache_key(keys, endpoint) if redis is not None and keys is not None else None
    if key is not None:
        cached = await _read(redis, key)  # type: ignore[arg-type]
        if cached is not None:
            log.info(
                "tool mode from cache", mode=cached.mode, base_url=endpoint.base_url, model=endpoint.model
            )
            return cached
    timeout_s = min(settings.model.timeout_s, PROBE_TIMEOUT_S)
    choice = await probe_tool_calls(endpoint, settings, timeout_s=timeout_s)
    if choice.source == "failed":
        log.warning(
            "tool-call probe failed: using the router", base_url=endpoint.base_url, model=endpoint.model,
            reason=choice.reason,
        )  # fmt: skip
        return choice
    log.info("tool mode probed", mode=choice.mode, reason=choice.reason, base_url=endpoint.base_url,
             model=endpoint.model)  # fmt: skip
    if key is not None:
        await _write(redis, key, choice, ttl_s)  # type: ignore[arg-type]
    return choice


async def _read(redis: aioredis.Redis, key: str) -> ToolModeChoice | None:
    try:
        raw = await redis.get(key)
    except Exception as exc:  # a cache that cannot be read is only a missed saving
        log.warning("tool mode cache unreadable", error=str(exc))
        return None
    if raw is None:
        return None
    try:
        data = orjson.loads(raw)
        if data["mode"] not in ("native", "router"):
            return None
        return ToolModeChoice(data["mode"], f"{data['reason']} (cached)", "cache")
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None  # written by something else: probe again and overwrite it


async def _write(redis: aioredis.Redis, key: str, choice: ToolModeChoice, ttl_s: int) -> None:
    try:
        await redis.set(key, orjson.dumps(asdict(choice)), ex=ttl_s)
    except Exception as exc:
        log.warning("tool mode cache not written", error=str(exc))


async def doctor_row(settings: Settings) -> tuple[str, bool | None, str]:
    """`hudhud doctor`'s line: the mode the agent would use; a remote endpoint is probed now (no cache)."""
    if settings.runtime.responder != "agent":
        return "tool mode", True, "not used"
    endpoint = endpoint_from_settings(settings.model) or ModelEndpoint("", "", "local", local=True)
    choice = await choose_tool_mode(settings, endpoint)
    return "tool mode", None if choice.source == "failed" else True, f"{choice.mode}: {choice.reason}"
