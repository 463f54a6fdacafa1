"""Tool calls against the expected ones, on name and arguments with the matchers (BFCL-style).

A turn's calls are those that reached the core API (whatever it answered) or were held for the
user's confirmation; calls Hudhud refused before the API (role) are not calls. Every expected call
must match a distinct call and no other call may have been made; `tool_calls: []` means none."""

from __future__ import annotations

from itertools import permutations

from evals.matchers import mismatch
from evals.results import CaseResult, Score, ToolCallRecord
from evals.scorers.base import Scorer
from evals.suite import Case, Suite, ToolCallExpect

COUNTED = ("ok", "error", "unavailable", "confirm")


class ToolCallScorer(Scorer):
    name = "tool_calls"
    kind = "info"

    def applies(self, suite: Suite, case: Case) -> bool:
        return any(t.expect.tool_calls is not None for t in case.turns)

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        total = matched = 0
        details: list[str] = []
        for i, spec in enumerate(case.turns):
            if spec.expect.tool_calls is None:
                continue
            total += 1
            if i >= len(result.turns):
                details.append(f"turn {i}: not run")
                continue
            made = [c for c in result.turns[i].tool_calls if c.outcome in COUNTED]
            why = calls_mismatch(spec.expect.tool_calls, made)
            if why is None:
                matched += 1
            else:
                details.append(f"turn {i}: {why}")
        value = matched / total if total else 1.0
        return Score(
            name=self.name,
            passed=matched == total,
            value=round(value, 4),
            details=details,
            extra={"matched": matched, "total": total},
        )


def calls_mismatch(expected: list[ToolCallExpect], made: list[ToolCallRecord]) -> str | None:
    if len(made) != len(expected):
        return f"expected {_names(expected) or 'no call'}, got {_calls(made) or 'no call'}"
    reasons: list[str] = []
    for order in permutations(made):
        why = [_call_mismatch(e, m) for e, m in zip(expected, order, strict=True)]
        if all(w is None for w in why):
            return None
        reasons = reasons or [w for w in why if w]
    return "; ".join(reasons)


def _call_mismatch(expected: ToolCallExpect, made: ToolCallRecord) -> str | None:
    if expected.name != made.name:
        return f"expected {expected.name}, got {made.name}"
    for arg, want in expected.args.items():
        if (why := mismatch(want, made.args.get(arg))) is not None:
            return f"{made.name}.{arg}: {why}"
    return None


def _names(calls: list[ToolCallExpect]) -> str:
    return ", ".join(c.name for c in calls)


def _calls(calls: list[ToolCallRecord]) -> str:
    return ", ".join(f"{c.name}({', '.join(f'{k}={v!r}' for k, v in c.args.items())})" for c in calls)
