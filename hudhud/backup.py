"""`hudhud backup DIR` and `hudhud restore DIR`: Redis (the keys under the prefix), the reference core
API's database and every Chroma collection, in one directory with a manifest (docs/operations.md#backups).

The encryption keys are never written into a backup: a backup that held them would hand whoever reads
it every conversation in clear. The manifest names the keys the history needs by their ids (the first
8 hex digits of their sha256, memory/crypto.py), and a restore refuses to start unless the configured
keys (HUDHUD_ENCRYPTION_KEY, HUDHUD_ENCRYPTION_OLD_KEYS) hold every one of them.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis.asyncio as aioredis
from pydantic import BaseModel

from base.keys import Keys
from hudhud.backup_db import DatabaseBackupError, backup_database, restore_database
from hudhud.backup_redis import dump_prefix, restore_prefix
from hudhud.migrations import stored_version
from memory.vector_backup import export_store, import_store
from memory.vectors import VectorStore

MANIFEST = "manifest.json"
REDIS_FILE = "redis.jsonl"
CHROMA_DIR = "chroma"
LAYOUT = 1  # of the backup directory itself


class BackupError(RuntimeError):
    """A backup cannot be written or restored; one line saying why and what to do."""


class Manifest(BaseModel):
    layout: int = LAYOUT
    created_at: str
    hudhud_version: str
    prefix: str
    stored_format: int  # hudhud/migrations.py: a newer release migrates it at its next start
    redis_keys: int
    database: str | None = None  # the file of the core API's database, when there was one
    collections: dict[str, int] = {}  # Chroma collection -> records
    key_ids: list[str] = []  # the encryption keys the history needs, by id; the keys are never here


@dataclass
class Sources:
    """What a backup reads and a restore writes: one deployment's stores."""

    redis: aioredis.Redis
    keys: Keys
    key_ids: list[str]  # the configured keyring's (memory/crypto.py Cipher.key_ids)
    database_url: str | None = None  # the reference core API's; None: not backed up
    store: VectorStore | None = None  # Chroma; None: not backed up


async def backup(into: Path, sources: Sources) -> Manifest:
    """Everything of `sources` into the directory `into` (created; must be empty)."""
    _new_private_dir(into)
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        hudhud_version=importlib.metadata.version("hudhud"),
        prefix=sources.keys.prefix,
        stored_format=await stored_version(sources.redis, sources.keys),
        redis_keys=await dump_prefix(sources.redis, sources.keys, into / REDIS_FILE),
        key_ids=sources.key_ids,
    )
    if sources.database_url is not None:
        try:
            manifest.database = await asyncio.to_thread(backup_database, sources.database_url, into)
        except DatabaseBackupError as exc:
            raise BackupError(f"the core API database: {exc}") from None
    if sources.store is not None:
        manifest.collections = await export_store(sources.store, into / CHROMA_DIR)
    _write(into / MANIFEST, manifest.model_dump_json(indent=2) + "\n")
    return manifest


def _new_private_dir(into: Path) -> None:
    if into.exists() and any(into.iterdir()):
        raise BackupError(f"{into} is not empty: back up into a new directory")
    into.mkdir(parents=True, exist_ok=True)
    into.chmod(0o700)  # message text is encrypted, but numbers, links and tasks are not


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def read_manifest(source: Path) -> Manifest:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} is not a Hudhud backup (no {MANIFEST})")
    manifest = Manifest.model_validate_json(path.read_text())
    if manifest.layout > LAYOUT:
        raise BackupError(
            f"{source} was written by a newer Hudhud ({manifest.hudhud_version}): restore with that one"
        )
    return manifest


async def restore(source: Path, sources: Sources, *, replace: bool = False) -> Manifest:
    """The backup in `source` into `sources`. Refused when the configured keys cannot read its history,
    or when Redis already holds keys under the prefix and `replace` is off."""
    manifest = read_manifest(source)
    missing = [k for k in manifest.key_ids if k not in sources.key_ids]
    if missing:
        raise BackupError(
            f"the backup's history is encrypted with key {', '.join(missing)}, which the configured keys"
            " do not hold: set HUDHUD_ENCRYPTION_KEY (and HUDHUD_ENCRYPTION_OLD_KEYS) from where the keys"
            " are kept, then restore (docs/operations.md#backups)"
        )
    if manifest.prefix != sources.keys.prefix:
        raise BackupError(
            f"the backup is of HUDHUD_REDIS_PREFIX={manifest.prefix}, this deployment uses"
            f" {sources.keys.prefix}: set the same prefix to restore"
        )
    existing = [k async for k in sources.redis.scan_iter(match=sources.keys.everything, count=1_000)]
    if existing and not replace:
        raise BackupError(
            f"Redis already holds {len(existing)} keys under {sources.keys.prefix}: (pass --replace to"
            " delete them and restore the backup's)"
        )
    if manifest.database is not None and sources.database_url is not None:
        try:
            await asyncio.to_thread(restore_database, sources.database_url, source / manifest.database)
        except DatabaseBackupError as exc:
            raise BackupError(f"the core API database: {exc}") from None
    if sources.store is not None and manifest.collections:
        await import_store(sources.store, source / CHROMA_DIR)
    await restore_prefix(sources.redis, sources.keys, source / REDIS_FILE)
    return manifest
