"""The replies each turn requires: contains any/all, must not contain, regex, language, and whether
it asks for confirmation. Part of command success (τ-bench's required outputs)."""

from __future__ import annotations

import re

from evals.language import speaks
from evals.results import CaseResult, Score, TurnRecord
from evals.scorers.base import Scorer
from evals.suite import Case, Suite, TurnSpec


class RepliesScorer(Scorer):
    name = "replies"
    kind = "success"

    def applies(self, suite: Suite, case: Case) -> bool:
        return any(t.expect.reply is not None or t.expect.confirm is not None for t in case.turns)

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        checks = 0
        details: list[str] = []
        for spec, turn in zip(case.turns, result.turns, strict=False):
            done, failed = check_turn(spec, turn)
            checks += done
            details.extend(f"turn {turn.index}: {f}" for f in failed)
        missing = len(case.turns) - len(result.turns)
        if missing > 0:
            details.append(f"{missing} turn(s) not run")
            checks += missing
        value = 1 - len(details) / checks if checks else 1.0
        return Score(name=self.name, passed=not details, value=round(max(0.0, value), 4), details=details)


def check_turn(spec: TurnSpec, turn: TurnRecord) -> tuple[int, list[str]]:
    """(number of checks, failures) of one turn's reply expectations."""
    failed: list[str] = []
    checks = 0
    text = turn.text
    folded = text.casefold()
    want = spec.expect.reply
    if spec.expect.confirm is not None:
        checks += 1
        if turn.asked_confirmation != spec.expect.confirm:
            failed.append("should ask for confirmation" if spec.expect.confirm else "asked for confirmation")
    if want is None:
        return checks, failed
    if want.contains_any:
        checks += 1
        if not any(s.casefold() in folded for s in want.contains_any):
            failed.append(f"contains none of {want.contains_any}")
    for s in want.contains_all:
        checks += 1
        if s.casefold() not in folded:
            failed.append(f"lacks {s!r}")
    for s in want.not_contains:
        checks += 1
        if s.casefold() in folded:
            failed.append(f"contains {s!r}")
    if want.regex is not None:
        checks += 1
        if not re.search(want.regex, text):
            failed.append(f"does not match /{want.regex}/")
    if want.language is not None:
        checks += 1
        if not speaks(text, want.language):
            failed.append(f"not in {want.language}")
    return checks, failed
