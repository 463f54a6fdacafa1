"""The core API over real HTTP on loopback, on SQLite (a file per test) and on PostgreSQL (a database
made for this test run and dropped after it; tables are emptied between tests).

PostgreSQL is skipped only when it is unreachable and CI is not set; in CI it must run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from coreapi.app import create_app
from coreapi.config import CoreSettings
from coreapi.db import Database
from coreapi.models import Base, Task, User
from coreapi.seed import seed
from coreapi.tokens import TokenIssuer
from tests.helpers import LiveServer

PG_URL = os.environ.get("COREAPI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
JWT_SECRET = "test-jwt-secret-" + "0123456789abcdef" * 4  # 64+ bytes: long enough for HS512 too
SERVICE_TOKEN = "test-service-token-0123456789abcdefghijkl"

PEOPLE: list[dict[str, Any]] = [
    {"username": "admin", "display_name": "Admin", "role": "admin", "team": "hq", "language": "en"},
    {"username": "mona", "display_name": "Mona Saleh", "role": "manager", "team": "ops"},
    {"username": "sara", "display_name": "Sara Ahmed", "team": "ops"},
    {"username": "samir", "display_name": "Samir Ali", "team": "ops"},
    {"username": "nour", "display_name": "أحمد نور", "team": "ops"},
    {"username": "khalid", "display_name": "Khalid Omar", "role": "manager", "team": "sales"},
    {"username": "ahmed.k", "display_name": "Ahmed Khan", "team": "sales"},
    {"username": "loner", "display_name": "Lone Wolf"},  # no team
    {"username": "old", "display_name": "Old Timer", "team": "ops", "active": False},
]

TASKS: list[dict[str, Any]] = [
    # 1: sara's own, overdue
    {"title": "Prepare Q3 report", "created_by": "sara", "assignee": "sara", "due_in_days": -2},
    # 2: mona gave it to sara
    {
        "title": "Call the supplier",
        "created_by": "mona",
        "assignee": "sara",
        "due_in_days": 3,
        "priority": "high",
    },
    # 3: samir's, done
    {
        "title": "Inventory count",
        "created_by": "samir",
        "assignee": "samir",
        "status": "done",
        "due_in_days": -5,
    },
    # 4: the sales team's, overdue
    {"title": "Sales deck", "created_by": "khalid", "assignee": "ahmed.k", "due_in_days": -1},
    # 5: ops, unassigned, no due date
    {
        "title": "Order chairs",
        "created_by": "mona",
        "description": "100% ergonomic_chairs",
        "comments": [{"author": "mona", "text": "ask for a quote"}],
    },
]


async def _pg_reachable(url: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(url), timeout=5)
    except Exception as exc:  # any failure to connect means "no server here"
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


async def pg_admin(sql: str) -> None:
    """One statement on the server's maintenance connection (CREATE/DROP DATABASE)."""
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh database for this run; dropped (with any connection left) at the end."""

    problem = asyncio.run(_pg_reachable(PG_URL))
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable in CI: {problem}")
        pytest.skip(f"PostgreSQL unreachable ({problem})")
    with scratch_database("coreapi_test") as url:
        yield url


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database (its async URL), dropped with any connection left when done."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(PG_URL).set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'coreapi.db'}"
    return request.getfixturevalue("pg_database")  # type: ignore[no-any-return]


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> CoreSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "hudhud_data_dir": tmp_path,
        "coreapi_jwt_secret": JWT_SECRET,
        "coreapi_service_token": SERVICE_TOKEN,
    }
    values.update(overrides)
    return CoreSettings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Api:
    """A running core API with the standard people and tasks, and clients that act as them."""

    url: str
    settings: CoreSettings
    db: Database  # the test's own connection, for arranging what HTTP cannot (expired codes, ...)
    users: dict[str, User] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    def id(self, username: str) -> int:
        return self.users[username].id

    def task(self, n: int) -> int:
        """The id of the n-th standard task (1-based, as listed in TASKS)."""
        return self.tasks[n - 1].id

    def token(self, username: str) -> str:
        return TokenIssuer(JWT_SECRET, 600).issue(self.id(username)).access_token

    def client(self, username: str | None = None, *, bearer: str | None = None) -> httpx.AsyncClient:
        headers = {}
        if username is not None:
            bearer = self.token(username)
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        client = httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)
        self._clients.append(client)
        return client

    def service(self, token: str = SERVICE_TOKEN) -> httpx.AsyncClient:
        return self.client(bearer=token)

    async def add_user(self, **spec: Any) -> User:
        """Seed one more person (passwords cost a scrypt hash, so the standard people have none)."""
        async with self.db.sessions() as session:
            seeded = await seed(session, [spec])
        self.users.update(seeded.users)
        return next(iter(seeded.users.values()))

    async def execute(self, statement: str, **params: Any) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(text(statement), params)

    async def fetch(self, statement: str, **params: Any) -> list[Any]:
        async with self.db.engine.connect() as conn:
            return list((await conn.execute(text(statement), params)).all())


async def _empty(db: Database) -> None:
    """PostgreSQL's database lives for the whole run, so each test empties it (SQLite's file is per test)."""
    if db.is_sqlite:
        return

    async def delete_all() -> None:
        async with db.engine.begin() as conn:
            for table in reversed(
                Base.metadata.sorted_tables
            ):  # DELETE: far quicker than TRUNCATE on tiny tables
                await conn.execute(table.delete())

    try:
        await delete_all()
    except ProgrammingError:  # a table missing: the app never got as far as making them
        await db.create_all()
        await delete_all()


@pytest.fixture
async def start(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """`await start(**settings)` runs an app (stopped and emptied after the test)."""
    servers: list[LiveServer] = []
    dbs: list[Database] = []
    apis: list[Api] = []

    async def _start(*, people: bool = True, **overrides: Any) -> Api:
        settings = make_settings(database_url, tmp_path, **overrides)
        server = LiveServer(create_app(settings))
        await asyncio.to_thread(server.start)
        servers.append(server)
        db = Database(settings.sqlalchemy_url)
        dbs.append(db)
        api = Api(server.url, settings, db)
        apis.append(api)
        if people:
            async with db.sessions() as session:
                seeded = await seed(session, PEOPLE, TASKS)
            api.users, api.tasks = seeded.users, seeded.tasks
        return api

    try:
        yield _start
    finally:
        for api in apis:
            for client in api._clients:
                await client.aclose()
        for server in servers:
            await asyncio.to_thread(server.stop)
        if dbs:
            await _empty(dbs[0])
        for db in dbs:
            await db.dispose()


@pytest.fixture
async def api(start: Any) -> Api:
    return await start()  # type: ignore[no-any-return]


from tests.coreapi.chat import chat  # noqa: E402,F401 (the fixture, for the conversation tests)
