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
        """What to do instead of answering this fresh turn; None: answer it.

        Every read is taken up front, in two round trips (the state, then the counters of the minute
        Redis's clock is in), instead of one each: the rules below decide on them in the order listed
        in the module doc, and only the flood count (a write) waits until the rate has passed."""
        k, wa_id = self.keys, turn.user.wa_id
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sismember(k.unthrottled, wa_id)
            pipe.get(k.block(wa_id))
            pipe.time()
            if self.links is not None:
                pipe.get(self.links.key(wa_id))
            exempt, blocked, (seconds, micros), *link = await pipe.execute()
        if not exempt and blocked:
            return await self._blocked(wa_id, "blocked")
        if any(len(m.text) > self.limits.max_chars for m in turn.messages):
            return Verdict("too_long", "abuse.too_long")
        now = seconds + micros / 1e6
        own, everyone = await self._rates(conv, now)
        if not exempt:
            budget = self.limits.per_min
            if self.links is not None and await self.links.user_from(link[0]) is None:
                budget = self.limits.unlinked_per_min
            if own > budget:
                return await self._block(wa_id, "limited", "rate")
            if await self._repeated(conv, turn) >= self.limits.repeats:
                return await self._block(wa_id, "flood", "flood")
        if everyone > self.limits.global_per_min:
            return Verdict("busy", "abuse.busy")
        if queued_ms is not None and now * 1000 - queued_ms > self.limits.shed_after_s * 1000:
            return Verdict("late", "abuse.late")
        return None

    async def _rates(self, conv: str, now: float) -> tuple[float, float]:
        """Messages in the last 60 s, this conversation's and everyone's: this minute's counter plus the
        share of the previous one that still falls inside the window."""
        minute, k = rate_window(now), self.keys
        keys = [k.rate(conv, minute), k.rate(conv, minute - 1), k.rate_all(minute), k.rate_all(minute - 1)]
        current, previous, all_current, all_previous = await self.redis.mget(keys)
        elapsed = (now % 60) / 60
        return (
            int(current or 0) + int(previous or 0) * (1 - elapsed),
            int(all_current or 0) + int(all_previous or 0) * (1 - elapsed),
        )

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
