"""Abuse control, applied when a turn is assembled and before any model call.

The webhook always answers Meta 200: the enqueue script counts every new message per conversation and
for everyone, per minute, atomically with the dedupe (hudhud/enqueue.lua). The worker then asks the
guard about each fresh turn, in this order:

1. a number an admin exempted (`hudhud users unthrottle`) skips the rate and flood limits;
2. a blocked number gets one polite notice per block in its language, then silence;
3. a text over `max_chars` is answered "too long", without the model;
4. more messages in the last minute (sliding window over two counters) than the number's budget — a
   smaller one while it is not linked to the core API — blocks it for `block_s`;
5. the same text `repeats` times within two minutes (flood) blocks it too;
6. more messages from everyone in the last minute than `global_per_min` sheds load: "busy, send it
   again in a few minutes";
7. a job that waited in the queue longer than `shed_after_s` is answered with an apology rather than
   piling model calls onto a backlog.

An admin lifts a block with `hudhud users unblock` (or `POST /admin/api/users/{wa_id}/unblock`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis

from base.keys import Keys
from base.text.folding import fold
from base.turn import Turn
from hudhud.enqueue import rate_window
from memory.links import IdentityLinks
from memory.throttles import Throttles

FLOOD_WINDOW_S = 120


@dataclass(frozen=True)
class Limits:
    per_min: int = 20
    unlinked_per_min: int = 6
    global_per_min: int = 3000
    repeats: int = 5
    block_s: int = 900
    max_chars: int = 4000
    shed_after_s: float = 300.0


@dataclass(frozen=True)
class Verdict:
    status: str  # blocked | limited | flood | too_long | busy | late: the turn's status in the log
    reply: str | None  # catalog key of the one reply instead of the responder's; None: say nothing


class AbuseGuard:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, limits: Limits, links: IdentityLinks | None = None
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.limits = limits
        self.links = links
        self.throttles = Throttles(redis, keys)

    async def check(self, turn: Turn, conv: str, *, queued_ms: int | None = None) -> Verdict | None:
        """What to do instead of answering this fresh turn; None: answer it."""
        k, wa_id = self.keys, turn.user.wa_id
        exempt = await self.throttles.is_exempt(wa_id)
        if not exempt and await self.throttles.blocked(wa_id):
            return await self._blocked(wa_id, "blocked")
        if any(len(m.text) > self.limits.max_chars for m in turn.messages):
            return Verdict("too_long", "abuse.too_long")
        seconds, micros = await self.redis.time()
        now = seconds + micros / 1e6
        if not exempt:
            budget = self.limits.per_min
            if self.links is not None and await self.links.user_for(wa_id) is None:
                budget = self.limits.unlinked_per_min
            if await self._rate(k.rate, conv, now) > budget:
                return await self._block(wa_id, "limited", "rate")
            if await self._repeated(conv, turn) >= self.limits.repeats:
                return await self._block(wa_id, "flood", "flood")
        if await self._rate(lambda _c, m: k.rate_all(m), conv, now) > self.limits.global_per_min:
            return Verdict("busy", "abuse.busy")
        if queued_ms is not None and now * 1000 - queued_ms > self.limits.shed_after_s * 1000:
            return Verdict("late", "abuse.late")
        return None

    async def _rate(self, key_of: Callable[[str, int], str], conv: str, now: float) -> float:
        """Messages in the last 60 s: this minute's counter plus the share of the previous one that
        still falls inside the window."""
        minute = rate_window(now)
        current, previous = await self.redis.mget(key_of(conv, minute), key_of(conv, minute - 1))
        elapsed = (now % 60) / 60
        return int(current or 0) + int(previous or 0) * (1 - elapsed)

    async def _repeated(self, conv: str, turn: Turn) -> int:
        """How often the most repeated text of this turn was sent in the last two minutes."""
        key = self.keys.flood(conv)
        digests = [
            hashlib.sha256(" ".join(fold(m.text).split()).encode()).hexdigest()[:16]
            for m in turn.messages
            if m.text.strip()
        ]
        if not digests:
            return 0
        async with self.redis.pipeline(transaction=True) as pipe:
            for digest in digests:
                pipe.hincrby(key, digest, 1)
            pipe.expire(key, FLOOD_WINDOW_S)
            counts = await pipe.execute()
        return max(int(c) for c in counts[:-1])

    async def _block(self, wa_id: str, status: str, why: str) -> Verdict:
        await self.throttles.block(wa_id, why, self.limits.block_s)
        return await self._blocked(wa_id, status)

    async def _blocked(self, wa_id: str, status: str) -> Verdict:
        """One notice per block (the first turn that meets it), then silence."""
        told = await self.throttles.first_notice(wa_id, self.limits.block_s)
        return Verdict(status, "abuse.blocked" if told else None)


def notice_language(text: str) -> str:
    """The language of a notice sent without the agent: the message's own (Arabic script, Arabizi and
    Arabic-looking text get Arabic)."""
    from agent.language import detect_language, reply_language

    return reply_language(detect_language(text))
