"""Per-user preferences the agent remembers: language and time zone."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from base import readahead
from base.keys import Keys


@dataclass
class UserPrefs:
    lang: str | None = None  # detected from the user's messages
    reply_lang: str | None = None  # chosen with /lang: wins over detection
    timezone: str | None = None


class PrefsStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def _key(self, wa_id: str) -> str:
        return self._keys.prefs(wa_id)

    async def get(self, wa_id: str) -> UserPrefs:
        raw = readahead.ahead(key := self._key(wa_id))
        if raw is readahead.MISSING:
            raw = await self._redis.hgetall(key)
        values = {k.decode(): v.decode() for k, v in raw.items()}
        return UserPrefs(
            lang=values.get("lang"), reply_lang=values.get("reply_lang"), timezone=values.get("timezone")
        )

    async def set(self, wa_id: str, **values: str) -> None:
        if values:
            readahead.forget(self._key(wa_id))
            await self._redis.hset(self._key(wa_id), mapping=values)
