"""Everything Hudhud holds about one WhatsApp user: exported as JSON, or deleted for good.

Deletion covers the conversation history and its summaries (every profile), long-term memories in
Chroma, the identity link (its mirror in the core API is the caller's, as it needs the service
token), preferences, pending confirmations, and the stored message bodies the pipeline keeps:
conversation inboxes and turns in progress, outboxes of the user's turns, sandbox captures, and the
entries of the capped operator streams (turns, agent traces, tool calls, dead letters) that belong
to the user. The core API's own tasks and audit log are the organization's records, not Hudhud's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
import redis.asyncio as aioredis

from base.keys import Keys
from base.sealing import Sealer, open_entry

if TYPE_CHECKING:
    from memory.history import ConversationHistory
    from memory.longterm import UserMemories

_PAGE = 1_000


@dataclass
class ForgetReport:
    wa_id: str
    history_keys: int = 0
    memories: int = 0
    keys: int = 0  # link, preferences, confirmations, inboxes, outboxes, sandbox captures
    stream_entries: int = 0
    streams: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "wa_id": self.wa_id,
            "history_keys": self.history_keys,
            "memories": self.memories,
            "keys": self.keys,
            "stream_entries": self.stream_entries,
            "streams": self.streams,
        }


class UserData:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        history: ConversationHistory | None = None,
        memories: UserMemories | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.redis = redis
        self.sealer = sealer  # stored text is encrypted (base/sealing.py): export decrypts it
        self.keys = keys
        self.history = history
        self.memories = memories

    # ------------------------------------------------------------------ export

    async def export(self, wa_id: str) -> dict[str, Any]:
        p = self.keys.prefix
        link = await self.redis.get(f"{p}:link:{wa_id}")
        prefs = await self.redis.hgetall(f"{p}:user:{wa_id}:prefs")
        turn_ids = await self._turn_ids(wa_id)
        return {
            "wa_id": wa_id,
            "exported_at": time.time(),
            "link": orjson.loads(link) if link else None,
            "preferences": {k.decode(): v.decode() for k, v in prefs.items()},
            "history": await self.history.export_user(wa_id) if self.history is not None else {},
            "memories": await self.memories.export_user(wa_id) if self.memories is not None else [],
            "tool_calls": [
                _decoded(open_entry(self.sealer, "tools", f))
                for _, f in await self._stream_matches(f"{p}:tools", wa_id, turn_ids)
            ],
            "turns": [_decoded(f) for _, f in await self._stream_matches(self.keys.turns, wa_id, turn_ids)],
        }

    # ------------------------------------------------------------------ forget

    async def forget(self, wa_id: str) -> ForgetReport:
        report = ForgetReport(wa_id=wa_id)
        p = self.keys.prefix
        turn_ids = await self._turn_ids(wa_id)  # before the history that names them is gone
        for stream in (self.keys.turns, f"{p}:agent", f"{p}:tools", self.keys.dead, self.keys.events):
            matched = await self._stream_matches(stream, wa_id, turn_ids)
            if matched:
                report.streams[stream] = await self.redis.xdel(stream, *[i for i, _ in matched])
        report.stream_entries = sum(report.streams.values())
        if self.history is not None:
            report.history_keys = await self.history.delete_user(wa_id)
        if self.memories is not None:
            report.memories = await self.memories.delete_user(wa_id)
        doomed = [
            f"{p}:link:{wa_id}",
            f"{p}:user:{wa_id}:prefs",
            f"{p}:confirm:{wa_id}",
            f"{p}:sandbox:to:{wa_id}",
            *(self.keys.outbox(t) for t in turn_ids),
        ]
        for pattern in (self.keys.inbox(f"*:{wa_id}"), self.keys.current_turn(f"*:{wa_id}")):
            doomed += [k.decode() async for k in self.redis.scan_iter(match=pattern, count=500)]
        report.keys = await self.redis.delete(*doomed) if doomed else 0
        report.keys += await self._drop_sandbox_sends(wa_id)
        return report

    # ------------------------------------------------------------------ helpers

    async def _turn_ids(self, wa_id: str) -> set[str]:
        ids: set[str] = set()
        if self.history is not None:
            exported = await self.history.export_user(wa_id)
            for entries in _conversations(exported):
                ids.update(str(e.get("turn_id")) for e in entries if e.get("turn_id"))
        for _, fields in await self._stream_matches(self.keys.turns, wa_id, set()):
            turn_id = fields.get(b"turn_id")
            if turn_id:
                ids.add(turn_id.decode())
        return ids

    async def _stream_matches(
        self, stream: str, wa_id: str, turn_ids: set[str]
    ) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """Entries of a capped stream that belong to the user: by wa_id, conversation, turn or recipient."""
        found: list[tuple[bytes, dict[bytes, bytes]]] = []
        start = "-"
        while True:
            page = await self.redis.xrange(stream, min=start, max="+", count=_PAGE)
            for entry_id, fields in page:
                if _belongs(fields, wa_id, turn_ids):
                    found.append((entry_id, fields))
            if len(page) < _PAGE:
                return found
            start = "(" + page[-1][0].decode()

    async def _drop_sandbox_sends(self, wa_id: str) -> int:
        key = self.keys.sandbox("outbox")
        dropped = 0
        for raw in await self.redis.lrange(key, 0, -1):
            try:
                to = orjson.loads(raw).get("to")
            except orjson.JSONDecodeError:
                continue
            if to == wa_id:
                dropped += await self.redis.lrem(key, 0, raw)
        return dropped


def _belongs(fields: dict[bytes, bytes], wa_id: str, turn_ids: set[str]) -> bool:
    user = wa_id.encode()
    if fields.get(b"wa_id") == user or fields.get(b"conv", b"").endswith(b":" + user):
        return True
    turn = fields.get(b"turn_id")
    if turn is not None and turn.decode() in turn_ids:
        return True
    trace = fields.get(b"trace")
    if trace is not None:
        try:
            return str(orjson.loads(trace).get("turn_id")) in turn_ids
        except orjson.JSONDecodeError:
            return False
    data = fields.get(b"data")  # statuses and events carry the recipient in their JSON
    return data is not None and (b'"' + user + b'"') in data


def _conversations(exported: dict[str, Any]) -> Iterable[list[dict[str, Any]]]:
    for conversation in (exported.get("conversations") or {}).values():
        yield [m for m in conversation.get("messages") or [] if isinstance(m, dict)]


def _decoded(fields: dict[bytes, bytes]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in fields.items():
        text = v.decode(errors="replace")
        try:
            out[k.decode()] = orjson.loads(text) if text[:1] in "[{" else text
        except orjson.JSONDecodeError:
            out[k.decode()] = text
    return out
