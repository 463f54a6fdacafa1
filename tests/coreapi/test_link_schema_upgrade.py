"""A database made before link codes were hardened gets the new column and indexes at start-up.

Each test here gets a database of its own (on PostgreSQL too): it builds the old tables by hand, so it
must not share the run's database with tests that expect the current schema.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table, inspect
from sqlalchemy.engine import Connection

from coreapi.clock import utcnow
from coreapi.db import Database
from coreapi.models import Base, UTCDateTime
from coreapi.seed import seed
from tests.coreapi.conftest import JWT_SECRET, PEOPLE, Api, scratch_database

LINK_TABLES = ("link_codes", "link_attempts")

# The two tables exactly as the models declared them before: no `client`, no unique index.
OLD = MetaData()
Table("users", OLD, Column("id", Integer, primary_key=True))  # only for the foreign key to resolve
OLD_CODES = Table(
    "link_codes",
    OLD,
    Column("id", Integer, primary_key=True),
    Column("code_hash", String(64), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Column("used_by_wa_id", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
)
OLD_ATTEMPTS = Table(
    "link_attempts",
    OLD,
    Column("id", Integer, primary_key=True),
    Column("wa_id", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_link_attempts_wa_id_at", "wa_id", "created_at"),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Overrides conftest's: a database for this test alone."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'coreapi.db'}"
        return
    request.getfixturevalue("pg_database")  # skips or fails exactly as the other PostgreSQL tests do
    with scratch_database("coreapi_upgrade") as url:
        yield url


def keyed(code: str) -> str:
    return hmac.new(JWT_SECRET.encode(), code.encode(), hashlib.sha256).hexdigest()


def _old_schema(conn: Connection) -> None:
    current = [t for t in Base.metadata.sorted_tables if t.name not in LINK_TABLES]
    Base.metadata.create_all(conn, tables=current)
    OLD.create_all(conn, tables=[OLD_CODES, OLD_ATTEMPTS])


async def build_old_database(url: str) -> dict[str, int]:
    """The old schema, the standard people, and the rows an old database may hold."""
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_old_schema)
        async with db.sessions() as session:
            users = {name: user.id for name, user in (await seed(session, PEOPLE)).users.items()}
        now = utcnow()
        live, dead = now + timedelta(minutes=5), now - timedelta(minutes=5)
        async with db.engine.begin() as conn:
            rows: list[dict[str, Any]] = [
                # 111111: samir's expired code and sara's live one; the dead one must make way
                {"code_hash": keyed("111111"), "user_id": users["samir"], "expires_at": dead},
                {"code_hash": keyed("111111"), "user_id": users["sara"], "expires_at": live},
                # 222222: live for two people at once; it cannot say whose it is, so neither keeps it
                {"code_hash": keyed("222222"), "user_id": users["sara"], "expires_at": live},
                {"code_hash": keyed("222222"), "user_id": users["samir"], "expires_at": live},
                {"code_hash": keyed("333333"), "user_id": users["mona"], "expires_at": live},
            ]
            # 333333 was sara's once (used long ago, an older row first) and is mona's live code now
            await conn.execute(
                OLD_CODES.insert(),
                {
                    "code_hash": keyed("333333"),
                    "user_id": users["sara"],
                    "expires_at": dead,
                    "used_at": dead,
                    "used_by_wa_id": "966500000009",
                    "created_at": dead,
                },
            )
            await conn.execute(
                OLD_CODES.insert(),
                [{"used_at": None, "used_by_wa_id": None, "created_at": now, **row} for row in rows],
            )
            await conn.execute(OLD_ATTEMPTS.insert(), {"wa_id": "966500000001", "created_at": now})
        return users
    finally:
        await db.dispose()


def _schema(conn: Connection) -> tuple[set[str], dict[str, dict[str, Any]]]:
    inspector = inspect(conn)
    columns = {c["name"] for c in inspector.get_columns("link_attempts")}
    indexes = {
        i["name"]: dict(i)
        for table in LINK_TABLES
        for i in inspector.get_indexes(table)
        if i["name"] is not None
    }
    return columns, indexes


async def redeem(api: Api, code: str, wa_id: str) -> Any:
    return await api.service().post("/link-codes/redeem", json={"code": code, "wa_id": wa_id})


async def test_start_up_upgrades_an_old_database(start: Any, database_url: str) -> None:
    users = await build_old_database(database_url)
    api: Api = await start(people=False)

    async with api.db.engine.connect() as conn:
        columns, indexes = await conn.run_sync(_schema)
    assert "client" in columns
    assert indexes["uq_link_codes_unused_hash"]["unique"]
    assert {"ix_link_attempts_client_at", "ix_link_attempts_at"} <= indexes.keys()

    unused = await api.fetch(
        "SELECT COUNT(*) FROM link_codes WHERE used_at IS NULL GROUP BY code_hash ORDER BY 1"
    )
    assert [row[0] for row in unused] == [1, 1]  # 111111 (sara's) and 333333 (mona's)

    r = await redeem(api, "111111", "966500000002")
    assert (r.status_code, r.json()["user_id"]) == (200, users["sara"])
    r = await redeem(api, "333333", "966500000003")
    assert (r.status_code, r.json()["user_id"]) == (200, users["mona"])
    r = await redeem(api, "222222", "966500000004")
    assert (r.status_code, r.json()["code"]) == (400, "invalid_code")
    attempts = await api.fetch("SELECT wa_id, client FROM link_attempts ORDER BY id")
    assert [tuple(a) for a in attempts] == [("966500000001", None), ("966500000004", "127.0.0.1")]

    # Starting again on the upgraded database changes nothing and still works.
    again: Api = await start(people=False)
    assert (await redeem(again, "999999", "966500000005")).status_code == 400
