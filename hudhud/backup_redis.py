"""Every Redis key under Hudhud's prefix written out with DUMP and read back with RESTORE.

Through the client rather than by copying the server's AOF or RDB files: it works the same on a managed
Redis (whose files nobody can read), on a server shared with other applications (only this prefix is
taken) and on the embedded one, and streams keep their consumer groups and pending entries. Keys are
read one by one, so what is written while the backup runs may be in it or not: for an exact point in
time, back up while the service is stopped, or take the server's own snapshot as well (BGSAVE; the AOF
on the Redis machine: docs/operations.md#backups).

The file has one JSON line per key: its name, its remaining time to live in ms (-1: none) and the DUMP
serialization, both base64.
"""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import redis.asyncio as aioredis

from base.keys import Keys


async def dump_prefix(redis: aioredis.Redis, keys: Keys, path: Path) -> int:
    """The keys under the prefix into `path`; how many."""
    n = 0
    with path.open("wb") as out:
        async for key in redis.scan_iter(match=keys.everything, count=1_000):
            async with redis.pipeline(transaction=False) as pipe:
                pipe.pttl(key).dump(key)
                ttl, value = await pipe.execute()
            if value is None:  # expired or deleted since the scan saw it
                continue
            record = {"k": _b64(key), "ttl": int(ttl), "v": _b64(value)}
            out.write(orjson.dumps(record) + b"\n")
            n += 1
    return n


async def restore_prefix(redis: aioredis.Redis, keys: Keys, path: Path) -> int:
    """The keys of `path` into Redis, in place of every key under the prefix; how many."""
    existing = [key async for key in redis.scan_iter(match=keys.everything, count=1_000)]
    for start in range(0, len(existing), 500):
        await redis.delete(*existing[start : start + 500])
    n = 0
    with path.open("rb") as lines:
        async with redis.pipeline(transaction=False) as pipe:
            for line in lines:
                record = orjson.loads(line)
                ttl = max(int(record["ttl"]), 0)  # RESTORE takes 0 for "no expiry"
                pipe.restore(base64.b64decode(record["k"]), ttl, base64.b64decode(record["v"]), replace=True)
                n += 1
                if n % 500 == 0:
                    await pipe.execute()
            await pipe.execute()
    return n


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
