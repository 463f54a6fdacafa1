"""Failed dashboard sign-ins counted in Redis, so that every API process and worker shares one count
(the core API's LoginThrottle keeps its own in memory, as it runs as one process).

The same limits: per (account, client address) a guesser at one account from one address; per client
address one address spraying many accounts. Each is refused before the password is even checked, with
the seconds to wait. A success clears the (account, client) count, so an owner is never locked out by
someone else's guesses from another address.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from base.keys import Keys

PER_ACCOUNT_CLIENT = 5
PER_CLIENT = 20
WINDOW_S = 900


class LoginThrottle:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def _scopes(self, account: str, client: str) -> list[tuple[str, int]]:
        return [
            (self._keys.admin_login_failures(f"{account}|{client}"), PER_ACCOUNT_CLIENT),
            (self._keys.admin_login_failures(f"*|{client}"), PER_CLIENT),
        ]

    async def refused(self, account: str, client: str) -> int | None:
        """Seconds until this attempt may be made, or None when it may go ahead."""
        for key, limit in self._scopes(account, client):
            count = await self._redis.get(key)
            if count is not None and int(count) >= limit:
                return max(1, int(await self._redis.ttl(key)))
        return None

    async def failed(self, account: str, client: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, _ in self._scopes(account, client):
                pipe.set(key, 0, ex=WINDOW_S, nx=True)  # the window starts at the first failure
                pipe.incr(key)
            await pipe.execute()

    async def succeeded(self, account: str, client: str) -> None:
        await self._redis.delete(self._scopes(account, client)[0][0])
