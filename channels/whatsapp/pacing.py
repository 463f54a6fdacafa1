"""Outbound pacing under Meta's limits, shared by every worker and process through Redis.

Two token buckets gate each send (pacing.lua, one atomic script): the bot number's (Cloud API
throughput: 80 messages per second by default) and the pair's, one number to one user (Meta's pair rate
limit: one message per 6 s on average, short bursts borrowed from later). A send takes a token from
both or from neither; with none free the sender waits, asynchronously, for as long as the script says,
up to `max_wait_s` for the whole send. Past that it raises `PacingTimeout`, a retryable GraphError: the
turn is retried later from its first unsent part, so a wait never loses or repeats a part (the
outbox's marking is untouched: the wait comes before the Graph call).

A 131056 (pair rate limit hit anyway: another service on the number, Meta's own accounting) means Graph
refused the message, so it is sent again, once that recipient's bucket is held empty for base × 4^n
seconds (Meta's advice; n counts the hits of this send). Other users' sends do not wait for it.

GraphClient paces every message it sends (not read receipts or media) with the Pacer it is given; the
MessengerPool gives each bot's client the same one. The sandbox sends nothing to Meta and is not paced.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources

import redis.asyncio as aioredis
import structlog
from prometheus_client import Counter, Histogram

from base.keys import Keys
from base.settings import WhatsAppSettings
from channels.whatsapp.errors import ErrorKind, GraphError, PairRateLimited

log = structlog.get_logger(__name__)

_SCRIPT = resources.files("channels.whatsapp").joinpath("pacing.lua").read_text()
_BUCKETS = ("number", "pair")

PACING_WAITS = Counter(
    "hudhud_pacing_waits_total",
    "Outbound sends that waited for a token, by the bucket that was empty (number or pair)",
    ["bucket"],
)
PACING_WAIT_SECONDS = Histogram(
    "hudhud_pacing_wait_seconds",
    "Time an outbound send waited for its tokens (sends that waited)",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60),
)
PACING_TIMEOUTS = Counter(
    "hudhud_pacing_timeouts_total", "Sends that found no token within HUDHUD_PACE_MAX_WAIT_S (retried later)"
)
PAIR_RATE_LIMITED = Counter(
    "hudhud_graph_pair_rate_limited_total", "Graph 131056 answers (pair rate limit hit): that user backed off"
)


@dataclass(frozen=True)
class PaceLimits:
    rate_per_s: float = 80.0
    burst: int = 80
    pair_interval_s: float = 6.0
    pair_burst: int = 45
    pair_backoff_s: float = 1.0
    max_wait_s: float = 60.0

    @classmethod
    def of(cls, whatsapp: WhatsAppSettings) -> PaceLimits:
        return cls(
            rate_per_s=whatsapp.send_rate_per_s,
            burst=whatsapp.send_burst,
            pair_interval_s=whatsapp.pair_interval_s,
            pair_burst=whatsapp.pair_burst,
            pair_backoff_s=whatsapp.pair_backoff_ms / 1000,
            max_wait_s=whatsapp.pace_max_wait_s,
        )


class PacingTimeout(GraphError):
    """No token within the wait allowed: retryable, so the part is sent when the turn is retried."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=ErrorKind.throttled)


class Pacer:
    """The shared buckets: `take` waits for one send's tokens, `hold` backs one recipient off, `paced`
    does both around one send (GraphClient calls it for every message it sends)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, limits: PaceLimits) -> None:
        self._keys = keys
        self.limits = limits
        self._script = redis.register_script(_SCRIPT)

    async def take(self, phone_number_id: str, to: str, *, deadline: float) -> float:
        """Wait until both buckets give a token and take them; the seconds waited. `deadline` is on
        `time.monotonic()`; a wait that would pass it raises PacingTimeout at once."""
        lim = self.limits
        keys = [self._keys.pace_number(phone_number_id), self._keys.pace_pair(phone_number_id, to)]
        pair_rate = 1 / lim.pair_interval_s
        args: list[str | float | int] = ["take", lim.rate_per_s, lim.burst, pair_rate, lim.pair_burst]
        started = time.monotonic()
        first_short: str | None = None
        while True:
            wait_ms, short = await self._script(keys=keys, args=args)
            if not wait_ms:
                break
            first_short = first_short or _BUCKETS[int(short) - 1]
            # A little jitter: workers woken together by one refill do not all ask at the same instant.
            wait = int(wait_ms) / 1000 * random.uniform(1.0, 1.1)
            if time.monotonic() + wait > deadline:
                PACING_TIMEOUTS.inc()
                raise PacingTimeout(
                    f"no {_BUCKETS[int(short) - 1]} send slot within {lim.max_wait_s:g} s (outbound pacing)"
                )
            await asyncio.sleep(wait)
        if first_short is None:
            return 0.0
        waited = time.monotonic() - started
        PACING_WAITS.labels(bucket=first_short).inc()
        PACING_WAIT_SECONDS.observe(waited)
        return waited

    async def hold(self, phone_number_id: str, to: str, seconds: float) -> None:
        """No send to this recipient, from any worker, for `seconds`."""
        lim = self.limits
        key = self._keys.pace_pair(phone_number_id, to)
        await self._script(keys=[key], args=["hold", 1 / lim.pair_interval_s, lim.pair_burst, seconds])

    async def paced(self, phone_number_id: str, to: str, send: Callable[[], Awaitable[str]]) -> str:
        """`send()` once its tokens are taken; after a 131056, again once this recipient's back-off is
        over. Gives up (raising a retryable error) when the next wait would pass `max_wait_s`."""
        deadline = time.monotonic() + self.limits.max_wait_s
        hits = 0
        while True:
            await self.take(phone_number_id, to, deadline=deadline)
            try:
                return await send()
            except PairRateLimited:
                PAIR_RATE_LIMITED.inc()
                backoff = self.limits.pair_backoff_s * 4**hits
                hits += 1
                if time.monotonic() + backoff > deadline:
                    raise  # retryable: the turn is retried later, from this part
                log.warning("pair rate limit hit; backing off this recipient", to=to, backoff_s=backoff)
                await self.hold(phone_number_id, to, backoff)
