"""Confirmation of destructive actions: the call waits in Redis until the same user taps Confirm.

The pending call is stored under the user's number with a random token that goes into the buttons'
ids, so only that user can confirm it, only once, and only before it expires.
"""

from __future__ import annotations

import secrets

import redis.asyncio as aioredis
from pydantic import BaseModel

from base.keys import Keys
from tools.base import ToolCall

CONFIRM = "confirm:"
CANCEL = "cancel:"


class Pending(BaseModel):
    token: str
    call: ToolCall
    turn_id: str
    question: str = ""  # what the user was asked (shown again while the answer is unclear)


class Confirmations:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, ttl_s: int = 300) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s

    def _key(self, wa_id: str) -> str:
        return self._keys.confirmation(wa_id)

    async def ask(self, wa_id: str, call: ToolCall, turn_id: str, *, question: str = "") -> Pending:
        pending = Pending(token=secrets.token_hex(8), call=call, turn_id=turn_id, question=question)
        await self._redis.set(self._key(wa_id), pending.model_dump_json(), ex=self.ttl_s)
        return pending

    async def peek(self, wa_id: str) -> Pending | None:
        """The call waiting for this user's answer, left in place."""
        raw = await self._redis.get(self._key(wa_id))
        return Pending.model_validate_json(raw) if raw is not None else None

    async def take(self, wa_id: str, token: str) -> Pending | None:
        """The pending call if this user's token matches; it is consumed (a second tap finds nothing).
        A user's turns run one at a time (the conversation lease), so read-then-delete is safe."""
        key = self._key(wa_id)
        raw = await self._redis.get(key)
        if raw is None:
            return None
        pending = Pending.model_validate_json(raw)
        if not secrets.compare_digest(pending.token, token):
            return None
        await self._redis.delete(key)
        return pending

    async def cancel(self, wa_id: str) -> bool:
        return bool(await self._redis.delete(self._key(wa_id)))
