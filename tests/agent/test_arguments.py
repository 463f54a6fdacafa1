"""The normalizer layer between what the model filled and what the API takes."""

from __future__ import annotations

from datetime import date

import pytest

from agent.arguments import ONE_OF, prepare_args
from tools.packs.tasks.cues import mentions_task, names_task_number
from tools.registry import ToolRegistry

TODAY = date(2026, 11, 25)
REGISTRY = ToolRegistry.shipped()


def prep(tool: str, raw: dict, message: str, people: list[str] | None = None):
    spec = REGISTRY.get(tool)
    assert spec is not None
    return prepare_args(spec, raw, message=message, today=TODAY, people=people)


@pytest.mark.parametrize(
    ("raw", "message", "expected"),
    [
        ({"task_id": "٤٢"}, "المهمة ٤٢ خلصت", 42),
        ({"task_id": 15}, "خلّصت المهمة ١٤", 14),  # a slipped digit: the message's number wins
        ({}, "task 7 is done", 7),  # left out by the model, read from the message
        ({"task_id": "#9"}, "close #9 and #10", 9),
        ({"task_id": "3"}, "close #9 and #10", None),  # several numbers, the model's is none: unclear
        ({"task_id": "33"}, "done with it", None),  # invented: the message has no number → ask
        # the number is the title's ("room 3"): no task 3, the title names the task (tools/naming.py)
        ({"task_id": "the dental chair in room 3"}, "the dental chair in room 3 is serviced", None),
        ({"task_id": "task 7"}, "task 7 is done", 7),
    ],
)
def test_task_ids_come_from_the_message(raw: dict, message: str, expected: int | None) -> None:
    prepared = prep("complete_task", raw, message)
    assert prepared.args.get("task_id") == expected
    if expected is None and raw.get("task_id") == "3":
        assert prepared.unclear == {"task_id": "3"}
    elif expected is None:
        assert prepared.missing == ["task_id"]


def test_dates_resolve_in_code_and_fall_back_to_the_message() -> None:
    assert prep("create_task", {"title": "x", "due_date": "بكرة"}, "x بكرة").args["due_date"] == "2026-11-26"
    # The model wrote something unreadable, but the message says Sunday.
    got = prep("update_task", {"task_id": "8", "due_date": "the day"}, "غيّر موعد المهمة ٨ إلى يوم الأحد")
    assert got.args == {"task_id": 8, "due_date": "2026-11-29"}
    # The model left the date out; code reads it from the message.
    assert (
        prep("create_task", {"title": "renew"}, "renew residency tomorrow").args["due_date"] == "2026-11-26"
    )
    # "بعد بكرة" (the day after tomorrow) copied as "بكرة": the message's whole phrase wins.
    whole = prep("create_task", {"title": "x", "due_date": "بكرة"}, "ضيف مهمة: حجز التذاكر بعد بكرة")
    assert whole.args["due_date"] == "2026-11-27"
    # A date word the message never says is the model's own: the one date the message says wins ...
    assert prep("create_task", {"title": "x", "due_date": "Friday"}, "x tomorrow").args["due_date"] == (
        "2026-11-26"
    )
    moved = prep("update_task", {"task_id": 3, "due_date": "الإثنين"}, "مهمة ٣ عايزاها الخميس بدل الأحد")
    assert moved.args["due_date"] == "2026-11-26"
    # ... but a date the model worked out in digits stands, and so does its phrase when the message says none.
    assert prep("create_task", {"title": "x", "due_date": "2026-11-27"}, "x tomorrow").args["due_date"] == (
        "2026-11-27"
    )
    kept = prep("create_task", {"title": "x", "due_date": "Friday"}, "x soon")
    assert kept.args["due_date"] == "2026-11-27"
    # Two dates in the message: nothing to prefer, the model's phrase stands.
    two = prep("update_task", {"task_id": 3, "due_date": "Friday"}, "move task 3 from Monday to Friday")
    assert two.args["due_date"] == "2026-11-27"
    unclear = prep("create_task", {"title": "rent", "due_date": "when pigs fly"}, "rent when pigs fly")
    assert unclear.unclear == {"due_date": "when pigs fly"} and "due_date" not in unclear.args


def test_other_kinds() -> None:
    got = prep(
        "create_task",
        {"title": "  Book room ", "assignee": "omar", "priority": "عاجل"},
        "book room for omar",
        people=["Omar Farouk", "Sara"],
    )
    assert got.args == {"title": "Book room", "assignee": "Omar Farouk", "priority": "high"}
    assert prep("create_task", {"title": "null"}, "add a task").missing == ["title"]
    listed = prep("list_tasks", {"scope": "TEAM", "status": "archived", "overdue": "true"}, "team overdue")
    assert listed.args == {"scope": "team", "overdue": True}
    assert prep("list_tasks", {"overdue": False}, "my tasks").args == {}
    assert prep("assign_task", {"task_id": "2", "assignee": "رامي"}, "عطي المهمة ٢ لرامي").args == {
        "task_id": 2,
        "assignee": "رامي",
    }


@pytest.mark.parametrize(
    ("message", "expected"),
    [("ما هي عاصمة فرنسا؟", False), ("عامل ايه النهارده؟", False), ("المهمة خلصت", True),
     ("close it, task done", True), ("رقم ٤", True), ("hello", False),
     ("mhemmet el tasleem 5olset?", True), ("mhimmet el jard", True)],
)  # fmt: skip
def test_mentions_task(message: str, expected: bool) -> None:
    assert mentions_task(message) is expected


def test_overdue_tasks_are_never_filtered_as_done() -> None:
    from datetime import date

    from agent.arguments import prepare_args
    from tools.registry import ToolRegistry

    spec = ToolRegistry.shipped().get("list_tasks")
    assert spec is not None
    raw = {"scope": "mine", "status": "done", "overdue": True}
    got = prepare_args(spec, raw, message="whats overdue for me", today=date(2026, 11, 25))
    assert got.args == {"scope": "mine", "overdue": True}
    done = prepare_args(spec, {"status": "done"}, message="show my done tasks", today=date(2026, 11, 25))
    assert done.args == {"status": "done"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("and mark task 43 done too", True),
        ("#42 as well", True),
        ("وش صار على المهمة ٣٠؟", True),
        ("tsk 7 done", True),
        ("Tasks 3 and 4", True),
        ("push it to 5/12", False),  # a date, not a task
        ("and assign it to Omar", False),
        ("خلها عاجلة", False),
    ],
)
def test_names_task_number(text: str, named: bool) -> None:
    assert names_task_number(text) is named


def test_an_update_needs_something_to_change() -> None:
    empty = prep("update_task", {"task_id": "5"}, "update task 5")
    assert empty.missing == [ONE_OF]
    # The task number is asked first; an unreadable date counts as given (it is quoted back instead).
    assert prep("update_task", {}, "update it").missing == ["task_id", ONE_OF]
    assert (
        prep("update_task", {"task_id": "5", "due_date": "when pigs fly"}, "task 5 when pigs fly").missing
        == []
    )
    assert prep("update_task", {"task_id": "5", "priority": "urgent"}, "task 5 urgent").missing == []
