"""Readings found by the events suite's first contact (evals/suites/events.yaml), each written out for
every dialect group rather than from its messages."""

from __future__ import annotations

import pytest

from tests.tools.test_task_corrections import decide
from tools.naming import best, in_arabizi, words
from tools.packs.tasks.cues import asks_if_done, asks_quantity, says_undo
from tools.packs.tasks.naming import NAMING
from tools.registry import ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "تراجع عن اللي فات ورجّع الميعاد زي ما كان، العميل لسه ما ردش",  # Egyptian, two undos as one
        "تراجع عن التعديل السابق",  # MSA
        "الغي التحويل ده وخليها عندي",  # Egyptian: undo a hand-over, keep it mine
        "la2 msh 3ayez keda, elghy el ta7weel da w 5allih 3andy",  # Arabizi
        "raje3 el ta3deel hayda",  # Levantine Arabizi
        "undo that and put the date back the way it was",
    ],
)
def test_an_undo_said_twice_over_or_in_arabizi_is_an_undo(text: str) -> None:
    assert decide("update_task", text, follow_ref=9, task_id="9").action == "undo_last"


@pytest.mark.parametrize(
    "text",
    [
        "don't undo that and keep it with me",
        "الغي التحويل ده وحطها لسارة",  # a second change, not an undo alone
        "elghy el ta7weel da w 5allih 3and sara",
        "cancel this task and keep it with me",  # a task is no change
    ],
)
def test_an_undo_with_more_or_negated_is_not_an_undo(text: str) -> None:
    assert not says_undo(text)


@pytest.mark.parametrize(
    "text",
    [
        "if a client cancels two weeks before, how much of the deposit do we keep?",
        "كم يوم إجازة للموظف الجديد؟",  # MSA / Gulf
        "قديش بدل السفر للمنسقين؟",  # Levantine
        "هو العربون بيرجع كام في المية لو العميل لغى؟",  # Egyptian
        "2addesh el 3arboun elli byerja3?",  # Arabizi
    ],
)
def test_a_how_much_question_read_as_a_change_is_answered(text: str) -> None:
    assert asks_quantity(text)
    for action, args in (
        ("update_task", {"task_id": "1", "priority": "low"}),
        ("delete_task", {"task_id": "1"}),
    ):
        assert decide(action, text, **args).action == ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "can you tell me how long the florist one takes and push it to Thursday?",  # a request, a date
        "how many days left on task 5?",  # a task number
        "ممكن تخلي أولوية مهمة الورد عالية؟ كم يوم باقي؟",  # a priority said
    ],
)
def test_a_how_much_question_that_asks_for_a_change_stays_one(text: str) -> None:
    assert decide("update_task", text, task_id="5", priority="high").action == "update_task"


@pytest.mark.parametrize(
    "text",
    [
        "tajrubat menu el 7alawiyat ma3 el chef, 5ala9at walla lil7een?",  # Levantine / Gulf Arabizi
        "tajrubet el menu 5ilset wala lessa?",  # Egyptian Arabizi
        "تجربة المنيو خلصت ولا للحين؟",  # Gulf
    ],
)
def test_a_done_or_not_question_in_each_spelling_is_asked(text: str) -> None:
    assert asks_if_done(text)


def test_an_arabizi_title_meets_an_arabic_one_ending_in_taa_marbuta() -> None:
    items = [
        {"id": 1, "title": "تجربة منيو الحلويات مع الشيف"},
        {"id": 2, "title": "تجربة الصوت في القاعة"},
        {"id": 3, "title": "حجز الشيف للعشاء"},
    ]
    phrase = "tajrubat menu el 7alawiyat ma3 el chef, 5ala9at walla lil7een?"
    query = NAMING.query(phrase)
    assert "3" not in query and "lil7een" not in query  # "ma3" is a word, "till now" no title's
    assert [i["id"] for i in best(query, items, naming=NAMING, arabizi=in_arabizi(words(phrase)))] == [1]
    assert words("Q3 report, ma3 el team") == ["q", "3", "report", "ma3", "el", "team"]
