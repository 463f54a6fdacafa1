"""Redis connection: the embedded real server with persistence, and a Redis that is down."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as aioredis

from base.keys import Keys
from base.settings import Settings
from hudhud.enqueue import Enqueuer, Job, QueueUnavailable
from hudhud.redis_conn import connect, persistence_warning


async def test_embedded_redis_persists_across_restart(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, hudhud_data_dir=tmp_path / "data")  # type: ignore[call-arg]
    handle = await connect(settings)
    assert handle.embedded is not None and handle.url.startswith("unix://")
    assert await persistence_warning(handle.client) is None
    await handle.client.xadd("q", {"kind": "message"})
    await handle.aclose()
    assert (tmp_path / "data" / "appendonly.aof").exists()

    again = await connect(settings)
    try:
        assert await again.client.xlen("q") == 1
    finally:
        await again.aclose()


async def test_configured_redis_without_persistence_is_flagged(settings_factory) -> None:
    handle = await connect(settings_factory())
    try:
        assert handle.embedded is None
        warning = await persistence_warning(handle.client)
        aof = (await handle.client.config_get("appendonly"))["appendonly"]
        assert (warning is None) == (aof == "yes")
    finally:
        await handle.aclose()


async def test_redis_down_makes_the_queue_unavailable() -> None:
    client = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    enqueuer = Enqueuer(client, Keys("down"), dedupe_ttl_s=604800, events_maxlen=10)
    with pytest.raises(QueueUnavailable):
        await enqueuer.enqueue([Job("wamid.x", "message", "p:u", b"{}")])
    assert await enqueuer.enqueue([]) == []
    await client.aclose()


async def test_concurrent_enqueues_share_round_trips(redis, redis_prefix: str) -> None:
    import asyncio

    enqueuer = Enqueuer(redis, Keys(redis_prefix), dedupe_ttl_s=604800, events_maxlen=10, max_batch=8)
    jobs = [[Job(f"wamid.{i}", "message", f"p:{i % 3}", b'{"id": "x"}')] for i in range(40)]
    results = await asyncio.gather(*(enqueuer.enqueue(j) for j in jobs), enqueuer.enqueue(jobs[0]))
    assert sum(r[0] for r in results) == 40
    assert await redis.xlen(f"{redis_prefix}:in") == 40
