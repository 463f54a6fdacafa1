"""A turn's reads in one script (hudhud/reads.py) give what redis-py's pipeline gave for the same reads:
the same values and types, present and missing, a failed read as its own exception, on either protocol."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis

from hudhud.reads import Reads
from hudhud.redis_conn import write_in_task
from tests.conftest import REDIS_TEST_URL


def _queue(target: Any, k: str) -> None:
    target.hgetall(f"{k}:h").hgetall(f"{k}:none").smembers(f"{k}:s").smembers(f"{k}:none")
    target.sismember(f"{k}:s", "عضو").sismember(f"{k}:s", "nobody").get(f"{k}:g").get(f"{k}:none")
    target.get(f"{k}:h").time().hgetall(f"{k}:g").get(f"{k}:bytes")  # two of the wrong type: errors


def _comparable(values: list[Any]) -> list[Any]:
    return [(type(v).__name__, str(v)) if isinstance(v, Exception) else v for v in values]


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True], ids=["bytes", "decoded"])
async def test_the_script_reads_what_the_pipeline_reads(
    redis_prefix: str, protocol: int, decode: bool
) -> None:
    client = write_in_task(aioredis.from_url(REDIS_TEST_URL, protocol=protocol, decode_responses=decode))
    k = f"{redis_prefix}:reads"
    try:
        await client.hset(f"{k}:h", mapping={"a": "1", "ب": "٢", "empty": ""})
        await client.sadd(f"{k}:s", "عضو", "x", "")
        await client.set(f"{k}:g", "قيمة")
        if not decode:
            await client.set(f"{k}:bytes", b"\x00\xff\r\n")
        async with client.pipeline(transaction=False) as pipe:
            _queue(pipe, k)
            expected = await pipe.execute(raise_on_error=False)
        reads = Reads()
        _queue(reads, k)
        async with client.pipeline(transaction=False) as pipe:
            pipe.get(f"{k}:g")  # the script shares its caller's round trip
            reads.queue(pipe)
            first, reply = await pipe.execute(raise_on_error=False)
        got = reads.answers(reply)
        assert len(reads) == len(got) == len(expected) == 12
        seconds, micros = got[9]
        assert isinstance(seconds, int) and isinstance(micros, int)
        assert abs(seconds - expected[9][0]) <= 1
        got[9] = expected[9]
        assert _comparable(got) == _comparable(expected)
        assert [type(v) for v in got] == [type(v) for v in expected]
        assert isinstance(got[8], Exception) and isinstance(got[10], Exception)  # GET of a hash, and back
        assert first == got[6] and got[2] == expected[2] and got[4] == 1
    finally:
        await client.delete(f"{k}:h", f"{k}:s", f"{k}:g", f"{k}:bytes")
        await client.aclose()


async def test_a_script_that_fails_fails_every_read() -> None:
    reads = Reads().get("a").time()
    error = RuntimeError("gone")
    assert reads.answers(error) == [error, error]
