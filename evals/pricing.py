"""What a run's tokens cost: each agent trace priced by its model from HUDHUD_EVAL_PRICES (per 1,000
tokens in and out), the embedded model at 0. A model with no price leaves the cost unknown (None) rather
than guessing: the summary lists it, and a `max_cost` assertion fails saying so."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from base.settings import ModelPrice
from evals.results import CaseResult

FREE = ModelPrice(input_per_1k=0.0, output_per_1k=0.0)
# The embedded model runs on the machine: no bill. "local" is its traces' model, "local:<name>" the run's.
DEFAULT_PRICES: dict[str, ModelPrice] = {"local": FREE, "local:*": FREE}


class Pricing:
    """Prices by model name: an exact name first, then the first glob (`gpt-4o*`) that matches."""

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None) -> None:
        self.prices = {**DEFAULT_PRICES, **(prices or {})}

    def of(self, model: str) -> ModelPrice | None:
        if model in self.prices:
            return self.prices[model]
        return next((p for pattern, p in self.prices.items() if fnmatch.fnmatchcase(model, pattern)), None)

    def cost(self, model: str, tokens_in: int, tokens_out: int) -> float | None:
        price = self.of(model)
        if price is None:
            return None
        return (tokens_in * price.input_per_1k + tokens_out * price.output_per_1k) / 1000

    def price(self, result: CaseResult) -> CaseResult:
        """Fill each turn's `cost` and the case's (None when a model in it has no price)."""
        unknown = False
        for turn in result.turns:
            costs = [self.cost(t.model or result.model, t.tokens_in, t.tokens_out) for t in turn.traces]
            turn.cost = None if None in costs else sum(c for c in costs if c is not None)
            unknown = unknown or turn.cost is None
        result.cost = None if unknown else sum(t.cost or 0.0 for t in result.turns)
        return result

    def unpriced(self, results: list[CaseResult]) -> list[str]:
        """The models a run's traces used that have no price."""
        return [m for m in models_of(results) if self.of(m) is None]


def models_of(results: list[CaseResult]) -> list[str]:
    """The models the agent's traces name (the run's model where a trace names none)."""
    return sorted({t.model or r.model for r in results for turn in r.turns for t in turn.traces})
