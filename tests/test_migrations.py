"""Stored-format migrations at start (hudhud/migrations.py): a fake "v1" entry is migrated when a
service starts, one process migrates while the others wait, a re-run changes nothing, a process one
release behind keeps working and one two releases behind refuses to start."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import redis.asyncio as aioredis

from agent.prefs import PrefsStore
from base.keys import Keys
from base.settings import SettingsError
from hudhud import migrations
from hudhud.container import Container
from hudhud.migrations import MIGRATIONS, Migration, migrate, stored_version

LATEST = MIGRATIONS[-1].version
USER = "966500000001"


def prefs_as_hash(calls: list[str]) -> Migration:
    """A made-up format change: preferences once stored as one JSON string become a hash."""

    async def apply(redis: aioredis.Redis, keys: Keys) -> int:
        calls.append("run")
        await asyncio.sleep(0.05)  # long enough for the other processes to find the lock held
        changed = 0
        async for key in redis.scan_iter(match=keys.prefs("*")):
            if await redis.type(key) == b"string":  # already a hash: migrated before (idempotent)
                values = orjson.loads(await redis.get(key))
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.delete(key).hset(key, mapping=values)
                    await pipe.execute()
                changed += 1
        return changed

    return Migration(LATEST + 1, "prefs as a hash", apply)


async def test_a_v1_entry_is_migrated_when_the_service_starts(
    settings_factory, redis: aioredis.Redis, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = Keys(redis_prefix)
    await redis.set(keys.format_version, LATEST)
    await redis.set(keys.prefs(USER), orjson.dumps({"lang": "ar", "timezone": "Asia/Riyadh"}))
    calls: list[str] = []
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, prefs_as_hash(calls)))
    container = await Container.open(settings_factory())
    try:
        assert await stored_version(redis, keys) == LATEST + 1
        prefs = await PrefsStore(redis, keys).get(USER)  # today's reader reads the migrated entry
        assert (prefs.lang, prefs.timezone) == ("ar", "Asia/Riyadh")
    finally:
        await container.aclose()
    assert calls == ["run"]
    assert not await redis.exists(keys.migration_lock)


async def test_a_fresh_redis_is_stamped_with_the_latest(redis: aioredis.Redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    report = await migrate(redis, keys)
    assert (report.found, report.version) == (0, LATEST)
    assert (await migrate(redis, keys)).applied == []  # a second start: nothing to do


async def test_one_process_migrates_while_the_others_wait(redis: aioredis.Redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    await redis.set(keys.format_version, LATEST)
    for n in range(3):
        await redis.set(keys.prefs(f"9665{n}"), orjson.dumps({"lang": "en"}))
    calls: list[str] = []
    registry = (*MIGRATIONS, prefs_as_hash(calls))
    reports = await asyncio.gather(*(migrate(redis, keys, registry, poll_s=0.01) for _ in range(4)))
    assert calls == ["run"]
    assert [r.version for r in reports] == [LATEST + 1] * 4
    assert sorted(len(r.applied) for r in reports) == [0, 0, 0, 1]
    assert next(r for r in reports if r.applied).applied == [f"{LATEST + 1} prefs as a hash: 3 changed"]
    # Idempotent: the migration run again (a process that died before raising the version) changes nothing.
    assert await registry[-1].apply(redis, keys) == 0


async def test_one_release_behind_keeps_working_two_refuse(redis: aioredis.Redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    await redis.set(keys.format_version, LATEST + 1)  # a newer release migrated: a rolling upgrade
    report = await migrate(redis, keys)
    assert report.version == LATEST + 1 and report.applied == []
    assert await stored_version(redis, keys) == LATEST + 1  # never lowered
    await redis.set(keys.format_version, LATEST + 2)
    with pytest.raises(SettingsError, match=f"version {LATEST + 2}.*more than one release behind"):
        await migrate(redis, keys)


async def test_a_lock_left_by_a_dead_process_is_named(redis: aioredis.Redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    await redis.set(keys.migration_lock, "someone", px=60_000)
    with pytest.raises(SettingsError, match=keys.migration_lock):
        await migrate(redis, keys, wait_s=0.1, poll_s=0.02)
    await redis.delete(keys.migration_lock)  # what the message says to do
    assert (await migrate(redis, keys)).version == LATEST
