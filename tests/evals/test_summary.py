"""pass^k, percentiles and the run summary."""

from __future__ import annotations

import pytest

from evals.results import CaseResult, Score, TraceRecord, TurnRecord
from evals.summary import metrics, pass_hat_k, pass_k, percentile, prompt_hashes, summarize


def r(
    case: str,
    success: bool,
    *,
    suite: str = "s",
    trial: int = 0,
    tags: list[str] | None = None,
    lang: str = "en",
    quality: float | None = 1.0,
    latency: float = 100.0,
    **scores: Score,
) -> CaseResult:
    trace = TraceRecord(
        action="create_task", tokens_in=100, tokens_out=10, prompts={"persona.exec.en@1": "abc"}
    )
    turn = TurnRecord(index=0, user="x", status="ok", latency_ms=latency, traces=[trace])
    return CaseResult(
        suite=suite,
        case_id=case,
        trial=trial,
        success=success,
        tags=tags or [lang],
        lang=lang,
        quality=quality,
        turns=[turn],
        scores=scores,
        model="m",
    )


def test_pass_hat_k_is_taus_formula() -> None:
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(3, 4, 1) == 0.75
    assert pass_hat_k(3, 4, 2) == pytest.approx(3 / 6)  # C(3,2)/C(4,2)
    assert pass_hat_k(3, 4, 4) == 0.0
    assert pass_hat_k(0, 3, 1) == 0.0
    for bad in ((1, 2, 3), (3, 2, 1), (1, 2, 0), (-1, 2, 1)):
        with pytest.raises(ValueError, match="pass\\^k needs"):
            pass_hat_k(*bad)


def test_pass_k_over_cases_and_unequal_trials() -> None:
    results = [r("a", True, trial=i) for i in range(3)]
    results += [r("b", i < 2, trial=i) for i in range(3)]  # 2 of 3
    results += [r("c", True)]  # one trial (an interrupted run): counts for k=1 only
    figures = pass_k(results)
    assert figures["1"] == pytest.approx((1 + 2 / 3 + 1) / 3, abs=1e-4)
    assert figures["2"] == pytest.approx((1 + 1 / 3) / 2, abs=1e-4)
    assert figures["3"] == pytest.approx((1 + 0) / 2, abs=1e-4)
    assert pass_k([]) == {}


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert (
        percentile(values, 50) == 10.0 and percentile(values, 95) == 19.0 and percentile(values, 100) == 20.0
    )
    assert percentile([], 50) is None and percentile([5.0], 95) == 5.0


def test_metrics() -> None:
    tools = Score(name="tool_calls", passed=False, value=0.5, extra={"matched": 1, "total": 2})
    lang = Score(name="language", passed=True, value=1.0, extra={"matched": 3, "total": 3})
    sim = Score(name="similarity", passed=True, value=0.9)
    fmt_bad = Score(name="format", passed=False, value=0.0)
    results = [
        r("a", True, tool_calls=tools, language=lang, similarity=sim, latency=100),
        r("b", False, quality=0.5, format=fmt_bad, latency=300),
    ]
    results[1].error = "x"
    m = metrics(results)
    assert (m["results"], m["cases"], m["errors"]) == (2, 2, 1)
    assert m["command_success"] == 0.5 and m["quality"] == 0.75
    assert m["tool_call_accuracy"] == 0.5 and m["language_match"] == 1.0 and m["similarity"] == 0.9
    assert m["format_ok"] == 0.0 and m["judge"] is None and m["state_match"] is None
    assert m["latency_ms"] == {"p50": 100.0, "p95": 300.0} and m["tokens_per_turn"] == {
        "in": 100.0,
        "out": 10.0,
    }
    empty = metrics([])
    assert empty["command_success"] is None and empty["latency_ms"]["p50"] is None


def test_summarize_groups_by_suite_tag_and_language() -> None:
    results = [
        r("a", True, tags=["create", "ar"], lang="ar"),
        r("b", False, suite="t", tags=["create", "en"]),
    ]
    summary = summarize(results, {"s": {"clock": "2026"}, "t": {}, "u": {}}, {"model": "m"})
    assert summary["run"] == {"model": "m"}
    assert summary["suites"]["s"]["clock"] == "2026" and summary["suites"]["s"]["command_success"] == 1.0
    assert summary["suites"]["u"]["results"] == 0  # selected but nothing finished
    assert summary["by_tag"]["create"] == {"results": 2, "cases": 2, "command_success": 0.5, "quality": 1.0}
    assert set(summary["by_language"]) == {"ar", "en"}
    assert summary["prompts"] == {"persona.exec.en@1": ["abc"]} == prompt_hashes(results)
    assert summary["models"] == ["m"]
