"""Scorers: one small class per measure (see base.py). `score_case` runs them and derives the two
headline numbers of a case: command success and quality."""

from __future__ import annotations

from evals.results import CaseResult, Score
from evals.scorers.base import Scorer
from evals.scorers.budget import BudgetScorer
from evals.scorers.judge import JudgeScorer
from evals.scorers.quality import FormatScorer, LanguageScorer, SimilarityScorer
from evals.scorers.replies import RepliesScorer
from evals.scorers.state import StateScorer, state_diff
from evals.scorers.toolcalls import ToolCallScorer
from evals.scorers.truthful import TruthfulScorer
from evals.suite import Case, Suite

__all__ = [
    "BudgetScorer",
    "FormatScorer",
    "JudgeScorer",
    "LanguageScorer",
    "RepliesScorer",
    "Scorer",
    "SimilarityScorer",
    "StateScorer",
    "ToolCallScorer",
    "TruthfulScorer",
    "default_scorers",
    "score_case",
    "state_diff",
]

OK_TURNS = ("ok", "unsupported")


def default_scorers() -> list[Scorer]:
    return [
        StateScorer(),
        RepliesScorer(),
        TruthfulScorer(),
        BudgetScorer(),
        ToolCallScorer(),
        LanguageScorer(),
        FormatScorer(),
        SimilarityScorer(),
    ]


async def score_case(scorers: list[Scorer], suite: Suite, case: Case, result: CaseResult) -> CaseResult:
    """Fill `scores`, `success` and `quality`.

    Command success: the case ran, every turn was answered, and every "success" scorer (end state,
    required replies, no false action claim, within its budgets) passed. Quality: the mean of the
    quality measures that apply (reply checks, similarity, language, format, judge)."""
    for scorer in scorers:
        if scorer.applies(suite, case):
            try:
                result.scores[scorer.name] = await scorer.score(suite, case, result)
            except Exception as exc:  # a broken scorer shows in the report, it does not stop the run
                result.scores[scorer.name] = Score(
                    name=scorer.name, passed=False, details=[f"scorer error: {type(exc).__name__}: {exc}"]
                )
    answered = len(result.turns) == len(case.turns) and all(t.status in OK_TURNS for t in result.turns)
    required = [s for sc in scorers if sc.kind == "success" and (s := result.scores.get(sc.name))]
    result.success = result.error is None and answered and all(s.passed for s in required)
    values = [
        s.value
        for sc in scorers
        if sc.kind in ("quality", "success")
        and sc.name != "state"
        and (s := result.scores.get(sc.name))
        and s.value is not None
    ]
    result.quality = round(sum(values) / len(values), 4) if values else None
    if result.error is not None:
        result.quality = 0.0
    return result
