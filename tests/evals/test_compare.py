"""`hudhud eval compare`: per-case regressions and fixes, and the exit code CI gates on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.compare import compare, compare_runs
from evals.results import CaseResult, ResultsWriter, read_results
from evals.scorers.base import Score
from hudhud.cli import app


def r(case: str, success: bool, quality: float | None = 1.0, trial: int = 0) -> CaseResult:
    return CaseResult(suite="s", case_id=case, success=success, quality=quality, trial=trial)


def write_run(path: Path, results: list[CaseResult]) -> Path:
    writer = ResultsWriter(path / "results.jsonl")
    for result in results:
        writer.write(result)
    writer.close()
    return path


def test_compare_finds_regressions_fixes_and_quality_drops() -> None:
    a = [r("x", True), r("y", False, 0.4), r("z", True, 0.9), r("w", True), r("gone", True)]
    b = [r("x", False), r("y", True, 0.8), r("z", True, 0.6), r("w", True), r("new", False)]
    result = compare(a, b, max_drop=0.02)
    assert [d.name for d in result.regressions] == ["s/x"]
    assert [d.name for d in result.fixes] == ["s/y"]
    assert [d.name for d in result.quality_drops] == ["s/z"]
    assert result.common == 4 and result.only_a == ["s/gone"] and result.only_b == ["s/new"]
    assert result.success_a == 0.75 and result.success_b == 0.75  # over the common cases only
    assert result.ok  # same success; quality 0.825 → 0.85
    data = result.as_dict()
    assert data["regressions"] == [{"case": "s/x", "success": [1.0, 0.0], "quality": [1.0, 1.0]}]


def test_compare_gates_on_success_and_quality_drops() -> None:
    a = [r("x", True), r("y", True)]
    dropped = compare(a, [r("x", True), r("y", False)], max_drop=0.02)
    assert not dropped.ok and "command success dropped 100.0% → 50.0%" in dropped.failed_gates[0]
    assert compare(a, [r("x", True), r("y", False)], max_drop=0.6).ok
    worse = compare(a, [r("x", True, 0.9), r("y", True, 0.9)], max_drop=0.05)
    assert worse.failed_gates == ["quality dropped 100.0% → 90.0% (more than 5.0%)"]
    assert compare([r("x", True, None)], [r("x", True, None)]).quality_a is None


def test_trials_compare_as_rates() -> None:
    a = [r("x", True, trial=0), r("x", True, trial=1)]
    b = [r("x", True, trial=0), r("x", False, trial=1)]
    result = compare(a, b)
    assert result.regressions[0].success_b == 0.5


def test_compare_command_exit_codes(tmp_path: Path) -> None:
    base = write_run(tmp_path / "a", [r("x", True), r("y", True, 0.9)])
    same = write_run(tmp_path / "b", [r("x", True), r("y", True, 0.9)])
    worse = write_run(tmp_path / "c", [r("x", False), r("y", True, 0.9)])
    better = write_run(tmp_path / "d", [r("x", True), r("y", True, 1.0)])
    runner = CliRunner()
    ok = runner.invoke(app, ["eval", "compare", str(base), str(same)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output.strip().splitlines()[-1])["command_success"] == [1.0, 1.0]
    bad = runner.invoke(app, ["eval", "compare", str(base), str(worse)])
    assert bad.exit_code == 1 and "regression" in bad.output and "s/x" in bad.output
    assert "command success dropped" in bad.output
    assert runner.invoke(app, ["eval", "compare", str(base), str(worse), "--max-drop", "0.6"]).exit_code == 0
    fixed = runner.invoke(app, ["eval", "compare", str(worse), str(better / "results.jsonl")])
    assert fixed.exit_code == 0 and "fixed" in fixed.output
    missing = runner.invoke(app, ["eval", "compare", str(base), str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "cannot read the runs" in missing.output
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "results.jsonl").write_text('{"suite": 1}\n')
    assert runner.invoke(app, ["eval", "compare", str(base), str(tmp_path / "junk")]).exit_code == 2
    only = write_run(tmp_path / "e", [r("x", True), r("extra", True)])
    assert (
        "only in A: 1 · only in B: 1" in runner.invoke(app, ["eval", "compare", str(base), str(only)]).output
    )


def test_read_results_skips_blank_lines(tmp_path: Path) -> None:
    run = write_run(tmp_path, [r("x", True)])
    with (run / "results.jsonl").open("a") as f:
        f.write("\n")
    assert [x.case_id for x in read_results(run)] == ["x"]
    assert compare_runs(run, run).ok
    with pytest.raises(FileNotFoundError):
        read_results(tmp_path / "missing")


def claimed(case: str, n: int) -> CaseResult:
    """A case the truthful scorer judged: `n` false action claims."""
    score = Score(
        name="truthful", passed=n == 0, extra={"claims": n, "false_claims": [{"family": "deleted"}] * n}
    )
    return CaseResult(suite="s", case_id=case, success=n == 0, quality=1.0, scores={"truthful": score})


def test_compare_gates_on_new_false_claims() -> None:
    a = [claimed("x", 0), claimed("y", 1)]
    same = compare(a, [claimed("x", 0), claimed("y", 1)], max_drop=1.0)
    assert (same.false_claims_a, same.false_claims_b) == (1, 1) and same.ok
    worse = compare(a, [claimed("x", 2), claimed("y", 1)], max_drop=1.0)
    assert worse.new_false_claims == ["s/x"] and worse.false_claims_b == 3
    assert worse.failed_gates == ["false action claims rose 1 → 3 (s/x)"]
    assert worse.as_dict()["false_claims"] == [1, 3]
    better = compare(a, [claimed("x", 0), claimed("y", 0)], max_drop=1.0)
    assert better.ok and better.false_claims_b == 0
    unscored = compare([r("x", True)], [claimed("x", 1)], max_drop=1.0)
    assert (
        unscored.false_claims_a is None and not unscored.ok
    )  # an old run without the scorer: any claim fails
