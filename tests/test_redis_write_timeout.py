"""The Redis client's writes bounded in the caller's task (hudhud/redis_conn.write_in_task): commands
work as before, a write stuck past the socket timeout still fails as redis-py's TimeoutError with the
connection dropped, no task is made per command, and commands are packed as redis-py packs them."""

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


@pytest.mark.parametrize(
    "args",
    [("GET", "k"), ("HSET", "hudhud:prefs:9665", "lang", "ar", "tz", "Asia/Riyadh"),
     ("XADD", b"stream", "MAXLEN", "~", 1000, "*", "f", b"\x00\xff", "عربي"),
     ("EVALSHA", "abc", 2, "k1", "k2", -5, 2**70, 0), ("SET", "k", "x" * 70_000),
     ("CONFIG GET", "maxmemory"), ("CONFIG\tGET", "x"), (b"GET", "k"), (b"CONFIG GET", "x"),
     ("SET", "k", 1.5), ("SET", "k", 0.1 + 0.2), ("SET", "k", memoryview(b"mv")),
     ("EVAL", "return 1", 0, 1e-300, 1.7976931348623157e308, -0.0, float("inf"), float("nan"), "ü"),
     ("ZADD", "z", 1759000000.123456, "m", 12345678.9),
     ("SET", "k", bytearray(b"ba")), ("SET", "k", "")],
)  # fmt: skip
async def test_commands_are_packed_as_redis_py_packs_them(args: tuple[object, ...]) -> None:
    """What hiredis packs from the plain arguments is byte for byte what redis-py's encoder and hiredis
    give (floats included: their repr); other arguments (a memoryview, a name with a space) take redis-py's
    own way."""
    ours = write_in_task(aioredis.from_url(REDIS_TEST_URL))
    plain = aioredis.from_url(REDIS_TEST_URL)
    try:
        mine = ours.connection_pool.make_connection()
        theirs = plain.connection_pool.make_connection()
        assert type(mine).__name__.startswith("WriteInTask")
        assert b"".join(mine.pack_command(*args)) == b"".join(theirs.pack_command(*args))
        commands = [args, ("GET", "k"), args]
        assert b"".join(mine.pack_commands(commands)) == b"".join(theirs.pack_commands(commands))
    finally:
        await ours.aclose()
        await plain.aclose()


@pytest.mark.parametrize("bad", [True, None, {"a": 1}, "\ud800"])
async def test_arguments_redis_py_refuses_are_refused_the_same_way(bad: object) -> None:
    ours = write_in_task(aioredis.from_url(REDIS_TEST_URL))
    plain = aioredis.from_url(REDIS_TEST_URL)
    try:
        raised = []
        for client in (ours, plain):
            with pytest.raises(Exception) as caught:
                client.connection_pool.make_connection().pack_command("SET", "k", bad)
            raised.append((type(caught.value), str(caught.value)))
        assert raised[0] == raised[1]
    finally:
        await ours.aclose()
        await plain.aclose()


@pytest.mark.parametrize("decode", [False, True], ids=["bytes", "decoded"])
async def test_buffered_replies_are_read_as_redis_py_reads_them(redis_prefix: str, decode: bool) -> None:
    """A pipeline's replies after the first are read without a timer; what comes back is the plain
    client's, errors in the middle and transactions included."""
    ours = write_in_task(aioredis.from_url(REDIS_TEST_URL, socket_timeout=5, decode_responses=decode))
    plain = aioredis.from_url(REDIS_TEST_URL, socket_timeout=5, decode_responses=decode)
    k = f"{redis_prefix}:buffered"
    try:
        await plain.delete(k, f"{k}:h", f"{k}:l")
        await plain.hset(f"{k}:h", mapping={"a": "1", "ب": "٢"})
        await plain.rpush(f"{k}:l", "x", "y")
        results = []
        for client in (ours, plain):
            async with client.pipeline(transaction=False) as pipe:
                pipe.set(k, "عربي").get(k).hgetall(f"{k}:h").lrange(f"{k}:l", 0, -1).incr(k)
                pipe.smembers(f"{k}:none").eval("return {1, 'two', {3}}", 0).get(f"{k}:missing")
                got = await pipe.execute(raise_on_error=False)
            async with client.pipeline(transaction=True) as pipe:
                got.append(await pipe.incr(f"{k}:n").get(k).execute())
            results.append([(type(v).__name__, str(v)) if isinstance(v, Exception) else v for v in got])
        assert results[0][:-1] == results[1][:-1]
        assert results[0][4][0] == "ResponseError"  # INCR of a text, in the middle
        assert results[0][-1][1] == results[1][-1][1] and results[0][-1][0] + 1 == results[1][-1][0]
        assert await ours.get(k) == (b"\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a" if not decode else "عربي")
    finally:
        await plain.delete(k, f"{k}:h", f"{k}:l", f"{k}:n")
        await ours.aclose()
        await plain.aclose()


async def test_a_pipelines_buffered_replies_take_no_timer(redis_prefix: str, monkeypatch) -> None:
    import redis.asyncio.connection as connection

    entered: list[float] = []
    real = connection.async_timeout

    def counting(delay: float | None) -> object:
        entered.append(delay or 0)
        return real(delay)

    monkeypatch.setattr(connection, "async_timeout", counting)
    counts = []
    for client in (write_in_task(aioredis.from_url(REDIS_TEST_URL, socket_timeout=5)),
                   aioredis.from_url(REDIS_TEST_URL, socket_timeout=5)):  # fmt: skip
        try:
            await client.ping()
            entered.clear()
            async with client.pipeline(transaction=False) as pipe:
                for i in range(10):
                    pipe.get(f"{redis_prefix}:{i}")
                assert await pipe.execute() == [None] * 10
            counts.append(len(entered))
        finally:
            await client.aclose()
    assert counts[1] == 10 and 1 <= counts[0] <= 3  # the first reply (or a split segment) waits


async def test_a_reply_that_has_to_be_waited_for_is_still_bounded(redis_prefix: str) -> None:
    """Behind a buffered reply, a blocked one (BLPOP on an empty list) still times out as redis-py's
    TimeoutError, and the connection is dropped as before."""
    for client in (write_in_task(aioredis.from_url(REDIS_TEST_URL, socket_timeout=0.3)),
                   aioredis.from_url(REDIS_TEST_URL, socket_timeout=0.3)):  # fmt: skip
        try:
            async with client.pipeline(transaction=False) as pipe:
                pipe.get(f"{redis_prefix}:k").blpop([f"{redis_prefix}:empty"], timeout=2)
                with pytest.raises(RedisTimeoutError):
                    await pipe.execute()
            assert await client.ping() is True  # a fresh connection
        finally:
            await client.aclose()


def test_a_reply_that_fails_to_parse_fails_where_it_is_read() -> None:
    import hiredis
    from redis._parsers.hiredis import NOT_ENOUGH_DATA
    from redis.exceptions import InvalidResponse

    from hudhud.redis_conn import _WholeReply

    # Made as redis-py's parser makes it (hiredis answers NOT_ENOUGH_DATA for a reply not whole yet).
    reader = _WholeReply(hiredis.Reader(protocolError=InvalidResponse, notEnoughData=NOT_ENOUGH_DATA))
    assert not reader.buffered(False) and not reader.has_data()
    reader.feed(b"+OK\r\n:4")
    assert reader.buffered(False) and reader.has_data()
    assert reader.gets() == b"OK"
    assert not reader.buffered(False) and reader.gets() is NOT_ENOUGH_DATA  # ":4" without its end
    reader.feed(b"\r\n")
    assert reader.buffered(True) and not reader.buffered(False)  # held for the raw read asked first
    assert reader.gets(False) == 4
    reader.feed(b"!garbage\r\n")
    assert reader.buffered(False)  # held: the error it raised
    with pytest.raises(InvalidResponse):
        reader.gets()
