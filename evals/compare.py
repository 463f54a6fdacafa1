"""`hudhud eval compare A B`: per-case regressions and fixes, and a gate for CI.

A and B are run directories, results.jsonl files or committed baselines (evals/baselines/*.json).
Figures are compared over the cases both have (a filtered run is not a regression). Splits are kept
apart (docs/evals.md): a case is matched only with the same case of the same split, figures are also
given per split, and the gate holds per split — a gain on dev does not hide a drop on test.

Gates: command success and quality may not drop by more than `max_drop` **beyond noise**: each is
tested with an exact two-sided sign test over the paired cases (McNemar's exact test when a case is one
pass/fail: the cases that got worse against those that got better), and a drop whose p-value is above
`alpha` is reported as within noise, not failed. `alpha=1` fails every drop beyond `max_drop` (a
deterministic replay has no noise). Latency p95 and cost may not rise by more than their fraction; a
false action claim new in B always fails."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.baseline import CaseOutcome, load_outcomes
from evals.results import CaseResult
from evals.summary import percentile

Key = tuple[str, str, str]  # split, suite, case
ALPHA = 0.05


def sign_test(worse: int, better: int) -> float:
    """Exact two-sided p-value that `worse` against `better` differs from a fair coin (ties dropped)."""
    n = worse + better
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(worse, better) + 1))
    return min(1.0, 2 * tail / 2**n)


def fewest_to_detect(alpha: float) -> int:
    """The fewest changed cases, all one way, whose sign test reaches `alpha` (6 at 0.05)."""
    n = 1
    while sign_test(n, 0) > alpha and n < 64:
        n += 1
    return n


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
class Test:
    """A sign test over paired cases: how many got worse, how many better, the p-value."""

    worse: int
    better: int
    paired: int

    @property
    def p(self) -> float:
        return sign_test(self.worse, self.better)

    def as_dict(self) -> dict[str, Any]:
        return {"worse": self.worse, "better": self.better, "paired": self.paired, "p": round(self.p, 4)}


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
    noise: list[str] = field(default_factory=list)  # drops beyond max_drop the sign test calls noise
    by_split: dict[str, dict[str, Any]] = field(default_factory=dict)  # figures and tests per split
    success_test: Test | None = None
    quality_test: Test | None = None
    latency_p95_a: float | None = None  # ms, over the common cases' answered turns
    latency_p95_b: float | None = None
    cost_a: float | None = None  # total over the common cases; None: a side is not priced
    cost_b: float | None = None
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
            "ok": self.ok,
            "common": self.common,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "command_success": [self.success_a, self.success_b],
            "quality": [self.quality_a, self.quality_b],
            "latency_p95_ms": [self.latency_p95_a, self.latency_p95_b],
            "cost": [self.cost_a, self.cost_b],
            "tests": {
                "command_success": self.success_test.as_dict() if self.success_test else None,
                "quality": self.quality_test.as_dict() if self.quality_test else None,
            },
            "regressions": rows(self.regressions),
            "fixes": rows(self.fixes),
            "quality_drops": rows(self.quality_drops),
            "failed_gates": self.failed_gates,
            "noise": self.noise,
            "by_split": {
                split: {k: v.as_dict() if isinstance(v, Test) else v for k, v in figures.items()}
                for split, figures in self.by_split.items()
            },
            "false_claims": [self.false_claims_a, self.false_claims_b],
            "new_false_claims": self.new_false_claims,
        }


@dataclass(frozen=True)
class Limits:
    """The gate's thresholds (the options of `hudhud eval compare`)."""

    max_drop: float = 0.02  # command success and quality, absolute
    alpha: float = ALPHA  # a drop counts only when the sign test's p-value is at most this
    max_latency_increase: float | None = None  # p95, a fraction of A's (0.2 = 20% slower); None: off
    max_cost_increase: float | None = 0.10  # total cost, a fraction of A's; None: off


def case_name(key: Key) -> str:
    """suite/case, with the split named when it is not dev."""
    split, suite, case = key
    return f"{suite}/{case}" if split == "dev" else f"{suite}/{case} [{split}]"


def _by_case(outcomes: list[CaseOutcome]) -> dict[Key, list[CaseOutcome]]:
    out: dict[Key, list[CaseOutcome]] = defaultdict(list)
    for o in outcomes:
        out[(o.split, o.suite, o.case)].append(o)
    return out


def _figures(deltas: list[CaseDelta]) -> dict[str, Any]:
    both = [d for d in deltas if d.quality_a is not None and d.quality_b is not None]
    success = Test(
        worse=sum(d.success_b < d.success_a for d in deltas),
        better=sum(d.success_b > d.success_a for d in deltas),
        paired=len(deltas),
    )
    quality = Test(
        worse=sum((d.quality_delta or 0) < 0 for d in both),
        better=sum((d.quality_delta or 0) > 0 for d in both),
        paired=len(both),
    )
    return {
        "common": len(deltas),
        "success_a": _mean([d.success_a for d in deltas]),
        "success_b": _mean([d.success_b for d in deltas]),
        "quality_a": _mean([d.quality_a for d in both if d.quality_a is not None]),
        "quality_b": _mean([d.quality_b for d in both if d.quality_b is not None]),
        "success_test": success,
        "quality_test": quality,
    }


def _false_claims(outcomes: list[CaseOutcome]) -> int | None:
    """The case's false action claims over its trials; None when it was not scored for them."""
    counts = [o.false_claims for o in outcomes if o.false_claims is not None]
    return sum(counts) if counts else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _total_cost(groups: list[list[CaseOutcome]]) -> float | None:
    costs = [o.cost for g in groups for o in g]
    return None if not costs or None in costs else sum(c for c in costs if c is not None)


def _outcomes(items: Sequence[CaseOutcome | CaseResult]) -> list[CaseOutcome]:
    return [i if isinstance(i, CaseOutcome) else CaseOutcome.of(i) for i in items]


def compare(
    a: Sequence[CaseOutcome | CaseResult],
    b: Sequence[CaseOutcome | CaseResult],
    *,
    max_drop: float = 0.02,
    limits: Limits | None = None,
) -> Comparison:
    limits = limits or Limits(max_drop=max_drop)
    cases_a, cases_b = _by_case(_outcomes(a)), _by_case(_outcomes(b))
    common = sorted(cases_a.keys() & cases_b.keys())
    deltas = []
    for key in common:
        ra, rb = cases_a[key], cases_b[key]
        deltas.append(
            CaseDelta(
                key=key,
                success_a=_mean([float(o.success) for o in ra]) or 0.0,
                success_b=_mean([float(o.success) for o in rb]) or 0.0,
                quality_a=_mean([o.quality for o in ra if o.quality is not None]),
                quality_b=_mean([o.quality for o in rb if o.quality is not None]),
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
            if d.success_b == d.success_a
            and d.quality_delta is not None
            and d.quality_delta < -limits.max_drop
        ],
        success_test=overall["success_test"],
        quality_test=overall["quality_test"],
        latency_p95_a=percentile([ms for k in common for o in cases_a[k] for ms in o.latency_ms], 95),
        latency_p95_b=percentile([ms for k in common for o in cases_b[k] for ms in o.latency_ms], 95),
        cost_a=_total_cost([cases_a[k] for k in common]),
        cost_b=_total_cost([cases_b[k] for k in common]),
    )
    _claims_gate(result, common, cases_a, cases_b)
    splits = sorted({d.split for d in deltas})
    for split in splits:
        figures = result.by_split[split] = _figures([d for d in deltas if d.split == split])
        prefix = f"{split} split: " if len(splits) > 1 else ""
        failed, noise = _gates(figures, limits)
        result.failed_gates.extend(f"{prefix}{gate}" for gate in failed)
        result.noise.extend(f"{prefix}{note}" for note in noise)
    result.failed_gates.extend(_cost_and_latency_gates(result, limits))
    return result


def _claims_gate(
    result: Comparison,
    common: list[Key],
    cases_a: dict[Key, list[CaseOutcome]],
    cases_b: dict[Key, list[CaseOutcome]],
) -> None:
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


def _gates(figures: dict[str, Any], limits: Limits) -> tuple[list[str], list[str]]:
    """(failed gates, drops called noise) of command success and quality."""
    failed, noise = [], []
    for label, key in (("command success", "success"), ("quality", "quality")):
        before, after = figures[f"{key}_a"], figures[f"{key}_b"]
        if before is None or after is None or after >= before - limits.max_drop:
            continue
        test: Test = figures[f"{key}_test"]
        drop = f"{label} dropped {before:.1%} → {after:.1%} (more than {limits.max_drop:.1%})"
        evidence = (
            f"sign test p={test.p:.3g}: {test.worse} worse, {test.better} better"
            f" of {test.paired} paired cases"
        )
        if test.p <= limits.alpha:
            failed.append(f"{drop}; {evidence}")
        else:
            needed = fewest_to_detect(limits.alpha)
            small = (
                f"; {test.paired} cases cannot show a change at p≤{limits.alpha:g}"
                f" (it takes {needed} changed one way; --alpha 1 gates a deterministic replay)"
                if test.paired < needed
                else ""
            )
            noise.append(f"{drop} — within noise, {evidence} > {limits.alpha:g}{small}")
    return failed, noise


def _cost_and_latency_gates(result: Comparison, limits: Limits) -> list[str]:
    failed = []
    checks = (
        ("latency p95", result.latency_p95_a, result.latency_p95_b, limits.max_latency_increase, " ms"),
        ("cost", result.cost_a, result.cost_b, limits.max_cost_increase, ""),
    )
    for label, before, after, allowed, unit in checks:
        if allowed is None or before is None or after is None or after <= before * (1 + allowed):
            continue
        rise = f"+{after / before - 1:.0%}" if before else "from 0"
        failed.append(
            f"{label} rose {before:.6g}{unit} → {after:.6g}{unit} ({rise}, more than {allowed:.0%})"
        )
    return failed


def compare_runs(
    run_a: Path, run_b: Path, *, max_drop: float = 0.02, limits: Limits | None = None
) -> Comparison:
    """Two runs (directories or results.jsonl) or baselines; raises OSError/ValueError on bad input."""
    return compare(load_outcomes(run_a), load_outcomes(run_b), max_drop=max_drop, limits=limits)
