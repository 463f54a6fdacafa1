"""The routing suite runner: scoring, summaries and the `hudhud eval routing` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evals.routing import SUITES_DIR, RoutingCase, RoutingSuite, check, run_suite, summarize, write_results
from hudhud.cli import app
from tests.agent.test_agent_native import make_agent

SUITE = SUITES_DIR / "routing.yaml"


def test_shipped_suite_covers_every_group_and_action() -> None:
    suite = RoutingSuite.load(SUITE)
    assert len(suite.cases) >= 60
    groups = {c.group for c in suite.cases}
    assert groups == {"msa", "gulf", "egyptian", "levantine", "arabizi", "english"}
    from tools.registry import ToolRegistry

    # Every tool the router may pick (undo_last is chosen in code only, never by the model).
    assert {c.action for c in suite.cases} == {*(s.name for s in ToolRegistry.shipped().offered()), "answer"}
    assert suite.clock().date().isoformat() == "2026-11-25"


def test_check_scores_action_args_and_title() -> None:
    case = RoutingCase(group="en", text="x", action="create_task", args={"due_date": "2026-11-26"},
                       title_contains="Contract")  # fmt: skip
    assert check(case, "create_task", {"due_date": "2026-11-26", "title": "review the contract"}) == (
        True,
        True,
        [],
    )
    assert check(case, "create_task", {"due_date": "2026-11-27", "title": "x"}) == (
        True,
        False,
        ["due_date", "title"],
    )
    assert check(case, "get_task", {}) == (False, False, ["due_date", "title"])


async def test_run_suite_and_summary(fake_openai, tmp_path: Path) -> None:
    suite = RoutingSuite(
        name="mini",
        today="2026-11-25",
        cases=[
            RoutingCase(group="ar", text="المهمة ٤٢ خلصت", action="complete_task", args={"task_id": 42}),
            RoutingCase(group="en", text="hi", action="answer"),
            RoutingCase(group="en", text="delete task 9", action="delete_task", args={"task_id": 9}),
        ],
    )
    agent = make_agent(fake_openai, mode="router")
    fake_openai.reply_text('{"action": "complete_task", "task_id": "٤٢"}')
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("not json at all")
    results = await run_suite(agent, suite)
    assert [(r.action, r.args_ok) for r in results] == [
        ("complete_task", True),
        ("answer", True),
        ("error", False),
    ]
    assert results[2].error and "RouterError" in results[2].error
    summary = summarize(results)
    assert summary["all"]["n"] == 3 and summary["all"]["action_acc"] == pytest.approx(0.667, abs=0.001)
    assert summary["ar"]["full_acc"] == 1.0
    write_results(results, summary, tmp_path / "out")
    lines = (tmp_path / "out" / "results.jsonl").read_text().splitlines()
    assert len(lines) == 3 and json.loads((tmp_path / "out" / "summary.json").read_text())["en"]["n"] == 2


def test_eval_routing_command(fake_openai, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("HUDHUD_TOOL_MODE", "native")  # not probed: the scripted replies are the turns'
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "name: mini\ntoday: '2026-11-25'\ncases:\n"
        "  - {group: en, text: 'mark 42 done', action: complete_task, args: {task_id: 42}}\n"
        "  - {group: en, text: 'hello', action: answer}\n"
    )
    fake_openai.reply_tool("complete_task", {"task_id": "42"})
    fake_openai.reply_tool("create_task", {"title": "hello"})
    result = CliRunner().invoke(app, ["eval", "routing", "--suite", str(suite), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["eval"] == "routing" and figures["groups"]["all"]["action_acc"] == 0.5
    assert "hello" in result.output  # the failed case is listed
    assert (tmp_path / "o" / "summary.json").exists()
