"""A list asked for one day ("what's due on Tuesday?") is that day's tasks; a span's end ("by Friday"),
a week, today and the late ones keep the list of everything due up to then."""

from __future__ import annotations

import pytest

from base.text.dates import date_said
from tests.tools.test_task_corrections import decide
from tools.packs.tasks.cues import day_asked


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("ما المهام المستحقة يوم الثلاثاء؟", "يوم الثلاثاء"),  # MSA
        ("وش علي باجر؟", "باجر"),  # Gulf
        ("إيه المطلوب مني يوم الحد؟", "يوم الحد"),  # Egyptian
        ("شو عندي مطلوب نهار التلات؟", "نهار التلات"),  # Levantine
        ("shu el matloub minni bukra?", "bukra"),  # Arabizi
        ("anything due on Thursday?", "thursday"),
        ("what have I got tomorrow", "tomorrow"),
    ],
)
def test_a_list_asked_for_one_day_is_that_days(text: str, day: str) -> None:
    said = day_asked(text)
    assert said is not None and said.endswith(day)  # with the words read around it ("due on", "علي")
    decided = decide("list_tasks", text, scope="mine")
    assert decided.args["due_before"] == decided.args["due_after"] == said


@pytest.mark.parametrize(
    "text",
    [
        "what's due by Friday?",
        "المهام المستحقة قبل الخميس",
        "وش لازم أخلص لين الأحد؟",
        "eh elly lazem a5laso lghayet bukra",
        "what do I have this week?",
        "شو عندي هالأسبوع؟",
        "شو عندي اليوم؟",  # today: what is late too, as in every task app's Today
        "show my tasks",
        "from Monday to Friday",  # two days: no one day
    ],
)
def test_a_span_today_or_no_day_keeps_the_list_up_to_then(text: str) -> None:
    assert day_asked(text) is None
    assert "due_after" not in decide("list_tasks", text, scope="mine").args


def test_the_late_and_the_finished_ones_are_not_cut_to_one_day() -> None:
    assert "due_after" not in decide("list_tasks", "what was overdue yesterday?", overdue=True).args
    assert "due_after" not in decide("list_tasks", "what did I finish on Tuesday?", status="done").args
    assert "due_after" not in decide("get_task", "what's due on task 5 tomorrow?", task_id=5).args


def test_the_date_said_is_the_one_meant() -> None:
    assert date_said("الخميس مو بكرة") == "الخميس"
    assert date_said("no date here") is None
    assert date_said("from Monday to Friday") is None
