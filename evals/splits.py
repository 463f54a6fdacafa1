"""The held-out split's fingerprint: docs/evals.md records it, so a changed test split shows.

The hash is SHA-256 over the concatenated bytes of every file under evals/suites/test/, in the byte
order of their paths — the same as `cat $(find evals/suites/test -type f | LC_ALL=C sort) | sha256sum`
run from the repository root."""

from __future__ import annotations

import hashlib
from pathlib import Path

TEST_SUITES = Path(__file__).parent / "suites" / "test"


def split_files(directory: Path = TEST_SUITES) -> list[Path]:
    """Every file under the directory, sorted by its path relative to it (byte order)."""
    files = [p for p in directory.rglob("*") if p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(directory).as_posix().encode())


def split_hash(directory: Path = TEST_SUITES) -> str:
    digest = hashlib.sha256()
    for path in split_files(directory):
        digest.update(path.read_bytes())
    return digest.hexdigest()
