"""Conversation leases: at most one worker runs a conversation's turn at a time.

A lease is a key holding the owner's random token with a TTL; the owner renews it while the turn runs
and checks the token before renewing or releasing, so a worker that stalled past its lease can never
extend or drop a lease another worker has taken since.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

_RENEW = """
local owned = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
    owned[i] = 1
  else
    owned[i] = 0
  end
end
return owned
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


_WRITE_IF_HELD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
"""


class LeaseLost(RuntimeError):
    """This worker stalled past its lease and another may run the conversation now: it must change
    nothing more there (its job stays pending and is retried, so nothing is lost)."""


class Leases:
    def __init__(self, redis: aioredis.Redis, lease_ms: int) -> None:
        self._redis = redis
        self.lease_ms = lease_ms
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._write_if_held = redis.register_script(_WRITE_IF_HELD)

    async def acquire(self, key: str, token: str) -> bool:
        return bool(await self._redis.set(key, token, nx=True, px=self.lease_ms))

    def queue_acquire(self, pipe: Pipeline, key: str, token: str) -> None:
        """`acquire` inside a caller's pipeline: its answer is truthy when the lease was taken."""
        pipe.set(key, token, nx=True, px=self.lease_ms)

    async def renew(self, held: dict[str, str]) -> dict[str, bool]:
        """Renew many leases in one round trip; returns which are still ours."""
        if not held:
            return {}
        keys = list(held)
        result = await self._renew(keys=keys, args=[self.lease_ms, *(held[k] for k in keys)])
        return {k: bool(v) for k, v in zip(keys, result, strict=True)}

    async def release(self, key: str, token: str) -> bool:
        return bool(await self._release(keys=[key], args=[token]))

    def queue_write(self, pipe: Pipeline, lease_key: str, token: str, key: str, value: bytes) -> None:
        """`write` inside a caller's pipeline: its answer is 0 when the lease is no longer ours (nothing
        written). The script whole (EVAL): redis-py's scripts in a pipeline cost a SCRIPT EXISTS first."""
        pipe.eval(_WRITE_IF_HELD, 2, lease_key, key, token, value)

    async def write(self, lease_key: str, token: str, key: str, value: bytes) -> None:
        """SET key only while holding the lease; LeaseLost otherwise."""
        if not await self._write_if_held(keys=[lease_key, key], args=[token, value]):
            raise LeaseLost(lease_key)
