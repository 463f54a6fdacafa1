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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from base.keys import Keys
from base.text.folding import fold
from base.turn import Turn
from hudhud.enqueue import rate_window
from hudhud.reads import Reads
from memory.links import IdentityLinks
from memory.throttles import Throttles

FLOOD_WINDOW_S = 120

# The guard's counters in one call (rules 4-6 of the module doc). KEYS: this conversation's rate
# counters of this minute and the one before, everyone's two, and the conversation's flood hash. ARGV: 1
# when the flood is to be counted if the rate passes (the number is not exempt), the number's budget,
# the weight of the previous minute (the share of it still inside the sliding window), how long the
# flood hash is kept, then the digests of this turn's texts. The flood is counted (one more for each
# digest) only when the own rate is within the budget, as when it was a second round trip after it.
# Returns {own this minute, own before, everyone's this minute, everyone's before, the largest count
# of a digest or 0}.
_COUNTERS = """
local function n(key)
  return tonumber(redis.call('GET', key) or '0')
end
local own, own_before, all, all_before = n(KEYS[1]), n(KEYS[2]), n(KEYS[3]), n(KEYS[4])
local repeated = 0
if ARGV[1] == '1' and own + own_before * tonumber(ARGV[3]) <= tonumber(ARGV[2]) and #ARGV > 4 then
  for i = 5, #ARGV do
    repeated = math.max(repeated, redis.call('HINCRBY', KEYS[5], ARGV[i], 1))
  end
  redis.call('EXPIRE', KEYS[5], ARGV[4])
end
return {own, own_before, all, all_before, repeated}
"""


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
        self._count = redis.register_script(_COUNTERS)

    @property
    def state_size(self) -> int:
        """How many answers `read_state` queues."""
        return 4 if self.links is not None else 3

    def read_state(self, pipe: Pipeline | Reads, wa_id: str) -> None:
        """Queue the reads of this user's state on `pipe` (the caller's, shared with its own reads, or the
        worker's one script of them, hudhud/reads.py): their `state_size` answers, in order, are
        `check(state=…)`."""
        k = self.keys
        pipe.sismember(k.unthrottled, wa_id)
        pipe.get(k.block(wa_id))
        pipe.time()
        if self.links is not None:
            pipe.get(self.links.key(wa_id))

    async def check(
        self,
        turn: Turn,
        conv: str,
        *,
        queued_ms: int | None = None,
        state: Sequence[Any] | None = None,
    ) -> Verdict | None:
        """What to do instead of answering this fresh turn; None: answer it. `state`: the answers to
        `read_state`'s reads when the caller took them in its own round trip.

        Every read is taken up front, in two round trips (the state, then the counters of the minute
        Redis's clock is in), instead of one each: the rules below decide on them in the order listed
        in the module doc, and only the flood count (a write) waits until the rate has passed."""
        wa_id = turn.user.wa_id
        if state is None:
            async with self.redis.pipeline(transaction=False) as pipe:
                self.read_state(pipe, wa_id)
                state = await pipe.execute()
        exempt, blocked, (seconds, micros), *link = state
        if not exempt and blocked:
            return await self._blocked(wa_id, "blocked")
        if any(len(m.text) > self.limits.max_chars for m in turn.messages):
            return Verdict("too_long", "abuse.too_long")
        now = seconds + micros / 1e6
        budget = self.limits.per_min
        if not exempt and self.links is not None and await self.links.user_from(link[0]) is None:
            budget = self.limits.unlinked_per_min
        own, everyone, repeated = await self._counters(conv, turn, now, budget, count_flood=not exempt)
        if not exempt:
            if own > budget:
                return await self._block(wa_id, "limited", "rate")
            if repeated >= self.limits.repeats:
                return await self._block(wa_id, "flood", "flood")
        if everyone > self.limits.global_per_min:
            return Verdict("busy", "abuse.busy")
        if queued_ms is not None and now * 1000 - queued_ms > self.limits.shed_after_s * 1000:
            return Verdict("late", "abuse.late")
        return None

    async def _counters(
        self, conv: str, turn: Turn, now: float, budget: int, *, count_flood: bool
    ) -> tuple[float, float, int]:
        """Messages in the last 60 s, this conversation's and everyone's (this minute's counter plus the
        share of the previous one that still falls inside the window), and how often the most repeated
        text of this turn was sent in the last two minutes — counted (_COUNTERS) only when `count_flood`
        and the conversation's rate is within `budget`; 0 otherwise."""
        minute, k = rate_window(now), self.keys
        weight = 1 - (now % 60) / 60
        digests = [
            hashlib.sha256(" ".join(fold(m.text).split()).encode()).hexdigest()[:16]
            for m in turn.messages
            if m.text.strip()
        ]
        keys = [
            k.rate(conv, minute), k.rate(conv, minute - 1), k.rate_all(minute), k.rate_all(minute - 1),
            k.flood(conv),
        ]  # fmt: skip
        args = [1 if count_flood else 0, budget, repr(weight), FLOOD_WINDOW_S, *digests]
        current, previous, all_current, all_previous, repeated = await self._count(keys=keys, args=args)
        return (
            int(current) + int(previous) * weight,
            int(all_current) + int(all_previous) * weight,
            int(repeated),
        )

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
