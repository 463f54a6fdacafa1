"""Conversation history: every message of one user with one bot profile, in plain Redis, text encrypted.

Layout (key names in base/keys.py), per conversation (profile, wa_id):

- `…:log` a list of entries, oldest first. Each entry is JSON whose metadata stays clear (seq, turn id,
  role, time, token count, language, message ids) so the window can be chosen without decrypting, and
  whose content (text, tool calls, tool result) is one AES-GCM value bound to the conversation.
- `…:meta` a hash: the last sequence number given and the rolling summary (encrypted) with the last
  seq it covers and its token count.
- `…:turns` the turn ids recorded lately (bounded): a retried turn is recorded once.
- `histidx:<wa_id>` the profiles holding history for the user: forget and export need no SCAN.

Sequence numbers are given by the append script, contiguous per conversation, so the entry with seq s
sits at list index s - seq(first entry): older ranges are addressed directly, never searched.

The window is chosen in Redis by a script (memory/history.lua) walking back from the newest end in pages
and reading only each entry's token count, so its cost depends on the window, not on the length of the
history, and only the chosen entries travel and get decrypted. Every key of a conversation gets the
retention TTL again on each append.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal, Protocol

import orjson
import redis.asyncio as aioredis
import structlog
from pydantic import BaseModel, Field
from redis.exceptions import WatchError

from base.keys import Keys
from memory.crypto import Cipher, UndecryptableError

if TYPE_CHECKING:
    from base.settings import MemorySettings

log = structlog.get_logger(__name__)

Role = Literal["user", "assistant", "tool"]


class TokenCounter(Protocol):
    """What history needs of the model's tokenizer (the agent's counters fit it)."""

    async def count(self, text: str) -> int: ...


def _load_scripts() -> dict[str, str]:
    """history.lua's `-- @script NAME` sections, by name."""
    text = resources.files("memory").joinpath("history.lua").read_text()
    sections = text.split("\n-- @script ")[1:]
    return {name.strip(): body for name, _, body in (section.partition("\n") for section in sections)}


_SCRIPTS = _load_scripts()


class HistoryEntry(BaseModel):
    """One message of a conversation: what the user wrote, what the bot answered, a tool call or result."""

    seq: int = 0  # given by the store at append, increasing per conversation
    turn_id: str = ""
    role: Role
    text: str = ""
    message_ids: list[str] = Field(default_factory=list)  # WhatsApp message ids (wamid) behind it
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)  # {"name": …, "args": {…}}
    tool_result: dict[str, Any] | None = None  # e.g. {"ok": true, "refs": {"task_id": 42}, "summary": "…"}
    lang: str | None = None
    ts: float = Field(default_factory=time.time)
    tokens: int = 0  # counted once at append with the model's tokenizer; loading never re-tokenizes


class Summary(BaseModel):
    text: str
    upto_seq: int  # the last message it covers
    tokens: int


class Window(BaseModel):
    """What the prompt gets: the rolling summary of older messages, then the newest messages (newest last)."""

    summary: str | None = None
    summary_upto: int = 0
    messages: list[HistoryEntry] = Field(default_factory=list)
    tokens: int = 0  # summary + messages


@dataclass
class RotationReport:
    conversations: int = 0
    checked: int = 0  # encrypted values looked at
    reencrypted: int = 0  # values rewritten under the current key
    unreadable: int = 0  # values no key of the keyring opens: left as they are
    unreadable_at: list[str] = field(default_factory=list)  # where they are (key, seq): never their content


def estimate_tokens(text: str) -> int:
    """The fallback count without a tokenizer: about three characters a token, close enough to budget."""
    return len(text) // 3 + 1 if text else 0


class ConversationHistory:
    first_page_max = 128
    first_page_min = 8
    max_turn_ids = 2_000  # retried turns come back within minutes; this remembers far more

    def __init__(
        self,
        redis: aioredis.Redis,
        keys_or_prefix: Keys | str,
        cipher: Cipher,
        *,
        ttl_s: int,
        max_messages: int,
        counter: TokenCounter | None = None,
    ) -> None:
        if ttl_s <= 0 or max_messages <= 0:
            raise ValueError("ttl_s and max_messages must be positive")
        self._redis = redis
        self.keys = keys_or_prefix if isinstance(keys_or_prefix, Keys) else Keys(keys_or_prefix)
        self.cipher = cipher
        self.ttl_s = ttl_s
        self.max_messages = max_messages
        self.counter = counter
        self._append = redis.register_script(_SCRIPTS["append"])
        self._tail = redis.register_script(_SCRIPTS["tail"])
        self._set_summary = redis.register_script(_SCRIPTS["set_summary"])
        self._rewrite = redis.register_script(_SCRIPTS["rewrite"])
        self._release = redis.register_script(_SCRIPTS["release"])
        # What loading has cost so far (for tests and the benchmark): entries sent to this client, and
        # entries the window script looked at in Redis to choose them.
        self.entries_read = 0
        self.entries_scanned = 0

    @classmethod
    def from_settings(
        cls,
        redis: aioredis.Redis,
        keys: Keys,
        memory: MemorySettings,
        cipher: Cipher,
        *,
        counter: TokenCounter | None = None,
    ) -> ConversationHistory:
        return cls(
            redis,
            keys,
            cipher,
            ttl_s=memory.history_ttl_s,
            max_messages=memory.history_max_messages,
            counter=counter,
        )

    # ------------------------------------------------------------------ writing

    async def append_turn(
        self, profile: str, wa_id: str, turn_id: str, entries: Sequence[HistoryEntry]
    ) -> bool:
        """Record a turn's messages in order; False (nothing written) when this turn is already recorded."""
        return await self.append(profile, wa_id, turn_id, entries) > 0

    async def append(self, profile: str, wa_id: str, turn_id: str, entries: Sequence[HistoryEntry]) -> int:
        """`append_turn`, answering the sequence number of the last message written (the conversation's
        count of messages ever recorded); 0 when nothing was written."""
        if not entries:
            return 0
        aad = _aad(profile, wa_id)
        bodies = []
        for entry in entries:
            tokens = entry.tokens or await self._count_entry(entry)
            clear = {  # "tokens" first: the scripts read it right after "seq" without parsing JSON
                "tokens": tokens,
                "turn_id": turn_id,
                "role": entry.role,
                "ts": entry.ts,
                "lang": entry.lang,
                "message_ids": entry.message_ids,
                "c": self.cipher.encrypt(orjson.dumps(_content(entry)), aad),
            }
            bodies.append(orjson.dumps(clear))
        first = int(
            await self._append(
                keys=self._conv_keys(profile, wa_id),
                args=[turn_id, self.ttl_s, self.max_messages, self.max_turn_ids, profile, *bodies],
            )
        )
        return first + len(bodies) - 1 if first > 0 else 0

    async def set_summary(self, profile: str, wa_id: str, text: str, upto_seq: int) -> bool:
        """Store the rolling summary covering messages up to `upto_seq`; False if a newer one is there
        or the conversation no longer exists."""
        tokens = await self.count(text)
        value = self.cipher.encrypt(text, _aad(profile, wa_id, "summary"))
        done = await self._set_summary(
            keys=[self.keys.history(profile, wa_id), self.keys.history_meta(profile, wa_id)],
            args=[value, upto_seq, tokens],
        )
        return bool(done)

    # ------------------------------------------------------------------ reading

    async def window(self, profile: str, wa_id: str, *, max_tokens: int) -> Window:
        """The summary and the newest messages that fit `max_tokens` together (newest last).

        The summary counts against the budget when it fits in it (else it is left out); messages are
        taken from the newest back while they fit, and a window never starts with a tool result whose
        call fell outside it.
        """
        if max_tokens <= 0:
            return Window()
        meta, chosen, summary_fits = await self._run_tail(profile, wa_id, max_tokens, "window")
        summary = self._summary_of(profile, wa_id, meta) if summary_fits else None
        messages = self._open(profile, wa_id, reversed(chosen))
        while messages and messages[0].role == "tool":
            messages.pop(0)
        used = sum(m.tokens for m in messages) + (summary.tokens if summary else 0)
        return Window(
            summary=summary.text if summary else None,
            summary_upto=summary.upto_seq if summary else 0,
            messages=messages,
            tokens=used,
        )

    async def unsummarized(
        self, profile: str, wa_id: str, *, keep_tokens: int, limit: int | None = None
    ) -> list[HistoryEntry]:
        """Messages older than the window of `keep_tokens` and newer than the summary, oldest first
        (the oldest `limit` of them when given)."""
        meta, items, _ = await self._run_tail(profile, wa_id, keep_tokens, "older", limit or 2**40)
        upto = int(meta.get(b"summary_upto", 0))
        return self._open(profile, wa_id, [item for item in items if item["seq"] > upto])

    async def summary(self, profile: str, wa_id: str) -> Summary | None:
        meta = await self._redis.hgetall(self.keys.history_meta(profile, wa_id))
        return self._summary_of(profile, wa_id, meta)

    async def read(
        self, profile: str, wa_id: str, *, offset: int = 0, limit: int = 50, newest_first: bool = False
    ) -> list[HistoryEntry]:
        """A page of the history for the dashboard: from the oldest (or newest) end, skipping `offset`."""
        if limit <= 0 or offset < 0:
            return []
        key = self.keys.history(profile, wa_id)
        if newest_first:
            raw = await self._redis.lrange(key, -(offset + limit), -(offset + 1))
            raw.reverse()
        else:
            raw = await self._redis.lrange(key, offset, offset + limit - 1)
        self.entries_read += len(raw)
        return self._open(profile, wa_id, map(orjson.loads, raw))

    async def length(self, profile: str, wa_id: str) -> int:
        return int(await self._redis.llen(self.keys.history(profile, wa_id)))

    async def conversations(self, wa_id: str) -> list[str]:
        """The profiles holding history for this user (whose history has not expired)."""
        profiles = sorted(p.decode() for p in await self._redis.smembers(self.keys.history_profiles(wa_id)))
        if not profiles:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for profile in profiles:
            pipe.exists(self.keys.history(profile, wa_id))
        alive = await pipe.execute()
        return [p for p, ok in zip(profiles, alive, strict=True) if ok]

    # ------------------------------------------------------------------ privacy

    async def delete_user(self, wa_id: str) -> int:
        """Delete every key of every conversation of this user, summaries and indexes included.

        Atomic against a concurrent append: the index is watched, so a conversation started meanwhile is
        deleted too. Returns how many keys were deleted.
        """
        index = self.keys.history_profiles(wa_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(index)
                    profiles = [p.decode() for p in await pipe.smembers(index)]
                    doomed = [index]
                    for profile in profiles:
                        doomed += [
                            *self._conv_keys(profile, wa_id)[:3],
                            self.keys.history_fold_lock(profile, wa_id),
                        ]
                    pipe.multi()
                    pipe.delete(*doomed)
                    (deleted,) = await pipe.execute()
                    return int(deleted)
                except WatchError:  # pragma: no cover - an append landed between WATCH and EXEC
                    continue

    async def export_user(self, wa_id: str) -> dict[str, Any]:
        """All conversation data held about one user, decrypted, as JSON-able data."""
        conversations: dict[str, Any] = {}
        for profile in await self.conversations(wa_id):
            key = self.keys.history(profile, wa_id)
            raw = await self._redis.lrange(key, 0, -1)
            self.entries_read += len(raw)
            messages: list[dict[str, Any]] = []
            for item in map(orjson.loads, raw):
                try:
                    messages.append(self._decrypt_entry(profile, wa_id, item).model_dump(mode="json"))
                except UndecryptableError as exc:
                    messages.append({"seq": item["seq"], "role": item["role"], "ts": item["ts"],
                                     "undecryptable": str(exc)})  # fmt: skip
            summary = await self.summary(profile, wa_id)
            conversations[profile] = {
                "summary": summary.model_dump() if summary else None,
                "messages": messages,
                "expires_in_s": await self._redis.ttl(key),
            }
        return {"wa_id": wa_id, "exported_at": time.time(), "conversations": conversations}

    # ------------------------------------------------------------------ key rotation

    async def reencrypt_all(self) -> RotationReport:
        """Rewrite every stored message and summary under the current key (after a rotation), so the old
        key can be dropped from HUDHUD_ENCRYPTION_OLD_KEYS. Values no key opens are left and counted."""
        report = RotationReport()
        async for raw_key in self._redis.scan_iter(match=self.keys.history_logs(), count=500):
            key = raw_key.decode()
            profile, wa_id = self.keys.history_owner(key)
            report.conversations += 1
            pairs: list[bytes | str] = []
            for value in await self._redis.lrange(key, 0, -1):
                item = orjson.loads(value)
                new = self._reencrypt(item["c"], _aad(profile, wa_id), report, f"{key} seq {item['seq']}")
                if new is not None:
                    item["c"] = new
                    pairs += [value, orjson.dumps(item)]
            meta_key = self.keys.history_meta(profile, wa_id)
            old_summary = await self._redis.hget(meta_key, "summary")
            new_summary = (
                self._reencrypt(
                    old_summary.decode(), _aad(profile, wa_id, "summary"), report, f"{meta_key} summary"
                )
                if old_summary
                else None
            )
            if pairs or new_summary is not None:
                summary_args = [old_summary, new_summary] if old_summary and new_summary else ["", ""]
                await self._rewrite(keys=[key, meta_key], args=[*summary_args, *pairs])
        return report

    def _reencrypt(self, value: str, aad: str, report: RotationReport, where: str) -> str | None:
        report.checked += 1
        if not self.cipher.needs_reencrypt(value):
            return None
        try:
            new = self.cipher.reencrypt(value, aad)
        except UndecryptableError:
            report.unreadable += 1
            report.unreadable_at.append(where)
            return None
        report.reencrypted += 1
        return new

    # ------------------------------------------------------------------ summary folding guard

    @asynccontextmanager
    async def fold_lock(self, profile: str, wa_id: str, *, ttl_ms: int = 60_000) -> AsyncIterator[bool]:
        """Yields True when this caller holds the conversation's fold lock (released on exit)."""
        key = self.keys.history_fold_lock(profile, wa_id)
        token = uuid.uuid4().hex
        held = bool(await self._redis.set(key, token, nx=True, px=ttl_ms))
        try:
            yield held
        finally:
            if held:
                await self._release(keys=[key], args=[token])

    # ------------------------------------------------------------------ internals

    async def count(self, text: str) -> int:
        if not text:
            return 0
        return await self.counter.count(text) if self.counter is not None else estimate_tokens(text)

    async def _count_entry(self, entry: HistoryEntry) -> int:
        parts = [entry.text]
        if entry.tool_calls:
            parts.append(orjson.dumps(entry.tool_calls).decode())
        if entry.tool_result is not None:
            parts.append(orjson.dumps(entry.tool_result).decode())
        if len(parts) == 1:  # a message's text alone: no task to count it in
            return await self.count(parts[0])
        return sum(await asyncio.gather(*(self.count(p) for p in parts if p)))

    def _conv_keys(self, profile: str, wa_id: str) -> list[str]:
        return [
            self.keys.history(profile, wa_id),
            self.keys.history_meta(profile, wa_id),
            self.keys.history_turns(profile, wa_id),
            self.keys.history_profiles(wa_id),
        ]

    async def _run_tail(
        self, profile: str, wa_id: str, budget: int, mode: str, limit: int = 0
    ) -> tuple[dict[bytes, bytes], list[dict[str, Any]], bool]:
        """Run the tail script: one round trip, whatever the budget (see history.lua).

        The first page is sized from the budget so a typical window is one LRANGE in Redis; later pages
        double. Only the entries chosen travel to this client.
        """
        page = max(self.first_page_min, min(self.first_page_max, budget // 64))
        flat, raw, scanned, fits = await self._tail(
            keys=[self.keys.history(profile, wa_id), self.keys.history_meta(profile, wa_id)],
            args=[max(budget, 0), page, mode, limit],
        )
        self.entries_scanned += int(scanned)
        self.entries_read += len(raw)
        meta = dict(zip(flat[::2], flat[1::2], strict=True))
        return meta, [orjson.loads(value) for value in raw], bool(fits)

    def _summary_of(self, profile: str, wa_id: str, meta: dict[bytes, bytes]) -> Summary | None:
        value = meta.get(b"summary")
        if not value:
            return None
        try:
            text = self.cipher.decrypt(value, _aad(profile, wa_id, "summary"))
        except UndecryptableError as exc:
            log.warning("history.summary_undecryptable", profile=profile, reason=str(exc))
            return None
        return Summary(
            text=text, upto_seq=int(meta.get(b"summary_upto", 0)), tokens=int(meta.get(b"summary_tokens", 0))
        )

    def _open(self, profile: str, wa_id: str, items: Any) -> list[HistoryEntry]:
        """Decrypt entries; one that no key opens is skipped with a warning, never an error."""
        out = []
        for item in items:
            try:
                out.append(self._decrypt_entry(profile, wa_id, item))
            except UndecryptableError as exc:
                log.warning("history.undecryptable", profile=profile, seq=item.get("seq"), reason=str(exc))
        return out

    def _decrypt_entry(self, profile: str, wa_id: str, item: dict[str, Any]) -> HistoryEntry:
        content = orjson.loads(self.cipher.decrypt_bytes(item["c"], _aad(profile, wa_id)))
        return HistoryEntry(
            seq=item["seq"],
            turn_id=item["turn_id"],
            role=item["role"],
            ts=item["ts"],
            tokens=item["tokens"],
            lang=item.get("lang"),
            message_ids=item.get("message_ids") or [],
            text=content.get("text", ""),
            tool_calls=content.get("tool_calls") or [],
            tool_result=content.get("tool_result"),
        )


def _content(entry: HistoryEntry) -> dict[str, Any]:
    """The part of an entry that is encrypted: everything the user or the tools said."""
    content: dict[str, Any] = {"text": entry.text}
    if entry.tool_calls:
        content["tool_calls"] = entry.tool_calls
    if entry.tool_result is not None:
        content["tool_result"] = entry.tool_result
    return content


def _aad(profile: str, wa_id: str, part: str = "log") -> str:
    """What a value is bound to: its conversation (not the Redis prefix, so a renamed prefix still reads)."""
    return f"hudhud:hist:{profile}:{wa_id}:{part}"
