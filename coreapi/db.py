"""The engine and sessions. Tables are created at start-up (create_all): there are no migrations yet,
only `upgrade`, which brings tables an older version created up to the models."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from coreapi.clock import utcnow
from coreapi.models import Base, LinkAttempt, LinkCode, Task

log = logging.getLogger("coreapi")

UNUSED_HASH_INDEX = "uq_link_codes_unused_hash"


class Database:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def create_all(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
            await conn.run_sync(upgrade)

    async def drop_all(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)

    async def dispose(self) -> None:
        await self.engine.dispose()


def upgrade(conn: Connection) -> None:
    """What create_all cannot do to a table that already exists: add columns and indexes. Every step
    checks first, so running it at each start-up is safe."""
    inspector = inspect(conn)
    if "client" not in {column["name"] for column in inspector.get_columns("link_attempts")}:
        conn.execute(text("ALTER TABLE link_attempts ADD COLUMN client VARCHAR(64)"))
    if UNUSED_HASH_INDEX not in {index["name"] for index in inspector.get_indexes("link_codes")}:
        _drop_shared_unused_codes(conn)
    # The trash: a delete marks the task (deleted_at, deleted_by) instead of removing it.
    _add_columns(conn, Task.__tablename__, ("deleted_at", "deleted_by"))
    for name in (LinkCode.__tablename__, LinkAttempt.__tablename__, Task.__tablename__):
        for index in Base.metadata.tables[name].indexes:
            index.create(conn, checkfirst=True)


def _add_columns(conn: Connection, table: str, names: tuple[str, ...]) -> None:
    """Nullable columns of the model that an older table lacks, typed as this database spells them."""
    have = {column["name"] for column in inspect(conn).get_columns(table)}
    for name in names:
        if name not in have:
            kind = Base.metadata.tables[table].c[name].type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))


def _drop_shared_unused_codes(conn: Connection) -> None:
    """Before the unique index can exist, no two unused codes may share a hash. An expired one is dead
    and goes; two live ones cannot say whose the code is, so both go (their people ask for new ones)."""
    codes = Base.metadata.tables[LinkCode.__tablename__]
    unused = codes.c.used_at.is_(None)
    shared = select(codes.c.code_hash).where(unused).group_by(codes.c.code_hash).having(func.count() > 1)
    conn.execute(delete(codes).where(unused, codes.c.expires_at <= utcnow(), codes.c.code_hash.in_(shared)))
    dropped = conn.execute(delete(codes).where(unused, codes.c.code_hash.in_(shared))).rowcount
    if dropped:
        log.warning(
            "dropped %d live link codes that shared a code with another; they must be reissued", dropped
        )


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, and BEGIN IMMEDIATE.

    SQLite's default deferred transactions let two requests both read and then both try to write; one
    of them then fails at once with "database is locked" instead of waiting. Taking the write lock at
    BEGIN serialises requests on the busy timeout instead: slower under load, never a spurious error.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not issue its own BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
