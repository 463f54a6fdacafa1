"""conversation.lua with the job's ACK: a job is ACKed and deleted exactly when its conversation is
released with nothing waiting — not while more messages wait, not when the lease is someone else's."""

from __future__ import annotations

import redis.asyncio as aioredis

from base.keys import Keys
from hudhud.worker import _FINISH

CONV = "106540352242922:966500000001"


async def _finish(redis: aioredis.Redis, k: Keys, covered: int, token: str, entry: str) -> int:
    keys = [k.inbox(CONV), k.current_turn(CONV), k.lease(CONV), k.inbound]
    return int(await redis.eval(_FINISH, len(keys), *keys, covered, token, k.group, entry))


async def _pending(redis: aioredis.Redis, k: Keys) -> int:
    return int((await redis.xpending(k.inbound, k.group))["pending"])


async def test_the_job_is_acked_with_the_release_only(redis: aioredis.Redis, redis_prefix: str) -> None:
    k = Keys(redis_prefix)
    await redis.xgroup_create(k.inbound, k.group, id="0", mkstream=True)
    entry = (await redis.xadd(k.inbound, {"kind": "message", "conv": CONV})).decode()
    await redis.xreadgroup(k.group, "w1", {k.inbound: ">"}, count=1)
    await redis.set(k.lease(CONV), "ours")
    await redis.rpush(k.inbox(CONV), "m1", "m2")

    assert await _finish(redis, k, 1, "theirs", entry) == -1  # not our lease: nothing changes
    assert await redis.llen(k.inbox(CONV)) == 2 and await _pending(redis, k) == 1
    assert await _finish(redis, k, 1, "ours", entry) == 1  # m2 waits: the lease and the job are kept
    assert await redis.get(k.lease(CONV)) == b"ours" and await _pending(redis, k) == 1
    assert await _finish(redis, k, 1, "ours", entry) == 0  # released: ACKed and deleted with it
    assert await redis.exists(k.lease(CONV)) == 0
    assert await _pending(redis, k) == 0 and await redis.xlen(k.inbound) == 0
