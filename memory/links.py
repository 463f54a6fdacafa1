"""Which system user a WhatsApp number acts as. Redis holds the link (with the rest of Hudhud's
state, read on every command); the core API keeps a mirror and admin blocks.

A cached link is re-checked against the core API once it is `recheck_s` old (HUDHUD_LINK_RECHECK_S), by a
`LinkCheck` the tools floor supplies (tools/corelinks.py): a block, an unlink or a deactivated user there
drops the link here, a changed role or name is taken over. A core API that cannot be reached leaves the
link as it was, to be checked again on the next command.
"""

from __future__ import annotations

import time
from typing import Protocol

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel

from base import readahead
from base.keys import Keys


class Link(BaseModel):
    wa_id: str
    user_id: int | None = None
    display_name: str | None = None
    role: str | None = None
    blocked: bool = False
    linked_at: float | None = None
    checked_at: float | None = None  # last confirmed by the core API (links made before: linked_at)

    @property
    def active(self) -> bool:
        return self.user_id is not None and not self.blocked


class LinkUnverified(Exception):
    """The core API could not say (unreachable, 5xx, 429): keep the cached link and ask again later."""


class LinkCheck(Protocol):
    async def __call__(self, link: Link) -> Link | None:
        """The link as the core API has it now (role and name refreshed), or None: drop it."""
        ...


class IdentityLinks:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, check: LinkCheck | None = None, recheck_s: float = 300
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._check = check
        self.recheck_s = recheck_s

    def _key(self, wa_id: str) -> str:
        return self._keys.link(wa_id)

    def key(self, wa_id: str) -> str:
        """Where the link is stored: for a caller that reads it in a pipeline of its own (`user_from`)."""
        return self._key(wa_id)

    async def get(self, wa_id: str) -> Link | None:
        raw = await self._redis.get(self._key(wa_id))
        return Link.model_validate_json(raw) if raw else None

    async def user_for(self, wa_id: str) -> Link | None:
        """The active link of this number: None when unlinked or blocked, here or (once re-checked) in
        the core API."""
        raw = readahead.ahead(key := self._key(wa_id))
        if raw is readahead.MISSING:
            raw = await self._redis.get(key)
        return await self.user_from(raw)

    async def user_from(self, raw: bytes | str | None) -> Link | None:
        """`user_for`, from the stored value already read (at `key(wa_id)`)."""
        link = Link.model_validate_json(raw) if raw else None
        if link is None or not link.active:
            return None
        checked = link.checked_at or link.linked_at or 0
        if self._check is not None and time.time() - checked >= self.recheck_s:
            return await self.recheck(link)
        return link

    async def recheck(self, link: Link) -> Link | None:
        """Ask the core API now (a 403 on a tool call does, not waiting for the interval): the refreshed
        link, or None when it was dropped."""
        if self._check is None:
            return link if link.active else None
        try:
            fresh = await self._check(link)
        except LinkUnverified:
            return link
        if fresh is None or not fresh.active:
            await self.unlink(link.wa_id)
            return None
        fresh.checked_at = time.time()
        # XX: an unlink or forget that landed while the core API was asked is not undone.
        readahead.forget(self._key(link.wa_id))
        await self._redis.set(self._key(link.wa_id), fresh.model_dump_json(), xx=True)
        return fresh

    async def link(
        self, wa_id: str, user_id: int, *, display_name: str | None = None, role: str | None = None
    ) -> Link:
        now = time.time()
        link = Link(
            wa_id=wa_id, user_id=user_id, display_name=display_name, role=role, linked_at=now, checked_at=now
        )
        readahead.forget(self._key(wa_id))
        await self._redis.set(self._key(wa_id), link.model_dump_json())
        return link

    async def unlink(self, wa_id: str) -> bool:
        readahead.forget(self._key(wa_id))
        return bool(await self._redis.delete(self._key(wa_id)))

    async def block(self, wa_id: str, blocked: bool = True) -> Link:
        link = await self.get(wa_id) or Link(wa_id=wa_id)
        link.blocked = blocked
        readahead.forget(self._key(wa_id))
        await self._redis.set(self._key(wa_id), link.model_dump_json())
        return link

    async def all(self) -> list[Link]:
        keys = [k async for k in self._redis.scan_iter(match=self._key("*"), count=500)]
        values = await self._redis.mget(keys) if keys else []
        return [Link.model_validate(orjson.loads(v)) for v in values if v]
