"""`hudhud backup`, `hudhud restore` and `hudhud migrate`: the operator's commands around upgrades
(docs/operations.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from base.keys import Keys
from base.settings import Settings, SettingsError, load_settings
from hudhud.backup import BackupError, Manifest, Sources

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        help="The core API's database URL (default: COREAPI_DATABASE_URL, DATABASE_URL, else the SQLite"
        " file under HUDHUD_DATA_DIR, when it exists)"
    ),
]
SkipDatabaseOpt = Annotated[bool, typer.Option("--skip-database", help="Leave the core API's database out")]
SkipVectorsOpt = Annotated[bool, typer.Option("--skip-vectors", help="Leave Chroma out")]


def core_database_url(settings: Settings, *, existing_only: bool = True) -> str | None:
    """Where the reference core API of this configuration keeps its data; with `existing_only`, None
    when that is a SQLite file that does not exist (no core API ran here: CORE_API_URL points at the
    organization's own)."""
    from coreapi.config import CoreSettings
    from hudhud.backup_db import sqlite_path

    url = CoreSettings(hudhud_data_dir=settings.runtime.data_dir).sqlalchemy_url  # type: ignore[call-arg]
    path = sqlite_path(url)
    return None if existing_only and path is not None and not path.exists() else url


@dataclass(frozen=True)
class Chosen:
    """What the command line chose to back up or restore."""

    database_url: str | None
    skip_database: bool
    skip_vectors: bool
    restoring: bool


@asynccontextmanager
async def open_sources(settings: Settings, chosen: Chosen) -> AsyncIterator[Sources]:
    from hudhud.redis_conn import connect
    from memory.crypto import Cipher
    from memory.vectors import VectorStore, VectorStoreUnavailable

    cipher = Cipher.from_settings(settings.memory, settings.runtime)
    handle = await connect(settings)
    store = None
    try:
        if not chosen.skip_vectors:
            try:
                store = VectorStore.open(settings.memory, settings.runtime.data_dir)
            except VectorStoreUnavailable as exc:
                raise BackupError(f"Chroma: {exc} (--skip-vectors leaves it out)") from None
        yield Sources(
            redis=handle.client,
            keys=Keys(settings.queue.redis_prefix),
            key_ids=cipher.key_ids,
            database_url=None
            if chosen.skip_database
            else chosen.database_url or core_database_url(settings, existing_only=not chosen.restoring),
            store=store,
        )
    finally:
        if store is not None:
            store.close()
        await handle.aclose()


def _report(verb: str, directory: Path, manifest: Manifest) -> None:
    collections = ", ".join(f"{name} {n}" for name, n in manifest.collections.items()) or "none"
    console.print(
        f"{verb} {directory}: Redis {manifest.redis_keys} keys (format {manifest.stored_format}),"
        f" core API database {manifest.database or 'none'}, Chroma {collections}"
    )


def backup_command(
    directory: Annotated[Path, typer.Argument(help="A new, empty directory to write the backup into")],
    database_url: DatabaseOpt = None,
    skip_database: SkipDatabaseOpt = False,
    skip_vectors: SkipVectorsOpt = False,
) -> None:
    """Back up Redis, the core API's database and Chroma into DIRECTORY (never the encryption keys)."""
    from hudhud.backup import backup

    chosen = Chosen(database_url, skip_database, skip_vectors, restoring=False)
    manifest = _run(_with_sources(chosen, lambda sources: backup(directory, sources)))
    _report("backed up into", directory, manifest)
    console.print(
        f"[yellow]The encryption keys are not in the backup[/yellow] (ids {', '.join(manifest.key_ids)}):"
        " keep them in your secret store, apart from the backup."
    )


def restore_command(
    directory: Annotated[Path, typer.Argument(help="A directory `hudhud backup` wrote")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete what Redis holds under the prefix and restore")
    ] = False,
    database_url: DatabaseOpt = None,
    skip_database: SkipDatabaseOpt = False,
    skip_vectors: SkipVectorsOpt = False,
) -> None:
    """Restore a backup (stop the service first); the configured keys must read its history."""
    from hudhud.backup import restore

    chosen = Chosen(database_url, skip_database, skip_vectors, restoring=True)
    manifest = _run(_with_sources(chosen, lambda sources: restore(directory, sources, replace=replace)))
    _report("restored from", directory, manifest)


def migrate_command() -> None:
    """Run the pending migrations of the stored formats now (every process also runs them at start)."""
    from hudhud.migrations import MIGRATIONS, migrate
    from hudhud.redis_conn import connect

    async def run() -> None:
        settings = load_settings()
        handle = await connect(settings)
        try:
            report = await migrate(handle.client, Keys(settings.queue.redis_prefix))
        finally:
            await handle.aclose()
        for line in report.applied:
            console.print(f"migrated: {line}")
        console.print(
            f"stored formats at version {report.version} (found {report.found}; this release:"
            f" {MIGRATIONS[-1].version})"
        )

    _run(run())


async def _with_sources(chosen: Chosen, action: Callable[[Sources], Awaitable[Manifest]]) -> Manifest:
    async with open_sources(load_settings(), chosen) as sources:
        return await action(sources)


def _run(coroutine: Awaitable[T]) -> T:
    """The command's work; a bad setting exits 2 and a refused backup or restore 1, with one line."""
    try:
        return asyncio.run(coroutine)  # type: ignore[arg-type]
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except BackupError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
