"""Several task ids as the user wrote them: parsed in code, and each must come from the message."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agent.arguments import prepare_args
from base.text.numbers import parse_int_list
from tools.registry import ToolRegistry

TODAY = date(2026, 11, 25)
SPEC = ToolRegistry.shipped().get("complete_tasks")


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("3, 4 and 5", [3, 4, 5]),
        ("٣ و٤ و٥", [3, 4, 5]),
        ("٣،٤،٥", [3, 4, 5]),
        ("#3 #4 #5", [3, 4, 5]),
        ("tasks 12 & 7", [12, 7]),
        ("5, 3, 5", [5, 3]),
        ("۱۲ و ۱۳", [12, 13]),  # Persian digits
        ([3, "4", "#5", 4], [3, 4, 5]),
        (["3, 4"], [3, 4]),
        (7, [7]),
        (7.0, [7]),
        ("ba3d bokra", None),  # digits inside Arabizi words are letters
        ("all of them", None),
        ("", None),
        ([], None),
        (None, None),
        (True, None),
        (3.5, None),
        ({"ids": [3]}, None),
    ],
)
def test_parse_int_list(value: Any, ids: list[int] | None) -> None:
    assert parse_int_list(value) == ids


def prepared(raw: dict[str, Any], message: str) -> Any:
    assert SPEC is not None
    return prepare_args(SPEC, raw, message=message, today=TODAY)


def test_ids_are_read_from_what_the_model_copied() -> None:
    out = prepared({"task_ids": "٣ و٤ و٥", "overdue": None}, "أغلق المهام ٣ و٤ و٥")
    assert (out.args, out.missing, out.unclear) == ({"task_ids": [3, 4, 5]}, [], {})
    assert prepared({"task_ids": ["3", "4"]}, "mark 3 and 4 done").args == {"task_ids": [3, 4]}


def test_an_id_the_message_does_not_contain_was_invented() -> None:
    out = prepared({"task_ids": "3, 4, 6"}, "mark 3, 4 and 5 done")
    assert out.unclear == {"task_ids": "3, 4, 6"} and "task_ids" not in out.args and not out.missing


def test_no_id_is_read_from_the_message_when_the_model_gave_none() -> None:
    # "3" is a count here, not a task number: the ids come from the overdue filter.
    out = prepared({"task_ids": None, "overdue": True}, "close my 3 overdue tasks")
    assert (out.args, out.missing) == ({"overdue": True}, [])


def test_neither_ids_nor_a_filter_asks_which_tasks() -> None:
    for raw in ({}, {"task_ids": "all", "overdue": False}, {"task_ids": "null", "overdue": "no"}):
        out = prepared(raw, "close them")
        assert out.missing == ["task_ids"] and "task_ids" not in out.args, raw


@pytest.mark.parametrize(
    ("message", "value", "found"),
    [
        ("Q4 budget for finance: make it due Friday", "Q4", None),  # a code, not task 4: named by title
        ("Q4 budget for finance: make it due Friday", 4, None),
        ("5alast el report", 5, None),  # the 5 of an Arabizi word
        ("el task 33 5aliha priority 3adi", 33, 33),
        ("make task 12 urgent", "12", 12),
        ("خلي المهمة ١٢ عاجلة", None, 12),
    ],
)
def test_one_id_comes_from_a_number_standing_alone(message: str, value: Any, found: int | None) -> None:
    spec = ToolRegistry.shipped().get("update_task")
    assert spec is not None
    prepared = prepare_args(spec, {"task_id": value, "priority": "high"}, message=message, today=TODAY)
    assert prepared.args.get("task_id") == found
