"""`hudhud backup`'s PostgreSQL path (hudhud/backup_db.py): pg_dump, the tables dropped, pg_restore, the
rows back. On a scratch database of its own; skipped where PostgreSQL is not reachable (never in CI)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from coreapi.db import Database
from coreapi.models import Task, User
from hudhud.backup_db import PG_FILE, DatabaseBackupError, backup_database, restore_database
from tests.coreapi.conftest import scratch_database


async def _one_task(url: str, *, create: bool) -> list[str]:
    db = Database(url)
    try:
        if create:
            await db.create_all()
            async with db.sessions() as session, session.begin():
                mona = User(username="mona", display_name="منى")
                session.add(mona)
                await session.flush()
                session.add(Task(title="Call the supplier", created_by=mona.id))
        async with db.sessions() as session:
            return list((await session.scalars(select(Task.title))).all())
    finally:
        await db.dispose()


async def _drop(url: str) -> None:
    db = Database(url)
    try:
        await db.drop_all()
    finally:
        await db.dispose()


def test_postgresql_goes_through_pg_dump_and_pg_restore(pg_database: str, tmp_path: Path) -> None:
    # pg_database: the server is reachable (or the test is skipped); the dump gets a database of its own.
    with scratch_database("backup_test") as url:
        assert asyncio.run(_one_task(url, create=True)) == ["Call the supplier"]
        assert backup_database(url, tmp_path) == PG_FILE
        asyncio.run(_drop(url))
        restore_database(url, tmp_path / PG_FILE)
        assert asyncio.run(_one_task(url, create=False)) == ["Call the supplier"]
        with pytest.raises(DatabaseBackupError, match="SQLite"):
            restore_database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", tmp_path / PG_FILE)
