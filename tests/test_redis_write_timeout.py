"""The Redis client's writes bounded in the caller's task (hudhud/redis_conn.write_in_task): commands
work as before, a write stuck past the socket timeout still fails as redis-py's TimeoutError with the
connection dropped, and no task is made per command."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import TimeoutError as RedisTimeoutError

from hudhud.redis_conn import write_in_task
from tests.conftest import REDIS_TEST_URL


async def _connection(client: aioredis.Redis) -> object:
    """The client's one pooled connection (taken and given back)."""
    conn = await client.connection_pool.get_connection()
    await client.connection_pool.release(conn)
    return conn


async def test_commands_and_pipelines_work_without_a_task_per_write(redis_prefix: str) -> None:
    client = write_in_task(aioredis.from_url(REDIS_TEST_URL, socket_timeout=5))
    try:
        made: list[object] = []
        loop = asyncio.get_running_loop()
        factory = loop.get_task_factory()
        loop.set_task_factory(lambda lp, coro, **kw: made.append(coro) or asyncio.Task(coro, loop=lp, **kw))
        try:
            await client.set(f"{redis_prefix}:k", "v")
            assert await client.get(f"{redis_prefix}:k") == b"v"
            async with client.pipeline(transaction=True) as pipe:
                pipe.incr(f"{redis_prefix}:n")
                pipe.get(f"{redis_prefix}:k")
                assert await pipe.execute() == [1, b"v"]
        finally:
            loop.set_task_factory(factory)
        assert made == []  # redis-py's wait_for would have made one per write
        assert type(await _connection(client)).__name__.startswith("WriteInTask")
        await client.delete(f"{redis_prefix}:k", f"{redis_prefix}:n")
    finally:
        await client.aclose()


async def test_a_stuck_write_times_out_and_drops_the_connection(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = write_in_task(aioredis.from_url(REDIS_TEST_URL, socket_timeout=0.2))
    try:
        await client.ping()
        conn = await _connection(client)

        async def stuck(command: object) -> None:
            await asyncio.sleep(5)

        monkeypatch.setattr(conn, "_send_packed_command", stuck)
        with pytest.raises(RedisTimeoutError, match="Timeout writing to socket"):
            await client.get(f"{redis_prefix}:k")
        assert not conn.is_connected
        assert conn.socket_timeout == 0.2  # restored for the next command
        monkeypatch.undo()
        assert await client.get(f"{redis_prefix}:k") is None  # reconnects
    finally:
        await client.aclose()
