"""Each rule's benefit on the cases where it fired (evals/rules.py, `hudhud eval rules`)."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from evals.results import CaseResult, TraceRecord, TurnRecord
from evals.rules import benefit, fired, switched_off
from hudhud.cli import app


def _case(case_id: str, rules: list[str], *, success: bool, split: str = "dev") -> CaseResult:
    turn = TurnRecord(index=0, user="hi", traces=[TraceRecord(action="answer", rules=rules)])
    return CaseResult(suite="s", case_id=case_id, split=split, turns=[turn], success=success)


def test_rules_are_gathered_per_case_and_measured_by_flips() -> None:
    on = [
        _case("a", ["tasks.overdue"], success=True),
        _case("b", ["tasks.overdue", "did_you_mean"], success=True),
        _case("c", [], success=False),
        _case("d", ["tasks.overdue"], success=False),
    ]
    assert fired(on) == {"did_you_mean": ["s/b"], "tasks.overdue": ["s/a", "s/b", "s/d"]}
    off = [_case("a", [], success=False), _case("b", [], success=True), _case("d", [], success=True)]
    measured = benefit("tasks.overdue", fired(on)["tasks.overdue"], on, off)
    assert (measured.with_rule, measured.without) == (2, 2)
    assert measured.fixes == ["s/a"] and measured.breaks == ["s/d"] and measured.net == 0
    missing = benefit("tasks.overdue", ["s/a", "s/b"], on, off[:1])  # b got no answer with the rule off
    assert missing.fixes == ["s/a", "s/b"] and missing.net == 2


def test_each_rule_is_switched_off_by_its_own_setting() -> None:
    assert switched_off("did_you_mean") == {"HUDHUD_DISABLED_AGENT_RULES": "did_you_mean"}
    assert switched_off("text_fixed") == {"HUDHUD_DISABLED_AGENT_RULES": "text_fixed"}
    assert switched_off("tasks.overdue") == {"HUDHUD_DISABLED_CORRECTIONS": "tasks.overdue"}


def test_the_command_lists_where_each_rule_fired_on_dev_only(tmp_path: Path) -> None:
    results = [
        _case("a", ["tasks.undo"], success=True),
        _case("t", ["tasks.mine"], success=True, split="test"),  # never measured on
    ]
    (tmp_path / "results.jsonl").write_bytes(
        b"".join(orjson.dumps(r.model_dump(mode="json")) + b"\n" for r in results)
    )
    run = CliRunner().invoke(app, ["eval", "rules", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert orjson.loads(run.output.strip().splitlines()[-1]) == {
        "eval": "rules",
        "fired": {"tasks.undo": ["s/a"]},
    }
    refused = CliRunner().invoke(app, ["eval", "rules", str(tmp_path), "--measure"])
    assert refused.exit_code == 2 and "needs the run's suite files" in refused.output
    missing = CliRunner().invoke(app, ["eval", "rules", str(tmp_path / "nothing")])
    assert missing.exit_code == 2
