"""What the overview shows, read through one small interface so new sources plug in beside this one
(per-minute aggregates, an interaction log): a FigureSource returns figures (one number each) and
series (one number per minute), and the overview renders whatever the sources give.

Two sources are shipped: `RedisFigures`, the live state (the inbound stream's depth and oldest job, the
dead letters, who talked in the last hour), and `AggregateFigures`, counts and per-minute series of the
last hour from the stored aggregates (hudhud/aggregates.py). An interaction-log or evals source plugs in
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis

from base.keys import Keys
from hudhud.aggregates import Aggregates
from hudhud.aggregates import percentile as percentile_of

WINDOW_MIN = 60


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


class RedisFigures:
    """The live state: the queue, the dead letters, and who talked in the last hour (the finished-turns
    stream names each turn's conversation)."""

    async def read(self, redis: aioredis.Redis, keys: Keys) -> Reading:
        seconds, micros = await redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        queued = await redis.xlen(keys.inbound)
        oldest = await redis.xrange(keys.inbound, count=1)
        age = (now_ms - _ms(oldest[0][0])) / 1000 if oldest else None
        dead = await redis.xlen(keys.dead)
        turns = await redis.xrange(keys.turns, min=now_ms - WINDOW_MIN * 60_000)
        users = {f.get(b"conv", b"").rpartition(b":")[2] for _, f in turns} - {b""}
        return Reading(
            [
                Figure("Queue depth", str(queued), "jobs not yet done", alert=queued > 100),
                Figure("Oldest waiting", _age(age), "in the queue", alert=age is not None and age > 60),
                Figure("Dead letters", str(dead), "kept for replay", alert=dead > 0),
                Figure("Active users", str(len(users)), "in the last hour"),
            ]
        )


class AggregateFigures:
    """Counts over the last hour from the per-minute aggregates (hudhud/aggregates.py): messages, turns
    and errors, reply latency by path, tool calls, rate-limit hits, the model's latency and tokens."""

    async def read(self, redis: aioredis.Redis, keys: Keys) -> Reading:
        seconds, _ = await redis.time()
        rows = await Aggregates(redis, keys, ttl_s=0).minutes(seconds - (WINDOW_MIN - 1) * 60, seconds)
        total: dict[str, float] = {}
        for _, counts in rows:
            for name, value in counts.items():
                total[name] = total.get(name, 0.0) + value
        turns, errors = total.get("turns", 0.0), total.get("errors", 0.0)
        ok = sum(v for k, v in total.items() if k.startswith("tool:") and k.endswith(":ok"))
        failed = sum(v for k, v in total.items() if k.startswith("tool:") and k.endswith(":failed"))
        calls = total.get("model_calls", 0.0)
        error_rate = errors / turns if turns else 0.0
        tokens = f"{_count(total.get('tokens_in'))} in / {_count(total.get('tokens_out'))} out tokens"
        figures = [
            Figure(
                "Messages, last hour", _count(total.get("msg_in")), f"{_count(total.get('msg_out'))} sent"
            ),
            Figure("Turns, last hour", _count(turns), f"{error_rate:.1%} errors", alert=error_rate > 0.05),
            Figure(
                "Tool calls, last hour",
                _count(ok + failed),
                f"{ok / (ok + failed):.0%} succeeded" if ok + failed else "none",
            ),
            Figure("Rate-limit hits", _count(total.get("limited")), "turns answered by abuse control"),
            Figure(
                "Handed to a person",
                _count(total.get("outcome:handoff")),
                "turns taken while the bot was paused",
            ),
            Figure(
                "Model",
                f"{total.get('model_ms', 0) / calls:.0f} ms" if calls else "—",
                f"per call · {tokens}",
            ),
        ]
        for path in sorted({k.split(":")[1] for k in total if k.startswith("turns:")}):
            p50, p95 = percentile_of(total, path, 0.5), percentile_of(total, path, 0.95)
            figures.append(Figure(f"Reply p50 / p95 · {path}", f"{_secs(p50)} / {_secs(p95)}", "seconds"))
        minutes = [c for _, c in rows]
        series = [
            Series("Messages per minute", [c.get("msg_in", 0.0) for c in minutes]),
            Series("Turns per minute", [c.get("turns", 0.0) for c in minutes]),
            Series("Errors per minute", [c.get("errors", 0.0) for c in minutes]),
            Series(
                "p95 reply per minute",
                [percentile_of(_all_paths(c), "all", 0.95) or 0.0 for c in minutes],
                "s",
            ),
            Series(
                "Tokens per minute", [c.get("tokens_in", 0.0) + c.get("tokens_out", 0.0) for c in minutes]
            ),
        ]
        return Reading(figures, series)


def _all_paths(counts: dict[str, float]) -> dict[str, float]:
    """The latency histogram of every path added into one, named `all`."""
    merged: dict[str, float] = {}
    for name, value in counts.items():
        if name.startswith("lat:"):
            le = name.rsplit(":", 1)[1]
            merged[f"lat:all:{le}"] = merged.get(f"lat:all:{le}", 0.0) + value
    return merged


def _count(value: float | None) -> str:
    return f"{value or 0:.0f}"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


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
