"""The LLM judge: rubrics in the suite, an independent judge model from the settings (never silently the
model under test), its answers cached on disk; and scorers added as plugins through the setting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from base.settings import SettingsError
from evals.results import CaseResult, Score
from evals.runner import RunOptions, run_eval
from evals.scorers import Scorer, ScorerPluginError, plugin_scorers
from evals.scorers.judge import parse_verdict
from evals.suite import Case, Suite, SuiteError, load_suite
from tests.evals.test_runner import settings_for

SUITE = """\
name: judged
clock: "2026-11-25T09:00:00+03:00"
rubric: {criteria: "answers the question", scale: 5, threshold: 3}
fixtures:
  users: [{username: omar, name: Omar Hassan, role: manager, team: ops, lang: en}]
cases:
  - id: hello
    tags: [en]
    user: {wa_id: "966500000021", linked_as: omar, lang: en}
    rubric:
      criteria: ["says what it can do", "in English"]
      scale: 10
      threshold: 8
    turns:
      - user: "how should I plan my work today?"
  - id: plain
    tags: [en]
    user: {wa_id: "966500000022", linked_as: omar, lang: en}
    turns:
      - user: "any advice on long meetings?"
"""
REPLY = "I manage your tasks."


def suite_at(tmp_path: Path) -> Suite:
    path = tmp_path / "judged.yaml"
    path.write_text(SUITE, encoding="utf-8")
    return load_suite(path)


def judged_requests(fake_openai: Any) -> list[dict[str, Any]]:
    return [r for r in fake_openai.requests if r.get("model") == "judge-m"]


async def test_the_configured_judge_grades_by_the_rubric_and_its_cache_saves_the_second_call(
    fake_openai: Any, tmp_path: Path
) -> None:
    suite = suite_at(tmp_path)
    settings = settings_for(fake_openai, tmp_path, hudhud_eval_judge_model="judge-m")
    options = RunOptions(out=tmp_path / "a", kb="", concurrency=1)
    fake_openai.reply_text(REPLY)
    fake_openai.reply_text('{"score": 7, "reason": "vague about what it does"}')  # below 8: fails
    fake_openai.reply_text(REPLY)
    fake_openai.reply_text('{"score": 3, "reason": "fine"}')  # the suite's rubric: 3 passes
    first = await run_eval([suite], options, settings)
    by_id = {r.case_id: r for r in first.results}
    sent = judged_requests(fake_openai)
    assert len(sent) == 2  # the judge is the configured model, not the run's gpt-test
    assert "says what it can do" in sent[0]["messages"][0]["content"]
    assert "1 to 10" in sent[0]["messages"][0]["content"]
    assert "answers the question" in sent[1]["messages"][0]["content"]
    hello, plain = by_id["hello"].scores["judge"], by_id["plain"].scores["judge"]
    assert hello.passed is False and hello.extra["grade"] == 7 and hello.value == pytest.approx(6 / 9)
    assert "judge-m graded 7/10 (needs 8)" in hello.details[0]
    assert not by_id["hello"].success  # a rubric the suite wrote gates the case
    assert plain.passed and by_id["plain"].success
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["run"]["judge_model"] == "judge-m" and summary["run"]["judge_calls"] == 2
    assert summary["provenance"]["judge_model"] == "judge-m"
    assert "judge <b>judge-m</b>" in (tmp_path / "a" / "report.html").read_text()

    # The same transcripts again: the judge's answers come from the cache, no request reaches it.
    fake_openai.requests.clear()
    fake_openai.reply_text(REPLY)
    fake_openai.reply_text(REPLY)
    again = await run_eval([suite], options.model_copy(update={"out": tmp_path / "b"}), settings)
    assert judged_requests(fake_openai) == []
    assert [r.scores["judge"].extra["cached"] for r in again.results] == [True, True]
    assert [r.scores["judge"].passed for r in again.results] == [False, True]
    assert json.loads((tmp_path / "b" / "summary.json").read_text())["run"]["judge_calls"] == 0


async def test_no_judge_configured_skips_the_scorer_and_says_so(fake_openai: Any, tmp_path: Path) -> None:
    fake_openai.reply_text(REPLY)
    fake_openai.reply_text(REPLY)
    outcome = await run_eval(
        [suite_at(tmp_path)],
        RunOptions(out=tmp_path / "o", kb="", concurrency=1),
        settings_for(fake_openai, tmp_path),
    )
    assert all("judge" not in r.scores for r in outcome.results)
    assert outcome.summary["run"]["judge"] == "no judge" and outcome.summary["run"]["judge_model"] is None
    assert "no judge" in (tmp_path / "o" / "report.html").read_text()


async def test_the_model_under_test_does_not_judge_itself_unless_allowed(
    fake_openai: Any, tmp_path: Path
) -> None:
    settings = settings_for(fake_openai, tmp_path, hudhud_eval_judge_model="gpt-test")
    options = RunOptions(out=tmp_path / "o", kb="", concurrency=1)
    with pytest.raises(SettingsError, match="the judge is the model under test"):
        await run_eval([suite_at(tmp_path)], options, settings)
    fake_openai.reply_text(REPLY)
    fake_openai.reply_text('{"score": 9, "reason": "ok"}')
    allowed = options.model_copy(update={"allow_self_judge": True, "filter": "hello"})
    outcome = await run_eval([suite_at(tmp_path)], allowed, settings)
    assert outcome.results[0].scores["judge"].passed


def test_rubric_threshold_must_be_on_its_scale(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SUITE.replace("threshold: 8", "threshold: 11"), encoding="utf-8")
    with pytest.raises(SuiteError, match="above the scale"):
        load_suite(path)


def test_parse_verdict_on_a_scale() -> None:
    assert parse_verdict('{"score": 9, "reason": "r"}', 10) == (9, "r")
    assert parse_verdict('{"score": 9}', 5)[0] is None
    assert parse_verdict("I give it 7 of 10", 10)[0] == 7


class WordCount(Scorer):
    """A plugin scorer: how many words the replies have."""

    name: ClassVar[str] = "words"
    kind: ClassVar[str] = "info"

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        words = sum(len(t.text.split()) for t in result.turns)
        return Score(name=self.name, value=float(words), extra={"words": words})


async def test_a_scorer_registered_by_the_setting_scores_the_run(fake_openai: Any, tmp_path: Path) -> None:
    settings = settings_for(fake_openai, tmp_path, hudhud_eval_scorers="tests.evals.test_judge:WordCount")
    options = RunOptions(out=tmp_path / "o", kb="", concurrency=1, filter="hello")
    outcome = await run_eval([suite_at(tmp_path)], options, settings)
    result = outcome.results[0]
    assert result.turns[0].text
    assert result.scores["words"].extra == {"words": len(result.turns[0].text.split())}
    assert "words" in json.loads((tmp_path / "o" / "results.jsonl").read_text())["scores"]


def test_plugin_errors_name_the_scorer() -> None:
    with pytest.raises(ScorerPluginError, match="not module:Class"):
        plugin_scorers("tests.evals.test_judge")
    with pytest.raises(ScorerPluginError, match="cannot load"):
        plugin_scorers("tests.evals.test_judge:Nope")
    with pytest.raises(ScorerPluginError, match=r"not an evals\.scorers\.base\.Scorer"):
        plugin_scorers("tests.evals.test_judge:REPLY")
    with pytest.raises(ScorerPluginError, match="taken: words"):
        plugin_scorers("tests.evals.test_judge:WordCount,tests.evals.test_judge:WordCount")


def test_entry_point_scorers_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    import evals.scorers

    point = EntryPoint(name="words", value="tests.evals.test_judge:WordCount", group="hudhud.scorers")
    monkeypatch.setattr(
        evals.scorers, "entry_points", lambda group: [point] if group == "hudhud.scorers" else []
    )
    assert [s.name for s in plugin_scorers()] == ["words"]
