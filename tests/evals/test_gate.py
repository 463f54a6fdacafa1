"""`hudhud eval run --fail-under`: thresholds per run, suite and tag, the false-claim gate, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evals.gate import GateError, Threshold, gate_failures, parse_threshold
from evals.results import CaseResult, Score
from evals.summary import summarize
from hudhud.cli import app
from tests.evals.test_cli_run import cli_env, flat  # noqa: F401 (the fixture)

SUITES, TAGS = {"mini", "ci-smoke"}, {"create", "en", "ar"}


def parse(text: str) -> Threshold:
    return parse_threshold(text, suites=SUITES, tags=TAGS)


def test_thresholds_read_as_fractions_or_percent_and_resolve_names() -> None:
    assert parse("0.95") == Threshold("overall", None, 0.95)
    assert parse("95") == parse("95%") == parse("0.95")
    assert parse("mini=0.9") == Threshold("suite", "mini", 0.9)
    assert parse("create=80%") == Threshold("tag", "create", 0.8)
    assert parse("tag:en=1") == Threshold("tag", "en", 1.0)
    assert parse("suite:ci-smoke=0") == Threshold("suite", "ci-smoke", 0.0)
    for bad, said in (
        ("high", "is not a number"),
        ("150%", "between 0 and 1"),
        ("-0.1", "between 0 and 1"),
        ("nope=0.9", "neither a suite (ci-smoke, mini) nor a tag"),
        ("tag:mini=0.9", "no tag 'mini' in this run"),
        ("case:x=0.9", "say suite:NAME or tag:NAME"),
    ):
        with pytest.raises(GateError, match=re.escape(said)):
            parse(bad)


def result(case: str, success: bool, tags: list[str], claims: int = 0, suite: str = "mini") -> CaseResult:
    truthful = Score(
        name="truthful", passed=not claims, extra={"false_claims": [{"family": "deleted"}] * claims}
    )
    return CaseResult(suite=suite, case_id=case, success=success, tags=tags, scores={"truthful": truthful})


def test_gate_failures_per_run_suite_and_tag() -> None:
    results = [
        result("a", True, ["create", "en"]),
        result("b", False, ["create", "ar"]),
        result("c", True, ["list", "en"], suite="ci-smoke"),
    ]
    summary = summarize(results, {"mini": {}, "ci-smoke": {}}, {})
    assert gate_failures(summary, [parse("0.6"), parse("ci-smoke=1"), parse("en=1")]) == []
    assert gate_failures(summary, [parse("0.7"), parse("mini=0.6"), parse("ar=0.5")]) == [
        "overall: command success 66.7% < 70.0%",
        "suite mini: command success 50.0% < 60.0%",
        "tag ar: command success 0.0% < 50.0%",
    ]
    empty = summarize(results[:1], {"mini": {}, "ci-smoke": {}}, {})
    assert gate_failures(empty, [parse("ci-smoke=0.5")]) == [
        "suite ci-smoke: no case ran (needs 50.0% command success)"
    ]


def test_a_false_claim_fails_the_run_unless_allowed() -> None:
    summary = summarize([result("a", False, ["en"], claims=2)], {"mini": {}}, {})
    assert gate_failures(summary, []) == ["2 false action claims (must be 0; --allow-false-claims)"]
    assert gate_failures(summary, [], allow_false_claims=True) == []


def run(args: list[str]) -> Any:
    return CliRunner().invoke(app, ["eval", "run", *args, "--kb", ""])


def test_a_run_below_fail_under_exits_1(cli_env: Path, fake_openai: Any, tmp_path: Path) -> None:  # noqa: F811
    # answer-ar fails (its second turn has nothing to press): 0% against 50%.
    fake_openai.reply_text("أهلاً")
    failed = run([str(cli_env), "--filter", "answer-ar", "--out", str(tmp_path / "a"), "--fail-under", "0.5"])
    assert failed.exit_code == 1, failed.output
    assert "FAIL overall: command success 0.0% < 50.0%" in flat(failed.output)
    last = json.loads(failed.stdout.strip().splitlines()[-1])
    assert last["gate"] == ["overall: command success 0.0% < 50.0%"]
    # The same run with a threshold it meets, per suite and per tag, exits 0.
    fake_openai.reply_text("أهلاً")
    passed = run(
        [str(cli_env), "--filter", "answer-ar", "--out", str(tmp_path / "b"),
         "--fail-under", "0", "--fail-under", "mini=0", "--fail-under", "tag:ar=0"]
    )  # fmt: skip
    assert passed.exit_code == 0, passed.output
    assert json.loads(passed.stdout.strip().splitlines()[-1])["gate"] == []


def test_a_run_at_fail_under_passes(cli_env: Path, fake_openai: Any, tmp_path: Path) -> None:  # noqa: F811
    fake_openai.reply_tool("create_task", {"title": "review the budget", "due_date": "tomorrow"})
    fake_openai.reply_text("Task #1 created: review the budget")
    result = run(
        [str(cli_env), "--filter", "create-en", "--out", str(tmp_path / "o"), "--fail-under", "100%"]
    )
    assert result.exit_code == 0, result.output


def test_bad_thresholds_are_usage_errors(cli_env: Path) -> None:  # noqa: F811
    for value, said in (("create-en=0.9", "neither a suite (mini) nor a tag"), ("lots", "not a number")):
        result = run([str(cli_env), "--fail-under", value])
        assert result.exit_code == 2 and said in flat(result.output), result.output
    # A tag of cases the filter leaves out is not one of this run's.
    result = run([str(cli_env), "--filter", "answer-ar", "--fail-under", "delete=0.5"])
    assert result.exit_code == 2 and "nor a tag" in flat(result.output)


def test_a_case_that_could_not_run_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evals.cli import finish
    from evals.runner import RunOutcome

    done = [CaseResult(suite="s", case_id="a", error="HarnessError: no core API"), result("b", True, ["en"])]
    outcome = RunOutcome(out=tmp_path, summary=summarize(done, {"s": {}}, {}), results=done)
    assert finish(outcome) == 3
    assert "1 case(s) could not run" in capsys.readouterr().err
    outcome.interrupted = True
    assert finish(outcome) == 130  # interrupted says more than the errors of what finished
