"""Dev and test splits (docs/evals.md): where a split is declared and enforced, `--split` choosing the
cases, the summary and `compare` keeping the splits apart, the split's hash; and the blocked-number
fixture the held-out cases use."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evals.compare import Limits, compare
from evals.results import CaseResult
from evals.runner import RunOptions, of_split, run_eval, select
from evals.splits import split_files, split_hash
from evals.suite import ReplaySuite, Suite, SuiteError, load_suite
from evals.summary import summarize
from hudhud.cli import app
from tests.evals.test_runner import settings_for

SUITE = """\
name: {name}
{split}clock: "2026-11-25T09:00:00+03:00"
fixtures:
  users:
    - {{username: omar, name: Omar Hassan, role: manager, team: ops, lang: en}}
  tasks:
    - {{id: 7, title: Old draft, created_by: omar, assignee: omar}}
cases:
  - id: hello-en
    tags: [en]
{case_split}    user: {{wa_id: "966500000011", linked_as: omar, lang: en}}
    turns:
      - user: "hello"
    expect_state: {{unchanged: true}}
"""


def write(
    where: Path, name: str, *, split: str | None = None, case_split: str | None = None, text: str = SUITE
) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{name}.yaml"
    path.write_text(
        text.format(
            name=name,
            split=f"split: {split}\n" if split else "",
            case_split=f"    split: {case_split}\n" if case_split else "",
        ),
        encoding="utf-8",
    )
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    return caught.value.errors


# ---------------------------------------------------------------------------------------------- format


def test_suites_are_dev_unless_held_out_under_test(tmp_path: Path) -> None:
    dev = load_suite(write(tmp_path, "plain"))
    assert isinstance(dev, Suite) and dev.split == "dev" and dev.split_of(dev.cases[0]) == "dev"
    held = load_suite(write(tmp_path / "test", "held", split="test", case_split="test"))
    assert isinstance(held, Suite) and held.split_of(held.cases[0]) == "test"


def test_a_split_is_where_its_files_are(tmp_path: Path) -> None:
    assert errors_of(write(tmp_path / "test", "undeclared")) == [
        "test/undeclared.yaml: split: a suite under test/ is held out: it needs `split: test`"
    ]
    assert errors_of(write(tmp_path, "stray", split="test")) == [
        "stray.yaml: split: a test suite belongs in a test/ directory (evals/suites/test/)"
    ]
    assert errors_of(write(tmp_path / "test", "moved", split="test", case_split="dev")) == [
        "test/moved.yaml: case hello-en: split: 'dev' differs from the suite's "
        "(a held-out case cannot be moved to dev)"
    ]
    assert errors_of(write(tmp_path, "promoted", case_split="test")) == [
        "promoted.yaml: case hello-en: split: 'test' differs from the suite's "
        "(held-out cases go in a test suite (evals/suites/test/))"
    ]
    assert "split: Input should be 'dev' or 'test'" in errors_of(write(tmp_path, "odd", split="train"))[0]


def test_select_and_of_split(tmp_path: Path) -> None:
    dev = load_suite(write(tmp_path, "dev-one"))
    test = load_suite(write(tmp_path / "test", "test-one", split="test"))
    assert isinstance(dev, Suite) and isinstance(test, Suite)
    replay = ReplaySuite(name="replay", path=tmp_path, bodies=[])
    assert [c.id for c in select(test, None, "test")] == ["hello-en"]
    assert select(test, None, "dev") == [] and select(test, "other-*", "all") == []
    assert [s.name for s in of_split([dev, test, replay], "test")] == ["test-one"]
    assert [s.name for s in of_split([dev, test, replay], "dev")] == ["dev-one", "replay"]
    assert len(of_split([dev, test, replay], "all")) == 3


# ---------------------------------------------------------------------------------------------- figures


def result(case: str, split: str, success: bool, quality: float = 1.0) -> CaseResult:
    return CaseResult(suite="s", case_id=case, split=split, success=success, quality=quality, lang="en")


def test_summary_breaks_command_success_down_by_split() -> None:
    results = [result("a", "dev", True), result("b", "dev", False), result("c", "test", True)]
    summary = summarize(results, {}, {})
    assert summary["by_split"]["dev"]["command_success"] == 0.5
    assert summary["by_split"]["test"] == {"results": 1, "cases": 1, "command_success": 1.0, "quality": 1.0}
    old = CaseResult.model_validate({"suite": "s", "case_id": "x"})  # a result written before splits
    assert old.split == "dev"


def test_compare_keeps_splits_apart() -> None:
    a = [result("x", "dev", True), result("y", "test", True), result("z", "test", True)]
    b = [result("x", "dev", True), result("y", "test", False), result("z", "test", True)]
    # one case of each name in the other split is not the same case
    b.append(result("x", "test", False))
    exact = Limits(alpha=1.0)  # every drop counts: these few cases could never beat noise
    outcome = compare(a, b, limits=exact)
    assert outcome.common == 3 and outcome.only_b == ["s/x [test]"]
    assert [d.name for d in outcome.regressions] == ["s/y [test]"]
    assert outcome.by_split["dev"]["success_b"] == 1.0 and outcome.by_split["test"]["success_b"] == 0.5
    assert outcome.failed_gates == [
        "test split: command success dropped 100.0% → 50.0% (more than 2.0%); "
        "sign test p=1: 1 worse, 0 better of 2 paired cases"
    ]
    assert outcome.as_dict()["by_split"]["test"]["common"] == 2
    assert outcome.as_dict()["by_split"]["test"]["success_test"]["worse"] == 1
    # With the default alpha the same drop is called noise, per split.
    assert compare(a, b).ok and compare(a, b).noise[0].startswith("test split: command success dropped")
    # one split only: the gate reads as before
    single = compare(a[:1], [result("x", "dev", False)], limits=exact)
    assert single.failed_gates[0].startswith("command success dropped 100.0% → 0.0% (more than 2.0%)")


def test_split_hash_is_the_documented_shell_command(tmp_path: Path) -> None:
    held = tmp_path / "test"
    write(held, "b-suite", split="test")
    write(held, "a-suite", split="test")
    (held / "more").mkdir()
    (held / "more" / "notes.txt").write_text("x")
    assert [p.name for p in split_files(held)] == ["a-suite.yaml", "b-suite.yaml", "notes.txt"]
    if shutil.which("sha256sum") is None:  # pragma: no cover
        pytest.skip("no sha256sum")
    shell = subprocess.run(
        "cat $(find test -type f | LC_ALL=C sort) | sha256sum",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.split()[0] == split_hash(held)
    out = CliRunner().invoke(app, ["eval", "split-hash", str(held)])
    assert out.exit_code == 0 and out.output.split() == [split_hash(held), "3", "files"]
    empty = CliRunner().invoke(app, ["eval", "split-hash", str(tmp_path / "none")])
    assert empty.exit_code == 2


# ---------------------------------------------------------------------------------------------- running

BLOCKED = """\
name: {name}
split: test
clock: "2026-11-25T09:00:00+03:00"
fixtures:
  users:
    - {{username: omar, name: Omar Hassan, role: manager, team: ops, lang: en}}
  tasks:
    - {{id: 7, title: Old draft, created_by: omar, assignee: omar}}
cases:
  - id: blocked-complete-en
    tags: [blocked, en]
    user: {{wa_id: "966500000011", linked_as: omar, lang: en, blocked: true}}
    turns:
      - user: "task 7 is done"
        expect: {{tool_calls: [], reply: {{contains_any: ["/link"]}}}}
    expect_state: {{unchanged: true, tasks: [{{id: 7, status: open}}]}}
"""


async def test_split_run_and_a_blocked_number(fake_openai: Any, tmp_path: Path) -> None:
    fake_openai.reply_tool("complete_task", {"task_id": "7"})
    dev = load_suite(write(tmp_path, "dev-one"))
    held = load_suite(write(tmp_path / "test", "held", text=BLOCKED))
    out = tmp_path / "out"
    outcome = await run_eval(
        [dev, held],
        RunOptions(out=out, kb="", concurrency=1, split="test"),
        settings_for(fake_openai, tmp_path),
    )
    [only] = outcome.results
    assert only.case_id == "blocked-complete-en" and only.split == "test"
    # blocked by an administrator: nothing runs, the number is told how to (re)link, nothing changes
    assert only.success, only.scores
    assert only.turns[0].tool_calls == [] and "/link" in only.turns[0].text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["split"] == "test" and summary["run"]["splits"] == ["test"]
    assert summary["suites"]["held"]["split"] == "test" and summary["suites"]["held"]["selected"] == 1
    assert list(summary["by_split"]) == ["test"]
    assert "split <b>test</b>" in (out / "report.html").read_text()


def test_cli_split_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    dev = write(tmp_path, "dev-only")
    result = CliRunner().invoke(app, ["eval", "run", str(dev), "--split", "test"])
    assert result.exit_code == 2 and "no case of the test split" in result.output
    result = CliRunner().invoke(app, ["eval", "run", str(dev), "--split", "train"])
    assert result.exit_code == 2
