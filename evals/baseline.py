"""Committed baselines: evals/baselines/<name>.json, what `hudhud eval compare` gates a new run against.

A baseline is a run's summary.json (with its provenance: model, prompt, tool-spec and suite hashes, git
commit and dirty flag) and one small record per case and trial — success, quality, false claims, turn
latencies, tokens and cost — enough to pair cases, never the transcripts (they stay in the run's
results.jsonl, which is not committed). `hudhud eval baseline save RUN_DIR NAME` writes one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, Field

from evals.results import CaseResult, read_results

BASELINES = Path(__file__).parent / "baselines"
ROOT = Path(__file__).resolve().parent.parent  # the repository: committed paths are relative to it
FORMAT = 1
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ANSWERED = ("ok", "unsupported")


class CaseOutcome(BaseModel):
    """What compare needs of one case and trial."""

    split: str = "dev"
    suite: str
    case: str
    trial: int = 0
    success: bool
    quality: float | None = None
    false_claims: int | None = None  # None: not scored for them (a run before the truthful scorer)
    latency_ms: list[float] = Field(default_factory=list)  # each answered turn
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None  # None: not priced

    @classmethod
    def of(cls, r: CaseResult) -> CaseOutcome:
        truthful = r.scores.get("truthful")
        return cls(
            split=r.split,
            suite=r.suite,
            case=r.case_id,
            trial=r.trial,
            success=r.success,
            quality=r.quality,
            false_claims=None if truthful is None else len(truthful.extra.get("false_claims") or []),
            latency_ms=[t.latency_ms for t in r.turns if t.status in ANSWERED],
            tokens_in=sum(t.tokens_in for t in r.turns),
            tokens_out=sum(t.tokens_out for t in r.turns),
            cost=r.cost,
        )


def baseline_document(summary: dict[str, Any], results: list[CaseResult], name: str) -> dict[str, Any]:
    run = {k: v for k, v in (summary.get("run") or {}).items() if k != "out"}  # a local path
    suites = {n: {**m, "path": _relative(m.get("path"))} for n, m in (summary.get("suites") or {}).items()}
    return {
        "baseline": FORMAT,
        "name": name,
        "saved": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": {**summary, "run": run, "suites": suites},
        "cases": [
            CaseOutcome.of(r).model_dump(mode="json")
            for r in sorted(results, key=lambda r: (r.split, r.suite, r.case_id, r.trial))
        ],
    }


def _relative(path: str | None) -> str | None:
    """A suite's path as the repository names it (a committed file holds no machine's directories)."""
    if path is None or not Path(path).is_absolute():
        return path
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).name


def save_baseline(run: Path, name: str, *, root: Path = BASELINES) -> Path:
    """Write root/<name>.json from a run directory; ValueError for a bad name or an interrupted run,
    OSError when the run cannot be read."""
    if not NAME.fullmatch(name):
        raise ValueError(f"baseline name {name!r}: letters, digits, '.', '_' and '-' only")
    summary = orjson.loads((run / "summary.json").read_bytes())
    if (summary.get("run") or {}).get("interrupted"):
        raise ValueError(f"{run} was interrupted: its figures cover part of the cases, not a baseline")
    path = root / f"{name}.json"
    root.mkdir(parents=True, exist_ok=True)
    document = baseline_document(summary, read_results(run), name)
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
    return path


def load_outcomes(path: Path) -> list[CaseOutcome]:
    """The cases of a run directory, its results.jsonl, or a baseline file (*.json)."""
    if path.is_file() and path.suffix == ".json":
        document = orjson.loads(path.read_bytes())
        if not isinstance(document, dict) or document.get("baseline") != FORMAT:
            raise ValueError(f"{path}: not a baseline (evals/baselines/*.json, format {FORMAT})")
        return [CaseOutcome.model_validate(c) for c in document.get("cases") or []]
    return [CaseOutcome.of(r) for r in read_results(path)]
