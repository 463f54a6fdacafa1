"""`hudhud eval compare RUN_A RUN_B`: per-case regressions and fixes, and a gate for CI.

Figures are compared over the cases both runs have (a filtered run is not a regression). Splits are
kept apart (docs/evals.md): a case is matched only with the same case of the same split, figures are
also given per split, and the gate holds per split — it fails when command success or quality of B is
lower than A's by more than `max_drop` on any split (a gain on dev does not hide a drop on test)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.results import CaseResult, read_results

Key = tuple[str, str, str]  # split, suite, case


@dataclass
class CaseDelta:
    key: Key
    success_a: float
    success_b: float
    quality_a: float | None
    quality_b: float | None

    @property
    def split(self) -> str:
        return self.key[0]

    @property
    def name(self) -> str:
        return case_name(self.key)

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
    by_split: dict[str, dict[str, Any]] = field(default_factory=dict)  # common, success and quality A/B
    # False action claims over the common cases (the truthful scorer); None: a run scored without it.
    false_claims_a: int | None = None
    false_claims_b: int | None = None
    new_false_claims: list[str] = field(default_factory=list)  # cases with a false claim in B only

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
            "by_split": self.by_split,
            "false_claims": [self.false_claims_a, self.false_claims_b],
            "new_false_claims": self.new_false_claims,
        }


def case_name(key: Key) -> str:
    """suite/case, with the split named when it is not dev."""
    split, suite, case = key
    return f"{suite}/{case}" if split == "dev" else f"{suite}/{case} [{split}]"


def _by_case(results: list[CaseResult]) -> dict[Key, list[CaseResult]]:
    out: dict[Key, list[CaseResult]] = defaultdict(list)
    for r in results:
        out[(r.split, r.suite, r.case_id)].append(r)
    return out


def _figures(deltas: list[CaseDelta]) -> dict[str, Any]:
    both = [d for d in deltas if d.quality_a is not None and d.quality_b is not None]
    return {
        "common": len(deltas),
        "success_a": _mean([d.success_a for d in deltas]),
        "success_b": _mean([d.success_b for d in deltas]),
        "quality_a": _mean([d.quality_a for d in both if d.quality_a is not None]),
        "quality_b": _mean([d.quality_b for d in both if d.quality_b is not None]),
    }


def _false_claims(results: list[CaseResult]) -> int | None:
    """The case's false action claims over its trials; None when it was not scored for them."""
    scores = [r.scores["truthful"] for r in results if "truthful" in r.scores]
    return sum(len(s.extra.get("false_claims") or []) for s in scores) if scores else None


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
    overall = _figures(deltas)
    result = Comparison(
        common=len(common),
        only_a=[case_name(k) for k in sorted(cases_a.keys() - cases_b.keys())],
        only_b=[case_name(k) for k in sorted(cases_b.keys() - cases_a.keys())],
        success_a=overall["success_a"],
        success_b=overall["success_b"],
        quality_a=overall["quality_a"],
        quality_b=overall["quality_b"],
        regressions=[d for d in deltas if d.success_b < d.success_a],
        fixes=[d for d in deltas if d.success_b > d.success_a],
        quality_drops=[
            d
            for d in deltas
            if d.success_b == d.success_a and d.quality_delta is not None and d.quality_delta < -max_drop
        ],
    )
    claims_a = {k: _false_claims(cases_a[k]) for k in common}
    claims_b = {k: _false_claims(cases_b[k]) for k in common}
    if all(v is not None for v in claims_a.values()) and claims_a:
        result.false_claims_a = sum(v or 0 for v in claims_a.values())
    if all(v is not None for v in claims_b.values()) and claims_b:
        result.false_claims_b = sum(v or 0 for v in claims_b.values())
    result.new_false_claims = [case_name(k) for k in common if (claims_b[k] or 0) > 0 and not claims_a[k]]
    if result.false_claims_b and result.false_claims_b > (result.false_claims_a or 0):
        result.failed_gates.append(
            f"false action claims rose {result.false_claims_a or 0} → {result.false_claims_b}"
            f" ({', '.join(result.new_false_claims) or 'in cases that had some'})"
        )
    splits = sorted({d.split for d in deltas})
    for split in splits:
        figures = result.by_split[split] = _figures([d for d in deltas if d.split == split])
        prefix = f"{split} split: " if len(splits) > 1 else ""
        result.failed_gates.extend(f"{prefix}{gate}" for gate in _gates(figures, max_drop))
    return result


def _gates(figures: dict[str, Any], max_drop: float) -> list[str]:
    gates = []
    success_a, success_b = figures["success_a"], figures["success_b"]
    if success_a is not None and success_b is not None and success_b < success_a - max_drop:
        gates.append(f"command success dropped {success_a:.1%} → {success_b:.1%} (more than {max_drop:.1%})")
    quality_a, quality_b = figures["quality_a"], figures["quality_b"]
    if quality_a is not None and quality_b is not None and quality_b < quality_a - max_drop:
        gates.append(f"quality dropped {quality_a:.1%} → {quality_b:.1%} (more than {max_drop:.1%})")
    return gates


def compare_runs(run_a: Path, run_b: Path, *, max_drop: float = 0.02) -> Comparison:
    """Two run directories (or results.jsonl files); raises FileNotFoundError/ValueError on bad input."""
    return compare(read_results(run_a), read_results(run_b), max_drop=max_drop)
