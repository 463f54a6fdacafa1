"""The dead-letter stream: what failed too often, kept with its error so nothing is lost."""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
import redis.asyncio as aioredis

from base.keys import Keys
from base.settings import Settings


@dataclass
class DeadLetter:
    id: str
    kind: str
    conv: str
    error: str
    fields: dict[str, str]


class DeadLetters:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    @classmethod
    def from_settings(cls, redis: aioredis.Redis, settings: Settings) -> DeadLetters:
        return cls(redis, Keys(settings.queue.redis_prefix))

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
        return [_letter(entry_id, raw) for entry_id, raw in rows]

    async def get(self, entry_id: str) -> DeadLetter | None:
        rows = await self._redis.xrange(self._keys.dead, min=entry_id, max=entry_id)
        return _letter(*rows[0]) if rows else None

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
                messages = orjson.loads(fields[b"messages"])
                for message in reversed(messages):
                    pipe.lpush(self._keys.inbox(conv), orjson.dumps(message))
                pipe.xadd(self._keys.inbound, {"kind": "message", "conv": conv})
            else:
                job = {k: v for k, v in fields.items() if k in (b"kind", b"conv", b"data")}
                pipe.xadd(self._keys.inbound, job)
            pipe.xdel(self._keys.dead, entry_id)
            await pipe.execute()
        return True


def _letter(entry_id: bytes, raw: dict[bytes, bytes]) -> DeadLetter:
    fields = {k.decode(): v.decode(errors="replace") for k, v in raw.items()}
    return DeadLetter(
        entry_id.decode(), fields.get("kind", ""), fields.get("conv", ""), fields.get("error", ""), fields
    )
