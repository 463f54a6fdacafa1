"""Each scorer on hand-made results, and how they combine into command success and quality."""

from __future__ import annotations

from typing import Any

import pytest

from evals.language import speaks
from evals.results import CaseResult, ReplyRecord, Score, ToolCallRecord, TurnRecord
from evals.scorers import (
    FormatScorer,
    JudgeScorer,
    LanguageScorer,
    RepliesScorer,
    Scorer,
    SimilarityScorer,
    StateScorer,
    ToolCallScorer,
    default_scorers,
    score_case,
    state_diff,
)
from evals.scorers.judge import parse_verdict
from evals.suite import Case, Suite

TASK = {
    "id": 7,
    "title": "Review contract",
    "description": "",
    "status": "open",
    "priority": "normal",
    "assignee": "sara",
    "created_by": "omar",
    "due": "2026-11-27",
    "comments": ["first", "second"],
}


def make(case: dict[str, Any], **suite: Any) -> tuple[Suite, Case]:
    data = {"name": "t", "clock": "2026-11-25T09:00:00+03:00", "cases": [case], **suite}
    built = Suite.model_validate(data)
    return built, built.cases[0]


def case_of(turns: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": "c", "tags": ["en"], "user": {"wa_id": "966500000001"}, "turns": turns, **extra}


def turn(
    text: str = "",
    *,
    buttons: list[dict[str, str]] | None = None,
    calls: list[ToolCallRecord] | None = None,
    status: str = "ok",
    index: int = 0,
) -> TurnRecord:
    reply = ReplyRecord(kind="buttons" if buttons else "text", text=text, buttons=buttons or [])
    return TurnRecord(
        index=index,
        user="x",
        replies=[reply] if text or buttons else [],
        tool_calls=calls or [],
        status=status,
    )


def result(
    *turns: TurnRecord, before: list[dict[str, Any]] | None = None, after: list[dict[str, Any]] | None = None
) -> CaseResult:
    return CaseResult(suite="t", case_id="c", turns=list(turns), state_before=before or [], state_after=after)


# ------------------------------------------------------------------------------------------ state


async def test_state_tasks_absent_and_unchanged() -> None:
    suite, case = make(
        case_of(
            [{"user": "x"}],
            expect_state={
                "tasks": [
                    {
                        "title": {"contains": "contract"},
                        "assignee": "sara",
                        "comments": {"contains": "second"},
                    }
                ],
                "absent": [{"id": 9}],
            },
        )
    )
    ok = await StateScorer().score(suite, case, result(after=[TASK]))
    assert ok.passed and ok.value == 1.0 and not ok.details
    wrong = {**TASK, "assignee": "omar", "id": 9}
    bad = await StateScorer().score(suite, case, result(after=[wrong]))
    assert not bad.passed
    assert bad.details[0].startswith("no task matches title={'contains': 'contract'}, assignee=sara")
    assert "closest #9 — assignee: 'omar' != 'sara'" in bad.details[0]
    assert bad.details[1] == "task should not exist: id=9 (found #9)"
    empty = await StateScorer().score(suite, case, result(after=[]))
    assert "there are no tasks" in empty.details[0]


async def test_each_expected_task_needs_its_own_match() -> None:
    suite, case = make(
        case_of([{"user": "x"}], expect_state={"tasks": [{"status": "open"}, {"status": "open"}]})
    )
    assert not (await StateScorer().score(suite, case, result(after=[TASK]))).passed
    assert (await StateScorer().score(suite, case, result(after=[TASK, {**TASK, "id": 8}]))).passed


async def test_state_unchanged_lists_the_changes() -> None:
    suite, case = make(case_of([{"user": "x"}], expect_state={"unchanged": True}))
    assert (await StateScorer().score(suite, case, result(before=[TASK], after=[TASK]))).passed
    changed = await StateScorer().score(
        suite, case, result(before=[TASK], after=[{**TASK, "status": "done"}])
    )
    assert changed.details == ["changed: ~ #7 status: 'open' → 'done'"]
    not_read = await StateScorer().score(suite, case, result(before=[TASK], after=None))
    assert not not_read.passed and not_read.details == ["the end state was not read"]
    assert StateScorer().applies(suite, case)
    assert not StateScorer().applies(*make(case_of([{"user": "x"}])))


def test_state_diff() -> None:
    new = {**TASK, "id": 8, "title": "New", "due": None, "assignee": None}
    assert state_diff([TASK], [new]) == [
        "+ #8 'New' (status=open, priority=normal)",
        "- #7 'Review contract'",
    ]
    assert state_diff([TASK], [TASK]) == []


# ------------------------------------------------------------------------------------------ replies


async def test_reply_checks_and_confirmation() -> None:
    suite, case = make(
        case_of(
            [
                {
                    "user": "x",
                    "expect": {
                        "reply": {
                            "language": "en",
                            "contains_any": ["created", "added"],
                            "contains_all": ["Task", "#"],
                            "not_contains": ["error"],
                            "regex": r"#\d+",
                        }
                    },
                },
                {"user": "y", "expect": {"confirm": True}},
                {"user": "z", "expect": {"confirm": False}},
            ]
        )
    )
    buttons = [{"id": "confirm:abc", "title": "Confirm"}, {"id": "cancel:abc", "title": "Cancel"}]
    good = result(
        turn("✅ Task #7 created"), turn("Please confirm", buttons=buttons, index=1), turn("ok", index=2)
    )
    score = await RepliesScorer().score(suite, case, good)
    assert score.passed and score.value == 1.0
    bad = result(turn("مهمة error"), turn("done", index=1), turn("Sure", buttons=buttons, index=2))
    score = await RepliesScorer().score(suite, case, bad)
    assert not score.passed and score.value == pytest.approx(0.0)
    assert score.details == [
        "turn 0: contains none of ['created', 'added']",
        "turn 0: lacks 'Task'",
        "turn 0: lacks '#'",
        "turn 0: contains 'error'",
        "turn 0: does not match /#\\d+/",
        "turn 0: not in en",
        "turn 1: should ask for confirmation",
        "turn 2: asked for confirmation",
    ]
    short = await RepliesScorer().score(suite, case, result(turn("✅ Task #7 created")))
    assert short.details == ["2 turn(s) not run"] and short.value == pytest.approx(1 - 1 / 8)


def test_replies_scorer_applies_only_with_expectations() -> None:
    assert not RepliesScorer().applies(*make(case_of([{"user": "x"}])))


# ------------------------------------------------------------------------------------------ tool calls


def call(name: str, outcome: str = "ok", **args: Any) -> ToolCallRecord:
    return ToolCallRecord(name=name, args=args, outcome=outcome)


async def test_tool_calls_match_on_name_and_args() -> None:
    suite, case = make(
        case_of(
            [
                {
                    "user": "a",
                    "expect": {
                        "tool_calls": [
                            {
                                "name": "create_task",
                                "args": {"title": {"contains": "budget"}, "due": "2026-11-26"},
                            }
                        ]
                    },
                },
                {"user": "b", "expect": {"tool_calls": []}},
                {"user": "c"},
                {
                    "user": "d",
                    "expect": {
                        "tool_calls": [
                            {"name": "delete_task", "args": {"task_id": 7}},
                            {"name": "get_task", "args": {"task_id": 8}},
                        ]
                    },
                },
            ]
        )
    )
    made = result(
        turn("x", calls=[call("create_task", title="Review the budget", due_date="2026-11-26")]),
        turn("x", calls=[call("assign_task", outcome="refused", task_id=1)], index=1),  # refused: not a call
        turn("x", calls=[call("list_tasks")], index=2),  # not checked
        turn(
            "x",
            calls=[call("get_task", task_id=8), call("delete_task", outcome="confirm", task_id=7)],
            index=3,
        ),
    )
    score = await ToolCallScorer().score(suite, case, made)
    assert score.passed and score.extra == {"matched": 3, "total": 3}
    wrong = result(
        turn("x", calls=[call("create_task", title="Review the plan", due_date="2026-11-26")]),
        turn("x", calls=[call("delete_task", task_id=1)], index=1),
        turn("x", index=2),
        turn("x", calls=[call("get_task", task_id=8), call("get_task", task_id=7)], index=3),
    )
    score = await ToolCallScorer().score(suite, case, wrong)
    assert not score.passed and score.value == 0.0
    assert score.details[0] == "turn 0: create_task.title: 'Review the plan' lacks 'budget'"
    assert score.details[1] == "turn 1: expected no call, got delete_task(task_id=1)"
    assert score.details[2].startswith("turn 3: expected delete_task, got get_task")
    missing = await ToolCallScorer().score(suite, case, result(turn("x")))
    assert missing.extra == {"matched": 0, "total": 3}
    assert (
        "expected create_task, got no call" in missing.details[0] and missing.details[1] == "turn 1: not run"
    )


# ------------------------------------------------------------------------------------------ quality


@pytest.mark.parametrize(
    ("text", "lang", "ok"),
    [
        ("✅ Task #7 created", "en", True),
        ("✅ أُضيفت المهمة #7", "ar", True),
        ("✅ أُضيفت المهمة #7", "en", False),
        ("Please confirm: delete_task(task_id=7)\nهل تؤكد تنفيذ هذا الأمر؟", "ar", True),  # bilingual
        ("Please confirm: delete_task(task_id=7)\nهل تؤكد تنفيذ هذا الأمر؟", "en", True),
        ("👍 7", "ar", True),  # nothing to judge
        ("Task 7 is done now, thank you", "ar", False),
    ],
)
def test_speaks(text: str, lang: str, ok: bool) -> None:
    assert speaks(text, lang) is ok


async def test_language_scorer_uses_the_turn_or_the_case_language() -> None:
    suite, case = make(
        case_of([{"user": "a"}, {"user": "b", "expect": {"reply": {"language": "ar"}}}, {"user": "c"}])
    )
    score = await LanguageScorer().score(
        suite, case, result(turn("Task created"), turn("Done", index=1), turn("", index=2))
    )
    assert score.extra == {"matched": 1, "total": 2} and score.value == 0.5 and not score.passed
    assert score.details == ["turn 1: not in ar: 'Done'"]
    none = await LanguageScorer().score(suite, case, result(turn("")))
    assert none.value is None and none.passed is None


async def test_format_rules() -> None:
    suite, case = make(case_of([{"user": "a"}]))
    assert (await FormatScorer().score(suite, case, result(turn("*bold* and _italic_\n• item")))).passed
    text = "# Title\n| a | b |\n|---|---|\n**bold**\n" + "x" * 4100
    score = await FormatScorer().score(suite, case, result(turn(text)))
    assert not score.passed and len(score.details) == 4
    assert score.details[0].startswith("turn 0: 4") and "Markdown header: '# Title'" in score.details[1]
    assert "Markdown table" in score.details[2] and "Markdown **bold**" in score.details[3]


class FixedEmbedder:
    def similarity(self, a: str, b: str) -> float:
        return 0.9 if "Sunday" in a else 0.5


async def test_similarity_scorer_with_a_threshold() -> None:
    suite, case = make(
        case_of([{"user": "hours?"}], reference_answer="Sunday to Thursday 8-5"), similarity_threshold=0.8
    )
    scorer = SimilarityScorer(FixedEmbedder())  # type: ignore[arg-type]
    assert scorer.applies(suite, case)
    good = await scorer.score(suite, case, result(turn("Sunday to Thursday")))
    assert good.passed and good.value == 0.9
    bad = await scorer.score(suite, case, result(turn("I don't know")))
    assert not bad.passed and bad.details == ["similarity 0.500 < 0.8"]
    silent = await scorer.score(suite, case, result(turn("")))
    assert not silent.passed and silent.details == ["no reply to compare"]
    assert not scorer.applies(*make(case_of([{"user": "x"}])))


async def test_similarity_with_the_real_embeddings() -> None:
    from evals.embeddings import Embedder

    embedder = Embedder()
    close = embedder.similarity(
        "The office is open Sunday to Thursday, 8 am to 5 pm.",
        "ساعات العمل من الأحد إلى الخميس من الثامنة إلى الخامسة",
    )
    far = embedder.similarity(
        "The office is open Sunday to Thursday, 8 am to 5 pm.", "Cats are popular pets."
    )
    assert close > far and 0 < far < 1


async def test_judge_scorer(fake_openai) -> None:
    suite, case = make(case_of([{"user": "hours?"}], reference_answer="Sunday to Thursday"))
    judge = JudgeScorer(fake_openai.base_url, "judge-model", "k")
    fake_openai.reply_text('Sure: {"score": 5, "reason": "correct and concise"}')
    score = await judge.score(suite, case, result(turn("Sunday to Thursday")))
    assert (
        score.passed
        and score.value == 1.0
        and score.details == ["judge-model graded 5/5 (needs 4): correct and concise"]
    )
    sent = fake_openai.requests[-1]
    assert (
        sent["model"] == "judge-model"
        and "REFERENCE ANSWER: Sunday to Thursday" in sent["messages"][1]["content"]
    )
    fake_openai.reply_text("no idea")
    assert (await judge.score(suite, case, result(turn("x")))).details[0].startswith("judge gave no score")
    down = JudgeScorer("http://127.0.0.1:9/v1", "m")
    assert (await down.score(suite, case, result(turn("x")))).details[0].startswith("judge unavailable")


def test_parse_verdict() -> None:
    assert parse_verdict('{"score": 4, "reason": "ok"}') == (4, "ok")
    assert parse_verdict('{"score": 9}')[0] is None
    assert parse_verdict("I would give it a 3.")[0] == 3
    assert parse_verdict('{"score": "x"} then 2')[0] == 2


# ------------------------------------------------------------------------------------------ combined


class Broken(Scorer):
    name = "broken"

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        raise RuntimeError("boom")


async def test_score_case_success_and_quality() -> None:
    suite, case = make(
        case_of(
            [{"user": "a", "expect": {"reply": {"contains_any": ["created"]}}}],
            expect_state={"tasks": [{"title": {"contains": "contract"}}]},
        )
    )
    scorers = [*default_scorers(), Broken()]
    done = await score_case(scorers, suite, case, result(turn("Task created"), after=[TASK]))
    assert done.success and done.scores["broken"].details == ["scorer error: RuntimeError: boom"]
    assert done.quality == pytest.approx(1.0)  # replies 1, language 1, format 1
    wrong_state = await score_case(scorers, suite, case, result(turn("Task created"), after=[]))
    assert not wrong_state.success
    failed_turn = await score_case(
        scorers, suite, case, result(turn("Task created", status="failed"), after=[TASK])
    )
    assert not failed_turn.success
    crashed = result(turn("Task created"), after=[TASK])
    crashed.error = "RuntimeError: x"
    crashed = await score_case(scorers, suite, case, crashed)
    assert not crashed.success and crashed.quality == 0.0
