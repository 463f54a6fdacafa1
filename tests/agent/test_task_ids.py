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
