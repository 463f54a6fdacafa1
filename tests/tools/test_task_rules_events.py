"""Readings found by the events suite's first contact (evals/suites/events.yaml), each written out for
every dialect group rather than from its messages."""

from __future__ import annotations

import pytest

from tests.tools.test_task_corrections import decide
from tools.naming import best, in_arabizi, words
from tools.packs.tasks.cues import (
    asks_if_done,
    asks_quantity,
    holder_or_doer,
    person_target,
    says_hand_over,
    says_rename,
    says_undo,
)
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


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("hang on, make that Amr rather than Charbel, Charbel has enough on his plate", "Amr"),
        ("make that Amr instead of Charbel", "Amr"),
        ("لا، عمرو بدل شربل، شربل مضغوط", "عمرو"),  # Egyptian / Levantine
        ("la2 5alliha amr badal charbel", "amr"),  # Arabizi
    ],
)
def test_a_person_said_instead_of_another_after_a_hand_over_takes_it(text: str, person: str) -> None:
    decided = decide("update_task", text, follow_ref=932, task_id="932")
    assert decided.action == "assign_task" and decided.args["assignee"] == person


def test_a_date_said_instead_of_another_is_no_person() -> None:
    decided = decide("update_task", "move it to Thursday rather than Friday", follow_ref=9, task_id="9")
    assert decided.action == "update_task"


@pytest.mark.parametrize(
    "text",
    [
        "يُرجى إغلاق المهمتين 911 و912 بعد أن وقّعت الفرقة العقد",  # MSA, the verbal noun
        "close 4 and 5, both signed off",
        "سكّر ٤ و٥ خلصوا",  # Levantine / Gulf
        "5alast 4 w 5",  # Arabizi
    ],
)
def test_several_numbered_tasks_finished_are_one_bulk_completion(text: str) -> None:
    for action, args in (
        ("complete_task", {"task_id": "4"}),
        ("update_task", {"task_id": "4", "due_date": "x"}),
    ):
        decided = decide(action, text, **args)
        assert decided.action == "complete_tasks", (action, decided)


@pytest.mark.parametrize(
    "text", ["finished 4, moving 5 to friday", "done with 4, give 5 to sara", "is 4 or 5 done?"]
)
def test_a_completion_with_another_change_or_a_question_is_not_a_bulk_one(text: str) -> None:
    assert decide("complete_task", text, task_id="4").action != "complete_tasks"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("مولد الكهرباء الاحتياطي، حطه باسم عبدالعزيز، عنده رقم المورد", "عبدالعزيز"),  # Gulf
        ("مهمة الفواتير خليها على اسم سارة", "سارة"),
        ("سجّلها باسم منى لو سمحت", "منى"),  # MSA / Levantine
        ("el fawateer 7otaha b esm rami", "rami"),  # Arabizi
        ("the visa one, put it under Omar's name", "Omar"),
    ],
)
def test_a_task_put_in_someones_name_is_theirs(text: str, person: str) -> None:
    assert holder_or_doer(text) == person and person_target(text) == person
    assert says_hand_over(text)


def test_a_name_of_a_thing_is_no_persons_name() -> None:
    assert holder_or_doer("اكتب اسم المورد في الوصف") is None
    assert holder_or_doer("حطه على اسم المورد") is None  # "the supplier": a noun, not a person


@pytest.mark.parametrize(
    ("text", "rename"),
    [
        ("let her own the name badges order", False),  # a noun the name qualifies
        ("fix the name tags for the gala", False),
        ("change the name to Budget review", True),
        ("the name is wrong, make it Budget review", True),
        ("its name should be Budget review", True),
    ],
)
def test_the_name_of_a_task_is_a_rename_a_name_badge_is_not(text: str, rename: bool) -> None:
    assert says_rename(text) is rename


@pytest.mark.parametrize(
    ("text", "action", "args"),
    [
        # a create naming one task's number and moving its date
        (
            "صباح الخير، مهمة ١٠١٤ أجلها للأحد الله يعافيك، المستأجر مسافر",
            "create_task",
            {"assignee": "مستأجر"},
        ),
        ("fik t2ajjel el 1028 la yom el 5amis w t7otta priority 3alye?", "create_task", {"due_date": "1028"}),
        ("أجّل 1028 للخميس", "create_task", {"title": "x"}),
        ("push 14 to Monday", "create_task", {"title": "x"}),
    ],
)
def test_a_new_task_that_moves_a_numbered_ones_date_is_that_change(
    text: str, action: str, args: dict
) -> None:
    decided = decide(action, text, **args)
    assert decided.action == "update_task" and decided.args["task_id"] in ("1014", "1028", "14")
    assert decided.args.get("assignee") is None and decided.args["due_date"] != "1028"


def test_a_reminder_that_pushes_a_count_is_a_new_task() -> None:
    text = "remind me to push 3 boxes to the warehouse tomorrow"
    assert decide("create_task", text, title="push 3 boxes to the warehouse").action == "create_task"


@pytest.mark.parametrize(
    "text",
    [
        "لأ خلاص رجّعها لميعادها القديم، المدير رفض التأجيل",  # Egyptian
        "لا خلص رجّعها متل ما كانت عندي، المستأجر بدو يحكي معي",  # Levantine
        "rag3ha le ma3adha el adeem",  # Arabizi
        "put it back to its old date",
    ],
)
def test_back_to_its_old_date_or_as_it_was_with_me_is_an_undo(text: str) -> None:
    assert decide("complete_task", text, follow_ref=9, task_id="9").action == "undo_last"


@pytest.mark.parametrize(
    ("text", "routed", "args", "action"),
    [
        ("شو عندي لبكرا؟ بدي رتّب مشاويري", "get_task", {"task_id": "21"}, "list_tasks"),  # a reason after
        ("هو أنا ورايا إيه يوم الأربع؟", "get_task", {"task_id": "4"}, "list_tasks"),  # Egyptian "ورايا"
        ("pull up 1003 for me? landlord's on the phone", "update_task", {"task_id": "1003"}, "get_task"),
        ("وريني مهمة 1003", "update_task", {"task_id": "1003"}, "get_task"),
        ("policy question: when a tenant renews for another year, how much do we charge?", "create_task",
         {"title": "x"}, ANSWER),  # "another year" asks for nothing new
    ],
)  # fmt: skip
def test_questions_and_requests_to_see_read_as_changes(
    text: str, routed: str, args: dict, action: str
) -> None:
    assert decide(routed, text, **args).action == action


def test_what_is_overdue_and_not_done_is_the_overdue_list() -> None:
    decided = decide(
        "list_tasks", "أبي أشوف كل مهام الفريق اللي عدّى موعدها وما خلصت", scope="team", status="done"
    )
    assert decided.args.get("overdue") is True and decided.args.get("status") != "done"


def test_wait_is_nobody_and_a_rename_with_a_hand_over_does_both() -> None:
    waited = decide(
        "update_task", "لا استنى مش الأحد، خليه الخميس، المالك مسافر", follow_ref=20, task_id="20"
    )
    assert waited.action == "update_task"
    text = "مهمة رسوم البلدية غيّر اسمها لـ سداد رسوم البلدية وتجديد التصريح، وخلها على ربى"
    renamed = decide("update_task", text, task_id="33", title="سداد رسوم البلدية وتجديد التصريح")
    assert [d.args.get("assignee") for d in renamed.more] == ["ربى"]


def test_a_wrong_number_read_as_a_question_still_moves_the_change() -> None:
    text = "لا لا ثانية، الرقم غلط، اللي عايزة أأجله 1034 مش 1039، سيب 1039 على ميعادها"
    decided = decide("update_task", text, follow_ref=1039, task_id="1039", due_date="الميعادها")
    assert decided.action == "undo_last" and [d.args["task_id"] for d in decided.more] == [1034]


def test_a_person_copied_with_the_word_that_denies_them_gives_way_to_the_one_meant() -> None:
    text = "لحظة لحظة، مو حازم، عطها جواهر، هي تعرف المستأجر زين"
    assert decide("assign_task", text, assignee="مو حازم").args["assignee"] == "جواهر"
    assert (
        decide("assign_task", "give 5 to Mohammed", task_id="5", assignee="Mohammed").args["assignee"]
        == "Mohammed"
    )
