"""Per-minute aggregates in Redis, for charts over time and for the alert rules (Prometheus keeps no
history of its own here, and a dashboard must not need one).

One hash per minute (`Keys.minute`), every field a counter written with pipelined HINCRBY(FLOAT) by the
process that saw it happen, the whole hash expiring after HUDHUD_AGGREGATES_TTL_S:

| field | what |
|---|---|
| `msg_in`, `msg_in:<type>` | messages answered, by WhatsApp type |
| `msg_out`, `msg_out_failed` | reply parts sent, and refused for good |
| `turns`, `turns:<path>` | turns finished, by path (command, knowledge, small_talk, other) |
| `outcome:<outcome>` | turns by outcome (ok, error, refused, limited, tool_failed, handoff) |
| `lat:<path>:<le>`, `lat_ms:<path>` | reply latency per path: histogram (upper bound, s), total ms |
| `tool:<name>:ok`, `tool:<name>:failed` | tool calls per tool |
| `errors` | turn attempts that failed (retried or answered with an apology) |
| `limited`, `limited:<reason>` | turns answered by abuse control (rate-limit hits) |
| `tokens_in`, `tokens_out`, `model_ms`, `model_calls` | the model's work |
| `dead` | jobs and turns dead-lettered |
| `graph_error:<code>` | Graph refusals by error code (at send time and in status webhooks) |
| `queue_depth`, `queue_age_s` | sampled by the alert evaluator (the last sample of the minute) |

`series(metric, since, until)` reads one metric over a range, a point per minute; besides any field it
knows the derived `p50:<path>`, `p95:<path>` (from the histogram) and `error_rate`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from base.keys import Keys

# Add counters to a minute's hash and keep it `ttl` (ARGV[1]); then (name, 'i' or 'f', value) triples:
# HINCRBY for integers, HINCRBYFLOAT for the rest, as the Python side chose.
_ADD = """
for i = 2, #ARGV, 3 do
  if ARGV[i + 1] == 'i' then
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 2])
  else
    redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 2])
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 0
"""

# Upper bounds (seconds) of the reply latency buckets: fine around the 3 s command threshold.
LATENCY_BUCKETS_S: tuple[float, ...] = (0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120)
GAUGES = frozenset({"queue_depth", "queue_age_s"})


def minute_of(now: float | None = None) -> int:
    """UNIX minutes."""
    return int((time.time() if now is None else now) // 60)


def _le(bound: float) -> str:
    return "inf" if math.isinf(bound) else f"{bound:g}"


def latency_fields(path: str, seconds: float) -> dict[str, float]:
    """The histogram fields one reply of `path` adds to."""
    bound = next((b for b in LATENCY_BUCKETS_S if seconds <= b), math.inf)
    return {f"lat:{path}:{_le(bound)}": 1, f"lat_ms:{path}": round(seconds * 1000, 1)}


def percentile(counts: Mapping[str, float], path: str, q: float) -> float | None:
    """The q-quantile (0..1) of the path's latency in seconds, interpolated within its bucket as
    Prometheus's histogram_quantile does; None without observations. Beyond the last bound: that bound."""
    bounds = [*LATENCY_BUCKETS_S, math.inf]
    per = [float(counts.get(f"lat:{path}:{_le(b)}", 0)) for b in bounds]
    total = sum(per)
    if total <= 0:
        return None
    rank, seen, lower = q * total, 0.0, 0.0
    for bound, n in zip(bounds, per, strict=True):
        if n and seen + n >= rank:
            if math.isinf(bound):
                return LATENCY_BUCKETS_S[-1]
            return lower + (bound - lower) * (rank - seen) / n
        seen += n
        lower = bound if not math.isinf(bound) else lower
    return LATENCY_BUCKETS_S[-1]


def derived(counts: Mapping[str, float], metric: str) -> float | None:
    """A metric of one minute (or of several summed): a field, or p50/p95 of a path, or error_rate."""
    kind, _, path = metric.partition(":")
    if kind in ("p50", "p95", "p99") and path:
        return percentile(counts, path, int(kind[1:]) / 100)
    if metric == "error_rate":
        turns = float(counts.get("turns", 0))
        return float(counts.get("errors", 0)) / turns if turns else None
    value = counts.get(metric)
    return None if value is None else float(value)


@dataclass(frozen=True)
class Point:
    ts: int  # the minute's start, UNIX seconds
    value: float | None


class Aggregates:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, ttl_s: int) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s

    def queue(self, pipe: Pipeline, counts: Mapping[str, float], *, now: float | None = None) -> None:
        """Add counters to this minute inside a caller's pipeline (one round trip with its own writes).
        One command (_ADD) where a turn's dozen counters were a dozen: each costs the client packing and
        a parsed reply."""
        args: list[str | int | float] = [self.ttl_s]
        for name, value in counts.items():
            if value:
                args += [name, "i" if isinstance(value, int) else "f", value]
        pipe.eval(_ADD, 1, self._keys.minute(minute_of(now)), *args)

    async def add(self, counts: Mapping[str, float], *, now: float | None = None) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            self.queue(pipe, counts, now=now)
            await pipe.execute()

    async def sample(self, values: Mapping[str, float], *, now: float | None = None) -> None:
        """Gauges (queue depth, oldest age): the minute keeps the last sample."""
        key = self._keys.minute(minute_of(now))
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping={k: v for k, v in values.items()})
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def minutes(self, since: float, until: float) -> list[tuple[int, dict[str, float]]]:
        """Each minute from `since` to `until` (UNIX seconds, both included) with its counters."""
        first, last = minute_of(since), minute_of(until)
        span = range(first, last + 1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for m in span:
                pipe.hgetall(self._keys.minute(m))
            rows: Sequence[dict[bytes, bytes]] = await pipe.execute()
        return [
            (m, {k.decode(): float(v) for k, v in row.items()}) for m, row in zip(span, rows, strict=True)
        ]

    async def series(self, metric: str, since: float, until: float) -> list[Point]:
        """One metric, a point per minute (None where the minute has no data for it)."""
        return [Point(m * 60, derived(counts, metric)) for m, counts in await self.minutes(since, until)]

    async def window(self, minutes: int, *, now: float | None = None) -> dict[str, float]:
        """The counters of the last `minutes` minutes (this one included) summed; gauges: the latest."""
        now = time.time() if now is None else now
        total: dict[str, float] = {}
        for _, counts in await self.minutes(now - (minutes - 1) * 60, now):
            for name, value in counts.items():
                total[name] = value if name in GAUGES else total.get(name, 0.0) + value
        return total
