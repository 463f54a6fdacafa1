"""One case through the real pipeline, in process.

Per case: a fresh Redis key prefix, a fresh reference core API (SQLite) seeded from the fixtures and
served over loopback, a Container built from the settings exactly as the service builds it, one
worker. Each turn is a signed webhook body handed to the same receiver the HTTP route uses (signature,
parse, dedupe, enqueue); the runner waits for the worker to finish the turn and reads back what the
sandbox messenger captured, the tool calls the executor recorded and the agent's traces.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import redis.asyncio as aioredis
from pydantic import SecretStr

from base.keys import Keys
from base.sealing import open_entry
from base.settings import Settings
from evals import webhook
from evals.results import CaseResult, ReplyRecord, ToolCallRecord, TraceRecord, TurnRecord
from evals.suite import Case, Suite, TurnSpec
from evals.world import CoreWorld

# One sandbox bot per profile: a case's turns go to the number of its profile.
PROFILE_NUMBERS = {"exec": "100000000000001", "query": "100000000000002", "default": "100000000000003"}
FINAL = ("ok", "failed", "timeout", "unsupported", "dead")


class HarnessError(RuntimeError):
    """The case could not be run as written (not a failure of the agent)."""


@dataclass
class CaseEnv:
    """What every case of a run shares: base settings, Redis, the model endpoint, the data directory.

    The data directory (Chroma: knowledge base and long-term memories; tiktoken files) is shared by the
    cases and kept between runs, so the knowledge base is ingested once, not once per case; each case
    starts with its user's long-term memories cleared, and cases of one number never run at once."""

    settings: Settings  # per-case settings are copies of these
    workdir: Path  # per-case core API databases, removed after the run
    data_dir: Path
    redis_url: str
    model_name: str
    secret: bytes = field(default_factory=lambda: uuid.uuid4().hex.encode())
    prefix: str = field(default_factory=lambda: f"eval:{uuid.uuid4().hex[:8]}")
    keep: bool = False  # keep each case's core API database for debugging
    on_container: Callable[[Any], Awaitable[None]] | None = None  # e.g. warm the local model once

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.bots_file = self.workdir / "bots.yaml"
        self.bots_file.write_text(
            "bots:\n"
            + "".join(
                f'  - {{phone_number_id: "{n}", profile: {p}, name: eval-{p}}}\n'
                for p, n in PROFILE_NUMBERS.items()
            )
        )

    def case_settings(self, *, prefix: str, core: CoreWorld, timezone: str) -> Settings:
        update: dict[str, Any] = {
            "redis_url": self.redis_url,
            "hudhud_redis_prefix": prefix,
            "core_api_url": core.url,
            "hudhud_core_api_token": SecretStr(core.service_token),
            "hudhud_bots": self.bots_file,
            "whatsapp_app_secret": SecretStr(self.secret.decode()),
            "whatsapp_verify_token": SecretStr(uuid.uuid4().hex),
            "whatsapp_access_token": None,
            "whatsapp_phone_number_id": None,
            "hudhud_timezone": timezone,
            "hudhud_data_dir": self.data_dir,
            "hudhud_block_ms": 100,
        }
        return self.settings.replace(**update)


async def run_case(
    env: CaseEnv, suite: Suite, case: Case, *, trial: int = 0, seed: int | None = None
) -> CaseResult:
    """Run every turn of the case; harness problems are kept in `result.error`, never raised."""
    result = CaseResult(
        suite=suite.name,
        case_id=case.id,
        trial=trial,
        seed=seed,
        tags=case.tags,
        split=suite.split_of(case),
        lang=case.lang,
        profile=suite.profile_of(case),
        model=env.model_name,
        clock=suite.clock.isoformat(),
    )
    started = time.perf_counter()
    key = uuid.uuid4().hex[:10]
    casedir = env.workdir / f"{suite.name}.{case.id}.{trial}.{key}"
    world = CoreWorld(casedir, suite.fixtures_of(case), timezone=suite.timezone)
    try:
        await world.start()
        result.state_before = await world.snapshot()
        case_keys = Keys(env.prefix).within(key)
        settings = env.case_settings(prefix=case_keys.prefix, core=world, timezone=suite.timezone)
        async with _pipeline(env, settings, suite, seed) as (container, receiver):
            await prepare_user(container, world, suite, case)
            chat = Conversation(
                container, receiver, env.secret, PROFILE_NUMBERS[suite.profile_of(case)], case
            )
            timeout = settings.queue.turn_timeout_ms / 1000 + 30
            for index, turn in enumerate(case.turns):
                record = await chat.send(index, turn, timeout_s=timeout)
                result.turns.append(record)
                record.state_after = await world.snapshot()  # what this turn changed: `truthful`
        result.state_after = await world.snapshot()
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        await world.stop()
        if not env.keep:
            shutil.rmtree(casedir, ignore_errors=True)
    result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


@contextlib.asynccontextmanager
async def _pipeline(env: CaseEnv, settings: Settings, suite: Suite, seed: int | None) -> AsyncIterator[Any]:
    from channels.whatsapp.webhook import WebhookReceiver
    from hudhud.container import Container

    container = await Container.open(settings)
    worker_task: asyncio.Task[None] | None = None
    try:
        agent = find_agent(container.responder)
        if agent is not None:
            agent.clock = lambda: suite.clock
            tune_sampling(agent, suite.temperature, seed)
        if env.on_container is not None:
            await env.on_container(container)
        worker = container.worker(name=f"eval-{settings.queue.redis_prefix}", concurrency=1)
        worker_task = asyncio.create_task(worker.run(), name="eval-worker")
        receiver = WebhookReceiver(
            app_secret=env.secret, max_body_bytes=settings.queue.max_body_bytes, sink=container.accept
        )
        yield container, receiver
    finally:
        if worker_task is not None:
            worker.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker_task, timeout=30)
        with contextlib.suppress(Exception):
            await _forget(container.redis, settings.queue.redis_prefix)
        await container.aclose()


def find_agent(responder: Any) -> Any:
    """The Agent behind the command router (or whatever wraps it): the object with a clock and traces."""
    seen = 0
    node = responder
    while node is not None and seen < 8:
        if hasattr(node, "clock") and hasattr(node, "traces"):
            return node
        # The command router's fallback, the agent's own wrappers in front of it (agent/awaiting.py,
        # picking.py, readings.py: `inner`), or a responder that names its agent.
        node = getattr(node, "agent", None) or getattr(node, "fallback", None) or getattr(node, "inner", None)
        seen += 1
    return None


def tune_sampling(agent: Any, temperature: float, seed: int | None) -> None:
    """Trials above temperature 0 sample with the suite's temperature and the trial's seed."""
    llm = getattr(agent, "llm", None)
    if temperature <= 0 or llm is None or not hasattr(llm, "model_copy"):
        return
    update: dict[str, Any] = {"temperature": temperature}
    if seed is not None and "seed" in type(llm).model_fields:
        update["seed"] = seed
    agent.llm = llm.model_copy(update=update)


async def prepare_user(container: Any, world: CoreWorld, suite: Suite, case: Case) -> None:
    """Link the number (as /link leaves it: in Redis and mirrored in the core API), block it when the
    case says so, remember the user's language, and store the case's long-term memories."""
    from agent.prefs import PrefsStore
    from memory.links import IdentityLinks

    user = case.user
    memories = getattr(getattr(find_agent(container.responder), "memory", None), "memories", None)
    if memories is not None:
        await memories.delete_user(user.wa_id)  # the store is shared by the run's cases
    if user.linked_as is not None:
        person = next(
            u for u in suite.fixtures_of(case).users if u.username.lower() == user.linked_as.lower()
        )
        await IdentityLinks(container.redis, container.keys).link(
            user.wa_id,
            world.user_ids[person.username.lower()],
            display_name=person.name or person.username,
            role=user.role or person.role,
        )
        await world.mirror_link(user.wa_id, person.username)
    if user.blocked:  # as `hudhud links block` leaves it: the link kept, marked blocked
        await IdentityLinks(container.redis, container.keys).block(user.wa_id)
        await world.mirror_block(user.wa_id)
    if user.lang is not None:
        await PrefsStore(container.redis, container.keys).set(user.wa_id, lang=user.lang)
    if case.memories:
        await seed_memories(container, suite.profile_of(case), user.wa_id, case.memories)


async def seed_memories(container: Any, profile: str, wa_id: str, texts: list[str]) -> None:
    """Store long-term memories in the store the agent recalls from (agent.memory.memories)."""
    store = getattr(getattr(find_agent(container.responder), "memory", None), "memories", None)
    if store is None:
        raise HarnessError("this build has no long-term memory store to seed the case's `memories` into")
    for text in texts:
        await store.remember(profile, wa_id, text)


class Conversation:
    """One user talking to one bot number, turn by turn, through the signed-webhook path."""

    def __init__(self, container: Any, receiver: Any, secret: bytes, number: str, case: Case) -> None:
        self.container = container
        self.receiver = receiver
        self.secret = secret
        self.number = number
        self.case = case
        self.redis: aioredis.Redis = container.redis
        self.buttons: list[dict[str, str]] = []  # of the last reply that had buttons
        self._seen_replies = 0
        self._cursors = {"turns": "0-0", "tools": "0-0", "agent": "0-0"}

    async def send(self, index: int, turn: TurnSpec, *, timeout_s: float) -> TurnRecord:
        record = TurnRecord(index=index, user=turn.user, press=turn.press)
        wa_id = self.case.user.wa_id
        wamid = f"wamid.eval.{uuid.uuid4().hex}"
        if turn.user is not None:
            message = webhook.text_message(wamid, wa_id, turn.user)
        else:
            button = next((b for b in self.buttons if b["id"].startswith(f"{turn.press}:")), None)
            if button is None:
                record.status, record.error = "no_buttons", f"nothing to press: no {turn.press} button before"
                return record
            message = webhook.button_reply(wamid, wa_id, button["id"], button["title"])
        body = webhook.body_of(webhook.envelope(self.number, message, name=self.case.user.name))
        started = time.perf_counter()

        async def chunks() -> AsyncIterator[bytes]:
            yield body

        status, answer, _ = await self.receiver.receive(
            chunks(), str(len(body)), webhook.signature_of(body, self.secret)
        )
        if status != 200:
            record.status, record.error = "rejected", f"webhook answered {status}: {answer.decode()}"
            return record
        finished = await self._wait_turn(wamid, timeout_s)
        record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        if finished is None:
            record.status, record.error = "no_reply", f"no finished turn within {timeout_s:.0f} s"
        else:
            record.status = finished
        record.replies = await self._new_replies(wa_id)
        for reply in record.replies:
            if reply.buttons:
                self.buttons = reply.buttons
        record.traces = [TraceRecord.model_validate(t) for t in await self._new_entries("agent")]
        record.tool_calls = [_tool_call(e) for e in await self._new_entries("tools")]
        record.tool_calls += [
            ToolCallRecord(name=t.action, args=t.args, outcome="confirm")
            for t in record.traces
            if t.outcome == "confirm"
        ]
        return record

    async def _wait_turn(self, wamid: str, timeout_s: float) -> str | None:
        deadline = time.monotonic() + timeout_s
        stream = self.container.keys.turns
        while (left := deadline - time.monotonic()) > 0:
            found = await self.redis.xread(
                {stream: self._cursors["turns"]}, count=20, block=max(1, int(min(left, 1) * 1000))
            )
            for _, entries in found or []:
                for entry_id, fields in entries:
                    self._cursors["turns"] = _text(entry_id)
                    status = _text(fields.get(b"status", b""))
                    if wamid in _text(fields.get(b"messages", b"")) and status in FINAL:
                        return status
        return None

    async def _new_replies(self, wa_id: str) -> list[ReplyRecord]:
        sent = await self.container.messengers.sandbox.recent(limit=1000, to=wa_id)
        fresh = sent[: max(0, len(sent) - self._seen_replies)]
        self._seen_replies = len(sent)
        return [reply_of(m.get("payload") or {}) for m in reversed(fresh)]

    async def _new_entries(self, name: str) -> list[dict[str, Any]]:
        keys = self.container.keys
        stream = {"agent": keys.agent_traces, "tools": keys.tool_calls, "turns": keys.turns}[name]
        rows = await self.redis.xrange(stream, min=f"({self._cursors[name]}")
        out = []
        for entry_id, fields in rows:
            self._cursors[name] = _text(entry_id)
            opened = open_entry(self.container.cipher, name, fields)  # traces and arguments are encrypted
            decoded = {_text(k): _text(v) for k, v in opened.items()}
            out.append(orjson.loads(decoded["trace"]) if name == "agent" and "trace" in decoded else decoded)
        return out


def reply_of(payload: dict[str, Any]) -> ReplyRecord:
    """A captured Cloud API payload as the transcript shows it."""
    kind = str(payload.get("type", ""))
    if kind == "text":
        return ReplyRecord(kind="text", text=payload.get("text", {}).get("body", ""))
    if kind == "interactive":
        inter = payload.get("interactive") or {}
        action = inter.get("action") or {}
        buttons = [
            {"id": b["reply"]["id"], "title": b["reply"].get("title", "")}
            for b in action.get("buttons") or []
            if isinstance(b, dict) and "reply" in b
        ]
        text = (inter.get("body") or {}).get("text", "")
        for section in action.get("sections") or []:
            text += "".join(f"\n• {row.get('title', '')}" for row in section.get("rows") or [])
        return ReplyRecord(
            kind="buttons" if buttons else str(inter.get("type", "list")), text=text, buttons=buttons
        )
    if kind == "template":
        return ReplyRecord(kind="template", text=str((payload.get("template") or {}).get("name", "")))
    media = payload.get(kind) if isinstance(payload.get(kind), dict) else {}
    return ReplyRecord(kind=kind or "unknown", text=str(media.get("caption", "")))


def _tool_call(fields: dict[str, str]) -> ToolCallRecord:
    try:
        args = orjson.loads(fields.get("args", "{}"))
    except orjson.JSONDecodeError:
        args = {}
    return ToolCallRecord(
        name=fields.get("tool", ""),
        args=args if isinstance(args, dict) else {},
        outcome=fields.get("outcome", ""),
        status=int(float(fields.get("status", 0) or 0)),
        ms=float(fields.get("ms", 0) or 0),
    )


async def _forget(redis: aioredis.Redis, prefix: str) -> None:
    keys = [k async for k in redis.scan_iter(match=Keys(prefix).everything, count=1000)]
    for i in range(0, len(keys), 500):
        await redis.delete(*keys[i : i + 500])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
