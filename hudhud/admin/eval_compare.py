"""Two runs (or baselines) compared by `python -m hudhud eval compare A B --json --html OUT` in a child
process: the dashboard sits below `evals` (pyproject's import layers) and takes the command's JSON
figures and side-by-side page as they are. Exit code 1 (a gate failed) is a verdict, not an error; 2
(a run cannot be read) is an error with the command's words."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from hudhud.admin.eval_runner import hudhud_command, stop_child

COMPARE_DIR = "_compare"  # under the runs dir: not a run name (NAME starts with a letter or digit)
DIGEST = re.compile(r"^[0-9a-f]{24}$")
TIMEOUT_S = 120.0


class CompareError(RuntimeError):
    """The command could not compare them (what it said)."""


@dataclass(frozen=True)
class Compared:
    figures: dict[str, Any]  # the command's --json document
    # Names the side-by-side page (/admin/evals/side-by-side/<digest>); None with a baseline, which
    # keeps no transcripts to show.
    digest: str | None


def page_path(runs_dir: Path, digest: str) -> Path | None:
    """The side-by-side page of a comparison, when the digest is one and the page is there."""
    if not DIGEST.fullmatch(digest):
        return None
    path = runs_dir / COMPARE_DIR / f"{digest}.html"
    return path if path.is_file() else None


async def compare(runs_dir: Path, a: Path, b: Path, *, nice: int, side_by_side: bool) -> Compared:
    """`side_by_side`: both are run directories (with transcripts), so the page can be written."""
    digest: str | None = None
    html: list[str] = []
    if side_by_side:
        digest = hashlib.sha256(f"{a}\0{b}".encode()).hexdigest()[:24]
        where = runs_dir / COMPARE_DIR
        await asyncio.to_thread(where.mkdir, parents=True, exist_ok=True)
        html = ["--html", str(where / f"{digest}.html")]
    child = await asyncio.create_subprocess_exec(
        *hudhud_command(nice, "eval", "compare", str(a), str(b), "--json", *html),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(child.communicate(), TIMEOUT_S)
    except TimeoutError:
        await stop_child(child)
        raise CompareError(f"the comparison took longer than {TIMEOUT_S:.0f} s") from None
    if child.returncode not in (0, 1):
        said = err.decode(errors="replace").strip().splitlines()
        raise CompareError(said[-1] if said else f"exit code {child.returncode}")
    try:
        figures = orjson.loads(out)
    except orjson.JSONDecodeError:
        raise CompareError("the comparison printed no JSON document") from None
    return Compared(figures, digest)
