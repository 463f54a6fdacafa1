"""Key rotation: every stored encrypted value rewritten under the current key (`hudhud memory rotate`).

After HUDHUD_ENCRYPTION_KEY got a new key and the previous one moved to HUDHUD_ENCRYPTION_OLD_KEYS,
this walks every place that holds encrypted text (docs/memory.md lists them) with SCAN and pages, and
rewrites each value still under an old key:

- each rewrite is a compare-and-set in Redis (the value is replaced only if it is still the one read),
  TTLs untouched, so it runs beside a live service and a value changed meanwhile is left to its writer;
- a stream entry cannot be changed in place: the stream is copied with the new values, same ids and
  last id, and renamed over the old one, in one script (the operator streams are capped: cheap);
- values already under the current key, and values written in clear before encryption at rest, are
  left as they are, so it is idempotent and can be stopped and run again;
- a value no key opens is left as it is and named in the report (by key and field, never content).

Once a run reports nothing unreadable, the old key can leave HUDHUD_ENCRYPTION_OLD_KEYS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, HTTPException, Request

from base.keys import Keys
from base.sealing import (
    STREAMS,
    UndecryptableError,
    aad_inbox,
    aad_outbox,
    aad_sandbox,
    aad_turn,
    aad_undo,
    aad_waiting,
    entry_aad,
    is_sealed,
)
from base.settings import Settings
from memory.crypto import Cipher
from memory.kb_api import admin_guard

if TYPE_CHECKING:
    from memory.history import ConversationHistory
    from memory.longterm import UserMemories

# Compare-and-set scripts: a value is replaced only while it is still the one read.
_SET_STRING = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
"""
_SET_FIELDS = """
local n = 0
for i = 1, #ARGV, 3 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    n = n + 1
  end
end
return n
"""
_SET_ELEMENTS = """
local n = 0
for i = 1, #ARGV, 2 do
  local at = redis.call('LPOS', KEYS[1], ARGV[i])
  if at then
    redis.call('LSET', KEYS[1], at, ARGV[i + 1])
    n = n + 1
  end
end
return n
"""
# KEYS[1] = stream, KEYS[2] = scratch key; ARGV = (entry id, field, old value, new value)...
# The copy keeps every entry id and the stream's last id, so readers' cursors and new XADDs go on.
_REWRITE_STREAM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #redis.call('XINFO', 'GROUPS', KEYS[1]) > 0 then
  return redis.error_reply('stream has consumer groups: not rewritten')
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then last = info[i + 1] end
end
local want = {}
for i = 1, #ARGV, 4 do
  want[ARGV[i] .. '\\0' .. ARGV[i + 1]] = {ARGV[i + 2], ARGV[i + 3]}
end
local changed = 0
redis.call('DEL', KEYS[2])
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local id, fields = entry[1], entry[2]
  for j = 1, #fields, 2 do
    local w = want[id .. '\\0' .. fields[j]]
    if w and fields[j + 1] == w[1] then
      fields[j + 1] = w[2]
      changed = changed + 1
    end
  end
  redis.call('XADD', KEYS[2], id, unpack(fields))
end
if changed == 0 then
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('XSETID', KEYS[2], last)
redis.call('RENAME', KEYS[2], KEYS[1])
return changed
"""


@dataclass
class PlaceReport:
    checked: int = 0  # encrypted values looked at
    reencrypted: int = 0
    unreadable: list[str] = field(default_factory=list)  # where (key, field): never the content


@dataclass
class RotationReport:
    key_id: str  # the current key, everything readable is now under it
    places: dict[str, PlaceReport] = field(default_factory=dict)

    def place(self, name: str) -> PlaceReport:
        return self.places.setdefault(name, PlaceReport())

    @property
    def unreadable(self) -> list[str]:
        return [where for place in self.places.values() for where in place.unreadable]


@dataclass(frozen=True)
class _Value:
    """How a stored value holds its encrypted part: the whole value, or one field of its JSON."""

    aad: Callable[[str, dict[str, object]], str]  # (owner from the key, the JSON when there is one)
    json_field: str | None = None


class KeyRotation:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        cipher: Cipher,
        *,
        history: ConversationHistory | None = None,
        memories: UserMemories | None = None,
        batch: int = 500,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher
        self.history = history
        self.memories = memories
        self.batch = batch
        self._set_string = redis.register_script(_SET_STRING)
        self._set_fields = redis.register_script(_SET_FIELDS)
        self._set_elements = redis.register_script(_SET_ELEMENTS)
        self._rewrite_stream = redis.register_script(_REWRITE_STREAM)

    async def run(self) -> RotationReport:
        report = RotationReport(key_id=self.cipher.key_id)
        k = self.keys
        whole_turn = _Value(lambda conv, _: aad_turn(conv))
        await self._strings(report, "turns in progress", k.current_turn(""), whole_turn)
        for name, kind, make in (
            ("confirmations", "confirm", k.confirmation),
            ("lists to pick from", "pick", k.choice),
            ("readings offered", "mean", k.readings),
        ):
            await self._strings(report, name, make(""), _Value(_waiting(kind)))
        await self._strings(report, "undo records", k.undo(""), _Value(lambda uid, _: aad_undo(uid), "c"))
        await self._lists(report, "inboxes", k.inbox(""), _Value(lambda conv, _: aad_inbox(conv)))
        sends = _Value(
            lambda _, entry: aad_sandbox(str(entry.get("to", "")), str(entry.get("wamid", ""))), "payload"
        )
        await self._lists(report, "sandbox captures", k.sandbox("to", ""), sends)
        await self._list(report.place("sandbox captures"), k.sandbox("outbox"), "", sends)
        await self._outboxes(report)
        for stream, key in (
            ("agent", k.agent_traces),
            ("tools", k.tool_calls),
            ("dead", k.dead),
            ("events", k.events),
            ("turns", k.turns),
        ):
            await self._stream(report.place(f"stream {stream}"), stream, key)
        if self.history is not None:
            done = await self.history.reencrypt_all()
            place = report.place("conversation history")
            place.checked, place.reencrypted = done.checked, done.reencrypted
            place.unreadable += done.unreadable_at
        if self.memories is not None:
            seen, rewritten, unreadable = await self.memories.reencrypt_all(batch=self.batch)
            place = report.place("long-term memories")
            place.checked, place.reencrypted = seen, rewritten
            place.unreadable += [f"memory {mid}" for mid in unreadable]
        return report

    # ------------------------------------------------------------------ one value

    def _renew(self, raw: bytes, owner: str, how: _Value, where: str, place: PlaceReport) -> bytes | None:
        """The stored value with its encrypted part under the current key; None when it needs nothing
        (already current, clear, or unreadable: then named in the report)."""
        document: dict[str, object] = {}
        sealed: bytes | str = raw
        if how.json_field is not None:
            try:
                document = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return None
            sealed = str(document.get(how.json_field, ""))
        new = self._reencrypt(sealed, how.aad(owner, document), where, place)
        if new is None:
            return None
        if how.json_field is None:
            return new.encode()
        return orjson.dumps({**document, how.json_field: new})

    def _reencrypt(self, value: bytes | str, aad: str, where: str, place: PlaceReport) -> str | None:
        if not is_sealed(value):
            return None
        place.checked += 1
        if not self.cipher.needs_reencrypt(value):
            return None
        try:
            new = self.cipher.reencrypt(value, aad)
        except UndecryptableError:
            place.unreadable.append(where)
            return None
        return new

    # ------------------------------------------------------------------ by Redis type

    async def _scan(self, start: str) -> list[str]:
        return [key.decode() async for key in self.redis.scan_iter(match=f"{start}*", count=self.batch)]

    async def _strings(self, report: RotationReport, name: str, start: str, how: _Value) -> None:
        place = report.place(name)
        for key in await self._scan(start):
            raw = await self.redis.get(key)
            new = None if raw is None else self._renew(raw, key.removeprefix(start), how, key, place)
            if new is not None and await self._set_string(keys=[key], args=[raw, new]):
                place.reencrypted += 1

    async def _lists(self, report: RotationReport, name: str, start: str, how: _Value) -> None:
        place = report.place(name)
        for key in await self._scan(start):
            await self._list(place, key, key.removeprefix(start), how)

    async def _list(self, place: PlaceReport, key: str, owner: str, how: _Value) -> None:
        for offset in range(0, await self.redis.llen(key), self.batch):
            pairs: list[bytes] = []
            for n, raw in enumerate(await self.redis.lrange(key, offset, offset + self.batch - 1)):
                new = self._renew(raw, owner, how, f"{key} [{offset + n}]", place)
                if new is not None:
                    pairs += [raw, new]
            if pairs:
                place.reencrypted += int(await self._set_elements(keys=[key], args=pairs))

    async def _outboxes(self, report: RotationReport) -> None:
        place = report.place("outboxes")
        start = self.keys.outbox("")
        for key in await self._scan(start):
            turn_id = key.removeprefix(start)
            triples: list[bytes | str] = []
            for name, raw in (await self.redis.hgetall(key)).items():
                part = name.decode()
                if not part.startswith("p:"):
                    continue
                how = _Value(lambda turn, _, index=part[2:]: aad_outbox(turn, index))
                new = self._renew(raw, turn_id, how, f"{key} {part}", place)
                if new is not None:
                    triples += [part, raw, new]
            if triples:
                place.reencrypted += int(await self._set_fields(keys=[key], args=triples))

    async def _stream(self, place: PlaceReport, stream: str, key: str) -> None:
        sealed = STREAMS[stream][2]
        start = "-"
        while page := await self.redis.xrange(key, min=start, max="+", count=self.batch):
            changes: list[bytes | str] = []
            for entry_id, fields in page:
                for name in sealed:
                    raw = fields.get(name.encode())
                    if raw is None:
                        continue
                    where = f"{key} {entry_id.decode()} {name}"
                    new = self._reencrypt(raw, entry_aad(stream, fields, name), where, place)
                    if new is not None:
                        changes += [entry_id, name, raw, new]
            if changes:
                place.reencrypted += int(
                    await self._rewrite_stream(keys=[key, self.keys.rotating(key)], args=changes)
                )
            start = "(" + page[-1][0].decode()


def _waiting(kind: str) -> Callable[[str, dict[str, object]], str]:
    return lambda wa_id, _: aad_waiting(kind, wa_id)


def report_dict(report: RotationReport) -> dict[str, Any]:
    return {"key_id": report.key_id, "places": {name: asdict(place) for name, place in report.places.items()}}


def rotation_router(settings: Settings, guard: Any = None) -> APIRouter:
    """POST /admin/api/memory/rotate: the rotation run by the service itself (the embedded Chroma store
    has one owner), with its own keys; the same guard as the other admin routes."""
    router = APIRouter(prefix="/admin/api/memory", tags=["admin: memory"])

    @router.post(
        "/rotate",
        summary="Re-encrypt every stored value under the current key",
        dependencies=[Depends(guard or admin_guard(settings))],
    )
    async def rotate(request: Request) -> dict[str, Any]:
        container = getattr(request.app.state, "container", None)
        if container is None or container.cipher is None:
            raise HTTPException(503, "the service is starting: try again in a moment")
        data = container.user_data
        rotation = KeyRotation(
            container.redis,
            container.keys,
            container.cipher,
            history=data.history if data is not None else None,
            memories=data.memories if data is not None else None,
        )
        return report_dict(await rotation.run())

    return router
