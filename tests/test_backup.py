"""`hudhud backup` and `hudhud restore` on a populated system: the real Redis (under the test's prefix),
the core API's SQLite file and the embedded Chroma are backed up, wiped, and restored, and the data is
found again: a user's history decrypts, a task exists, a knowledge-base search finds the document. The
encryption key is never in the backup, and a restore without it is refused."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import orjson
import pytest
import redis.asyncio as aioredis
from redis import Redis as SyncRedis
from sqlalchemy import select
from typer.testing import CliRunner

from base.keys import Keys
from coreapi.db import Database
from coreapi.models import Task, User
from hudhud.cli import app
from memory.crypto import Cipher, generate_key, key_id, parse_key
from memory.history import ConversationHistory, HistoryEntry
from memory.kb import KnowledgeBase
from memory.links import IdentityLinks
from memory.vectors import VectorStore
from tests.conftest import REDIS_TEST_URL

runner = CliRunner()
USER = "966500000001"
LEAVE = (
    b"# Annual leave\n\nEvery employee gets 30 days of annual leave a year. Ask your manager two weeks"
    b" ahead and record the days in the HR portal.\n"
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_prefix: str) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    values = {
        "REDIS_URL": REDIS_TEST_URL,
        "HUDHUD_REDIS_PREFIX": redis_prefix,
        "HUDHUD_DATA_DIR": str(tmp_path / "data"),
        "HUDHUD_ENCRYPTION_KEY": generate_key(),
        "HUDHUD_RESPONDER": "none",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("COREAPI_DATABASE_URL", raising=False)
    yield values
    client = SyncRedis.from_url(REDIS_TEST_URL)
    _wipe_redis(client, redis_prefix)
    client.close()


def _wipe_redis(client: SyncRedis, prefix: str) -> int:
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    return len(keys)


def _history(client: aioredis.Redis, env: dict[str, str]) -> ConversationHistory:
    cipher = Cipher(env["HUDHUD_ENCRYPTION_KEY"])
    return ConversationHistory(client, Keys(env["HUDHUD_REDIS_PREFIX"]), cipher, ttl_s=3600, max_messages=50)


def _database(env: dict[str, str]) -> Database:
    return Database(f"sqlite+aiosqlite:///{Path(env['HUDHUD_DATA_DIR']) / 'coreapi.db'}")


async def _populate(env: dict[str, str]) -> None:
    client = aioredis.from_url(REDIS_TEST_URL)
    try:
        await _history(client, env).append_turn("exec", USER, "turn-1", [
            HistoryEntry(role="user", text="ذكرني بطلب الكراسي"),
            HistoryEntry(role="assistant", text="Done: task 1, Order chairs"),
        ])  # fmt: skip
        await IdentityLinks(client, Keys(env["HUDHUD_REDIS_PREFIX"])).link(USER, 1, role="manager")
        await client.xadd(f"{env['HUDHUD_REDIS_PREFIX']}:in", {"job": "pending"})
        await client.xgroup_create(f"{env['HUDHUD_REDIS_PREFIX']}:in", "workers", id="0")
    finally:
        await client.aclose()
    db = _database(env)
    try:
        await db.create_all()
        async with db.sessions() as session, session.begin():
            sara = User(username="sara", display_name="Sara")
            session.add(sara)
            await session.flush()
            session.add(Task(title="Order chairs", created_by=sara.id, assignee_id=sara.id))
    finally:
        await db.dispose()
    store = VectorStore.embedded(Path(env["HUDHUD_DATA_DIR"]) / "chroma")
    try:
        report = await KnowledgeBase(store).add_bytes("hr/leave.md", LEAVE)
        assert report.added == ["hr/leave.md"]
    finally:
        store.close()


async def _found(env: dict[str, str]) -> tuple[list[str], list[str], list[str], int | None, int]:
    client = aioredis.from_url(REDIS_TEST_URL)
    try:
        texts = [e.text for e in await _history(client, env).read("exec", USER)]
        link = await IdentityLinks(client, Keys(env["HUDHUD_REDIS_PREFIX"])).get(USER)
        groups = await client.xinfo_groups(f"{env['HUDHUD_REDIS_PREFIX']}:in")
    finally:
        await client.aclose()
    db = _database(env)
    try:
        async with db.sessions() as session:
            titles = list((await session.scalars(select(Task.title))).all())
    finally:
        await db.dispose()
    store = VectorStore.embedded(Path(env["HUDHUD_DATA_DIR"]) / "chroma")
    try:
        hits = await KnowledgeBase(store).search("How many days of annual leave do I get?")
    finally:
        store.close()
    return texts, titles, [h.source for h in hits], link.user_id if link else None, len(groups)


def test_backup_wipe_restore_finds_everything(env: dict[str, str], tmp_path: Path) -> None:
    asyncio.run(_populate(env))
    backup_dir = tmp_path / "backup"
    done = runner.invoke(app, ["backup", str(backup_dir)])
    assert done.exit_code == 0, done.output
    manifest = orjson.loads((backup_dir / "manifest.json").read_bytes())
    key = env["HUDHUD_ENCRYPTION_KEY"]
    assert manifest["database"] == "coreapi.sqlite3" and manifest["redis_keys"] >= 5
    assert manifest["key_ids"] == [key_id(parse_key(key))]
    assert sum(manifest["collections"].values()) >= 1
    # The key is nowhere in the backup, in any form a reader could use.
    raw_key = parse_key(key)
    for path in backup_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert key.encode() not in data and raw_key not in data, path

    # The disaster: Redis emptied and the data directory gone.
    client = SyncRedis.from_url(REDIS_TEST_URL)
    assert _wipe_redis(client, env["HUDHUD_REDIS_PREFIX"]) >= 5
    shutil.rmtree(env["HUDHUD_DATA_DIR"])

    # Without the key the history needs, the restore is refused before it writes anything.
    other = runner.invoke(app, ["restore", str(backup_dir)], env={"HUDHUD_ENCRYPTION_KEY": generate_key()})
    assert other.exit_code == 1 and manifest["key_ids"][0] in other.output
    assert list(client.scan_iter(match=f"{env['HUDHUD_REDIS_PREFIX']}:*")) == []

    restored = runner.invoke(app, ["restore", str(backup_dir)])
    assert restored.exit_code == 0, restored.output
    texts, titles, sources, linked_to, groups = asyncio.run(_found(env))
    assert texts == ["ذكرني بطلب الكراسي", "Done: task 1, Order chairs"]  # decrypted with the same key
    assert titles == ["Order chairs"]
    assert sources and sources[0] == "hr/leave.md"
    assert linked_to == 1 and groups == 1  # the stream keeps its consumer group

    # A second restore over the data now there needs --replace.
    again = runner.invoke(app, ["restore", str(backup_dir)])
    assert again.exit_code == 1 and "--replace" in again.output
    assert runner.invoke(app, ["restore", str(backup_dir), "--replace"]).exit_code == 0
    client.close()


def test_backup_refuses_a_used_directory_and_restore_a_stranger(env: dict[str, str], tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "something").write_text("x")
    result = runner.invoke(app, ["backup", str(used), "--skip-vectors"])
    assert result.exit_code == 1 and "not empty" in " ".join(result.output.split())  # rich wraps a long path
    result = runner.invoke(app, ["restore", str(used)])
    assert result.exit_code == 1 and "not a Hudhud backup" in " ".join(result.output.split())


def test_migrate_reports_the_version(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output and "found 0" in result.output
    assert "found 1" in runner.invoke(app, ["migrate"]).output
