"""A database made before the trash (tasks without `deleted_at` and `deleted_by`) gets the columns and
their index at start-up; its tasks stay as they were, and deletes become restorable.

Each test gets a database of its own (on PostgreSQL too): it alters the tables by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from coreapi.db import Database
from coreapi.models import Base
from coreapi.seed import seed
from tests.coreapi.conftest import PEOPLE, TASKS, Api, scratch_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides conftest's: a database for this test alone."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'coreapi.db'}"
        return
    request.getfixturevalue("pg_database")  # skips or fails exactly as the other PostgreSQL tests do
    with scratch_database("coreapi_trash_upgrade") as url:
        yield url


def _drop_the_trash(conn: Connection) -> None:
    """The tasks table as it was before the trash."""
    conn.execute(text("DROP INDEX ix_tasks_deleted_at"))
    conn.execute(text("ALTER TABLE tasks DROP COLUMN deleted_at"))
    conn.execute(text("ALTER TABLE tasks DROP COLUMN deleted_by"))


def _schema(conn: Connection) -> tuple[set[str], set[str]]:
    inspector = inspect(conn)
    columns = {c["name"] for c in inspector.get_columns("tasks")}
    return columns, {i["name"] for i in inspector.get_indexes("tasks") if i["name"]}


async def test_start_up_adds_the_trash_to_an_old_tasks_table(start: Any, database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with db.sessions() as session:
            seeded = await seed(session, PEOPLE, TASKS)
        async with db.engine.begin() as conn:
            await conn.run_sync(_drop_the_trash)
            assert "deleted_at" not in (await conn.run_sync(_schema))[0]
    finally:
        await db.dispose()
    task = seeded.tasks[0].id

    api: Api = await start(people=False)
    async with api.db.engine.connect() as conn:
        columns, indexes = await conn.run_sync(_schema)
    assert {"deleted_at", "deleted_by"} <= columns and "ix_tasks_deleted_at" in indexes
    api.users = seeded.users
    sara = api.client("sara")
    assert (await sara.get(f"/tasks/{task}")).json()["title"] == "Prepare Q3 report"  # as it was
    assert (await sara.delete(f"/tasks/{task}")).status_code == 200
    assert (await sara.post(f"/tasks/{task}/restore")).status_code == 200

    again: Api = await start(people=False)  # a second start on the upgraded database changes nothing
    again.users = seeded.users
    assert (await again.client("sara").get(f"/tasks/{task}")).status_code == 200
