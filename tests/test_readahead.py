"""Reads taken ahead for a turn (base/readahead.py): the stores answer from them inside the turn, go to
Redis outside it, and go to Redis again for a key once this turn writes it."""

from __future__ import annotations

import redis.asyncio as aioredis

from agent.prefs import PrefsStore
from agent.readings import Readings
from base import readahead
from base.keys import Keys
from memory.links import IdentityLinks
from tools.base import ToolCall
from tools.confirm import Confirmations
from tools.naming import Choices
from tools.switches import ToolSwitches

WA = "966500000001"


async def _read(redis: aioredis.Redis, keys: Keys) -> dict[str, object]:
    reads = readahead.turn_reads(keys, WA)
    async with redis.pipeline(transaction=False) as pipe:
        for command, key in reads:
            getattr(pipe, command)(key)
        values = await pipe.execute()
    return {key: value for (_, key), value in zip(reads, values, strict=True)}


async def test_stores_answer_from_the_reads_until_they_write(
    redis: aioredis.Redis, redis_prefix: str
) -> None:
    keys = Keys(redis_prefix)
    prefs, links, switches = PrefsStore(redis, keys), IdentityLinks(redis, keys), ToolSwitches(redis, keys)
    confirmations, readings, choices = Confirmations(redis, keys), Readings(redis, keys), Choices(redis, keys)
    await prefs.set(WA, lang="en")
    await links.link(WA, 7)
    await switches.switch("delete_task", False)
    pending = await confirmations.ask(WA, ToolCall(name="delete_task", args={"task_id": 3}), "t1")
    values = await _read(redis, keys)

    # Changed in Redis after the reads (by nobody in this turn): inside the turn, the reads answer.
    await redis.hset(keys.prefs(WA), "lang", "ar")
    await redis.delete(keys.link(WA), keys.tools_off, keys.confirmation(WA))
    with readahead.reading_ahead(values):
        assert (await prefs.get(WA)).lang == "en"
        assert (link := await links.user_for(WA)) is not None and link.user_id == 7
        assert await switches.off() == frozenset({"delete_task"})
        assert (await confirmations.peek(WA)) == pending
        assert await readings.peek(WA) is None
        assert await choices.peek(WA) is None
        offer = await choices.offer(WA, ToolCall(name="add_task"), "task_id", [], "t4", "Which one?")
        assert await choices.peek(WA) == offer
        assert await choices.take(WA, offer.token) == offer
        assert await choices.peek(WA) is None
        # This turn's own writes: the next read of that key is Redis's.
        await prefs.set(WA, timezone="Asia/Riyadh")
        assert (await prefs.get(WA)).lang == "ar"
        await links.link(WA, 8)
        assert (link := await links.user_for(WA)) is not None and link.user_id == 8
        await switches.switch("add_task", False)
        assert await switches.off() == frozenset({"add_task"})
        offered = await readings.offer(WA, [ToolCall(name="add_task")], "t2")
        assert await readings.peek(WA) == offered
        await links.unlink(WA)  # as a recheck that finds the link dropped does: not read ahead again
        assert await links.user_for(WA) is None
        await confirmations.ask(WA, ToolCall(name="add_task"), "t3")
        again = await confirmations.peek(WA)
        assert again is not None and again.call.name == "add_task"
        assert await confirmations.take(WA, again.token) == again
        assert await confirmations.peek(WA) is None
    # Outside a turn every read is Redis's.
    assert (await prefs.get(WA)).lang == "ar"
    assert readahead.ahead(keys.prefs(WA)) is readahead.MISSING


async def test_a_write_in_a_task_the_turn_started_is_forgotten_for_the_turn(
    redis: aioredis.Redis, redis_prefix: str
) -> None:
    import asyncio

    keys = Keys(redis_prefix)
    prefs = PrefsStore(redis, keys)
    await prefs.set(WA, lang="en")
    with readahead.reading_ahead(await _read(redis, keys)):
        await asyncio.create_task(prefs.set(WA, lang="ar"))
        assert (await prefs.get(WA)).lang == "ar"
