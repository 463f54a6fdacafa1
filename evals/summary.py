"""Figures of a run: per suite and overall — command success, pass^k, tool-call accuracy, quality,
language match, latency p50/p95, tokens and their cost — and counts per tag and language."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from evals.results import CaseResult


def pass_hat_k(successes: int, trials: int, k: int) -> float:
    """τ-bench's pass^k of one case: the chance that k trials drawn from its n all succeed."""
    if not 1 <= k <= trials or successes < 0 or successes > trials:
        raise ValueError(f"pass^k needs 1 <= k <= n and 0 <= c <= n (c={successes}, n={trials}, k={k})")
    return math.comb(successes, k) / math.comb(trials, k)


def pass_k(results: Iterable[CaseResult]) -> dict[str, float]:
    """pass^1..pass^K averaged over cases (a case counts for the k its finished trials allow)."""
    by_case: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for r in results:
        by_case[(r.suite, r.case_id)].append(r.success)
    if not by_case:
        return {}
    top = max(len(v) for v in by_case.values())
    out: dict[str, float] = {}
    for k in range(1, top + 1):
        values = [pass_hat_k(sum(v), len(v), k) for v in by_case.values() if len(v) >= k]
        out[str(k)] = round(sum(values) / len(values), 4)
    return out


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _ratio(results: list[CaseResult], name: str) -> float | None:
    """Sum of matched over sum of total, for scorers that count per turn."""
    matched = total = 0
    for r in results:
        score = r.scores.get(name)
        if score is not None and score.extra.get("total"):
            matched += int(score.extra["matched"])
            total += int(score.extra["total"])
    return round(matched / total, 4) if total else None


def metrics(results: list[CaseResult]) -> dict[str, Any]:
    turns = [t for r in results for t in r.turns]
    answered = [t for t in turns if t.status in ("ok", "unsupported")]
    traced = [t for t in turns if t.traces]

    def score_values(name: str) -> list[float]:
        return [s.value for r in results if (s := r.scores.get(name)) is not None and s.value is not None]

    def passed(name: str) -> float | None:
        flags = [
            bool(s.passed) for r in results if (s := r.scores.get(name)) is not None and s.passed is not None
        ]
        return _mean([float(f) for f in flags])

    return {
        "results": len(results),
        "cases": len({(r.suite, r.case_id) for r in results}),
        "errors": sum(r.error is not None for r in results),
        "command_success": _mean([float(r.success) for r in results]),
        "pass_k": pass_k(results),
        "tool_call_accuracy": _ratio(results, "tool_calls"),
        "state_match": passed("state"),
        "replies_ok": passed("replies"),
        "quality": _mean([r.quality for r in results if r.quality is not None]),
        "similarity": _mean(score_values("similarity")),
        "language_match": _ratio(results, "language"),
        "format_ok": passed("format"),
        "judge": _mean(score_values("judge")),
        "false_claims": false_claims(results),
        "turns": len(turns),
        "latency_ms": {
            "p50": percentile([t.latency_ms for t in answered], 50),
            "p95": percentile([t.latency_ms for t in answered], 95),
        },
        "tokens_per_turn": {
            "in": _mean([float(t.tokens_in) for t in traced]),
            "out": _mean([float(t.tokens_out) for t in traced]),
        },
        "tokens": {"in": sum(t.tokens_in for t in turns), "out": sum(t.tokens_out for t in turns)},
        "cost": cost(results),
    }


def cost(results: list[CaseResult]) -> dict[str, float | None]:
    """The priced tokens (evals/pricing.py): the total, per case (mean over results) and per turn. None
    when any result is unpriced: a partial sum would read as a cheaper run."""
    costs = [r.cost for r in results]
    if not costs or None in costs:
        return {"total": None, "per_case": None, "per_turn": None}
    total = sum(c for c in costs if c is not None)
    turns = sum(len(r.turns) for r in results)
    return {
        "total": round(total, 6),
        "per_case": round(total / len(costs), 6),
        "per_turn": round(total / turns, 6) if turns else None,
    }


def false_claims(results: list[CaseResult]) -> int | None:
    """Actions a reply said happened that the core API does not show (evals/scorers/truthful.py); None
    where nothing was checked (webhook replays)."""
    scores = [s for r in results if (s := r.scores.get("truthful")) is not None]
    return sum(len(s.extra.get("false_claims") or []) for s in scores) if scores else None


def _counts(results: list[CaseResult], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        for name in key(r):
            groups[name].append(r)
    return {
        name: {
            "results": len(rs),
            "cases": len({(r.suite, r.case_id) for r in rs}),
            "command_success": _mean([float(r.success) for r in rs]),
            "quality": _mean([r.quality for r in rs if r.quality is not None]),
        }
        for name, rs in sorted(groups.items())
    }


def prompt_hashes(results: list[CaseResult]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for name, digest in r.prompts.items():
            found[name].add(digest)
    return {name: sorted(v) for name, v in sorted(found.items())}


def summarize(
    results: list[CaseResult],
    suites: dict[str, dict[str, Any]],
    run: dict[str, Any],
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """summary.json: `run` (model, times, options), `overall`, `suites` (with their clock and trials),
    `by_tag`, `by_language`, `by_split`, `prompts` (hashes seen per prompt name), `provenance` (what
    the figures were measured on: evals/provenance.py)."""
    by_suite: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        by_suite[r.suite].append(r)
    return {
        "run": run,
        "overall": metrics(results),
        "suites": {name: {**meta, **metrics(by_suite.get(name, []))} for name, meta in suites.items()},
        "by_tag": _counts(results, lambda r: r.tags),
        "by_language": _counts(results, lambda r: [r.lang or "?"]),
        "by_split": _counts(results, lambda r: [r.split]),  # dev and test apart (docs/evals.md)
        "prompts": prompt_hashes(results),
        "models": sorted({r.model for r in results if r.model}),
        "provenance": provenance or {},
    }
