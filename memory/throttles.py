"""Who is held back by abuse control: temporary blocks, the one notice per block, and the numbers an
admin exempted. The rules that decide live in hudhud/abuse.py; this is the state, readable by the
admin API and the CLI without the service's floors."""

from __future__ import annotations

import redis.asyncio as aioredis

from base.keys import Keys


class Throttles:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def block(self, wa_id: str, why: str, seconds: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.keys.block(wa_id), why, ex=seconds)
            pipe.delete(self.keys.block_notice(wa_id))  # a new block is told once more
            await pipe.execute()

    async def blocked(self, wa_id: str) -> str | None:
        """Why the number is blocked, while it is."""
        why = await self.redis.get(self.keys.block(wa_id))
        return why.decode() if isinstance(why, bytes) else why

    async def first_notice(self, wa_id: str, seconds: int) -> bool:
        """True once per block: the turn that should carry the notice."""
        return bool(await self.redis.set(self.keys.block_notice(wa_id), "1", nx=True, ex=seconds))

    async def unblock(self, wa_id: str) -> bool:
        """Lift a block and forget the counts that led to it (the number starts afresh)."""
        counted = [key async for key in self.redis.scan_iter(match=self.keys.rate(f"*:{wa_id}", "*"))]
        counted += [key async for key in self.redis.scan_iter(match=self.keys.flood(f"*:{wa_id}"))]
        removed = await self.redis.delete(self.keys.block(wa_id), self.keys.block_notice(wa_id), *counted)
        return removed > 0

    async def exempt(self, wa_id: str, on: bool = True) -> None:
        """An admin's override: the number skips the rate and flood limits (or no longer does)."""
        if on:
            await self.redis.sadd(self.keys.unthrottled, wa_id)
        else:
            await self.redis.srem(self.keys.unthrottled, wa_id)

    async def is_exempt(self, wa_id: str) -> bool:
        return bool(await self.redis.sismember(self.keys.unthrottled, wa_id))

    async def state(self, wa_id: str) -> dict[str, object]:
        ttl = await self.redis.ttl(self.keys.block(wa_id))
        return {
            "wa_id": wa_id,
            "blocked": await self.blocked(wa_id),
            "blocked_for_s": max(ttl, 0),
            "exempt": await self.is_exempt(wa_id),
        }
