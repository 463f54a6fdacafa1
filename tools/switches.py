"""Tools an admin switched off from the dashboard, kept in Redis so every worker sees the change at its
next turn: the agent leaves them out of what the model is offered, and the executor refuses to run
them (a slash command or a tapped button reaches the executor without the model)."""

from __future__ import annotations

import redis.asyncio as aioredis

from base import readahead
from base.keys import Keys


class ToolSwitches:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def off(self) -> frozenset[str]:
        """The names of the tools switched off now (one SMEMBERS per turn)."""
        names = readahead.ahead(self._keys.tools_off)
        if names is readahead.MISSING:
            names = await self._redis.smembers(self._keys.tools_off)
        return frozenset(n.decode() if isinstance(n, bytes) else n for n in names)

    async def switch(self, name: str, on: bool) -> None:
        readahead.forget(self._keys.tools_off)
        if on:
            await self._redis.srem(self._keys.tools_off, name)
        else:
            await self._redis.sadd(self._keys.tools_off, name)
