"""Which system user a WhatsApp number acts as. Redis holds the link (with the rest of Hudhud's
state, read on every command); the core API keeps a mirror and admin blocks."""

from __future__ import annotations

import time

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel

from base.keys import Keys


class Link(BaseModel):
    wa_id: str
    user_id: int | None = None
    display_name: str | None = None
    role: str | None = None
    blocked: bool = False
    linked_at: float | None = None


class IdentityLinks:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def _key(self, wa_id: str) -> str:
        return self._keys.link(wa_id)

    async def get(self, wa_id: str) -> Link | None:
        raw = await self._redis.get(self._key(wa_id))
        return Link.model_validate_json(raw) if raw else None

    async def user_for(self, wa_id: str) -> Link | None:
        """The active link of this number: None when unlinked or blocked."""
        link = await self.get(wa_id)
        return link if link is not None and link.user_id is not None and not link.blocked else None

    async def link(
        self, wa_id: str, user_id: int, *, display_name: str | None = None, role: str | None = None
    ) -> Link:
        link = Link(wa_id=wa_id, user_id=user_id, display_name=display_name, role=role, linked_at=time.time())
        await self._redis.set(self._key(wa_id), link.model_dump_json())
        return link

    async def unlink(self, wa_id: str) -> bool:
        return bool(await self._redis.delete(self._key(wa_id)))

    async def block(self, wa_id: str, blocked: bool = True) -> Link:
        link = await self.get(wa_id) or Link(wa_id=wa_id)
        link.blocked = blocked
        await self._redis.set(self._key(wa_id), link.model_dump_json())
        return link

    async def all(self) -> list[Link]:
        keys = [k async for k in self._redis.scan_iter(match=self._key("*"), count=500)]
        values = await self._redis.mget(keys) if keys else []
        return [Link.model_validate(orjson.loads(v)) for v in values if v]
