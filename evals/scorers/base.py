"""The scorer interface: a small class per measure. A new scorer is one class with `name`, `applies`
and `score`, added to the list the runner gets (see evals/scorers/__init__.py)."""

from __future__ import annotations

from typing import ClassVar

from evals.results import CaseResult, Score
from evals.suite import Case, Suite


class Scorer:
    name: ClassVar[str]
    # Part of command success (τ-bench: the end state and the required replies), or of quality.
    kind: ClassVar[str] = "quality"  # "success" | "quality" | "info"

    def applies(self, suite: Suite, case: Case) -> bool:
        return True

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        raise NotImplementedError
