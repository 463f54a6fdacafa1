"""Session 16's readings, written from each dialect group's words (the depot dev suite): "show me what
I finished", what one must hand in on a day, the tasks someone holds in Arabizi, and what a person has
finished."""

from __future__ import annotations

import pytest

from base.text.priority import normalize_priority
from tests.tools.test_task_corrections import TOOLS, decide
from tools.decision import Decision
from tools.packs.tasks.cues import (
    SPEAKER,
    asks_for_a_list,
    asks_if_done,
    asks_what_a_task_shows,
    asks_what_is_due,
    asks_what_status,
    holder_or_doer,
    listed_priority,
    says_done_by_mistake,
    says_not_done,
    says_unassign,
    whose_tasks,
)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("وريني إيه اللي خلصته", "done"),  # Egyptian, no question mark
        ("show me what I've finished", "done"),
        ("اعرض ماذا أنجزت", "done"),
        ("فرجيني شو لازم خلّص", "open"),
    ],
)
def test_a_request_to_see_what_asks_like_a_question(text: str, status: str) -> None:
    assert asks_what_status(text) == status
    decision = decide("complete_task", text)
    assert (decision.action, decision.args.get("status")) == ("list_tasks", status)


@pytest.mark.parametrize("text", ["show me the report", "وريني المهمة 5", "خلصت، وريني"])
def test_showing_without_what_is_no_such_question(text: str) -> None:
    assert asks_what_status(text) is None


@pytest.mark.parametrize(
    "text", ["شو لازم أسلّم بكرا؟", "what must I finish tomorrow?", "وش لازم اخلص اليوم؟"]
)
def test_what_one_must_do_on_a_day_is_due(text: str) -> None:
    assert asks_what_is_due(text)
    assert decide("answer", text).action == "list_tasks"


def test_what_must_be_done_without_a_day_is_not_due() -> None:
    assert not asks_what_is_due("شو لازم أعمل؟")


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("eh el tasks elly 3and rami delwa2ty?", "rami"),
        ("shu el mahamat elli 3ala huda", "huda"),
        ("what has Dan finished so far?", "Dan"),
        ("what did Sara complete?", "Sara"),
        ("شو خلّص رامي؟", "رامي"),
        ("ايش أنجزت نور هالأسبوع", "نور"),
    ],
)
def test_whose_tasks_in_arabizi_and_what_a_person_finished(text: str, person: str) -> None:
    assert whose_tasks(text) == person


@pytest.mark.parametrize(
    "text", ["what has the team finished?", "شو خلّص الفريق؟", "eh el tasks elly 3and el team"]
)
def test_no_person_in_what_the_team_finished(text: str) -> None:
    assert whose_tasks(text) is None


def test_what_a_person_finished_is_their_done_list() -> None:
    decision = decide("complete_task", "what has Dan finished so far?")
    assert decision.action == "list_tasks"
    assert decision.args == {"scope": "team", "assignee": "Dan", "status": "done"}
    late = decide("list_tasks", "show me Dan's overdue tasks", scope="mine")
    assert late.args.get("overdue") is True and late.args.get("status") is None


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("لأ استني، لهدى مش رامي", "هدى"),  # Egyptian
        ("لا لا، عند خالد مو سعيد", "خالد"),  # Gulf
        ("no wait, to Huda not Rami", "Huda"),
        ("la2 l huda mish rami", "huda"),
    ],
)
def test_who_receives_it_instead_of_the_one_just_named(text: str, person: str) -> None:
    decision = decide("complete_task", text, follow_ref=308, task_id=308)
    assert (decision.action, decision.args) == ("assign_task", {"task_id": 308, "assignee": person})
    assert decide("answer", text, follow_ref=308).args == {"task_id": 308, "assignee": person}


@pytest.mark.parametrize("text", ["لا، للجمعة مش الخميس", "to friday not thursday", "لأ، لعالية مش واطية"])
def test_a_date_or_priority_instead_is_no_person(text: str) -> None:
    assert decide("answer", text, follow_ref=308).action != "assign_task"


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("la2 2asde wa6ye", "low"),
        ("5alliha 3adye", "normal"),
        ("7otha mista3jel", "high"),
        ("wasat", "normal"),
    ],
)
def test_arabizi_priorities(text: str, priority: str) -> None:
    assert normalize_priority(text) == priority


def test_a_correction_to_a_priority_is_no_completion() -> None:
    decision = decide("complete_task", "la2 2asde wa6ye", follow_ref=311, task_id=311)
    assert (decision.action, decision.args) == ("update_task", {"task_id": 311, "priority": "low"})


@pytest.mark.parametrize("text", ["أزل التكليف عن المهمة 313", "الغي تعيين المهمة 313", "فك الإسناد عن 313"])
def test_msa_unassign(text: str) -> None:
    assert says_unassign(text)
    assert decide("complete_task", text, task_id=313).action == "unassign_task"


@pytest.mark.parametrize("text", ["سأتولى أنا مهمة تركيب الرفوف", "سوف أتابع مهمة الفواتير"])
def test_msa_first_person_future_takes_the_task(text: str) -> None:
    assert holder_or_doer(text) == SPEAKER
    decision = decide("create_task", text, title="تركيب الرفوف")
    assert (decision.action, decision.args["assignee"]) == ("assign_task", SPEAKER)


def test_a_future_verb_of_doing_something_else_takes_nothing() -> None:
    assert holder_or_doer("سأرسل التقرير غدا") is None


def test_a_hand_over_read_as_an_unsaid_priority_hands_over() -> None:
    decision = decide("update_task", "حوّلي تاسك ترتيب الرفوف لهدى", task_id="ترتيب الرفوف", priority="normal")
    assert (decision.action, decision.args["assignee"]) == ("assign_task", "هدى")
    said = decide("update_task", "خلي مهمة 5 أولويتها عادية", task_id=5, priority="normal")
    assert said.action == "update_task"


def test_a_note_after_a_colon_is_kept_as_written() -> None:
    message = "حط ملاحظة على مهمة 312: الأسعار الجديدة بتبلش أول الشهر"
    copied = Decision(action="add_comment", args={"task_id": 312, "text": "أسعار الجديدة بتبلش أول الشهر"})
    assert TOOLS.correct(copied, message).args["text"] == "الأسعار الجديدة بتبلش أول الشهر"
    note = "the client called, ask for the invoice"
    elsewhere = Decision(action="add_comment", args={"task_id": 5, "text": note})
    kept = TOOLS.correct(elsewhere, "note on 5 that the client called: ask for the invoice")
    assert kept.args["text"] == note


@pytest.mark.parametrize(
    ("text", "action", "task_id"),
    [
        ("is task 5 done?", "get_task", 5),
        ("has 318 been completed?", "get_task", 318),
        ("هل انتهت المهمة ٥؟", "get_task", 5),
        ("is it done yet?", "get_task", 7),  # the task just acted on
        ("is the delivery routes update finished?", "answer", None),  # shown by its title
        ("هو التاسك بتاع الكراتين خلص؟", "answer", None),  # Egyptian
        ("مهمة الكراتين خلصت ولا لسا؟", "answer", None),  # Levantine
        ("el kratin 5elset walla lessa?", "answer", None),  # Arabizi
    ],
)
def test_asking_whether_a_task_is_done_changes_nothing(text: str, action: str, task_id: int | None) -> None:
    assert asks_if_done(text)
    decision = decide("complete_task", text, follow_ref=7, task_id=7)
    assert (decision.action, decision.args.get("task_id")) == (action, task_id)


@pytest.mark.parametrize("text", ["can you mark 5 done?", "خلصت مهمة 5", "5 is done", "done with the report"])
def test_saying_or_asking_for_done_is_no_such_question(text: str) -> None:
    assert not asks_if_done(text)
    assert decide("complete_task", text, task_id=5).action == "complete_task"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("what are my urgent tasks?", "high"),
        ("وريني المهام ذات الأولوية العالية", "high"),  # the level with its article
        ("شو المهام المستعجلة عندي؟", "high"),
        ("eh el tasks el mista3jela?", "high"),
        ("show me the low priority tasks", "low"),
        ("المهام قليلة الأولوية", "low"),
    ],
)
def test_a_list_of_one_priority(text: str, level: str) -> None:
    assert listed_priority(text) == level
    assert decide("list_tasks", text, scope="mine").args["priority"] == level
    assert decide("answer", text).action == "list_tasks"


@pytest.mark.parametrize(
    "text", ["list my tasks for later", "show my tasks", "what's the priority of task 5?"]
)
def test_no_list_of_one_priority(text: str) -> None:
    assert "priority" not in decide("list_tasks", text, scope="mine").args


@pytest.mark.parametrize(
    "text",
    [
        "I closed 12 by mistake",
        "mark 12 as not done",
        "12 is not done yet, open it",
        "put 12 back to open",
        "12 needs more work, un-complete it",
        "سكرت مهمة 12 بالغلط",  # Gulf
        "التاسك 12 اتقفل بالغلط",  # Egyptian, the task itself closed
        "مهمة 12 لسه مخلصتش",  # glued negation
        "المهمة 12 ما خلصت، رجعها",  # Levantine
        "رجّع 12 للمهام المفتوحة",
        "فك إنجاز المهمة 12",
        "ana 2afalt task 12 bel ghalat",  # Arabizi
    ],
)
def test_a_completion_taken_back_reopens(text: str) -> None:
    decision = decide("complete_task", text, task_id=12)
    assert (decision.action, decision.args) == ("reopen_task", {"task_id": 12})


@pytest.mark.parametrize(
    "text",
    [
        "done with 12",
        "خلصت مهمة 12",
        "finished 12, the wrong report was attached by mistake so I redid it",  # another clause's mistake
        "I marked 12 done by mistake, I meant 13",  # the wrong task: `_wrong_task`
    ],
)
def test_a_completion_not_taken_back_stays(text: str) -> None:
    assert decide("complete_task", text, task_id=12).action == "complete_task"


@pytest.mark.parametrize("text", ["is 12 not done yet?", "لسه ما خلصتش المهمة 12؟"])
def test_asking_whether_it_is_still_not_done_shows_it(text: str) -> None:
    assert decide("complete_task", text, task_id=12).action == "get_task"


def test_asking_which_tasks_are_not_done_is_a_list() -> None:
    assert not asks_if_done("شو المهام يلي لسا ما خلصت؟")
    assert says_not_done("المهمة 12 ما خلصت") and not says_not_done("خلصت المهمة 12 وما خلصت 13")
    assert says_done_by_mistake("I closed 12 by mistake") and not says_done_by_mistake(
        "closed 12. by mistake"
    )


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Sara will take over 12", "Sara"),
        ("can Omar look after task 12?", "Omar"),
        ("12 goes to Lina from now on", "Lina"),
        ("put Omar on 12", "Omar"),
        ("move 12 to Sara's plate", "Sara"),
        ("خلي سارة تشتغل على المهمة 12", "سارة"),
        ("كلّف عمر بالمهمة 12", "عمر"),  # MSA
        ("عمر يتولى المهمة 12", "عمر"),
        ("5alli sara tmsk task 12", "sara"),  # Arabizi
        ("I will take over 12", SPEAKER),
        ("let me pick up 12", SPEAKER),
    ],
)
def test_hand_overs_said_by_who_takes_the_task(text: str, person: str) -> None:
    decision = decide("update_task", text, task_id=12)
    assert (decision.action, decision.args) == ("assign_task", {"task_id": 12, "assignee": person})


@pytest.mark.parametrize("text", ["can you take over 12?", "put it on 12", "هي تتابع المهمة 12 كل يوم"])
def test_no_one_named_takes_nothing(text: str) -> None:
    assert decide("update_task", text, task_id=12).action != "assign_task"


@pytest.mark.parametrize(
    "text",
    [
        "any notes on the security contract?",
        "في ملاحظات على مهمة الحراسة؟",
        "who created the customs broker task?",
        "is anyone on the loading dock light?",
        "how many days until the customs call?",
        "any update on the boxes order?",
        "mnu 3indah task el shi7na?",  # who, in Arabizi, as the questions in Arabic script and English
        "mino masek el task bta3 el 7arasa?",
    ],
)
def test_what_the_detail_view_shows_is_asked(text: str) -> None:
    assert asks_what_a_task_shows(text)


def test_other_questions_ask_no_detail() -> None:
    assert not asks_what_a_task_shows("what are the office hours?")


@pytest.mark.parametrize(
    "text", ["is the delivery routes update finished?", "مهمة ترتيب المكتبة خلصت ولا لسا؟"]
)
def test_whether_a_task_is_done_is_what_it_shows(text: str) -> None:
    assert asks_what_a_task_shows(text)  # the agent shows the task its title names (`shown_by_title`)


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("what's on my plate this week?", "mine"),
        ("anything I'm late on?", "mine"),
        ("list everything assigned to me", "mine"),
        ("my to-do list please", "mine"),
        ("اعرضلي مهامي", "mine"),
        ("وش عندي شغل؟", "mine"),  # Gulf
        ("ايش المهام اللي علي هالأسبوع؟", "mine"),  # "اللي علي": on me, not Ali
        ("mahamati", "mine"),
        ("fi shi 3alayi?", "mine"),  # Arabizi
        ("show me what the team is doing", "team"),
        ("وش مهام الفريق؟", "team"),
    ],
)
def test_a_list_asked_for_in_words(text: str, scope: str) -> None:
    assert asks_for_a_list(text) == scope
    for action in ("answer", "create_task"):
        decision = decide(action, text)
        assert (decision.action, decision.args["scope"]) == ("list_tasks", scope)


@pytest.mark.parametrize(
    "text",
    [
        "can I delete other people's tasks?",
        "who can see my tasks?",
        "how do I list my tasks?",
        "show me the late fee policy",
        "ليش المهام متأخرة؟",
        "add milk to my list",
        "what are tasks in hudhud?",
        "How many hours a week are my staff allowed to work under the labour law?",
        "what work do my staff do on Fridays?",
    ],
)
def test_no_list_asked_for(text: str) -> None:
    assert asks_for_a_list(text) is None
    assert decide("answer", text).action == "answer"


@pytest.mark.parametrize(
    ("text", "priority"),
    [("la2 2asde wa6ye", "low"), ("لا قصدي منخفضة", "low"), ("no wait, make it urgent", "high")],
)
def test_an_update_that_changes_nothing_takes_the_priority_said(text: str, priority: str) -> None:
    fired: list[str] = []
    decision = Decision(action="update_task", args={"task_id": "311"})
    out = TOOLS.correct(decision, text, follow_ref=311, fired=fired)
    assert out.args == {"task_id": "311", "priority": priority} and fired == ["tasks.priority_said"]


def test_an_update_with_a_field_keeps_it_without_a_priority() -> None:
    decision = Decision(action="update_task", args={"task_id": "12", "title": "urgent shipment list"})
    out = TOOLS.correct(decision, "rename 12 to urgent shipment list", follow_ref=None, fired=[])
    assert out.args == decision.args


@pytest.mark.parametrize(
    ("action", "args", "text"),
    [
        ("complete_task", {"task_id": "3"}, "3tni el maham elli 3alay"),  # the 3 of "3tni" taken for a task
        ("complete_task", {"task_id": "2"}, "2olli el tasks elli 3alaya"),
        ("answer", {}, "3ayez ashoof el maham beta3ti"),
        ("answer", {}, "el maham beta3ti eh?"),
    ],
)
def test_an_arabizi_request_to_see_ones_tasks_is_that_list(action: str, args: dict, text: str) -> None:
    out = TOOLS.correct(Decision(action=action, args=args), text, follow_ref=None, fired=[])
    assert (out.action, out.args.get("scope")) == ("list_tasks", "mine")


@pytest.mark.parametrize(
    ("action", "args", "text"),
    [
        ("delete_task", {}, "ems7 el tasks beta3ti kolaha"),  # says delete: asks which, never a list
        ("complete_task", {"task_id": "3"}, "5alast el task 3"),
        ("answer", {}, "when's our next MOH inspection? want to get the team ready"),
        ("answer", {}, "متى موعد تفتيش الفريق؟"),
    ],
)
def test_other_messages_are_no_list(action: str, args: dict, text: str) -> None:
    out = TOOLS.correct(Decision(action=action, args=args), text, follow_ref=None, fired=[])
    assert out.action == action


def test_the_late_words_copied_as_a_date_are_no_date() -> None:
    decision = Decision(action="list_tasks", args={"scope": "mine", "due_before": "shay mit2akhar"})
    out = TOOLS.correct(decision, "3indi shay mit2akhar?", follow_ref=None, fired=[])
    assert out.args["overdue"] is True and out.args.get("due_before") is None
    dated = Decision(action="list_tasks", args={"scope": "mine", "due_before": "Thursday"})
    kept = TOOLS.correct(dated, "anything overdue or due by Thursday?", follow_ref=None, fired=[])
    assert kept.args.get("due_before") == "Thursday"


# Session 17, found on pharmacy.yaml and written out for each dialect group.
@pytest.mark.parametrize(
    ("action", "args", "text", "ref", "want"),
    [
        ("complete_task", {"task_id": "427"}, "لا مو وائل، قصدي رشا", 427, ("assign_task", "رشا")),
        ("complete_task", {"task_id": "9"}, "not Wael, I meant Rasha", 9, ("assign_task", "Rasha")),
        ("complete_task", {"task_id": "9"}, "mesh wael, 2asdi rasha", 9, ("assign_task", "rasha")),
        ("assign_task", {"task_id": "421", "assignee": "رح"}, "وائل رح يستلم مهمة 421 بدالي", None,
         ("assign_task", "وائل")),
        ("get_task", {"task_id": "427"}, "عط مهمة 427 لوائل", None, ("assign_task", "وائل")),
        ("get_task", {"task_id": "8"}, "pass 8 to Omar", None, ("assign_task", "Omar")),
        ("get_task", {"task_id": "427"}, "who is 427 assigned to?", None, ("get_task", None)),
    ],
)  # fmt: skip
def test_who_takes_the_task_in_other_words(
    action: str, args: dict, text: str, ref: int | None, want: tuple[str, str | None]
) -> None:
    out = TOOLS.correct(Decision(action=action, args=args), text, follow_ref=ref, fired=[])
    assert (out.action, out.args.get("assignee")) == want


def test_a_title_copied_with_its_doer_names_the_task_without_them() -> None:
    decision = Decision(action="create_task", args={"title": "خال سعاد تمسك حجز صيانة مكيف الفرع"})
    out = TOOLS.correct(decision, "خلّ سعاد تمسك حجز صيانة مكيف الفرع", follow_ref=None, fired=[])
    assert (out.action, out.args) == ("assign_task", {"task_id": "حجز صيانة مكيف الفرع", "assignee": "سعاد"})


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("wait, wrong one - it's 402 I finished, not 426", 402),
        ("غلطت، ١٥ مو ١٤", 15),
        ("sorry ghalat, 7 mish 6", 7),
    ],
)
def test_owning_up_to_the_wrong_number_redoes_it_on_the_one_meant(text: str, meant: int) -> None:
    denied = {402: 426, 15: 14, 7: 6}[meant]
    decision = Decision(action="complete_task", args={"task_id": str(meant)})
    out = TOOLS.correct(decision, text, follow_ref=denied, fired=[])
    assert out.action == "undo_last" and int(out.more[0].args["task_id"]) == meant


def test_not_now_names_nobody() -> None:
    from tools.packs.tasks.cues import holder_or_doer

    assert holder_or_doer("not now please") is None and holder_or_doer("not now, please") is None


@pytest.mark.parametrize(
    ("action", "args", "text", "want"),
    [
        ("complete_task", {"task_id": "14"}, "شيلي تاسك رفوف المكملات خالص", "delete_task"),
        ("get_task", {"task_id": "429"}, "momken tems7y task 429? el taqreer da 5eles", "delete_task"),
        ("complete_task", {"task_id": "5"}, "خلصت المهمة 5 وشيلتها من اللوحة", "complete_task"),  # says done
        ("create_task", {"title": "New schedule", "priority": "high"},
         "the drivers need their new schedule first thing, so make 404 high priority", "update_task"),
        ("create_task", {"title": "x", "priority": "high"}, "set 12 to urgent please", "update_task"),
        ("create_task", {"title": "make 5 copies", "priority": "high"},
         "I need a task: make 5 copies of the contract, urgent", "create_task"),
        ("get_task", {"task_id": "3"}, "wesh el mahaam elli 3alai bukra?", "list_tasks"),
    ],
)  # fmt: skip
def test_what_the_words_say_wins_over_the_tool_read(action: str, args: dict, text: str, want: str) -> None:
    assert TOOLS.correct(Decision(action=action, args=args), text, follow_ref=None, fired=[]).action == want


def test_an_egyptian_arabizi_done_question_is_asked() -> None:
    assert asks_if_done("mhemmet ta7deeth as3ar el adwye bel system, 5olset wala lessa?")


def test_words_copied_as_a_date_beside_a_priority_are_dropped() -> None:
    decision = Decision(
        action="update_task",
        args={"task_id": "412", "due_date": "el zabayen bydawaro 3al vitamins", "priority": "high"},
    )
    text = "task 412 5aleeha urgent law sama7t, el zabayen bydawaro 3al vitamins"
    out = TOOLS.correct(decision, text, follow_ref=None, fired=[])
    assert out.args.get("due_date") is None and out.args["priority"] == "high"
    dated = Decision(action="update_task", args={"task_id": "4", "due_date": "Sunday", "priority": "high"})
    assert (
        TOOLS.correct(dated, "make 4 urgent and due Sunday", follow_ref=None, fired=[]).args["due_date"]
        == "Sunday"
    )
    from tools.packs.tasks.corrections import _no_date_said

    alone = Decision(action="update_task", args={"task_id": "4", "due_date": "the audit"})
    assert _no_date_said(alone, TOOLS, "push 4 to after the audit", None) is alone  # no priority: asked
