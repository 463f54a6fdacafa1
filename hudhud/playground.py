"""The admin's playground: one turn as a WhatsApp user, through the pipeline, answered into the sandbox.

    POST /admin/api/playground/turn  {wa_id, text | press, profile}  →  the reply parts, the turn's trace

What `hudhud chat` talks to when a service runs, so the terminal never opens a second model or a
second writer on the embedded stores. The message is built by WhatsApp's own normalizer, queued by the
ingress and answered by a worker like any webhook message, with two differences, both made by the
playground channel: the reply goes to the sandbox (nothing reaches Meta, whatever the bots' tokens),
and the turn is inspected — the agent's trace keeps what each model call was given (agent/rendered.py).
Its conversation is its own (`playground:<wa_id>`); history, memories, links and confirmations are the
user's, as for any turn of theirs. Dev only (like /sandbox/messages), behind the admin guard.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import orjson
import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, model_validator

from base.channel import UNAVAILABLE, ChannelRejected, Job
from base.keys import Keys, conversation_id
from base.sealing import Sealer, open_entry
from base.settings import Settings
from base.turn import ReplyPart
from channels.whatsapp import bodies
from channels.whatsapp.channel import WhatsAppChannel
from channels.whatsapp.models import parse_envelope
from channels.whatsapp.normalize import outcome_of, to_inbound
from channels.whatsapp.sandbox import SandboxClient
from channels.whatsapp.webhook import SinkUnavailable
from hudhud.interactions import Interaction, InteractionLog
from memory.kb_api import admin_guard

PREFIX = "/admin/api/playground"
NAME = "playground"  # the channel's name and the bot address of its conversations
RETRY = "retry"  # the one status of the turns stream that is not a finished turn
MARGIN_S = 30.0  # waited past the pipeline's turn timeout: the queue, a retried attempt


class PlaygroundChannel:
    """WhatsApp's formatting and limits, the sandbox's delivery, and every turn inspected."""

    name = NAME
    webhook_path = ""  # takes no webhooks: its messages come from the endpoint below
    inspects = True  # the worker keeps its turns' model calls (base/notes.py) and takes the asked profile

    def __init__(self, whatsapp: WhatsAppChannel) -> None:
        self._whatsapp = whatsapp
        self.limits = whatsapp.limits

    def parse(self, raw: bytes, headers: Mapping[str, str]) -> list[Job]:
        raise ChannelRejected(404, "the playground takes no webhooks")

    def fit(self, parts: Sequence[ReplyPart]) -> list[ReplyPart]:
        return self._whatsapp.fit(parts)  # what the user would see on WhatsApp

    def sender(self, number: str) -> SandboxClient:
        return self._whatsapp.pool.sandbox

    async def seen(self, number: str, message_id: str) -> None:
        await self._whatsapp.pool.sandbox.mark_read(number, message_id, typing=True)


class Press(BaseModel):
    """A tap on a reply button or a list row of an earlier reply."""

    id: str = Field(min_length=1, max_length=256)
    title: str = ""
    row: bool = False  # a list row (list_reply) rather than a reply button


class TurnRequest(BaseModel):
    wa_id: str = Field(pattern=r"^\d{6,20}$", description="digits only, with the country code")
    text: str | None = Field(None, min_length=1, max_length=4096)
    press: Press | None = None
    profile: Literal["default", "exec", "query"] = "default"
    name: str | None = None  # the WhatsApp profile name

    @model_validator(mode="after")
    def _one_message(self) -> TurnRequest:
        if (self.text is None) == (self.press is None):
            raise ValueError("give exactly one of text (a message) and press (a button or list row)")
        return self


class TurnReport(BaseModel):
    """One turn as its user got it, and everything recorded about it."""

    turn_id: str
    status: str  # the worker's: ok, failed, timeout, limited…
    parts: list[ReplyPart]  # as sent, fitted to WhatsApp
    agent: list[dict[str, Any]] = Field(default_factory=list)  # the agent's traces (agent/agent.py)
    tools: list[dict[str, Any]] = Field(default_factory=list)  # the tool calls the executor recorded
    log: Interaction | None = None  # the interaction log's entry: path, outcome, latency, tokens


def inbound_of(request: TurnRequest) -> Any:
    """The message as WhatsApp's normalizer makes it from a webhook, on the playground channel."""
    wamid = f"wamid.playground.{uuid.uuid4().hex}"
    if request.press is None:
        message = bodies.text_message(wamid, request.wa_id, request.text or "")
    elif request.press.row:
        message = bodies.list_reply(wamid, request.wa_id, request.press.id, request.press.title)
    else:
        message = bodies.button_reply(wamid, request.wa_id, request.press.id, request.press.title)
    envelope = parse_envelope(bodies.body_of(bodies.envelope(NAME, message, name=request.name)))
    metadata, contact, parsed = next(envelope.iter_messages())
    inbound = to_inbound(metadata, contact, parsed)
    extra = {**inbound.extra, "outcome": outcome_of(inbound.type), "profile": request.profile}
    return inbound.model_copy(update={"channel": NAME, "extra": extra})


async def stream_tails(redis: aioredis.Redis, keys: Keys) -> dict[str, str]:
    """The last entry id of the streams a turn writes to: what comes after belongs to later turns."""
    tails = {}
    for stream in (keys.turns, keys.agent_traces, keys.tool_calls):
        last = await redis.xrevrange(stream, count=1)
        tails[stream] = _text(last[0][0]) if last else "0-0"
    return tails


async def turn_details(
    redis: aioredis.Redis, keys: Keys, turn_id: str, after: dict[str, str], sealer: Sealer | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The agent's traces and the tool calls of one turn, written after `after` (stream_tails),
    decrypted (base/sealing.py)."""
    agent: list[dict[str, Any]] = []
    for _, raw in await redis.xrange(keys.agent_traces, min=f"({after[keys.agent_traces]}"):
        fields = open_entry(sealer, "agent", raw)
        if _text(fields.get(b"turn_id", b"")) == turn_id and b"trace" in fields:
            agent.append(orjson.loads(fields[b"trace"]))
    tools = []
    for _, raw in await redis.xrange(keys.tool_calls, min=f"({after[keys.tool_calls]}"):
        entry = {_text(k): _text(v) for k, v in open_entry(sealer, "tools", raw).items()}
        if entry.get("turn_id") == turn_id:
            entry["args"] = orjson.loads(entry.get("args") or "{}")
            tools.append(entry)
    return agent, tools


async def _finished(
    redis: aioredis.Redis, stream: str, after: str, message_id: str, timeout_s: float
) -> dict[str, str] | None:
    """The turns-stream entry of the finished turn that covered the message; None at the deadline."""
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        found = await redis.xread({stream: after}, count=50, block=max(1, int(min(left, 1) * 1000)))
        for _, entries in found or []:
            for entry_id, fields in entries:
                after = _text(entry_id)
                entry = {_text(k): _text(v) for k, v in fields.items()}
                if message_id in orjson.loads(entry.get("messages") or "[]") and entry.get("status") != RETRY:
                    return entry
    return None


def _container(request: Request) -> Any:
    container = getattr(request.app.state, "container", None)
    if container is None or NAME not in container.channels:
        raise HTTPException(503, "the service is starting: the playground is not available yet")
    return container


def playground_router(settings: Settings, guard: Any = None) -> APIRouter:
    """`guard`: the dashboard's admin sign-in (hudhud/admin/auth.py); by default `admin_guard`."""
    checks = [Depends(guard or admin_guard(settings))]
    router = APIRouter(prefix=PREFIX, tags=["admin: playground"], dependencies=checks)

    @router.post("/turn", summary="One turn as a WhatsApp user, answered into the sandbox, with its trace")
    async def turn(body: TurnRequest, container: Any = Depends(_container)) -> TurnReport:
        redis, keys = container.redis, container.keys
        inbound = inbound_of(body)
        tails = await stream_tails(redis, keys)
        conv = conversation_id(NAME, body.wa_id)
        job = Job(inbound.id, "message", conv, inbound.model_dump_json().encode())
        try:
            await container.accept_jobs([job])
        except SinkUnavailable:
            raise HTTPException(503, UNAVAILABLE) from None
        wait_s = settings.queue.turn_timeout_ms / 1000 + MARGIN_S
        entry = await _finished(redis, keys.turns, tails[keys.turns], inbound.id, wait_s)
        if entry is None:
            raise HTTPException(
                504, f"no worker finished the turn within {wait_s:.0f} s (is a worker running? `hudhud up`)"
            )
        turn_id = entry["turn_id"]
        agent, tools = await turn_details(redis, keys, turn_id, tails, container.cipher)
        records = await container.delivery.outbox.load(turn_id) or []
        log: InteractionLog = container.interactions
        logged = await log.query(wa_id=body.wa_id, limit=20)
        return TurnReport(
            turn_id=turn_id,
            status=entry.get("status", ""),
            parts=[r.part for r in records],
            agent=agent,
            tools=tools,
            log=next((e for e in logged if e.turn_id == turn_id and e.status != RETRY), None),
        )

    return router


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
