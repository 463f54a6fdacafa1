"""Everything Hudhud holds about one WhatsApp user: exported as JSON, or deleted for good.

The places come from base/keys.py: `PLACES` says, for every kind of key `Keys` builds, which place of the
export and of the forget report covers it, and `NOT_PERSONAL` why the others name no one (a test fails
when a new kind of key is in neither). Besides Redis: long-term memories in Chroma, and the core API's
link row, failed link attempts and mentions of the number (asked over HTTP with the service token, when a
core API is configured).

Entries are found by what names the user, never by their text (which may be encrypted): the number,
the conversation id (`<phone_number_id>:<wa_id>`), the user's turn ids (from history, the turns stream,
tool calls, dead letters and the turn in progress), their message ids (inbound: dedupe keys, read
receipts) and the ids of the messages sent to them (outbox records: sent records, status dedupe).
The core API's tasks and its audit log's task entries are the organization's records, not Hudhud's.
"""

from __future__ import annotations

import contextlib
import fnmatch
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import redis.asyncio as aioredis
import structlog
from redis.exceptions import ResponseError

from base.keys import Keys, conversation_id
from base.sealing import (
    Sealer,
    UndecryptableError,
    aad_inbox,
    aad_outbox,
    aad_sandbox,
    aad_turn,
    aad_undo,
    aad_waiting,
    open_entry,
    unseal,
)
from memory.throttles import Throttles

if TYPE_CHECKING:
    from memory.history import ConversationHistory
    from memory.longterm import UserMemories

log = structlog.get_logger(__name__)

_PAGE = 1_000
_STATUSES = ("sent", "delivered", "read", "failed", "deleted", "warning")  # a status job's dedupe id

# Every attribute of `Keys` that builds (or matches) a key, by the place that covers it.
PLACES: dict[str, str] = {
    "history": "history",
    "history_meta": "history",
    "history_turns": "history",
    "history_fold_lock": "history",
    "history_profiles": "history",
    "history_logs": "history",
    "history_owner": "history",
    "link": "link",
    "prefs": "preferences",
    "confirmation": "awaiting",
    "readings": "awaiting",
    "choice": "awaiting",
    "undo": "undo",
    "inbox": "conversation",
    "current_turn": "conversation",
    "lease": "conversation",
    "outbox": "outboxes",
    "sent": "sent",
    "seen": "seen",
    "rate": "abuse",
    "flood": "abuse",
    "block": "abuse",
    "block_notice": "abuse",
    "handoff": "abuse",
    "unthrottled": "abuse",
    "sandbox": "sandbox",
    "inbound": "queue",
    "dead": "dead_letters",
    "events": "events",
    "turns": "turns",
    "agent_traces": "agent_traces",
    "tool_calls": "tool_calls",
    "turns_of": "turns",
    "ops": "ops_events",
    "pace_pair": "pacing",
}
# The others, and why they hold nothing about a person.
NOT_PERSONAL: dict[str, str] = {
    "prefix": "the namespace itself",
    "group": "the workers' consumer group name",
    "everything": "a SCAN pattern of the whole namespace",
    "within": "a namespace inside this one (an eval case's)",
    "stats": "counters by status and error code, no number or id",
    "sentinel": "the time the service started",
    "rate_all": "everyone's messages in one minute, one number",
    "tool_mode": "whether a model endpoint calls tools natively",
    "minute": "one minute's aggregate counters, no number or id",
    "alert": "the alert evaluator's lease, cursor and cool-downs",
    "pace_number": "a bot number's outbound send bucket",
    "rotating": "a scratch copy of a stream while `hudhud memory rotate` rewrites it (same script)",
    "format_version": "the version of the stored formats",
    "migration_lock": "which process runs the migrations",
    "tools_off": "the names of the tools an admin switched off",
    "eval_queue": "eval run requests waiting (suites and a case filter, no user)",
    "eval_running": "the eval run request being run",
    "eval_lease": "which API process runs eval requests",
    "eval_request": "an eval run request: suites, filter, the operator who asked",
    "eval_requests": "the ids of eval run requests by time",
    "playground_drafts": "drafts of prompts and tool descriptions an admin is trying, no user's words",
    "admin_account": "a dashboard operator's account, not a WhatsApp user's",
    "admin_accounts": "the dashboard operators' usernames",
    "admin_session": "a dashboard operator's signed-in browser",
    "admin_login_failures": "failed dashboard sign-ins by operator username and address",
    # A forget is itself an admin action recorded here: the record that it was done outlives it, as the
    # core API's audit log does. It names a number only as the target of an operator's action.
    "admin_audit": "what dashboard operators did: the organization's record of its own actions",
}
# Places beyond Redis, in the same report.
ELSEWHERE = ("memories", "core")

_STREAMS = {
    "queue": "inbound",
    "dead_letters": "dead",
    "events": "events",
    "turns": "turns",
    "agent_traces": "agent_traces",
    "tool_calls": "tool_calls",
    "ops_events": "ops",  # a reply that could not be delivered: found by its turn id
}


# Streams whose entries name only a turn id: matched once every turn id of the user is known.
_BY_TURN = ("agent_traces", "ops_events")


class CoreRecords(Protocol):
    """The core API's records of a number (tools/corelinks.py), asked with the service token."""

    async def export(self, wa_id: str) -> dict[str, Any] | None: ...

    async def forget(self, wa_id: str) -> dict[str, int]: ...


@dataclass
class ForgetReport:
    wa_id: str
    places: dict[str, int] = field(default_factory=dict)  # what was deleted, per place
    core: dict[str, int] = field(default_factory=dict)  # the core API's rows, per table
    core_error: str | None = None  # the core API could not be asked: its rows are still there

    def add(self, place: str, n: int) -> None:
        self.places[place] = self.places.get(place, 0) + int(n)

    @property
    def total(self) -> int:
        return sum(self.places.values()) + sum(self.core.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "wa_id": self.wa_id,
            "places": self.places,
            "core": self.core,
            "core_error": self.core_error,
            "total": self.total,
        }


@dataclass
class _Found:
    """What names the user beyond their number: gathered before anything is deleted."""

    link: dict[str, Any] | None = None
    history: dict[str, Any] = field(default_factory=dict)
    turn_ids: set[str] = field(default_factory=set)
    message_ids: set[str] = field(default_factory=set)
    wamids: set[str] = field(default_factory=set)  # messages sent to the user
    conv_keys: dict[str, list[bytes]] = field(default_factory=dict)  # per place, keys found by SCAN
    streams: dict[str, list[tuple[bytes, dict[bytes, bytes]]]] = field(default_factory=dict)


class UserData:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        history: ConversationHistory | None = None,
        memories: UserMemories | None = None,
        core: CoreRecords | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.redis = redis
        self.sealer = sealer  # stored text is encrypted (base/sealing.py): export decrypts it
        self.keys = keys
        self.history = history
        self.memories = memories
        self.core = core

    # ------------------------------------------------------------------ export

    async def export(self, wa_id: str) -> dict[str, Any]:
        k = self.keys
        found = await self._find(wa_id)
        user_id = (found.link or {}).get("user_id")
        outboxes = {t: await self._outbox(t) for t in sorted(found.turn_ids)}
        sent = {w: _json(await self.redis.get(k.sent(w))) for w in sorted(found.wamids)}
        conversation: dict[str, Any] = {}
        for key in found.conv_keys["conversation"]:
            conversation[key.decode()] = await self._conversation_value(key)
        throttles = Throttles(self.redis, k)
        return {
            "wa_id": wa_id,
            "exported_at": time.time(),
            "link": found.link,
            "preferences": _hash(await self.redis.hgetall(k.prefs(wa_id))),
            "awaiting": {
                "confirmation": await self._sealed_json(k.confirmation(wa_id), aad_waiting("confirm", wa_id)),
                "readings": await self._sealed_json(k.readings(wa_id), aad_waiting("mean", wa_id)),
                "choice": await self._sealed_json(k.choice(wa_id), aad_waiting("pick", wa_id)),
            },
            "undo": await self._undo(int(user_id)) if user_id else None,
            "history": found.history,
            "memories": await self.memories.export_user(wa_id) if self.memories is not None else [],
            "conversation": conversation,
            "outboxes": {t: v for t, v in outboxes.items() if v},
            "sent": {w: v for w, v in sent.items() if v is not None},
            "seen": sorted(key.decode() for key in await self._existing(self._seen_keys(found))),
            "abuse": {
                **await throttles.state(wa_id),
                "counters": {key.decode(): await self._value(key) for key in found.conv_keys["abuse"]},
                "handoff": _hash(await self.redis.hgetall(k.handoff(wa_id))) or None,
            },
            "pacing": {
                key.decode(): _hash(await self.redis.hgetall(key)) for key in found.conv_keys["pacing"]
            },
            "log_index": len(await self.redis.zrange(k.turns_of(wa_id), 0, -1)),
            "sandbox": {
                "sends": await self._list_entries(k.sandbox("to", wa_id), lambda e: True),
                "reads": await self._list_entries(
                    k.sandbox("reads"), lambda e: e.get("message_id") in found.message_ids
                ),
            },
            **{place: [_decoded(f) for _, f in found.streams[place]] for place in _STREAMS},
            "core": await self._core_export(wa_id),
        }

    # ------------------------------------------------------------------ forget

    async def forget(self, wa_id: str) -> ForgetReport:
        k = self.keys
        report = ForgetReport(wa_id=wa_id)
        found = await self._find(wa_id)
        for place, attr in _STREAMS.items():
            report.add(place, await self._drop_entries(getattr(k, attr), found.streams[place]))
        if self.history is not None:
            report.add("history", await self.history.delete_user(wa_id))
        if self.memories is not None:
            report.add("memories", await self.memories.delete_user(wa_id))
        user_id = (found.link or {}).get("user_id")
        exact = {
            "link": [k.link(wa_id)],
            "preferences": [k.prefs(wa_id)],
            "awaiting": [k.confirmation(wa_id), k.readings(wa_id), k.choice(wa_id)],
            "undo": [k.undo(int(user_id))] if user_id else [],
            "outboxes": [k.outbox(t) for t in found.turn_ids],
            "sent": [k.sent(w) for w in found.wamids],
            "seen": self._seen_keys(found),
            "sandbox": [k.sandbox("to", wa_id)],
            "conversation": found.conv_keys["conversation"],
            "pacing": found.conv_keys["pacing"],
            "turns": [k.turns_of(wa_id)],
        }
        for place, doomed in exact.items():
            report.add(place, await self.redis.delete(*doomed) if doomed else 0)
        held = [k.block(wa_id), k.block_notice(wa_id), k.handoff(wa_id), *found.conv_keys["abuse"]]
        report.add("abuse", await self.redis.delete(*held) + await self.redis.srem(k.unthrottled, wa_id))
        sends, reads = k.sandbox("outbox"), k.sandbox("reads")
        report.add("sandbox", await self._drop_list_entries(sends, lambda e: e.get("to") == wa_id))
        ours = found.message_ids
        report.add("sandbox", await self._drop_list_entries(reads, lambda e: e.get("message_id") in ours))
        if self.core is not None:
            try:
                report.core = await self.core.forget(wa_id)
            except Exception as exc:  # any failure there must not undo what was deleted here
                report.core_error = f"{type(exc).__name__}: {exc}"
                log.warning("core API forget failed", error=report.core_error)
        return report

    # ------------------------------------------------------------------ finding

    async def _find(self, wa_id: str) -> _Found:
        k = self.keys
        found = _Found()
        raw_link = await self.redis.get(k.link(wa_id))
        found.link = orjson.loads(raw_link) if raw_link else None
        if self.history is not None:
            found.history = await self.history.export_user(wa_id)
            for entries in _conversations(found.history):
                found.turn_ids.update(str(e["turn_id"]) for e in entries if e.get("turn_id"))
        found.conv_keys = await self._conversation_keys(wa_id)
        for key in found.conv_keys["conversation"]:
            value = await self._conversation_value(key)
            if key.startswith(k.current_turn("").encode()):
                if isinstance(value, dict) and value.get("turn_id"):
                    found.turn_ids.add(str(value["turn_id"]))
            elif key.startswith(k.inbox("").encode()):
                found.message_ids.update(_ids(value))
        # Streams by number and conversation first (they give turn ids), then the agent's by turn id.
        for place, attr in _STREAMS.items():
            if place not in _BY_TURN:
                found.streams[place] = await self._stream_matches(getattr(k, attr), wa_id, found.turn_ids)
        for place in ("turns", "tool_calls", "dead_letters"):
            for _, fields in found.streams[place]:
                if fields.get(b"turn_id"):
                    found.turn_ids.add(fields[b"turn_id"].decode())
        for place in _BY_TURN:
            found.streams[place] = await self._stream_matches(
                getattr(k, _STREAMS[place]), wa_id, found.turn_ids
            )
        for _, fields in found.streams["turns"]:
            found.message_ids.update(str(i) for i in _json(fields.get(b"messages")) or [])
        for _, fields in found.streams["dead_letters"]:
            found.message_ids.update(_ids(_json(fields.get(b"messages")) or []))
        for _, fields in found.streams["events"]:  # messages recorded without a reply (reactions...)
            found.message_ids.update(_ids([_json(fields.get(b"data"))]))
        for turn_id in found.turn_ids:
            for record in (await self._outbox(turn_id)).values():
                if isinstance(record, dict) and record.get("wamid"):
                    found.wamids.add(str(record["wamid"]))
        for entry in await self._list_entries(k.sandbox("to", wa_id), lambda e: True):
            if entry.get("wamid"):
                found.wamids.add(str(entry["wamid"]))
        found.wamids = {w for w in found.wamids if await self._sent_to(w, wa_id)}
        return found

    async def _sent_to(self, wamid: str, wa_id: str) -> bool:
        """Whether a sent message is the user's by its sent record (or has none left): an id the
        messenger gave twice is not deleted from under someone else."""
        trace = _json(await self.redis.get(self.keys.sent(wamid)))
        return not isinstance(trace, dict) or str(trace.get("conv", "")).endswith(f":{wa_id}")

    async def _conversation_keys(self, wa_id: str) -> dict[str, list[bytes]]:
        """The keys of the user's conversations with any bot number, by place: one SCAN of the namespace."""
        k, conv = self.keys, conversation_id("*", wa_id)
        patterns = {
            "conversation": [k.inbox(conv), k.current_turn(conv), k.lease(conv)],
            "abuse": [k.flood(conv), k.rate(conv, "*")],
            "pacing": [k.pace_pair("*", wa_id)],
        }
        out: dict[str, list[bytes]] = {place: [] for place in patterns}
        async for key in self.redis.scan_iter(match=k.everything, count=1000):
            name = key.decode(errors="replace")
            for place, globs in patterns.items():
                if any(fnmatch.fnmatchcase(name, g) for g in globs):
                    out[place].append(key)
                    break
        return out

    def _seen_keys(self, found: _Found) -> list[str]:
        """Dedupe keys by message id: the user's messages, the statuses and re-engagements of ours."""
        k = self.keys
        keys = [k.seen(i) for i in found.message_ids] + [k.seen(f"ev:{i}") for i in found.message_ids]
        for wamid in found.wamids:
            keys += [k.seen(f"reengage:{wamid}"), *(k.seen(f"st:{wamid}:{s}") for s in _STATUSES)]
        keys += [k.seen(f"undelivered:{t}") for t in found.turn_ids]  # hudhud/undelivered.py's notice mark
        return keys

    async def _existing(self, keys: list[str]) -> list[bytes]:
        if not keys:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.exists(key)
            there = await pipe.execute()
        return [key.encode() for key, n in zip(keys, there, strict=True) if n]

    async def _stream_matches(
        self, stream: str, wa_id: str, turn_ids: set[str]
    ) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Entries of a stream that name the user: by number, conversation or turn id."""
        found: list[tuple[bytes, dict[bytes, bytes]]] = []
        start = "-"
        while True:
            page = await self.redis.xrange(stream, min=start, max="+", count=_PAGE)
            name = stream.rsplit(":", 1)[-1]  # agent, tools, dead, events: their sealed fields opened
            found += [(i, open_entry(self.sealer, name, f)) for i, f in page if _belongs(f, wa_id, turn_ids)]
            if len(page) < _PAGE:
                return found
            start = "(" + page[-1][0].decode()

    async def _drop_entries(self, stream: str, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        if not entries:
            return 0
        ids = [i for i, _ in entries]
        if stream == self.keys.inbound:  # acknowledged first, so no worker claims a deleted job
            with contextlib.suppress(ResponseError):  # no consumer group yet: nothing pending
                await self.redis.xack(stream, self.keys.group, *ids)
        return int(await self.redis.xdel(stream, *ids))

    async def _list_entries(self, key: str, keep: Any) -> list[dict[str, Any]]:
        out = []
        for raw in await self.redis.lrange(key, 0, -1):
            entry = _json(raw)
            if isinstance(entry, dict) and keep(entry):
                if isinstance(entry.get("payload"), str):  # a sandbox capture: sealed, bound to to + wamid
                    aad = aad_sandbox(str(entry.get("to", "")), str(entry.get("wamid", "")))
                    entry["payload"] = _json(self._open(entry["payload"], aad))
                out.append(entry)
        return out

    def _open(self, value: bytes | str | None, aad: str) -> bytes | None:
        """A stored value decrypted (one stored in clear, as it is); one no key opens is named, not shown."""
        if value is None:
            return None
        try:
            return unseal(self.sealer, value, aad)
        except UndecryptableError as exc:
            return orjson.dumps(f"<undecryptable: {exc}>")

    async def _undo(self, user_id: int) -> Any:
        """tools/undo.py's record: the idempotency key clear, the change (`c`) sealed to the user."""
        record = _json(await self.redis.get(self.keys.undo(user_id)))
        if isinstance(record, dict) and isinstance(record.get("c"), str):
            record["c"] = _json(self._open(record["c"], aad_undo(user_id)))
        return record

    async def _sealed_json(self, key: str, aad: str) -> Any:
        return _json(self._open(await self.redis.get(key), aad))

    async def _outbox(self, turn_id: str) -> dict[str, Any]:
        """A turn's outbox with its parts decrypted (hudhud/outbox.py: `p:<i>` bound to turn and index)."""
        raw = await self.redis.hgetall(self.keys.outbox(turn_id))
        out: dict[str, Any] = {}
        for name, value in raw.items():
            field_name = name.decode()
            if field_name.startswith("p:"):
                out[field_name] = _json(self._open(value, aad_outbox(turn_id, field_name[2:])))
            else:
                out[field_name] = value.decode(errors="replace")
        return out

    async def _conversation_value(self, key: bytes) -> Any:
        """An inbox (its messages) or a turn in progress, decrypted with its conversation's binding."""
        k, name = self.keys, key.decode()
        if name.startswith(k.inbox("")):
            conv = name[len(k.inbox("")) :]
            return [_json(self._open(m, aad_inbox(conv))) for m in await self.redis.lrange(key, 0, -1)]
        if name.startswith(k.current_turn("")):
            return _json(self._open(await self.redis.get(key), aad_turn(name[len(k.current_turn("")) :])))
        return await self._value(key)

    async def _drop_list_entries(self, key: str, doomed: Any) -> int:
        dropped = 0
        for raw in await self.redis.lrange(key, 0, -1):
            entry = _json(raw)
            if isinstance(entry, dict) and doomed(entry):
                dropped += await self.redis.lrem(key, 0, raw)
        return dropped

    async def _value(self, key: bytes) -> Any:
        kind = await self.redis.type(key)
        if kind == b"list":
            return [_json(v) for v in await self.redis.lrange(key, 0, -1)]
        if kind == b"hash":
            return _hash(await self.redis.hgetall(key))
        return _json(await self.redis.get(key))

    async def _core_export(self, wa_id: str) -> dict[str, Any] | None:
        if self.core is None:
            return None
        try:
            return await self.core.export(wa_id)
        except Exception as exc:  # the rest of the export stands without it
            return {"error": f"{type(exc).__name__}: {exc}"}


def _belongs(fields: dict[bytes, bytes], wa_id: str, turn_ids: set[str]) -> bool:
    user = wa_id.encode()
    if fields.get(b"wa_id") == user or fields.get(b"conv", b"").endswith(b":" + user):
        return True
    turn = fields.get(b"turn_id")
    if turn is not None and turn.decode() in turn_ids:
        return True
    trace = _json(fields.get(b"trace"))  # agent traces written before they carried a turn_id field
    if isinstance(trace, dict) and str(trace.get("turn_id")) in turn_ids:
        return True
    data = _json(fields.get(b"data"))  # statuses and events: the sender or the recipient, by field
    return isinstance(data, dict) and wa_id in (data.get("wa_id"), data.get("recipient_id"), data.get("from"))


def _ids(messages: Iterable[Any]) -> set[str]:
    return {str(m["id"]) for m in messages if isinstance(m, dict) and m.get("id")}


def _conversations(exported: dict[str, Any]) -> Iterable[list[dict[str, Any]]]:
    for conversation in (exported.get("conversations") or {}).values():
        yield [m for m in conversation.get("messages") or [] if isinstance(m, dict)]


def _json(raw: bytes | str | None) -> Any:
    if raw is None:
        return None
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    try:
        return orjson.loads(text) if text[:1] in "[{" else text
    except orjson.JSONDecodeError:
        return text


def _hash(raw: dict[bytes, bytes]) -> dict[str, Any]:
    return {k.decode(): _json(v) for k, v in raw.items()}


def _decoded(fields: dict[bytes, bytes]) -> dict[str, Any]:
    return _hash(fields)
