"""`hudhud eval run --junit PATH`: JUnit XML that validates against tests/evals/junit.xsd, one testcase
per case and trial, failures with their reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from typer.testing import CliRunner

from evals.junit import junit_xml
from evals.results import CaseResult, Score, TurnRecord
from evals.summary import summarize
from hudhud.cli import app
from tests.evals.test_cli_run import cli_env  # noqa: F401 (the fixture)
from tests.evals.xsd import Invalid, Schema

SCHEMA = Schema(Path(__file__).parent / "junit.xsd")


def results() -> list[CaseResult]:
    failed = Score(name="state", passed=False, details=["no task matches {title: budget}"])
    return [
        CaseResult(suite="tasks", case_id="ok", success=True, duration_ms=1234.5,
                   turns=[TurnRecord(index=0, user="hi", status="ok")]),
        CaseResult(suite="tasks", case_id="wrong", success=False, scores={"state": failed},
                   turns=[TurnRecord(index=0, user="add \x01 budget", status="ok")]),
        CaseResult(suite="tasks", case_id="wrong", trial=1, success=False, scores={"state": failed}),
        CaseResult(suite="other", case_id="broke", error="HarnessError: the core API did not start"),
    ]  # fmt: skip


def test_junit_validates_and_counts() -> None:
    summary = summarize(
        results(), {"tasks": {"split": "dev"}, "other": {}}, {"started": "2026-12-06T07:00:00+00:00"}
    )
    document = junit_xml(summary, results())
    SCHEMA.validate(document)
    root = ET.fromstring(document)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "1")
    tasks, other = root.findall("testsuite")
    assert tasks.get("name") == "tasks" and tasks.get("timestamp") == "2026-12-06T07:00:00"
    assert [c.get("name") for c in tasks.findall("testcase")] == ["ok", "wrong", "wrong#1"]
    ok, wrong, _ = tasks.findall("testcase")
    assert ok.find("failure") is None and ok.get("time") == "1.234" and ok.get("classname") == "evals.tasks"
    failure = wrong.find("failure")
    assert failure is not None and failure.get("type") == "state"
    assert failure.get("message") == "no task matches {title: budget}"
    assert "add  budget" in (wrong.findtext("system-out") or "")  # a control character XML cannot hold
    error = other.find("testcase/error")
    assert error is not None and error.get("message") == "HarnessError: the core API did not start"
    assert {p.get("name"): p.get("value") for p in tasks.iter("property")} == {"split": "dev"}


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (b' classname="evals.tasks"', b"", "attribute 'classname' is required"),
        (b'time="1.234"', b'time="1,2 s"', "is not a valid xs:decimal"),
        (b"<properties>", b"<properties><oops/>", "<oops> is not allowed here"),
        (b'<failure message="no task', b'<failure why="x" message="no task', "'why' is not declared"),
    ],
)
def test_the_schema_check_can_fail(old: bytes, new: bytes, said: str) -> None:
    summary = summarize(results(), {"tasks": {"split": "dev"}, "other": {}}, {})
    document = junit_xml(summary, results())
    assert old in document
    with pytest.raises(Invalid, match=said):
        SCHEMA.validate(document.replace(old, new, 1))


def test_eval_run_writes_junit(cli_env: Path, fake_openai: Any, tmp_path: Path) -> None:  # noqa: F811
    fake_openai.reply_text("أهلاً")
    path = tmp_path / "reports" / "evals.xml"
    args = ["eval", "run", str(cli_env), "--filter", "answer-ar", "--out", str(tmp_path / "o"), "--kb", ""]
    result = CliRunner().invoke(app, [*args, "--junit", str(path)])
    assert result.exit_code == 0, result.output  # no gate asked: a failed case is reported, not fatal
    SCHEMA.validate(path.read_bytes())
    case = ET.parse(path).getroot().find("testsuite/testcase")
    assert case is not None and case.get("name") == "answer-ar" and case.get("classname") == "evals.mini"
    failure = case.find("failure")
    assert failure is not None and "nothing to press" in (failure.get("message") or "")
