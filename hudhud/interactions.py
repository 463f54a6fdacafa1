"""The interaction log: every turn with its messages, path, tool calls, result, outcome and latency,
queryable by user, time and outcome.

It is the turns stream (`Keys.turns`), one entry per turn attempt, written by the worker, with the
agent's and the tools' own streams (`Keys.agent_traces`, `Keys.tool_calls`) holding the detail under
the same turn id. Each user has an index (`Keys.turns_of`: a sorted set of the user's entry ids by
time), so a query for one person reads only that person's entries. Retention is by age: housekeeping
trims the three streams with XTRIM MINID and the indexes with ZREMRANGEBYSCORE; an index also expires
a retention after its user's last turn.

Message and reply texts are stored only through `InteractionLog.seal` and read back only through
`InteractionLog.unseal`: the one place where encryption at rest wraps them (identity until a cipher is
given). Everything else in an entry is ids, names, numbers and codes.

Outcomes, from the worker's status and what the turn noted (base/notes.py):

| outcome | when |
|---|---|
| `ok` | answered |
| `error` | the responder failed or timed out (apology sent), the attempt failed (`retry`), or dead-lettered |
| `refused` | the core API refused this user a tool call (401/403), an undo was declined; unsupported type |
| `limited` | abuse control answered instead (blocked, limited, flood, too_long, busy, late) |
| `tool_failed` | a tool call failed (core API error or unreachable) |
| `handoff` | a person answers (hudhud/handoff.py): a turn taken while the bot is paused, a person's reply |
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel, Field
from redis.asyncio.client import Pipeline

from base.keys import Keys
from base.notes import TurnNotes
from base.sealing import Sealer, UndecryptableError, aad_entry, seal_text, unseal_text
from base.settings import Settings
from base.turn import ButtonsPart, InboundMessage, ListPart, MediaPart, ReplyPart, TemplatePart, TextPart
from memory.crypto import Cipher

Outcome = Literal["ok", "error", "refused", "limited", "tool_failed", "handoff"]
OUTCOMES: tuple[Outcome, ...] = ("ok", "error", "refused", "limited", "tool_failed", "handoff")
PAUSED = "paused"  # the worker's status of a turn taken while a person answers (hudhud/handoff.py)
HUMAN = "human"  # the status of a person's reply
LIMITED_STATUSES = frozenset({"blocked", "limited", "flood", "too_long", "busy", "late"})
ERROR_STATUSES = frozenset({"failed", "timeout", "retry", "dead"})
TRIMMED = ("turns", "agent_traces", "tool_calls")  # the streams the retention applies to

# Append an entry, index it under its user by the stream id's time, drop the user's ids older than the
# retention and keep the index a retention past this turn. KEYS: stream, index; ARGV: retention in ms,
# in s, then the fields. One round trip, and never an entry without its index line.
_APPEND = """
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('ZADD', KEYS[2], ms, id)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (ms - tonumber(ARGV[1])))
redis.call('EXPIRE', KEYS[2], ARGV[2])
return id
"""

Seal = Callable[[str, str, str], str]  # (text, conversation, field) -> what is stored


def _identity(text: str, _conv: str, _field: str) -> str:
    return text


def outcome_of(status: str, notes: TurnNotes | None) -> Outcome:
    if status in (PAUSED, HUMAN):  # not the bot's answer: counted apart, never as an `ok` one
        return "handoff"
    if status in LIMITED_STATUSES:
        return "limited"
    if status in ERROR_STATUSES:
        return "error"
    if status == "unsupported":
        return "refused"
    tools = notes.tools if notes is not None else []
    if any(t.refused for t in tools) or (notes is not None and notes.outcome == "refused"):
        return "refused"
    if any(not t.ok for t in tools):
        return "tool_failed"
    return "ok"


def reply_text(parts: Sequence[ReplyPart]) -> str:
    """What the user was sent, as text: each part's words (a template by its name)."""
    lines: list[str] = []
    for part in parts:
        if isinstance(part, TextPart | ButtonsPart | ListPart):
            lines.append(part.text)
        elif isinstance(part, MediaPart) and part.caption:
            lines.append(part.caption)
        elif isinstance(part, TemplatePart):
            lines.append(f"[template {part.name}]")
    return "\n".join(lines)


class ToolCallEntry(BaseModel):
    tool: str
    outcome: str
    status: int
    ms: float


class Interaction(BaseModel):
    """One entry of the log, texts opened."""

    id: str  # the stream id (its time, in ms, and a sequence)
    ts: float
    sent_at: float = 0.0  # when the newest message was written (the channel's clock; 0: not given)
    turn_id: str
    trace_id: str = ""
    wa_id: str = ""
    phone_number_id: str = ""
    status: str  # the worker's own: ok, failed, timeout, retry, dead, unsupported, blocked, limited…
    outcome: Outcome
    path: str = "other"
    action: str = ""
    agent_outcome: str = ""
    attempt: int = 1
    message_ids: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    text: str = ""
    reply: str = ""
    tools: list[ToolCallEntry] = Field(default_factory=list)
    error: str = ""
    ms: float = 0.0  # the turn's run, model and tools included
    wait_ms: float | None = None  # how long its job waited in the queue
    model_ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0


class InteractionLog:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        retention_s: int,
        seal: Seal = _identity,
        unseal: Seal = _identity,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.retention_s = retention_s
        self._seal = seal
        self._unseal = unseal
        self._append = redis.register_script(_APPEND)

    @classmethod
    def from_settings(
        cls, redis: aioredis.Redis, settings: Settings, *, sealer: Sealer | None = None
    ) -> InteractionLog:
        """The log as the service, the CLI and the admin API open it: its texts encrypted at rest with
        the service's cipher (base/sealing.py), bound to their conversation."""
        cipher = sealer if sealer is not None else Cipher.from_settings(settings.memory, settings.runtime)

        def sealed(text: str, conv: str, field: str) -> str:
            return seal_text(cipher, text, aad_entry("turns", conv, "", field))  # base/sealing.py STREAMS

        def opened(stored: str, conv: str, field: str) -> str:
            try:
                return unseal_text(cipher, stored, aad_entry("turns", conv, "", field))
            except UndecryptableError as exc:
                return f"<undecryptable: {exc}>"

        return cls(
            redis,
            Keys(settings.queue.redis_prefix),
            retention_s=settings.observability.log_retention_s,
            seal=sealed,
            unseal=opened,
        )

    def seal(self, text: str, conv: str, field: str) -> str:
        """The one way a text (`text`, `reply`, `error`) goes into the log."""
        return self._seal(text, conv, field) if text else ""

    def unseal(self, stored: str, conv: str, field: str) -> str:
        """The one way a text comes out of it."""
        return self._unseal(stored, conv, field) if stored else ""

    async def record(
        self,
        *,
        conv: str,
        turn_id: str,
        attempt: int,
        messages: Sequence[InboundMessage],
        status: str,
        seconds: float,
        notes: TurnNotes | None = None,
        parts: Sequence[ReplyPart] = (),
        error: str = "",
        wait_ms: float | None = None,
        trace_id: str = "",
    ) -> str:
        """Append one turn attempt and index it under its user; returns the entry id."""
        keys, args = self._append_args(
            conv=conv, turn_id=turn_id, attempt=attempt, messages=messages, status=status,
            seconds=seconds, notes=notes, parts=parts, error=error, wait_ms=wait_ms, trace_id=trace_id,
        )  # fmt: skip
        return _text(await self._append(keys=keys, args=args))

    def queue(self, pipe: Pipeline, **entry: Any) -> None:
        """`record`, inside a caller's pipeline (one round trip with its own commands). The script is
        sent whole (EVAL): a script of redis-py's in a pipeline costs a SCRIPT EXISTS round trip first;
        Redis caches the compiled script by its digest either way."""
        keys, args = self._append_args(**entry)
        pipe.eval(_APPEND, len(keys), *keys, *args)

    def _append_args(
        self,
        *,
        conv: str,
        turn_id: str,
        attempt: int,
        messages: Sequence[InboundMessage],
        status: str,
        seconds: float,
        notes: TurnNotes | None = None,
        parts: Sequence[ReplyPart] = (),
        error: str = "",
        wait_ms: float | None = None,
        trace_id: str = "",
    ) -> tuple[list[str], list[Any]]:
        """The keys and arguments of _APPEND for one turn attempt."""
        wa_id = messages[0].wa_id if messages else conv.rpartition(":")[2]
        pnid = messages[0].phone_number_id if messages else conv.partition(":")[0]
        fields: dict[str, Any] = {
            "turn_id": turn_id,
            "conv": conv,
            "wa_id": wa_id,
            "pnid": pnid,
            "status": status,
            "outcome": outcome_of(status, notes),
            "attempt": attempt,
            "messages": orjson.dumps([m.id for m in messages]),
            "types": orjson.dumps([m.type for m in messages]),
            "text": self.seal("\n".join(m.text for m in messages if m.text), conv, "text"),
            "reply": self.seal(reply_text(parts), conv, "reply"),
            "ms": round(seconds * 1000, 1),
            "trace_id": trace_id,
        }
        if any(m.timestamp for m in messages):  # WhatsApp's time of the newest: the 24-hour window's start
            fields["sent_at"] = max(m.timestamp for m in messages)
        if error:
            fields["error"] = self.seal(error, conv, "error")  # may quote the user
        if wait_ms is not None:
            fields["wait_ms"] = round(wait_ms, 1)
        if notes is not None:
            fields.update(
                path=notes.path,
                action=notes.action,
                agent_outcome=notes.outcome,
                tools=orjson.dumps([t.__dict__ for t in notes.tools]),
                model_ms=round(notes.model_ms, 1),
                tokens_in=notes.tokens_in,
                tokens_out=notes.tokens_out,
            )
        flat = [str(v) if not isinstance(v, bytes) else v for kv in fields.items() for v in kv]
        return [self._keys.turns, self._keys.turns_of(wa_id)], [
            self.retention_s * 1000,
            self.retention_s,
            *flat,
        ]

    async def query(
        self,
        *,
        wa_id: str | None = None,
        since: float | None = None,
        until: float | None = None,
        outcome: Outcome | Sequence[Outcome] | None = None,
        limit: int = 100,
    ) -> list[Interaction]:
        """Entries newest first: one user's (or everyone's), within [since, until] (UNIX seconds), of the
        given outcome(s), at most `limit`."""
        wanted = {outcome} if isinstance(outcome, str) else set(outcome or ())
        low = int(since * 1000) if since is not None else 0
        high = int(until * 1000) if until is not None else None
        out: list[Interaction] = []
        async for eid, raw in self._entries(wa_id, low, high, page=max(limit, 50)):
            entry = self._entry(eid, raw)
            if entry is None or (wanted and entry.outcome not in wanted):
                continue
            out.append(entry)
            if len(out) >= limit:
                break
        return out

    async def _entries(self, wa_id: str | None, low: int, high: int | None, *, page: int) -> Any:
        """(id, fields) newest first, a page of ids at a time, within [low, high] ms."""
        top: str = "+" if high is None else f"{high}-18446744073709551615"
        if wa_id is None:
            while True:
                rows = await self._redis.xrevrange(self._keys.turns, max=top, min=f"{low}-0", count=page)
                for eid, raw in rows:
                    yield _text(eid), raw
                if len(rows) < page:
                    return
                last_ms, seq = _text(rows[-1][0]).split("-")
                if int(seq) > 0:
                    top = f"{last_ms}-{int(seq) - 1}"
                elif int(last_ms) > low:
                    top = f"{int(last_ms) - 1}-18446744073709551615"
                else:
                    return
        index = self._keys.turns_of(wa_id)
        offset = 0
        while True:
            ids = await self._redis.zrevrangebyscore(
                index, "+inf" if high is None else high, low, start=offset, num=page
            )
            if not ids:
                return
            async with self._redis.pipeline(transaction=False) as pipe:
                for eid in ids:
                    pipe.xrange(self._keys.turns, min=_text(eid), max=_text(eid))
                found = await pipe.execute()
            for eid, rows in zip(ids, found, strict=True):
                if rows:  # trimmed from the stream: the index forgets it at the next housekeeping
                    yield _text(eid), rows[0][1]
            offset += len(ids)

    def _entry(self, eid: str, raw: dict[bytes, bytes]) -> Interaction | None:
        f = {k.decode(): v.decode(errors="replace") for k, v in raw.items()}
        if "turn_id" not in f:
            return None
        conv = f.get("conv", "")
        status = f.get("status", "")
        return Interaction(
            id=eid,
            ts=int(eid.split("-")[0]) / 1000,  # Redis's clock, which the time range queries too
            sent_at=float(f.get("sent_at") or 0),
            turn_id=f["turn_id"],
            trace_id=f.get("trace_id", ""),
            wa_id=f.get("wa_id") or conv.rpartition(":")[2],
            phone_number_id=f.get("pnid") or conv.partition(":")[0],
            status=status,
            outcome=f.get("outcome") or outcome_of(status, None),  # type: ignore[arg-type]
            path=f.get("path", "other"),
            action=f.get("action", ""),
            agent_outcome=f.get("agent_outcome", ""),
            attempt=int(f.get("attempt") or 1),
            message_ids=orjson.loads(f.get("messages") or "[]"),
            types=orjson.loads(f.get("types") or "[]"),
            text=self.unseal(f.get("text", ""), conv, "text"),
            reply=self.unseal(f.get("reply", ""), conv, "reply"),
            tools=orjson.loads(f.get("tools") or "[]"),
            error=self.unseal(f.get("error", ""), conv, "error"),
            ms=float(f.get("ms") or 0),
            wait_ms=float(f["wait_ms"]) if f.get("wait_ms") else None,
            model_ms=float(f.get("model_ms") or 0),
            tokens_in=int(f.get("tokens_in") or 0),
            tokens_out=int(f.get("tokens_out") or 0),
        )

    async def trim(self, *, now: float | None = None) -> int:
        """Drop what is older than the retention from the log, the agent and tool streams and the user
        indexes; returns how many stream entries went."""
        oldest_ms = max(int(((time.time() if now is None else now) - self.retention_s) * 1000), 0)
        streams = [getattr(self._keys, name) for name in TRIMMED]
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream in streams:
                pipe.xtrim(stream, minid=f"{oldest_ms}-0", approximate=False)
            dropped = await pipe.execute()
        # A user's index drops its old ids at each new turn and expires a retention after the last one.
        return sum(int(n) for n in dropped)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(text: str, *, now: float | None = None) -> float:
    """A point in time as people write it: `15m`, `2h`, `7d` ago, an ISO date or date-time (UTC unless it
    says otherwise), or UNIX seconds. ValueError with the accepted forms otherwise."""
    now = time.time() if now is None else now
    value = text.strip()
    unit = _UNITS.get(value[-1:].lower())
    if unit is not None and value[:-1].replace(".", "", 1).isdigit():
        return now - float(value[:-1]) * unit
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (use 15m, 2h or 7d ago, 2026-05-01, 2026-05-01T08:00, or UNIX seconds)"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
