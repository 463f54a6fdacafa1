"""Atomic dedupe + enqueue of webhook jobs, group-committed.

Each job is deduped on its id (the wamid for messages) and queued in the same Lua step. Concurrent
webhook requests share round trips: while one script call is in flight, the jobs of requests that
arrive meanwhile wait and go together in the next call. That keeps per-request Redis cost low under
load without adding latency when the service is quiet.
"""

from __future__ import annotations

import asyncio
import time
from importlib import resources

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from base.channel import Job
from base.keys import Keys
from base.sealing import Sealer, aad_entry, aad_inbox, seal


class QueueUnavailable(RuntimeError):
    """Redis could not take the jobs: the webhook answers 503 so Meta delivers again later."""


_SCRIPT = resources.files("hudhud").joinpath("enqueue.lua").read_text()
RATE_TTL_S = 180  # a minute's counters outlive the next minute, whose sliding window still reads them


def rate_window(now: float | None = None) -> int:
    """The minute a message is counted in (UNIX minutes)."""
    return int((time.time() if now is None else now) // 60)


class Enqueuer:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        dedupe_ttl_s: int,
        events_maxlen: int,
        max_batch: int = 256,
        sealer: Sealer | None = None,
    ) -> None:
        self._keys = keys
        self._sealer = sealer
        self._script = redis.register_script(_SCRIPT)
        self._ttl = dedupe_ttl_s
        self._maxlen = events_maxlen
        self._max_batch = max_batch
        self._pending: list[tuple[list[Job], asyncio.Future[list[bool]]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def enqueue(self, jobs: list[Job]) -> list[bool]:
        """Queue jobs; returns per job whether it was new (False: a duplicate delivery)."""
        if not jobs:
            return []
        future: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        self._pending.append((jobs, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch: list[tuple[list[Job], asyncio.Future[list[bool]]]] = []
            size = 0
            while self._pending and (not batch or size + len(self._pending[0][0]) <= self._max_batch):
                item = self._pending.pop(0)
                batch.append(item)
                size += len(item[0])
            jobs = [job for group, _ in batch for job in group]
            try:
                results = await self._run(jobs)
            except (RedisError, OSError) as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(QueueUnavailable(str(exc)))
                continue
            offset = 0
            for group, future in batch:
                if not future.done():
                    future.set_result(results[offset : offset + len(group)])
                offset += len(group)

    async def _run(self, jobs: list[Job]) -> list[bool]:
        k = self._keys
        minute = rate_window()
        keys: list[str] = [k.inbound, k.events, k.rate_all(minute)]
        args: list[str | bytes | int] = [self._ttl, self._maxlen, RATE_TTL_S]
        for job in jobs:
            message = job.kind == "message"
            keys.append(k.seen(job.dedupe_id))
            keys.append(k.inbox(job.conv) if message else k.events)
            keys.append(k.rate(job.conv, minute) if message else k.events)
            args.extend((job.kind, job.conv, self._sealed(job), job.user))
        result = await self._script(keys=keys, args=args)
        return [bool(x) for x in result]

    def _sealed(self, job: Job) -> str | bytes:
        """What the script stores, encrypted here since the script runs inside Redis: a message's body
        (bound to its conversation) and an event's (bound to its sender); a status carries no text."""
        if job.kind == "message":
            return seal(self._sealer, job.data, aad_inbox(job.conv))
        if job.kind == "event":
            return seal(self._sealer, job.data, aad_entry("events", job.user, job.conv, "data"))
        return job.data
