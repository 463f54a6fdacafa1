"""Scorers: one small class per measure (see base.py). `score_case` runs them and derives the two
headline numbers of a case: command success and quality."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

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
    "ScorerPluginError",
    "SimilarityScorer",
    "StateScorer",
    "ToolCallScorer",
    "TruthfulScorer",
    "default_scorers",
    "plugin_scorers",
    "score_case",
    "state_diff",
]

OK_TURNS = ("ok", "unsupported")
ENTRY_POINTS = "hudhud.scorers"


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


class ScorerPluginError(ValueError):
    """A plugin scorer that cannot be loaded: the message names it and why."""


def _load(spec: str, origin: str) -> Scorer:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ScorerPluginError(f"{origin}: {spec!r} is not module:Class")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ScorerPluginError(f"{origin}: cannot load {spec!r}: {exc}") from exc
    scorer = target() if isinstance(target, type) else target
    if not isinstance(scorer, Scorer):
        raise ScorerPluginError(f"{origin}: {spec!r} is not an evals.scorers.base.Scorer")
    return scorer


def plugin_scorers(setting: str = "") -> list[Scorer]:
    """Scorers from outside the registry: the `hudhud.scorers` entry points of installed packages, then
    HUDHUD_EVAL_SCORERS ("module:Class,..."). A class is instantiated with no arguments."""
    found = [_load(point.value, f"entry point {point.name}") for point in entry_points(group=ENTRY_POINTS)]
    found += [_load(spec.strip(), "HUDHUD_EVAL_SCORERS") for spec in setting.split(",") if spec.strip()]
    names = [s.name for s in found]
    builtin = {s.name for s in default_scorers()} | {JudgeScorer.name}
    clash = sorted({n for n in names if n in builtin or names.count(n) > 1})
    if clash:
        raise ScorerPluginError(f"scorer name(s) taken: {', '.join(clash)}")
    return found


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
    required += [s for s in result.scores.values() if s.extra.get("required") and s not in required]
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
