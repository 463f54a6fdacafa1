"""Readings found by the bakery suite's first contact (evals/suites/bakery.yaml), each written out for
every dialect group rather than from its messages."""

from __future__ import annotations

import pytest

from tests.tools.test_task_corrections import decide
from tools.packs.tasks.cues import asks_for_late_only, asks_what_is_due, note_on_number, says_not_done
from tools.registry import ANSWER


@pytest.mark.parametrize(
    ("text", "task", "note"),
    [
        (
            "zawed mola7za 3al task 1116 en el 3amila gaya el sa3a 7",
            1116,
            "el 3amila gaya el sa3a 7",
        ),  # Arabizi
        ("ضيف ملاحظة على مهمة 312 إن المورد اتأخر", 312, "المورد اتأخر"),  # Egyptian
        ("حط تعليق عالتاسك ٥: الفرن اشتغل", 5, "الفرن اشتغل"),  # Levantine / Gulf
        ("add a note to 14 that the client called", 14, "the client called"),
    ],
)
def test_a_note_on_a_numbered_task_read_as_anything_else_is_that_note(
    text: str, task: int, note: str
) -> None:
    assert note_on_number(text) == (task, note)
    decided = decide("create_task", text, title="x", assignee="zawed")
    assert decided.action == "add_comment" and decided.args == {"task_id": str(task), "text": note}


def test_a_new_task_about_notes_stays_new() -> None:
    text = "add a task to write a note for 3 clients"
    assert decide("create_task", text, title="write a note for 3 clients").action == "create_task"


@pytest.mark.parametrize(
    "text",
    [
        "لأ، ألغي التأجيل ده ورجّع الميعاد القديم، الورشة لقت القطعة",  # Egyptian
        "لا، ارجع عن هالتغيير وخلّيها عندي أنا، صاحب القاعة ما بيتعامل غير معي",  # Levantine
        # a count in the reason
        "ah wait, undo that - the mill only sent 25 sacks, still waiting on the rest",
    ],
)
def test_undos_with_their_change_named_or_a_count_in_the_reason(text: str) -> None:
    assert decide("update_task", text, follow_ref=9, task_id="9").action == "undo_last"


def test_an_undo_with_a_task_number_after_it_is_more_than_an_undo() -> None:
    assert decide("update_task", "undo that, 12 too", follow_ref=9, task_id="9").action != "undo_last"


def test_wait_is_no_person_and_the_bots_name_no_word_of_a_question() -> None:
    text = "لا لحظة، مش بكرا، خليها السبت، القاعة محجوزة"
    assert decide("complete_task", text, follow_ref=34, task_id="34").args.get("assignee") is None
    assert asks_what_is_due("شو في عليّ مستحق بكرا يا هدهد؟")


@pytest.mark.parametrize(
    ("text", "routed", "args"),
    [("salam, abi a3rf wesh el maham elly 3adda waqtaha w ma 5allastaha", "complete_task", {"task_id": "3"}),
     ("وريني المهام اللي فات موعدها وما خلصتها", ANSWER, {})],
)  # fmt: skip
def test_overdue_and_not_done_yet_asks_for_the_overdue_list(text: str, routed: str, args: dict) -> None:
    assert asks_for_late_only(text) and says_not_done("w ma 5allastaha")
    assert decide(routed, text, **args).args == {"scope": "mine", "overdue": True}


def test_someone_wanted_to_take_a_task_from_me_takes_it() -> None:
    text = "بدي أميرة تستلم مني 1122، إيدها أخف مني بالمعمول"
    decided = decide("delete_task", text, task_id="1122")
    assert decided.action == "assign_task" and decided.args["assignee"] == "أميرة"
    assert decide("assign_task", "ابي اسوي تقرير المبيعات", assignee="اسوي").args["assignee"] is None


def test_an_arabizi_delete_after_a_verb_of_wanting_is_a_delete() -> None:
    assert (
        decide("update_task", "3ayez amsa7 el task 1138, el zeyara etlaghet", task_id="1138").action
        == "delete_task"
    )


def test_a_priority_the_words_never_say_beside_a_date_they_do_is_dropped() -> None:
    text = "تدريب الموظفين على الكرواسون خليه يوم السبت بدل الأربع"
    decided = decide("update_task", text, task_id="1", due_date="السبت", priority="normal")
    assert decided.args.get("priority") is None
    kept = decide(
        "update_task",
        "move 5 to Saturday and make it urgent",
        task_id="5",
        due_date="Saturday",
        priority="high",
    )
    assert kept.args["priority"] == "high"
