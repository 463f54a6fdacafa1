"""Stored-format versions and the migrations between them, run at start (docs/operations.md#upgrades).

Redis holds `<prefix>:format`, the version of the formats stored under the prefix. Each `Migration`
brings the data from the version before it to its own; every process runs the pending ones at start,
under a lock so that one migrates while the others wait for the version to rise. A migration must be
idempotent (a process that dies half-way leaves the version where it was, and the next one runs the
migration again), and it must leave data that the release before can still read:

    The compatibility rule: release N reads formats N and N-1. A process finding format N+1 (a newer
    release migrated while this one still runs, a rolling upgrade) keeps working; one finding N+2 or
    later refuses to start: it is more than one release behind.

So a change of format ships in two releases when old readers cannot read the new form: the first reads
both forms and still writes the old, the second (with its migration) writes the new.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import redis.asyncio as aioredis
import structlog

from base.keys import Keys
from base.settings import SettingsError

log = structlog.get_logger(__name__)

Apply = Callable[[aioredis.Redis, Keys], Awaitable[int]]  # how many entries it changed


@dataclass(frozen=True)
class Migration:
    version: int  # the format version it brings the data to
    name: str
    apply: Apply


@dataclass
class MigrationReport:
    found: int  # the version stored before
    version: int  # the version stored after
    applied: list[str] = field(default_factory=list)  # "version name: n changed", by this process


async def _baseline(redis: aioredis.Redis, keys: Keys) -> int:
    """The formats as they were when versions began: nothing to change, only the version to stamp."""
    return 0


# One registry, in version order: append, never edit or remove a published one.
MIGRATIONS: tuple[Migration, ...] = (Migration(1, "baseline", _baseline),)

# Compare-and-delete: only the holder releases the lock (it may have expired and been taken since).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


async def stored_version(redis: aioredis.Redis, keys: Keys) -> int:
    value = await redis.get(keys.format_version)
    return int(value) if value is not None else 0


async def migrate(
    redis: aioredis.Redis,
    keys: Keys,
    migrations: Sequence[Migration] | None = None,
    *,
    lock_ms: int = 60_000,
    wait_s: float = 300.0,
    poll_s: float = 0.2,
) -> MigrationReport:
    """Run the pending migrations (one process at a time); SettingsError when this release is too old
    for the stored formats, or another process's migrations outlast `wait_s`."""
    migrations = MIGRATIONS if migrations is None else migrations
    latest = migrations[-1].version
    found = await stored_version(redis, keys)
    report = MigrationReport(found=found, version=found)
    _refuse_too_new(found, latest)
    started = time.monotonic()
    token = secrets.token_hex(8)
    while (current := await stored_version(redis, keys)) < latest:
        if await redis.set(keys.migration_lock, token, nx=True, px=lock_ms):
            try:
                await _run_pending(redis, keys, migrations, report, token, lock_ms)
            finally:
                await redis.eval(_RELEASE, 1, keys.migration_lock, token)
            break
        if time.monotonic() - started > wait_s:
            raise SettingsError(
                f"the stored formats are at version {current} and another process has been migrating"
                f" them to {latest} for over {wait_s:.0f} s: see its log, or delete {keys.migration_lock}"
                " if it died"
            )
        await asyncio.sleep(poll_s)
    report.version = await stored_version(redis, keys)
    _refuse_too_new(report.version, latest)
    if report.version > latest:
        log.warning(
            "the stored formats are one version newer than this release reads natively (a rolling"
            " upgrade in progress): this process keeps working; upgrade it",
            stored=report.version,
            release=latest,
        )
    return report


async def _run_pending(
    redis: aioredis.Redis,
    keys: Keys,
    migrations: Sequence[Migration],
    report: MigrationReport,
    token: str,
    lock_ms: int,
) -> None:
    current = await stored_version(redis, keys)  # again: another process may have finished meanwhile
    for migration in migrations:
        if migration.version <= current:
            continue
        changed = await migration.apply(redis, keys)
        # The version only ever rises: a slower process must not lower what a faster one wrote.
        await redis.eval(
            "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then"
            " redis.call('SET', KEYS[1], ARGV[1]) end return 0",
            1,
            keys.format_version,
            migration.version,
        )
        await redis.pexpire(keys.migration_lock, lock_ms)
        report.applied.append(f"{migration.version} {migration.name}: {changed} changed")
        log.info("stored formats migrated", version=migration.version, name=migration.name, changed=changed)
        current = migration.version


def _refuse_too_new(stored: int, latest: int) -> None:
    if stored > latest + 1:
        raise SettingsError(
            f"the stored formats are at version {stored} but this release (format {latest}) works with"
            f" formats up to {latest + 1} only: it is more than one release behind the data (upgrade"
            " it: docs/operations.md#upgrades)"
        )
