"""The reference core API's database written out and read back: SQLite with its online backup API (a
consistent copy while the core API writes, WAL included), PostgreSQL with pg_dump and pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_FILE = "coreapi.sqlite3"
PG_FILE = "coreapi.pgdump"  # pg_dump's custom format: pg_restore reads it, any table alone too


class DatabaseBackupError(RuntimeError):
    """The database cannot be written out or read back; the message says why and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for another database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise DatabaseBackupError(f"{url}: an in-memory SQLite database has nothing to back up")
    return Path(parsed.database)


def backup_database(url: str, into: Path) -> str:
    """The database of `url` into the directory `into`; the name of the file written."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise DatabaseBackupError(f"no SQLite database at {path}")
        _sqlite_copy(path, into / SQLITE_FILE)
        return SQLITE_FILE
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={into / PG_FILE}"], url)
    return PG_FILE


def restore_database(url: str, source: Path) -> None:
    """The database file of a backup (`source`, a file `backup_database` wrote) into `url`'s database,
    replacing its tables."""
    path = sqlite_path(url)
    if source.name == SQLITE_FILE:
        if path is None:
            raise DatabaseBackupError(
                f"the backup holds a SQLite database but {_safe(url)} is not SQLite: restore it into SQLite,"
                " then move the rows (docs/operations.md#backups)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, path)
        return
    if path is not None:
        raise DatabaseBackupError(f"the backup holds a PostgreSQL dump but {path} is SQLite")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)], url)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def _run(command: list[str], url: str) -> None:
    if shutil.which(command[0]) is None:
        raise DatabaseBackupError(
            f"{command[0]} is not installed: install the PostgreSQL client tools of the server's version"
        )
    parsed = make_url(url)
    # The password goes in the environment, not the command line (where `ps` would show it).
    env = {**os.environ, "PGPASSWORD": parsed.password or os.environ.get("PGPASSWORD", "")}
    done = subprocess.run([*command, f"--dbname={_libpq(parsed)}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise DatabaseBackupError(f"{command[0]} failed: {last}")


def _libpq(parsed: URL) -> str:
    """A libpq connection string of a SQLAlchemy URL (any +driver dropped), without the password."""
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
