"""The dead-letter stream: what failed too often, kept with its error so nothing is lost.

A turn's messages and every error (which may quote the user) are stored encrypted, bound to the
conversation and turn written clear beside them (base/sealing.py); `list` and `retry` decrypt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis

from base.keys import Keys
from base.sealing import Sealer, aad_inbox, entry_aad, open_entry, seal, unseal
from base.settings import Settings
from memory.crypto import Cipher


@dataclass
class DeadLetter:
    id: str
    kind: str
    conv: str
    error: str
    fields: dict[str, str]


class DeadLetters:
    def __init__(self, redis: aioredis.Redis, keys: Keys, sealer: Sealer | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._sealer = sealer

    @classmethod
    def from_settings(cls, redis: aioredis.Redis, settings: Settings) -> DeadLetters:
        cipher = Cipher.from_settings(settings.memory, settings.runtime)
        return cls(redis, Keys(settings.queue.redis_prefix), cipher)

    async def trim(self, *, maxlen: int, retention_s: float, now: float | None = None) -> int:
        """Drop dead letters beyond `maxlen` (oldest first) and older than `retention_s`: they hold
        people's messages, so they are kept long enough to be looked at and retried, not forever."""
        oldest_ms = int(((time.time() if now is None else now) - retention_s) * 1000)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xtrim(self._keys.dead, minid=f"{max(oldest_ms, 0)}-0", approximate=False)
            pipe.xtrim(self._keys.dead, maxlen=maxlen, approximate=False)
            aged, over = await pipe.execute()
        return int(aged) + int(over)

    async def list(self, limit: int = 20, *, before: str | None = None) -> list[DeadLetter]:
        """Newest first; `before`: the id of the last one of the previous page."""
        rows = await self._redis.xrevrange(self._keys.dead, max=f"({before}" if before else "+", count=limit)
        return [self._letter(entry_id, raw) for entry_id, raw in rows]

    def _letter(self, entry_id: bytes, raw: dict[bytes, bytes]) -> DeadLetter:
        return _letter(entry_id, raw, self._sealer)

    async def get(self, entry_id: str) -> DeadLetter | None:
        rows = await self._redis.xrange(self._keys.dead, min=entry_id, max=entry_id)
        return self._letter(*rows[0]) if rows else None

    async def count(self) -> int:
        return int(await self._redis.xlen(self._keys.dead))

    async def discard(self, entry_id: str) -> bool:
        """Drop a dead letter for good (its messages with it)."""
        return bool(await self._redis.xdel(self._keys.dead, entry_id))

    async def retry(self, entry_id: str) -> bool:
        """Queue the dead letter again: a turn's messages go back to the front of their inbox."""
        rows = await self._redis.xrange(self._keys.dead, min=entry_id, max=entry_id)
        if not rows:
            return False
        fields = rows[0][1]
        kind = fields.get(b"kind", b"").decode()
        conv = fields.get(b"conv", b"").decode()
        async with self._redis.pipeline(transaction=True) as pipe:
            if kind == "turn":
                messages = orjson.loads(
                    unseal(self._sealer, fields[b"messages"], entry_aad("dead", fields, "messages"))
                )
                for message in reversed(messages):
                    pipe.lpush(
                        self._keys.inbox(conv), seal(self._sealer, orjson.dumps(message), aad_inbox(conv))
                    )
                pipe.xadd(self._keys.inbound, {"kind": "message", "conv": conv})
            else:
                job = {k: v for k, v in fields.items() if k in (b"kind", b"conv", b"data")}  # data: a status
                pipe.xadd(self._keys.inbound, job)
            pipe.xdel(self._keys.dead, entry_id)
            await pipe.execute()
        return True


def _letter(entry_id: bytes, raw: dict[bytes, bytes], sealer: Sealer | None) -> DeadLetter:
    """A dead letter as readers see it: its messages and error decrypted (base/sealing.py)."""
    fields = {k.decode(): v.decode(errors="replace") for k, v in open_entry(sealer, "dead", raw).items()}
    return DeadLetter(
        entry_id.decode(), fields.get("kind", ""), fields.get("conv", ""), fields.get("error", ""), fields
    )
