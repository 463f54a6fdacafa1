"""Session 15's readings, written from each dialect group's words (the hotel dev suite): undoing "this
change", who keeps a task said by "let X hold task N" or "I meant X, not Y", counts that count no tasks,
questions that change nothing, single-task verbs read as a new task, and "what did I finish?"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tools.test_task_corrections import decide
from tools.packs.tasks.cues import (
    asks_count,
    asks_what_a_task_shows,
    asks_what_is_due,
    denies_person,
    holder_or_doer,
    says_only_now,
    says_undo,
)


@pytest.mark.parametrize(
    "text",
    [
        "تراجع عن هاد التغيير",  # Levantine "this"
        "تراجعي عن التعديل ده",  # Egyptian, to a woman
        "الغي التعديل ده",
        "كنسل آخر تعديل",  # Gulf
        "ارجع عن التغيير الأخير",
        "تراجع عن هاد",
        "رجع التعديل",
        "لو سمحت تراجع عن هذا التعديل",
        "la2 la2 rje3ha metel ma kanet",  # Arabizi, no vowel after the r
    ],
)
def test_undoing_the_change_itself(text: str) -> None:
    assert says_undo(text)
    assert decide("answer", text, follow_ref=4).action == "undo_last"


@pytest.mark.parametrize(
    "text",
    [
        "الغي ده",  # cancels what waits for a confirmation
        "ارجع",  # "go back"
        "الغي المهمة 5",
        "تراجع عن حذف المهمة",  # says what, beyond the change: left to the model
        "لا تتراجع عن هاد التغيير",
        "رجع التعديل وخليها عاجلة",
    ],
)
def test_other_cancels_are_no_undo(text: str) -> None:
    assert not says_undo(text)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("خلّي زياد يمسك مهمة 88", "زياد"),
        ("خل سارة تتابع تاسك التقرير", "سارة"),
        ("خلّ مهمة باب الطوارئ علي أنا", "me"),
        ("لا، قصدي زياد مو نواف", "زياد"),
        ("no, I meant Sara not Lina", "Sara"),
        ("la2 2asdi rami mish omar", "rami"),
    ],
)
def test_who_keeps_it(text: str, person: str) -> None:
    assert holder_or_doer(text) == person


@pytest.mark.parametrize(
    "text",
    [
        "قصدي الجمعة مش الخميس",  # a date corrected
        "لا غلطت، قصدي 90 مش 91",  # a number corrected
        "خلي بالك تخلص مهمة 5",  # "mind you finish task 5"
        "خلي الموعد يكون بكرة",
        "أسند المهمة 5 لعلي",  # "علي" alone is Ali: not the speaker
    ],
)
def test_nobody_keeps_it(text: str) -> None:
    assert holder_or_doer(text) is None


def test_the_person_denied() -> None:
    assert denies_person("لا، قصدي زياد مو نواف", "نواف")
    assert denies_person("Sara should do it, not Lina", "Lina Haddad")
    assert not denies_person("لا، قصدي زياد مو نواف", "زياد")
    assert not denies_person("أسند المهمة لنواف", "نواف")


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("complete_task", {"task_id": 88}),
        ("update_task", {"task_id": 88}),
        ("assign_task", {"task_id": 88, "assignee": "نواف"}),
    ],
)
def test_a_correction_of_the_person_hands_over(action: str, args: dict[str, Any]) -> None:
    decision = decide(action, "لا، قصدي زياد مو نواف", follow_ref=88, **args)
    assert (decision.action, decision.args) == ("assign_task", {"task_id": 88, "assignee": "زياد"})


def test_let_someone_hold_it_is_a_hand_over() -> None:
    decision = decide("complete_task", "خلّي زياد يمسك مهمة 88", task_id=88)
    assert (decision.action, decision.args) == ("assign_task", {"task_id": 88, "assignee": "زياد"})
    # a done word keeps the completion: "خلي سارة تعرف إني خلصت مهمة 5" tells Sara, hands nothing
    assert decide("complete_task", "سكّرت مهمة 88، خلّي زياد يعرف", task_id=88).action == "complete_task"


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("كم مهمة مفتوحة عندي؟", True),
        ("قديش عندي مهام متأخرة؟", True),
        ("how many tasks are open?", True),
        ("كم ساعة اشتغلت على مهمة أسعار الغرف؟", False),  # hours, not tasks
        ("قديش أولوية مهمة المولد؟", False),  # a priority
        ("كم يوم باقي على مهمة التقرير؟", False),  # days: a date question
    ],
)
def test_a_count_of_tasks(text: str, counts: bool) -> None:
    assert asks_count(text) is counts


def test_a_question_that_changes_nothing_shows_the_task() -> None:
    # the model's priority is a filler the words never say
    assert (
        decide("update_task", "قديش أولوية مهمة المولد؟", task_id="المولد", priority="low").action == "answer"
    )
    shown = decide("update_task", "what priority is task 91 on?", task_id=91, priority="high")
    assert (shown.action, shown.args) == ("get_task", {"task_id": 91})
    # a change the words say stands, asked or not
    assert decide(
        "update_task", "can you make task 91 high priority?", task_id=91, priority="high"
    ).action == ("update_task")
    assert decide("update_task", "ممكن تأجل مهمة 91 لبكرة؟", task_id=91).action == "update_task"
    # a polite request whose date only the model could read (Arabizi) is no question about the task
    polite = "mmkn t2akhar task 53 l yom el arba3a?"
    asked = decide("update_task", polite, task_id=53, due_date="يوم الاربعاء")
    assert asked.action == "update_task"


@pytest.mark.parametrize(
    ("text", "action"),
    [("سكّر مهمة 91", "complete_task"), ("احذف مهمة 5", "delete_task"), ("reopen task 12", "reopen_task")],
)
def test_a_single_task_verb_is_no_new_task(text: str, action: str) -> None:
    decision = decide("create_task", text, title="91")
    assert decision.action == action


@pytest.mark.parametrize(
    "text",
    ["أضف مهمة جديدة: سكّر الحساب رقم 5", "new task: close ticket #91", "close task 91 and delete task 92"],
)
def test_a_new_task_or_two_verbs_stay(text: str) -> None:
    assert decide("create_task", text, title="x").action == "create_task"


def test_what_did_i_finish_is_the_done_list() -> None:
    decision = decide("get_task", "شو المهام اللي خلّصتها لهلأ؟")
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "status": "done"})
    assert decide("answer", "شو المهام اللي خلّصتها لهلأ؟").action == "list_tasks"
    # no task word: a question for the knowledge base ("what does done mean?")
    assert decide("answer", "شو يعني خلصت؟").action == "answer"


def test_what_do_i_have_on_a_day() -> None:
    assert asks_what_is_due("عندي إيه يوم الأربع؟")
    assert asks_what_is_due("شو عندي بكرة؟")
    assert not asks_what_is_due("عندي إيه؟")  # no day
    assert decide("answer", "عندي إيه يوم الأربع؟").action == "list_tasks"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("قديش أولوية مهمة المولد؟", True),
        ("مين ماسك تاسك الفواتير؟", True),
        ("who's assigned to the catering task?", True),
        ("متى موعد تقرير الجودة", True),  # a status word, asked or not
        ("خلي أولوية مهمة المولد عالية", False),  # a change, not a question
    ],
)
def test_what_a_task_shows_asked(text: str, asks: bool) -> None:
    assert asks_what_a_task_shows(text) is asks


@pytest.mark.parametrize(
    "text",
    ["شو المهام اللي خلّصتها لهلأ؟", "للحين وش باقي علي؟", "what have I finished so far?", "لحد دلوقتي"],
)
def test_up_to_now_filters_nothing(text: str) -> None:
    assert says_only_now(text)
    decision = decide("list_tasks", text, scope="mine", due_before="2026-12-13")
    assert decision.args.get("due_before") is None
