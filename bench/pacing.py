"""Outbound pacing (channels/whatsapp/pacing.py): what one send's bucket check costs, and whether
several workers sharing one bucket get the configured rate, no more and not much less.

1. cost: `--tasks` concurrent senders take tokens from a bucket too large to run dry, for `--seconds`:
   takes per second and the p50/p99 of one take (one script call, one Redis round trip).
2. rate: `--workers` pacers (each its own Redis connection, as separate processes would have) send to
   distinct users through one number's bucket of `--rate` per second (burst `--burst`) for
   `--seconds`: the granted rate, its ratio to the configured one, and the busiest one-second window
   (at most burst + rate).

Keys go under a `bench:<uuid>` prefix, deleted at the end. The last line of stdout is one JSON object.

    .venv/bin/python bench/pacing.py [--redis-url redis://127.0.0.1:6379/0] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
import uuid
from typing import Any

import redis.asyncio as aioredis
from benchkit import log, percentile

from base.keys import Keys
from channels.whatsapp.pacing import PaceLimits, Pacer

PNID = "1065"


async def bench_cost(url: str, prefix: str, tasks: int, seconds: float) -> dict[str, Any]:
    client = aioredis.from_url(url)
    pacer = Pacer(client, Keys(prefix), PaceLimits(rate_per_s=1e9, burst=10**9, pair_burst=10**9))
    latencies: list[float] = []
    users = itertools.count()
    stop = time.monotonic() + seconds

    async def sender() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            await pacer.take(PNID, f"u{next(users)}", deadline=stop + 60)
            latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(tasks)))
    elapsed = time.monotonic() - started
    await client.aclose()
    return {
        "takes_per_s": round(len(latencies) / elapsed),
        "take_p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "take_p99_ms": round(percentile(latencies, 99) * 1000, 3),
    }


async def bench_rate(
    url: str, prefix: str, workers: int, rate: float, burst: int, seconds: float
) -> dict[str, Any]:
    limits = PaceLimits(rate_per_s=rate, burst=burst, max_wait_s=60)
    clients = [aioredis.from_url(url) for _ in range(workers)]
    pacers = [Pacer(c, Keys(prefix), limits) for c in clients]
    granted: list[float] = []
    users = itertools.count()
    stop = time.monotonic() + seconds

    async def sender(pacer: Pacer) -> None:
        while time.monotonic() < stop:
            await pacer.take(PNID, f"r{next(users)}", deadline=time.monotonic() + 60)
            granted.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(sender(p) for p in pacers for _ in range(8)))
    elapsed = time.monotonic() - started
    for c in clients:
        await c.aclose()
    granted.sort()
    busiest = max(sum(1 for t in granted if start <= t < start + 1.0) for start in granted)
    steady = (len(granted) - burst) / elapsed  # the burst is granted at once, the rest at the rate
    return {
        "rate": rate,
        "burst": burst,
        "workers": workers,
        "granted": len(granted),
        "granted_per_s": round(steady, 1),
        "ratio_to_rate": round(steady / rate, 3),
        "busiest_1s": busiest,
        "busiest_bound": burst + rate,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--tasks", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=80.0)
    parser.add_argument("--burst", type=int, default=80)
    args = parser.parse_args()
    prefix = f"bench:{uuid.uuid4().hex[:12]}"
    try:
        log("cost of one take ...")
        cost = await bench_cost(args.redis_url, prefix, args.tasks, args.seconds)
        log(f"  {cost}")
        log("granted rate across workers ...")
        rate = await bench_rate(args.redis_url, prefix, args.workers, args.rate, args.burst, args.seconds)
        log(f"  {rate}")
    finally:
        client = aioredis.from_url(args.redis_url)
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for i in range(0, len(keys), 1000):
            await client.delete(*keys[i : i + 1000])
        await client.aclose()
    print(json.dumps({"bench": "pacing", "cost": cost, "rate": rate}))


if __name__ == "__main__":
    asyncio.run(main())
