"""The audit log: a capped Redis stream of what each dashboard account did (sign-ins, blocks, replays,
deletions, tools switched) and which users' pages it opened."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as aioredis

from base.keys import Keys

MAXLEN = 100_000


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: float
    who: str
    action: str
    target: str
    detail: str


class AuditLog:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def record(self, who: str, action: str, target: str = "", detail: str = "") -> None:
        await self._redis.xadd(
            self._keys.admin_audit,
            {"at": time.time(), "who": who, "action": action, "target": target, "detail": detail},
            maxlen=MAXLEN,
            approximate=True,
        )

    async def page(self, *, before: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """Newest first; `before`: the id of the last entry of the previous page."""
        top = f"({before}" if before else "+"
        rows = await self._redis.xrevrange(self._keys.admin_audit, max=top, count=limit)
        out = []
        for entry_id, raw in rows:
            f = {k.decode(): v.decode(errors="replace") for k, v in raw.items()}
            out.append(
                AuditEntry(
                    entry_id.decode(),
                    float(f.get("at", 0)),
                    f.get("who", ""),
                    f.get("action", ""),
                    f.get("target", ""),
                    f.get("detail", ""),
                )
            )
        return out
