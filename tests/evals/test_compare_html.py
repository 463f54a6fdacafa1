"""`hudhud eval compare A B --html OUT`: both runs side by side, what changed, the verdict on top."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evals.compare import compare
from evals.report.compare import render_comparison, what_changed
from evals.results import CaseResult, ReplyRecord, ToolCallRecord, TurnRecord
from evals.runner import write_outputs
from hudhud.cli import app
from tests.evals.test_compare import write_run

TASK = {"id": 7, "title": "Old draft", "status": "open"}


def case(
    case_id: str, success: bool, reply: str, calls: list[ToolCallRecord] | None = None, **extra: Any
) -> CaseResult:
    turn = TurnRecord(
        index=0,
        user="delete task 7",
        replies=[ReplyRecord(kind="text", text=reply)],
        tool_calls=calls or [],
        status="ok",
        latency_ms=120,
    )
    return CaseResult(
        suite="tasks", case_id=case_id, success=success, quality=1.0 if success else 0.5, turns=[turn],
        model="m", state_before=[TASK], state_after=extra.get("after", [TASK]),
    )  # fmt: skip


def delete(outcome: str) -> ToolCallRecord:
    return ToolCallRecord(name="delete_task", args={"task_id": 7}, outcome=outcome, status=200)


RUN_A = [
    case("delete-7", True, "Task #7 deleted", [delete("ok")], after=[]),
    case("greet", False, "Hi"),
    case("rename", True, "Renamed"),
    case("same", True, "Nothing to do"),
]
RUN_B = [
    case("delete-7", False, "Which task?", [delete("error")]),
    case("greet", True, "Hello! How can I help?"),
    case("rename", False, "Sorry"),
    case("same", True, "Nothing to do"),
]


def test_what_changed_names_outcome_replies_calls_and_end_state() -> None:
    changes = what_changed(RUN_A[0], RUN_B[0])
    assert changes[0] == "pass → fail"
    assert "turn 0: reply 'Task #7 deleted' → 'Which task?'" in changes
    assert "turn 0: tool calls delete_task(task_id=7) ok → delete_task(task_id=7) error" in changes
    assert "end state differs (A: - #7 'Old draft')" in changes
    assert what_changed(RUN_A[3], RUN_B[3]) == []


def test_compare_html_side_by_side(tmp_path: Path) -> None:
    a, b = write_run(tmp_path / "a", RUN_A), write_run(tmp_path / "b", RUN_B)
    out = tmp_path / "cmp" / "compare.html"
    result = CliRunner().invoke(app, ["eval", "compare", str(a), str(b), "--alpha", "1", "--html", str(out)])
    assert result.exit_code == 1, result.output  # the planted regression fails the gate …
    page = out.read_text(encoding="utf-8")
    # … and the verdict opens the page, before any case.
    assert page.index("FAIL</b>") < page.index("command success dropped") < page.index("tasks/delete-7")
    assert "Sign test over 4 paired cases: 2 worse, 1 better" in page
    # Regressions first, then fixes, then unchanged cases; each with its class for the filter.
    order = [m.group(1) for m in re.finditer(r"<details class='case pair (\w+)'", page)]
    assert order == ["regression", "regression", "fix", "same"]
    assert "(3 of 4 changed, 2 regressions)" in page
    assert "#show-regressions:checked ~ .pairs .pair:not(.regression) { display: none; }" in page
    regression = page[page.index("pair regression") : page.index("pair fix")]
    # Both transcripts, tool calls with args and outcomes, both end states.
    for text in (
        "delete task 7",
        "Task #7 deleted",
        "Which task?",
        "task_id=7",
        "- #7 &#x27;Old draft&#x27;",
    ):
        assert text in regression, text
    assert "<td>ok</td>" in regression and "<td>error</td>" in regression
    assert "pass → fail" in regression and "(no change)" in regression
    assert "<script" not in page and "http" not in page.split("</header>")[1]


def test_compare_html_needs_transcripts(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", RUN_A)
    write_outputs(a, RUN_A, {}, {})  # summary.json: what a baseline is saved from
    runner = CliRunner()
    assert (
        runner.invoke(app, ["eval", "baseline", "save", str(a), "b1", "--dir", str(tmp_path)]).exit_code == 0
    )
    bad = runner.invoke(
        app, ["eval", "compare", str(tmp_path / "b1.json"), str(a), "--html", str(tmp_path / "x.html")]
    )
    assert bad.exit_code == 2 and "keeps no transcripts" in " ".join(bad.output.split())
    assert not (tmp_path / "x.html").exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_regressions_filter_hides_the_other_cases(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    page_file = tmp_path / "compare.html"
    page_file.write_text(render_comparison(compare(RUN_A, RUN_B), RUN_A, RUN_B), encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"))
        page = browser.new_page()
        page.goto(page_file.as_uri())
        visible = "[...document.querySelectorAll('.pair')].filter(e => e.offsetParent).length"
        assert page.evaluate(visible) == 4
        page.click("label[for=show-regressions]")
        assert page.evaluate(visible) == 2
        page.click("label[for=show-changed]")
        assert page.evaluate(visible) == 3
        browser.close()
