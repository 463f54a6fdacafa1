"""`hudhud eval compare`: per-case regressions and fixes, and the exit code CI gates on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.compare import Limits, compare, compare_runs, fewest_to_detect, sign_test
from evals.results import CaseResult, ResultsWriter, TurnRecord, read_results
from evals.scorers.base import Score
from hudhud.cli import app


def flat(text: str) -> str:
    return " ".join(text.split())


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


EXACT = Limits(alpha=1.0)  # a deterministic replay: every drop beyond max_drop counts


def test_compare_gates_on_success_and_quality_drops() -> None:
    a = [r("x", True), r("y", True)]
    dropped = compare(a, [r("x", True), r("y", False)], limits=EXACT)
    assert not dropped.ok and "command success dropped 100.0% → 50.0%" in dropped.failed_gates[0]
    assert compare(a, [r("x", True), r("y", False)], limits=Limits(max_drop=0.6, alpha=1.0)).ok
    worse = compare(a, [r("x", True, 0.9), r("y", True, 0.9)], limits=Limits(max_drop=0.05, alpha=1.0))
    assert worse.failed_gates == [
        "quality dropped 100.0% → 90.0% (more than 5.0%); "
        "sign test p=0.5: 2 worse, 0 better of 2 paired cases"
    ]
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
    # One case of two: a drop the sign test cannot tell from noise, said so, not failed …
    noise = runner.invoke(app, ["eval", "compare", str(base), str(worse)])
    assert noise.exit_code == 0 and "within noise" in flat(noise.output) and "s/x" in noise.output
    assert "2 cases cannot show a change at p≤0.05" in flat(noise.output)
    # … unless the runs are deterministic (a cassette replay): then any drop beyond --max-drop fails.
    bad = runner.invoke(app, ["eval", "compare", str(base), str(worse), "--alpha", "1"])
    assert bad.exit_code == 1 and "regression" in bad.output and "s/x" in bad.output
    assert "command success dropped" in flat(bad.output)
    assert (
        runner.invoke(
            app, ["eval", "compare", str(base), str(worse), "--max-drop", "0.6", "--alpha", "1"]
        ).exit_code
        == 0
    )
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


# ------------------------------------------------------------------------------------- noise and gates


def test_sign_test_is_the_exact_binomial() -> None:
    assert sign_test(0, 0) == 1.0 and sign_test(1, 0) == 1.0  # one flip: a coin could do it
    assert sign_test(6, 0) == 2 / 2**6 and sign_test(0, 6) == sign_test(6, 0)
    assert sign_test(9, 1) == 2 * (1 + 10) / 2**10  # McNemar's exact test on 9 against 1
    assert sign_test(3, 3) == 1.0
    assert fewest_to_detect(0.05) == 6 and fewest_to_detect(1.0) == 1


def many(n: int, failing: set[int], quality: float = 1.0) -> list[CaseResult]:
    return [r(f"c{i:03d}", i not in failing, quality) for i in range(n)]


def test_a_one_case_flip_is_noise() -> None:
    a = many(116, set())
    result = compare(a, many(116, {7}), limits=Limits(max_drop=0.005))
    assert result.ok and [d.name for d in result.regressions] == ["s/c007"]
    assert result.success_test is not None and result.success_test.p == 1.0
    assert len(result.noise) == 1 and "within noise, sign test p=1: 1 worse, 0 better" in result.noise[0]
    assert "cannot show" not in result.noise[0]  # 116 cases could show one; this is not it


def test_a_planted_regression_is_flagged() -> None:
    a = many(116, set())
    b = many(116, set(range(10, 90, 10)))  # 8 cases fail that passed
    result = compare(a, b)
    assert not result.ok and len(result.regressions) == 8
    assert result.failed_gates == [
        "command success dropped 100.0% → 93.1% (more than 2.0%); "
        "sign test p=0.00781: 8 worse, 0 better of 116 paired cases"
    ]
    assert result.as_dict()["tests"]["command_success"] == {
        "worse": 8,
        "better": 0,
        "paired": 116,
        "p": 0.0078,
    }
    # Fixes elsewhere offset them: 8 worse against 7 better is noise, whatever the net drop.
    mixed = compare(many(116, set(range(100, 107))), b, limits=Limits(max_drop=0.0))
    assert mixed.ok and mixed.success_test is not None and mixed.success_test.p == 1.0


def test_quality_drop_needs_the_sign_test_too() -> None:
    a = many(20, set(), quality=1.0)
    slightly = [r(f"c{i:03d}", True, 0.9 if i < 2 else 1.0) for i in range(20)]
    assert compare(a, slightly, limits=Limits(max_drop=0.005)).ok  # 2 of 20 lower: noise
    broadly = many(20, set(), quality=0.9)
    failed = compare(a, broadly).failed_gates
    assert failed and failed[0].startswith("quality dropped 100.0% → 90.0%") and "20 worse" in failed[0]


def timed(case: str, latencies: list[float], cost: float | None) -> CaseResult:
    turns = [TurnRecord(index=i, status="ok", latency_ms=ms) for i, ms in enumerate(latencies)]
    truthful = Score(name="truthful", passed=True, extra={"false_claims": []})
    return CaseResult(
        suite="s",
        case_id=case,
        success=True,
        quality=1.0,
        turns=turns,
        cost=cost,
        scores={"truthful": truthful},
    )


def test_latency_and_cost_gates() -> None:
    a = [timed("x", [100, 200], 0.010), timed("y", [300], 0.010)]
    slower = [timed("x", [100, 200], 0.010), timed("y", [450], 0.012)]
    result = compare(a, slower)  # latency is off by default; cost +10% is allowed
    assert result.ok and (result.latency_p95_a, result.latency_p95_b) == (300, 450)
    assert result.cost_a == pytest.approx(0.02) and result.cost_b == pytest.approx(0.022)
    gated = compare(a, slower, limits=Limits(max_latency_increase=0.2, max_cost_increase=0.05))
    assert gated.failed_gates == [
        "latency p95 rose 300 ms → 450 ms (+50%, more than 20%)",
        "cost rose 0.02 → 0.022 (+10%, more than 5%)",
    ]
    free = [timed("x", [100, 200], 0.0), timed("y", [300], 0.0)]
    assert compare(free, a).failed_gates == ["cost rose 0 → 0.02 (from 0, more than 10%)"]
    unpriced = [timed("x", [100, 200], None), timed("y", [300], 0.01)]
    assert compare(unpriced, slower).cost_a is None and compare(unpriced, slower).ok  # nothing to compare


def test_compare_against_a_saved_baseline(tmp_path: Path) -> None:
    from evals.baseline import load_outcomes, save_baseline

    run = write_run(tmp_path / "run", [timed("x", [120.0], 0.001), claimed("y", 0)])
    inside = Path(__file__).resolve().parents[2] / "evals" / "suites" / "ci-smoke.yaml"
    suites = {"s": {"path": str(inside)}, "t": {"path": str(tmp_path / "t.yaml")}, "u": {"path": "u.yaml"}}
    summary = {"run": {"out": str(run), "git": "abc1234"}, "overall": {}, "suites": suites}
    (run / "summary.json").write_text(json.dumps(summary))
    path = save_baseline(run, "smoke", root=tmp_path / "baselines")
    document = json.loads(path.read_text())
    assert document["name"] == "smoke" and "out" not in document["summary"]["run"]
    # No machine's directories in a committed file: paths as the repository names them.
    kept = {n: m["path"] for n, m in document["summary"]["suites"].items()}
    assert kept == {"s": "evals/suites/ci-smoke.yaml", "t": "t.yaml", "u": "u.yaml"}
    assert document["cases"][0] == {
        "split": "dev", "suite": "s", "case": "x", "trial": 0, "success": True, "quality": 1.0,
        "false_claims": 0, "latency_ms": [120.0], "tokens_in": 0, "tokens_out": 0, "cost": 0.001,
    }  # fmt: skip
    assert '"turns"' not in path.read_text() and "replies" not in path.read_text()  # no transcript
    assert [o.case for o in load_outcomes(path)] == ["x", "y"]
    assert compare_runs(path, run).ok and compare_runs(path, run).common == 2
    worse = write_run(tmp_path / "worse", [timed("x", [120.0], 0.001), claimed("y", 1)])
    assert compare_runs(path, worse).failed_gates == ["false action claims rose 0 → 1 (s/y)"]
    with pytest.raises(ValueError, match="letters, digits"):
        save_baseline(run, "../escape", root=tmp_path / "baselines")
    (run / "summary.json").write_text(json.dumps({"run": {"interrupted": True}}))
    with pytest.raises(ValueError, match="interrupted"):
        save_baseline(run, "partial", root=tmp_path / "baselines")
    (tmp_path / "other.json").write_text('{"overall": {}}')
    with pytest.raises(ValueError, match="not a baseline"):
        load_outcomes(tmp_path / "other.json")


def test_baseline_save_and_compare_json_commands(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", many(8, set()))
    (run / "summary.json").write_text(json.dumps({"run": {}, "overall": {"command_success": 1.0}}))
    runner = CliRunner()
    saved = runner.invoke(app, ["eval", "baseline", "save", str(run), "ci", "--dir", str(tmp_path / "b")])
    assert saved.exit_code == 0 and (tmp_path / "b" / "ci.json").exists(), saved.output
    bad_name = runner.invoke(app, ["eval", "baseline", "save", str(run), "a/b", "--dir", str(tmp_path)])
    assert bad_name.exit_code == 2 and "letters, digits" in bad_name.output
    missing = runner.invoke(app, ["eval", "baseline", "save", str(tmp_path / "nope"), "x"])
    assert missing.exit_code == 2
    worse = write_run(tmp_path / "worse", many(8, {0, 1, 2, 3, 4, 5, 6}))
    out = runner.invoke(app, ["eval", "compare", str(tmp_path / "b" / "ci.json"), str(worse), "--json"])
    assert out.exit_code == 1
    document = json.loads(out.stdout)
    assert document["ok"] is False and document["tests"]["command_success"]["worse"] == 7
    assert document["failed_gates"][0].startswith("command success dropped 100.0% → 12.5%")
    same = runner.invoke(app, ["eval", "compare", str(tmp_path / "b" / "ci.json"), str(run), "--json"])
    assert same.exit_code == 0 and json.loads(same.stdout)["ok"] is True
