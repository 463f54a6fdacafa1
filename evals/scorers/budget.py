"""The case's budgets: `max_cost` (its tokens priced, HUDHUD_EVAL_PRICES) and `max_latency_ms` (each
turn, webhook accepted -> reply sent), set per case or per suite. Over budget is a failed case with the
reason; a cost that cannot be known (a model without a price) fails too, naming the model."""

from __future__ import annotations

from evals.pricing import models_of
from evals.results import CaseResult, Score
from evals.scorers.base import Scorer
from evals.suite import Case, Suite


class BudgetScorer(Scorer):
    name = "budget"
    kind = "success"

    def applies(self, suite: Suite, case: Case) -> bool:
        return suite.max_cost_of(case) is not None or suite.max_latency_of(case) is not None

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        details: list[str] = []
        max_cost, max_latency = suite.max_cost_of(case), suite.max_latency_of(case)
        if max_cost is not None:
            if result.cost is None:
                models = models_of([result])
                details.append(
                    f"cost unknown: no price for {', '.join(models) or result.model or 'the model'}"
                    " (HUDHUD_EVAL_PRICES)"
                )
            elif result.cost > max_cost:
                details.append(f"cost {result.cost:.6g} > max_cost {max_cost:g}")
        if max_latency is not None:
            details.extend(
                f"turn {t.index}: {t.latency_ms:,.0f} ms > max_latency_ms {max_latency:,.0f}"
                for t in result.turns
                if t.latency_ms > max_latency
            )
        # No value: a budget decides success, it is not a measure of the reply's quality.
        return Score(
            name=self.name,
            passed=not details,
            details=details,
            extra={"cost": result.cost, "max_cost": max_cost, "max_latency_ms": max_latency},
        )
