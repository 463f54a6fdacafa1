"""Cost: tokens priced per model from HUDHUD_EVAL_PRICES, totals in the summary and the report, and the
`max_cost` / `max_latency_ms` budgets of a suite or a case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from base.settings import ModelPrice, SettingsError, load_settings
from evals.pricing import Pricing
from evals.results import CaseResult, TraceRecord, TurnRecord
from evals.runner import RunOptions, run_eval
from evals.scorers import BudgetScorer
from evals.suite import Suite, SuiteError, load_suite
from tests.evals.test_runner import settings_for, write_suite

PRICES = {"gpt-test": {"input_per_1k": 1.5, "output_per_1k": 6.0}}


def traced(model: str, tokens_in: int, tokens_out: int) -> TraceRecord:
    return TraceRecord(model=model, tokens_in=tokens_in, tokens_out=tokens_out)


def test_prices_by_exact_name_then_glob_and_the_embedded_model_is_free() -> None:
    pricing = Pricing({"gpt-4o*": ModelPrice(input_per_1k=2.5, output_per_1k=10), "gpt-4o-mini": ModelPrice(
        input_per_1k=0.15, output_per_1k=0.6)})  # fmt: skip
    assert pricing.cost("gpt-4o-mini", 1000, 1000) == pytest.approx(0.75)  # the exact name wins
    assert pricing.cost("gpt-4o-2024-08-06", 2000, 100) == pytest.approx(6.0)
    assert pricing.cost("local", 5000, 500) == 0.0 and pricing.cost("local:1.5b", 1, 1) == 0.0
    assert pricing.cost("claude", 10, 10) is None


def test_a_case_is_priced_per_turn_and_unknown_stays_unknown() -> None:
    pricing = Pricing({"m": ModelPrice(input_per_1k=1, output_per_1k=2)})
    turns = [
        TurnRecord(index=0, traces=[traced("m", 1000, 100), traced("", 500, 0)]),  # "" = the run's model
        TurnRecord(index=1),  # answered in code: no model call, no cost
    ]
    priced = pricing.price(CaseResult(suite="s", case_id="c", model="m", turns=turns))
    assert priced.turns[0].cost == pytest.approx(1.2 + 0.5) and priced.turns[1].cost == 0
    assert priced.cost == pytest.approx(1.7)
    other = CaseResult(
        suite="s", case_id="d", model="m", turns=[TurnRecord(index=0, traces=[traced("x", 1, 1)])]
    )
    assert pricing.price(other).cost is None and pricing.unpriced([priced, other]) == ["x"]


def test_prices_setting_is_validated() -> None:
    settings = load_settings(_env_file=None, hudhud_eval_prices=PRICES)
    assert settings.model.eval_prices["gpt-test"].output_per_1k == 6.0
    with pytest.raises(SettingsError, match="HUDHUD_EVAL_PRICES"):
        load_settings(_env_file=None, hudhud_eval_prices={"m": {"input_per_1k": -1, "output_per_1k": 0}})


def script(fake_openai: Any) -> None:
    fake_openai.reply_tool("create_task", {"title": "review the budget", "due_date": "tomorrow"})
    fake_openai.reply_text("Task #1 created")
    fake_openai.reply_tool("delete_task", {"task_id": "7"})
    fake_openai.reply_text("أهلاً! كيف أساعدك؟")


async def test_run_cost_totals_match_the_priced_tokens(fake_openai: Any, tmp_path: Path) -> None:
    script(fake_openai)
    suite = load_suite(write_suite(tmp_path))
    settings = settings_for(fake_openai, tmp_path, hudhud_eval_prices=PRICES)
    outcome = await run_eval([suite], RunOptions(out=tmp_path / "o", kb="", concurrency=1), settings)
    tokens_in = sum(t.tokens_in for r in outcome.results for t in r.turns)
    tokens_out = sum(t.tokens_out for r in outcome.results for t in r.turns)
    assert tokens_in > 0 and tokens_out > 0  # the fake provider reports usage on every call
    expected = (tokens_in * 1.5 + tokens_out * 6.0) / 1000
    for r in outcome.results:
        assert r.cost == pytest.approx(sum(t.cost or 0 for t in r.turns))
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    overall = summary["overall"]
    assert overall["tokens"] == {"in": tokens_in, "out": tokens_out}
    assert overall["cost"]["total"] == pytest.approx(expected)
    assert overall["cost"]["per_case"] == pytest.approx(expected / 3)
    assert summary["suites"]["mini"]["cost"]["total"] == pytest.approx(expected)
    assert summary["provenance"]["prices"] == {"gpt-test": PRICES["gpt-test"]}
    assert summary["provenance"]["unpriced_models"] == []
    report = (tmp_path / "o" / "report.html").read_text()
    assert f"{expected:.4f}" in report and "Cost total" in report


async def test_an_unpriced_model_has_no_cost(fake_openai: Any, tmp_path: Path) -> None:
    fake_openai.reply_text("أهلاً")
    suite = load_suite(write_suite(tmp_path))
    options = RunOptions(out=tmp_path / "o", kb="", filter="answer-ar")
    outcome = await run_eval([suite], options, settings_for(fake_openai, tmp_path))
    assert outcome.results[0].cost is None
    assert outcome.summary["overall"]["cost"]["total"] is None
    assert outcome.summary["provenance"]["unpriced_models"] == ["gpt-test"]


BUDGETS = """\
name: budgets
clock: "2026-11-25T09:00:00+03:00"
max_latency_ms: 0.001
max_cost: 0
fixtures:
  users: [{username: omar, name: Omar Hassan, role: manager, team: ops, lang: en}]
cases:
  - id: over-both
    tags: [en]
    user: {wa_id: "966500000031", linked_as: omar}
    turns: [{user: "tell me a short joke about budgets"}]
  - id: own-budget
    tags: [en]
    user: {wa_id: "966500000032", linked_as: omar}
    max_cost: 1
    max_latency_ms: 600000
    turns: [{user: "tell me a short joke about budgets"}]
"""


async def test_max_cost_and_max_latency_fail_a_case(fake_openai: Any, tmp_path: Path) -> None:
    fake_openai.reply_text("Hello! How can I help?")
    fake_openai.reply_text("Hello! How can I help?")
    path = tmp_path / "budgets.yaml"
    path.write_text(BUDGETS)
    suite = load_suite(path)
    settings = settings_for(fake_openai, tmp_path, hudhud_eval_prices=PRICES)
    outcome = await run_eval([suite], RunOptions(out=tmp_path / "o", kb="", concurrency=1), settings)
    by_id = {r.case_id: r for r in outcome.results}
    over = by_id["over-both"]
    assert not over.success and over.error is None
    details = over.scores["budget"].details
    assert details[0] == f"cost {over.cost:.6g} > max_cost 0" and over.cost and over.cost > 0
    assert details[1].startswith("turn 0: ") and details[1].endswith(" ms > max_latency_ms 0")
    assert any("max_cost" in line for line in over.reasons())  # what the console, report and JUnit say
    own = by_id["own-budget"]
    assert own.success and own.scores["budget"].passed, own.scores
    assert own.quality == over.quality  # a budget is not a quality measure


async def test_a_budget_on_an_unpriced_model_says_so() -> None:
    suite = Suite.model_validate(yaml.safe_load(BUDGETS))
    case = suite.cases[0]
    unpriced = CaseResult(
        suite="budgets", case_id=case.id, model="gpt-x",
        turns=[TurnRecord(index=0, status="ok", latency_ms=0.0, traces=[traced("gpt-x", 5, 5)])],
    )  # fmt: skip
    score = await BudgetScorer().score(suite, case, unpriced)
    assert not score.passed
    assert score.details == ["cost unknown: no price for gpt-x (HUDHUD_EVAL_PRICES)"]


def test_budgets_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "budgets.yaml"
    path.write_text(
        BUDGETS.replace("max_cost: 1", "max_cost: -1").replace("max_latency_ms: 600000", "max_latency_ms: 0")
    )
    with pytest.raises(SuiteError) as raised:
        load_suite(path)
    assert (
        "budgets.yaml: case own-budget: max_cost: Input should be greater than or equal to 0"
        in raised.value.errors
    )
    assert (
        "budgets.yaml: case own-budget: max_latency_ms: Input should be greater than 0" in raised.value.errors
    )
