"""What the overview shows, read through one small interface so new sources plug in beside this one
(per-minute aggregates, an interaction log): a FigureSource returns figures (one number each) and
series (one number per minute), and the overview renders whatever the sources give.

The source shipped here reads what Redis already holds: the inbound stream (queue depth, the oldest
waiting job), the dead letters, and the capped streams of finished turns and tool calls, bucketed per
minute over the last hour by their entry ids (the time Redis wrote them).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis

from base.keys import Keys

WINDOW_MIN = 60
FAILED_TURNS = frozenset({"failed", "timeout", "dead"})  # hudhud/worker.py


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    hint: str = ""
    alert: bool = False


@dataclass(frozen=True)
class Series:
    label: str
    points: list[float]  # oldest first, one per minute
    unit: str = ""


@dataclass
class Reading:
    figures: list[Figure] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)


class FigureSource(Protocol):
    async def read(self, redis: aioredis.Redis, keys: Keys) -> Reading: ...


def _ms(entry_id: bytes | str) -> int:
    raw = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(raw.split("-")[0])


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


class RedisFigures:
    """Queue, dead letters, turns and tool calls, from the streams the pipeline already writes."""

    async def read(self, redis: aioredis.Redis, keys: Keys) -> Reading:
        seconds, micros = await redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        since = now_ms - WINDOW_MIN * 60_000
        queued = await redis.xlen(keys.inbound)
        oldest = await redis.xrange(keys.inbound, count=1)
        age = (now_ms - _ms(oldest[0][0])) / 1000 if oldest else None
        dead = await redis.xlen(keys.dead)
        turns = await redis.xrange(keys.turns, min=since)
        calls = await redis.xrange(keys.tool_calls, min=since)

        per_min = [0.0] * WINDOW_MIN
        latency: list[list[float]] = [[] for _ in range(WINDOW_MIN)]
        failed = 0
        for entry_id, fields in turns:
            slot = min(WINDOW_MIN - 1, (_ms(entry_id) - since) // 60_000)
            per_min[slot] += 1
            latency[slot].append(float(fields.get(b"ms", 0)))
            failed += fields.get(b"status", b"").decode() in FAILED_TURNS
        all_ms = [ms for bucket in latency for ms in bucket]
        p50, p95 = percentile(all_ms, 0.5), percentile(all_ms, 0.95)
        ok_calls = sum(f.get(b"outcome") == b"ok" for _, f in calls)

        figures = [
            Figure("Queue depth", str(queued), "jobs not yet done", alert=queued > 100),
            Figure("Oldest waiting", _age(age), "in the queue", alert=age is not None and age > 60),
            Figure("Dead letters", str(dead), "kept for replay", alert=dead > 0),
            Figure("Turns, last hour", str(len(turns)), f"{failed} failed", alert=failed > 0),
            Figure("Reply p50 / p95", f"{_num(p50)} / {_num(p95)} ms", "time to answer a turn"),
            Figure(
                "Tool calls, last hour",
                str(len(calls)),
                f"{ok_calls / len(calls):.0%} ok" if calls else "none",
            ),
        ]
        series = [
            Series("Turns per minute", per_min),
            Series("p95 reply per minute", [percentile(b, 0.95) or 0.0 for b in latency], "ms"),
        ]
        return Reading(figures, series)


def _age(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.0f} s"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


async def read_all(sources: tuple[FigureSource, ...], redis: aioredis.Redis, keys: Keys) -> Reading:
    out = Reading()
    for source in sources:
        got = await source.read(redis, keys)
        out.figures.extend(got.figures)
        out.series.extend(got.series)
    return out


def sparkline(points: list[float], *, width: int = 240, height: int = 40) -> str:
    """An SVG polyline of the points (no script, no style: it passes the pages' CSP). The caller puts it
    in the page as markup; it holds only numbers."""
    top = max(points, default=0.0) or 1.0
    step = width / max(len(points) - 1, 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (p / top) * (height - 4):.1f}" for i, p in enumerate(points)
    )
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" preserveAspectRatio="none" role="img" '
        f'aria-label="max {top:g}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
        f'points="{coords}"/></svg>'
    )
