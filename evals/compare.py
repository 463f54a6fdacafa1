"""`hudhud eval compare RUN_A RUN_B`: per-case regressions and fixes, and a gate for CI.

Figures are compared over the cases both runs have (a filtered run is not a regression). The gate
fails when command success or quality of B is lower than A's by more than `max_drop`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.results import CaseResult, read_results

Key = tuple[str, str]


@dataclass
class CaseDelta:
    key: Key
    success_a: float
    success_b: float
    quality_a: float | None
    quality_b: float | None

    @property
    def name(self) -> str:
        return f"{self.key[0]}/{self.key[1]}"

    @property
    def quality_delta(self) -> float | None:
        if self.quality_a is None or self.quality_b is None:
            return None
        return self.quality_b - self.quality_a


@dataclass
class Comparison:
    common: int
    only_a: list[str]
    only_b: list[str]
    success_a: float | None
    success_b: float | None
    quality_a: float | None
    quality_b: float | None
    regressions: list[CaseDelta] = field(default_factory=list)  # passed in A, not in B (or less often)
    fixes: list[CaseDelta] = field(default_factory=list)
    quality_drops: list[CaseDelta] = field(default_factory=list)  # success unchanged, quality lower
    failed_gates: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed_gates

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[CaseDelta]) -> list[dict[str, Any]]:
            return [
                {"case": d.name, "success": [d.success_a, d.success_b], "quality": [d.quality_a, d.quality_b]}
                for d in items
            ]

        return {
            "common": self.common,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "command_success": [self.success_a, self.success_b],
            "quality": [self.quality_a, self.quality_b],
            "regressions": rows(self.regressions),
            "fixes": rows(self.fixes),
            "quality_drops": rows(self.quality_drops),
            "failed_gates": self.failed_gates,
        }


def _by_case(results: list[CaseResult]) -> dict[Key, list[CaseResult]]:
    out: dict[Key, list[CaseResult]] = defaultdict(list)
    for r in results:
        out[(r.suite, r.case_id)].append(r)
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def compare(a: list[CaseResult], b: list[CaseResult], *, max_drop: float = 0.02) -> Comparison:
    cases_a, cases_b = _by_case(a), _by_case(b)
    common = sorted(cases_a.keys() & cases_b.keys())
    deltas = []
    for key in common:
        ra, rb = cases_a[key], cases_b[key]
        deltas.append(
            CaseDelta(
                key=key,
                success_a=_mean([float(r.success) for r in ra]) or 0.0,
                success_b=_mean([float(r.success) for r in rb]) or 0.0,
                quality_a=_mean([r.quality for r in ra if r.quality is not None]),
                quality_b=_mean([r.quality for r in rb if r.quality is not None]),
            )
        )
    result = Comparison(
        common=len(common),
        only_a=[f"{s}/{c}" for s, c in sorted(cases_a.keys() - cases_b.keys())],
        only_b=[f"{s}/{c}" for s, c in sorted(cases_b.keys() - cases_a.keys())],
        success_a=_mean([d.success_a for d in deltas]),
        success_b=_mean([d.success_b for d in deltas]),
        quality_a=_mean([d.quality_a for d in deltas if d.quality_a is not None and d.quality_b is not None]),
        quality_b=_mean([d.quality_b for d in deltas if d.quality_a is not None and d.quality_b is not None]),
        regressions=[d for d in deltas if d.success_b < d.success_a],
        fixes=[d for d in deltas if d.success_b > d.success_a],
        quality_drops=[
            d
            for d in deltas
            if d.success_b == d.success_a and d.quality_delta is not None and d.quality_delta < -max_drop
        ],
    )
    if (
        result.success_a is not None
        and result.success_b is not None
        and result.success_b < result.success_a - max_drop
    ):
        result.failed_gates.append(
            f"command success dropped {result.success_a:.1%} → {result.success_b:.1%} "
            f"(more than {max_drop:.1%})"
        )
    if (
        result.quality_a is not None
        and result.quality_b is not None
        and result.quality_b < result.quality_a - max_drop
    ):
        result.failed_gates.append(
            f"quality dropped {result.quality_a:.1%} → {result.quality_b:.1%} (more than {max_drop:.1%})"
        )
    return result


def compare_runs(run_a: Path, run_b: Path, *, max_drop: float = 0.02) -> Comparison:
    """Two run directories (or results.jsonl files); raises FileNotFoundError/ValueError on bad input."""
    return compare(read_results(run_a), read_results(run_b), max_drop=max_drop)
