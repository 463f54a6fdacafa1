"""`hudhud eval matrix`: the same suites under every combination of prompt folders, models and
temperatures, one run each (its own directory, report and summary), and one page that puts them side by
side: command success, quality, cost and latency p95 per combination, each linking its run's report."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from base.settings import Settings
from evals.runner import Progress, RunOptions, RunOutcome, run_eval
from evals.suite import ReplaySuite, Suite


@dataclass(frozen=True)
class Combination:
    prompts: Path | None  # None: the configured prompts (HUDHUD_PROMPTS_DIR, else prompts/)
    model: str | None  # None: the configured model
    temperature: float | None  # None: each suite's own

    @property
    def label(self) -> str:
        parts = [
            self.prompts.name if self.prompts is not None else "prompts",
            self.model or "model",
            "suite temperature" if self.temperature is None else f"t={self.temperature:g}",
        ]
        return " · ".join(parts)

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", self.label.replace(" · ", "_")).strip("-")


def combinations(prompts: list[Path], models: list[str], temperatures: list[float]) -> list[Combination]:
    """Every prompts × model × temperature; an empty axis is the configured value."""
    return [
        Combination(p, m, t)
        for p, m, t in itertools.product(prompts or [None], models or [None], temperatures or [None])
    ]


def with_temperature(suites: list[Suite | ReplaySuite], temperature: float | None) -> list[Any]:
    if temperature is None:
        return list(suites)
    return [s.model_copy(update={"temperature": temperature}) if isinstance(s, Suite) else s for s in suites]


async def run_matrix(
    suites: list[Suite | ReplaySuite],
    combos: list[Combination],
    options: RunOptions,
    settings: Settings,
    out: Path,
    *,
    progress: Progress | None = None,
) -> list[tuple[Combination, RunOutcome]]:
    """One run per combination under `out/<i>-<slug>/`, then `out/matrix.html` and `out/matrix.json`."""
    runs: list[tuple[Combination, RunOutcome]] = []
    for i, combo in enumerate(combos, 1):
        run_settings = settings
        if combo.prompts is not None:
            run_settings = settings.replace(hudhud_prompts_dir=combo.prompts)
        run_options = options.model_copy(
            update={"out": out / f"{i:02d}-{combo.slug}", "model": combo.model or options.model}
        )
        outcome = await run_eval(
            with_temperature(suites, combo.temperature), run_options, run_settings, progress=progress
        )
        runs.append((combo, outcome))
        if outcome.interrupted:
            break
    write_matrix(out, [row(combo, outcome, out) for combo, outcome in runs])
    return runs


def write_matrix(out: Path, rows: list[dict[str, Any]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "matrix.json").write_bytes(orjson.dumps({"runs": rows}, option=orjson.OPT_INDENT_2))
    (out / "matrix.html").write_text(render_matrix(rows), encoding="utf-8")


def row(combo: Combination, outcome: RunOutcome, out: Path) -> dict[str, Any]:
    overall = outcome.summary.get("overall") or {}
    return {
        "prompts": str(combo.prompts) if combo.prompts is not None else None,
        "model": (outcome.summary.get("run") or {}).get("model") or combo.model,
        "temperature": combo.temperature,
        "label": combo.label,
        "cases": overall.get("cases", 0),
        "command_success": overall.get("command_success"),
        "quality": overall.get("quality"),
        "cost": (overall.get("cost") or {}).get("total"),
        "latency_p95_ms": (overall.get("latency_ms") or {}).get("p95"),
        "errors": overall.get("errors", 0),
        "report": str((outcome.out / "report.html").relative_to(out)),
    }


def render_matrix(rows: list[dict[str, Any]]) -> str:
    from evals.report import _e, _money, _num, _pct, _table, page

    best = max((r["command_success"] or 0 for r in rows), default=0)
    cells = [
        [
            _e(r["prompts"] or "—"),
            _e(r["model"] or "—"),
            _e("suite's" if r["temperature"] is None else f"{r['temperature']:g}"),
            _e(r["cases"]),
            ("<b>" + _pct(r["command_success"]) + "</b>")
            if rows and (r["command_success"] or 0) == best
            else _pct(r["command_success"]),
            _pct(r["quality"]),
            _money(r["cost"]),
            _num(r["latency_p95_ms"], " ms"),
            _e(r["errors"]),
            f"<a href='{_e(r['report'])}'>report</a>",
        ]
        for r in rows
    ]
    head = ["prompts", "model", "temperature", "cases", "command success", "quality", "cost",
            "latency p95", "errors", "run"]  # fmt: skip
    main = "<h2>Combinations</h2>" + _table(head, cells, numeric={3, 4, 5, 6, 7, 8})
    return page("Hudhud evals — matrix", _e(f"{len(rows)} runs"), main)
