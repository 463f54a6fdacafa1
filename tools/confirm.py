"""Confirmation of destructive actions: the call waits in Redis until the same user taps Confirm.

The pending call is stored under the user's number with a random token that goes into the buttons'
ids, so only that user can confirm it, only once, and only before it expires. It holds the user's
words (arguments, the question asked): stored encrypted, bound to the user (base/sealing.py).
"""

from __future__ import annotations

import secrets

import redis.asyncio as aioredis
from pydantic import BaseModel

from base import readahead
from base.keys import Keys
from base.sealing import Sealer, aad_waiting, seal, unseal
from tools.base import ToolCall

CONFIRM = "confirm:"
CANCEL = "cancel:"


class Pending(BaseModel):
    token: str
    call: ToolCall
    turn_id: str
    question: str = ""  # what the user was asked (shown again while the answer is unclear)


class Confirmations:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, ttl_s: int = 300, sealer: Sealer | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s
        self.sealer = sealer

    def _key(self, wa_id: str) -> str:
        return self._keys.confirmation(wa_id)

    async def ask(self, wa_id: str, call: ToolCall, turn_id: str, *, question: str = "") -> Pending:
        pending = Pending(token=secrets.token_hex(8), call=call, turn_id=turn_id, question=question)
        value = seal(self.sealer, pending.model_dump_json(), aad_waiting("confirm", wa_id))
        readahead.forget(self._key(wa_id))
        await self._redis.set(self._key(wa_id), value, ex=self.ttl_s)
        return pending

    async def peek(self, wa_id: str) -> Pending | None:
        """The call waiting for this user's answer, left in place."""
        raw = readahead.ahead(key := self._key(wa_id))
        if raw is readahead.MISSING:
            raw = await self._redis.get(key)
        if raw is None:
            return None
        return Pending.model_validate_json(unseal(self.sealer, raw, aad_waiting("confirm", wa_id)))

    async def take(self, wa_id: str, token: str) -> Pending | None:
        """The pending call if this user's token matches; it is consumed (a second tap finds nothing).
        A user's turns run one at a time (the conversation lease), so read-then-delete is safe."""
        pending = await self.peek(wa_id)
        if pending is None or not secrets.compare_digest(pending.token, token):
            return None
        readahead.forget(self._key(wa_id))
        await self._redis.delete(self._key(wa_id))
        return pending

    async def cancel(self, wa_id: str) -> bool:
        readahead.forget(self._key(wa_id))
        return bool(await self._redis.delete(self._key(wa_id)))
