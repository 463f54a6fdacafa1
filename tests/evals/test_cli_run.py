"""`hudhud eval run`: the command, its errors, and Ctrl-C keeping the finished results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import evals.runner
from evals.results import CaseResult, read_results
from evals.runner import RunOptions, run_eval
from evals.suite import load_suite
from hudhud.cli import app
from tests.conftest import REDIS_TEST_URL
from tests.evals.test_runner import settings_for, write_suite


def flat(text: str) -> str:
    return " ".join(text.split())


def fake_model_env(fake_openai: Any, data_dir: Path) -> dict[str, str]:
    """The environment under which `hudhud eval run` answers with the fake OpenAI-compatible model."""
    return {
        "OPENAI_BASE_URL": fake_openai.base_url,
        "OPENAI_API_KEY": "k",
        "HUDHUD_MODEL": "gpt-test",
        "HUDHUD_TOOL_MODE": "native",
        "REDIS_URL": REDIS_TEST_URL,
        "HUDHUD_DATA_DIR": str(data_dir),
        "HUDHUD_MODEL_RETRIES": "0",
    }


@pytest.fixture
def cli_env(fake_openai: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name, value in fake_model_env(fake_openai, tmp_path / "data").items():
        monkeypatch.setenv(name, value)
    return write_suite(tmp_path)


def test_eval_run_command(cli_env: Path, fake_openai: Any, tmp_path: Path) -> None:
    fake_openai.reply_text("أهلاً")
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "run",
            str(cli_env),
            "--filter",
            "answer-ar",
            "--out",
            str(tmp_path / "o"),
            "--kb",
            "",
            "--turn-timeout",
            "90",
        ],
    )
    assert result.exit_code == 0, result.output
    last = json.loads(result.output.strip().splitlines()[-1])
    assert last["eval"] == "run" and last["overall"]["results"] == 1
    assert "answer-ar" in result.output and "nothing to press" in flat(result.output)  # the failure is listed
    # Not a terminal: one line per finished case instead of a redrawn bar.
    assert "[1/1] ✗ " in result.output and "answer-ar · pass 0/1 (0%)" in result.output
    assert (tmp_path / "o" / "report.html").exists()
    assert json.loads((tmp_path / "o" / "summary.json").read_text())["run"]["turn_timeout_s"] == 90


def test_eval_run_command_errors(cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        cli_env.read_text()
        .replace("name: create_task", "name: crate_task")
        .replace("name: mini", "name: bad")
    )
    result = runner.invoke(app, ["eval", "run", str(bad)])
    assert result.exit_code == 2 and "unknown tool 'crate_task'" in flat(result.output)
    result = runner.invoke(app, ["eval", "run", str(cli_env), "--filter", "nothing-*"])
    assert result.exit_code == 2 and "no case id matches" in result.output
    routing = Path(__file__).parents[2] / "evals" / "suites" / "routing.yaml"
    result = runner.invoke(app, ["eval", "run", str(routing)])
    assert result.exit_code == 2 and "skipped routing.yaml" in flat(result.output)
    monkeypatch.setenv("HUDHUD_TIMEZONE", "Mars/Base")
    assert runner.invoke(app, ["eval", "run", str(cli_env)]).exit_code == 2


def test_ctrl_c_keeps_the_finished_results(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    async def interrupted_on_the_second(env: Any, suite: Any, case: Any, **kwargs: Any) -> CaseResult:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return CaseResult(suite=suite.name, case_id=case.id, state_after=[], turns=[])

    monkeypatch.setattr(evals.runner, "run_case", interrupted_on_the_second)
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["eval", "run", str(cli_env), "--out", str(out), "--kb", ""])
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output
    assert [r.case_id for r in read_results(out)] == ["create-en"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["interrupted"] is True and summary["overall"]["results"] == 1
    assert "Interrupted" in (out / "report.html").read_text()


async def test_cancelled_run_keeps_results(
    fake_openai: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    async def cancelled(env: Any, suite: Any, case: Any, **kwargs: Any) -> CaseResult:
        raise asyncio.CancelledError  # what Ctrl-C does to the running task under asyncio.run

    monkeypatch.setattr(evals.runner, "run_case", cancelled)
    suite = load_suite(write_suite(tmp_path))
    outcome = await run_eval(
        [suite], RunOptions(out=tmp_path / "o", kb=""), settings_for(fake_openai, tmp_path)
    )
    assert outcome.interrupted and outcome.results == [] and outcome.summary["run"]["interrupted"]


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [(KeyboardInterrupt, 130, "interrupted: the finished results are in"), ("model", 2, "not installed")],
)
def test_run_command_stops_cleanly(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, raised: Any, code: int, said: str
) -> None:
    from agent.local import ModelNotInstalled
    from agent.local.errors import ModelLoadError

    async def stopped(*args: Any, **kwargs: Any) -> None:
        if raised == "model":  # set-up: the weights are not there
            raise ModelNotInstalled("weights not installed")
        if raised == "load":  # the run: the model did not start
            raise ModelLoadError("llama.cpp could not load the model")
        raise raised()

    monkeypatch.setattr(evals.runner, "run_eval", stopped)
    result = CliRunner().invoke(app, ["eval", "run", str(cli_env), "--kb", ""])
    assert result.exit_code == code and said in flat(result.output)


def test_print_summary_lists_failures(capsys: pytest.CaptureFixture[str]) -> None:
    from evals.cli import print_summary
    from evals.summary import summarize

    failed = [CaseResult(suite="s", case_id=f"c{i}", error="boom") for i in range(27)]
    print_summary(summarize(failed, {"s": {}}, {}), failed)
    out = capsys.readouterr().out
    assert "s/c0#0: boom" in out and "… and 2 more failures" in out


def test_finish_prints_figures_and_says_when_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evals.cli import finish
    from evals.runner import RunOutcome
    from evals.summary import summarize

    done = [CaseResult(suite="s", case_id="a", success=True)]
    outcome = RunOutcome(out=tmp_path, summary=summarize(done, {"s": {}}, {}), results=done)
    assert finish(outcome) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["overall"]["command_success"] == 1.0
    outcome.interrupted = True
    assert finish(outcome) == 130
    assert "the figures cover the finished cases only" in capsys.readouterr().err


def test_a_terminal_gets_the_live_bar() -> None:
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from evals.cli import RichProgress

    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=120))
    progress.start(2)
    progress.done(SimpleNamespace(success=True, suite="s", case_id="a"))
    progress.done(SimpleNamespace(success=False, suite="s", case_id="b"))
    progress.stop()
    assert progress.live and "pass 1/2 (50%)" in out.getvalue() and "[2/2]" not in out.getvalue()
