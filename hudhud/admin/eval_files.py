"""The Evals page's files: eval runs (directories as `hudhud eval run --out DIR` writes them, under
HUDHUD_EVAL_RUNS_DIR), the committed baselines (evals/baselines/*.json) and the dev suites
(evals/suites/*.yaml) a run may be started with.

The dashboard is a floor below `evals` (pyproject's import layers), so it reads these documented formats
(docs/evals.md: summary.json, baselines, suite YAML) itself and never imports the evaluator. Every path
it opens is a name checked against a pattern and then resolved inside its folder: nothing outside the
runs dir, the baselines or the suites is ever read or served. The held-out suites (evals/suites/test/)
are never listed: only the suites folder's own *.yaml files are.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from base.yamlfile import load_fast

ROOT = Path(__file__).resolve().parents[2]  # the repository (evals/ beside hudhud/)
SUITES = ROOT / "evals" / "suites"
BASELINES = ROOT / "evals" / "baselines"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+=-]{0,199}$")  # a run directory, a baseline, a suite file
SERVED = frozenset({"report.html", "summary.json", "run.log"})  # what a run's page links to


class NotFound(LookupError):
    """A name that is not a run, baseline or suite here (or tries to step outside its folder)."""


@dataclass(frozen=True)
class RunInfo:
    """One line of the runs (or baselines) table, from a summary.json."""

    name: str
    when: str  # ISO time the run started ("" when the summary does not say)
    suites: list[str]
    splits: list[str]
    cases: int | None
    success_by_split: dict[str, float | None]
    false_claims: int | None
    quality: float | None
    git: str | None
    git_dirty: bool | None
    interrupted: bool = False
    has_report: bool = False


@dataclass(frozen=True)
class SuiteFile:
    """A dev suite the page may start: its file name, suite name and case ids."""

    file: str
    name: str
    case_ids: list[str] = field(default_factory=list)

    def selected(self, pattern: str | None) -> list[str]:
        """The case ids a `--filter` glob picks (comma-separated globs over the id or suite/id), as
        `hudhud eval run` selects them (evals/runner.py `select`)."""
        globs = [g.strip() for g in (pattern or "").split(",") if g.strip()]
        if not globs:
            return list(self.case_ids)
        return [
            c
            for c in self.case_ids
            if any(fnmatch.fnmatch(c, g) or fnmatch.fnmatch(f"{self.name}/{c}", g) for g in globs)
        ]


def inside(folder: Path, name: str, *parts: str) -> Path:
    """folder/name/parts…, refused unless `name` is a plain name and the resolved path (links
    followed) stays inside `folder`."""
    if not NAME.fullmatch(name) or any(not NAME.fullmatch(p) for p in parts):
        raise NotFound(name)
    base = folder.resolve()
    path = base.joinpath(name, *parts).resolve()
    if not path.is_relative_to(base) or path == base:
        raise NotFound(name)
    return path


def _info(name: str, summary: dict[str, Any], *, has_report: bool) -> RunInfo:
    run = summary.get("run") or {}
    overall = summary.get("overall") or {}
    by_split = summary.get("by_split") or {}
    return RunInfo(
        name=name,
        when=str(run.get("started") or ""),
        suites=[str(s) for s in run.get("suites") or summary.get("suites") or []],
        splits=[str(s) for s in run.get("splits") or by_split],
        cases=overall.get("cases"),
        success_by_split={
            split: figures.get("command_success")
            for split, figures in by_split.items()
            if isinstance(figures, dict)
        },
        false_claims=overall.get("false_claims"),
        quality=overall.get("quality"),
        git=run.get("git"),
        git_dirty=run.get("git_dirty"),
        interrupted=bool(run.get("interrupted")),
        has_report=has_report,
    )


def _json(path: Path) -> dict[str, Any] | None:
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


@dataclass(frozen=True)
class EvalFiles:
    runs_dir: Path
    suites_dir: Path = SUITES
    baselines_dir: Path = BASELINES

    def runs(self) -> list[RunInfo]:
        """Every run directory with a summary.json, newest first."""
        if not self.runs_dir.is_dir():
            return []
        found = []
        for directory in self.runs_dir.iterdir():
            if not directory.is_dir() or not NAME.fullmatch(directory.name):
                continue
            summary = _json(directory / "summary.json")
            if summary is not None:
                found.append(_info(directory.name, summary, has_report=(directory / "report.html").is_file()))
        return sorted(found, key=lambda r: (r.when, r.name), reverse=True)

    def baselines(self) -> list[RunInfo]:
        found = []
        for path in sorted(self.baselines_dir.glob("*.json")):
            document = _json(path)
            if document is not None and isinstance(document.get("summary"), dict):
                found.append(_info(path.stem, document["summary"], has_report=False))
        return found

    def run_dir(self, name: str) -> Path:
        path = inside(self.runs_dir, name)
        if not (path / "summary.json").is_file() and not (path / "results.jsonl").is_file():
            raise NotFound(name)
        return path

    def run_file(self, name: str, file: str) -> Path:
        """A file of a run that the page serves (report.html, summary.json, run.log)."""
        if file not in SERVED:
            raise NotFound(file)
        path = inside(self.runs_dir, name, file)
        if not path.is_file():
            raise NotFound(file)
        return path

    def baseline(self, name: str) -> Path:
        path = inside(self.baselines_dir, f"{name}.json")
        if not path.is_file():
            raise NotFound(name)
        return path

    def comparable(self, ref: str) -> Path:
        """`run:NAME` or `baseline:NAME`, as `hudhud eval compare` takes it."""
        kind, _, name = ref.partition(":")
        if kind == "run":
            return self.run_dir(name)
        if kind == "baseline":
            return self.baseline(name)
        raise NotFound(ref)

    def suites(self) -> list[SuiteFile]:
        """The dev suites with cases: the folder's own *.yaml (never test/ below it), held-out ones
        left out, as are the other kinds (routing, replay)."""
        found = []
        for path in sorted(self.suites_dir.glob("*.yaml")):
            try:
                document = load_fast(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue
            if not isinstance(document, dict) or document.get("split", "dev") != "dev":
                continue
            cases = document.get("cases")
            if not isinstance(cases, list) or not cases:
                continue
            ids = [
                str(c["id"])
                for c in cases
                if isinstance(c, dict) and "id" in c and c.get("split", "dev") == "dev"
            ]
            if ids:  # cases without ids are another kind (routing): `hudhud eval run` skips them
                found.append(SuiteFile(path.name, str(document.get("name") or path.stem), ids))
        return found

    def suite(self, file: str) -> tuple[Path, SuiteFile]:
        chosen = next((s for s in self.suites() if s.file == file), None)
        if chosen is None:
            raise NotFound(file)
        return inside(self.suites_dir, file), chosen


def log_tail(path: Path, limit: int = 4000) -> str:
    """The end of a log, whole lines; "" when there is none yet."""
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text.partition("\n")[2] if size > limit else text
