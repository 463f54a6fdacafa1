"""Words said instead of others right after an edit wrote them ("oops, lab 4 not lab 3"): the same edit
again with those words replaced (agent/agent.py `_text_fixed`, agent/cues.py `said_instead`)."""

from __future__ import annotations

from datetime import date

import pytest

from agent.agent import _text_fixed
from agent.cues import said_instead
from base.text.dates import resolve_date
from tests.tools.test_task_corrections import TOOLS
from tools.decision import ANSWER, Decision


@pytest.mark.parametrize(
    ("text", "swap"),
    [
        ("oops, lab 4 not lab 3", ("lab 4", "lab 3")),
        ("عفواً، شحنة الخبر وليس الدمام", ("الخبر", "الدمام")),
        ("لا، الخبر مش الدمام", ("الخبر", "الدمام")),  # Egyptian / Levantine
        ("sorry, Khobar instead of Dammam", ("Khobar", "Dammam")),
        ("el khobar mesh el dammam", ("el khobar", "el dammam")),  # Arabizi
    ],
)
def test_words_said_instead(text: str, swap: tuple[str, str]) -> None:
    assert said_instead(text) == swap


@pytest.mark.parametrize("text", ["لا قصدي الأربعاء", "it is not done, not yet", "ok"])
def test_no_words_said_instead(text: str) -> None:
    assert said_instead(text) is None


RENAMED = {"name": "update_task", "args": {"task_id": 306, "title": "متابعة شحنة الدمام"}}


def test_the_edit_again_with_the_words_replaced() -> None:
    fixed = _text_fixed(Decision(action=ANSWER), RENAMED, "عفواً، شحنة الخبر وليس الدمام", TOOLS)
    assert fixed == (Decision(action="update_task", args={"task_id": 306, "title": "متابعة شحنة الخبر"}), 306)
    english = {"name": "update_task", "args": {"task_id": 203, "title": "Fix the projector in lab 3"}}
    again = _text_fixed(
        Decision(action="update_task", args={"task_id": 203}), english, "oops, lab 4 not lab 3", TOOLS
    )
    assert again is not None and again[0].args == {"task_id": 203, "title": "Fix the projector in lab 4"}


@pytest.mark.parametrize(
    ("decision", "before", "text"),
    [
        # the words are not in what the edit wrote: a person, not a title
        (Decision(action=ANSWER), RENAMED, "to Huda not Rami"),
        # the message was read as another change
        (
            Decision(action="assign_task", args={"task_id": 306, "assignee": "الخبر"}),
            RENAMED,
            "الخبر وليس الدمام",
        ),
        # no edit before: a new task, a note (another would be added), nothing
        (
            Decision(action=ANSWER),
            {"name": "create_task", "args": {"title": "شحنة الدمام"}},
            "الخبر وليس الدمام",
        ),
        (
            Decision(action=ANSWER),
            {"name": "add_comment", "args": {"task_id": 3, "text": "الدمام"}},
            "الخبر مش الدمام",
        ),
        (Decision(action=ANSWER), None, "الخبر وليس الدمام"),
    ],
)
def test_nothing_fixed(decision: Decision, before: dict | None, text: str) -> None:
    assert _text_fixed(decision, before, text, TOOLS) is None


MOVED = {"name": "update_task", "args": {"task_id": 411, "due_date": "2027-02-17"}}


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("لأ غلطت، الخميس مش الأربعاء", "الخميس"),
        ("sorry, Thursday not Wednesday", "Thursday"),
        ("la2 el 5amees mesh el arba3", "el 5amees"),
    ],
)
def test_a_day_said_instead_moves_the_task_just_moved(text: str, day: str) -> None:
    misread = Decision(action="update_task", args={"task_id": None, "due_date": "الإمساء"})
    assert _text_fixed(misread, MOVED, text, TOOLS) == (
        Decision(action="update_task", args={"task_id": 411, "due_date": day}),
        411,
    )


def test_a_day_is_no_fix_of_an_edit_that_set_no_date() -> None:
    assert _text_fixed(Decision(action=ANSWER), RENAMED, "sorry, Thursday not Wednesday", TOOLS) is None


@pytest.mark.parametrize(
    "text",
    [
        "معلش غلطت، المورد جاي يوم السبت مش بكرة، حطها السبت",  # one date denied, the one meant said twice
        "sorry my bad, the inspector comes Saturday not tomorrow - put it on Saturday",
    ],
)
def test_a_denied_date_and_the_one_meant_move_the_task_just_moved_even_read_as_new(text: str) -> None:
    misread = Decision(action="create_task", args={"title": "المورد جاي", "due_date": "بكرة"})
    today = date(2027, 2, 15)  # a Monday: Saturday is the 20th
    fixed = _text_fixed(misread, MOVED, text, TOOLS, today)
    assert fixed is not None and fixed[1] == 411 and fixed[0].action == "update_task"
    assert resolve_date(fixed[0].args["due_date"], today) == date(2027, 2, 20)
    # a new task asked for in words is one
    asked = "add a task: the inspector comes Saturday not tomorrow"
    assert (
        _text_fixed(Decision(action="create_task", args={"title": "x"}), MOVED, asked, TOOLS, today) is None
    )
