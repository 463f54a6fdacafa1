"""Noticing a Redis that lost its data under a running service.

The service writes a sentinel key when it starts. A Redis restarted without persistence, or flushed,
loses the sentinel with everything else, and the next check finds it missing: the loss is logged,
counted (`hudhud_redis_data_losses_total`) and put in the events stream, and the sentinel is written
again. `SET NX` makes the first process to notice the one that records it, so a fleet counts a loss
once. Workers recreate their consumer group on their own (NOGROUP), so what arrives afterwards is
answered; what was queued before the loss is gone, and this is how operators learn of it.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis
import structlog

from base.keys import Keys
from hudhud import metrics

log = structlog.get_logger(__name__)


class RedisWatch:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, events_maxlen: int) -> None:
        self._redis = redis
        self._keys = keys
        self._events_maxlen = events_maxlen

    async def mark_start(self) -> bool:
        """Write the sentinel unless it is there; True when it was not (a new Redis, or one emptied
        while no process of ours was running: the two cannot be told apart)."""
        fresh = bool(await self._redis.set(self._keys.sentinel, repr(time.time()), nx=True))
        if fresh:
            log.info("redis holds no hudhud data yet (new, or emptied while the service was down)")
        return fresh

    async def check(self) -> bool:
        """True when this call found the data lost (and recorded it)."""
        if await self._redis.exists(self._keys.sentinel):
            return False
        now = time.time()
        if not await self._redis.set(self._keys.sentinel, repr(now), nx=True):
            return False  # another process noticed first and recorded it
        metrics.REDIS_DATA_LOSSES.inc()
        log.error(
            "redis lost its data (restarted without persistence, or flushed): queued messages, outboxes"
            " and leases are gone; the worker group is recreated and new messages are answered"
        )
        await self._redis.xadd(
            self._keys.events,
            {"type": "redis_data_lost", "data": f'{{"noticed_at": {now}}}'},
            maxlen=self._events_maxlen,
            approximate=True,
        )
        return True

    async def data_since(self) -> float | None:
        """When the sentinel was written: the start of what this Redis remembers."""
        raw = await self._redis.get(self._keys.sentinel)
        return float(raw) if raw else None
