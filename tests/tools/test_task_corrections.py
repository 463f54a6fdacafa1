"""The router's known misreadings put right in code (the task pack's corrections, run by the registry),
against the shipped tool specs. Each rule fires only when the message's own words settle it; otherwise
the decision stands."""

from __future__ import annotations

from typing import Any

import pytest

from tools.decision import Decision
from tools.packs.tasks.cues import holder_or_doer, person_target, says_delete, says_done, says_hand_over
from tools.registry import ANSWER, ToolRegistry

TOOLS = ToolRegistry.shipped()


def decide(action: str, text: str, *, follow_ref: int | None = None, **args: Any) -> Decision:
    return TOOLS.correct(Decision(action=action, args=args), text, follow_ref=follow_ref)


def test_an_id_for_a_message_without_task_or_number_was_invented() -> None:
    assert decide("get_task", "what is the capital of France?", task_id=12).action == ANSWER
    assert decide("complete_task", "mark it done", follow_ref=12).action == "complete_task"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "hey so um can you uh make a task for me to send the revised quote to Al Marai by Sunday",
            "send the revised quote to Al Marai",
        ),
        ("أضف مهمة إرسال العرض إلى المراعي يوم الأحد", "إرسال العرض إلى المراعي"),
        ("ذكرني أبعت العرض للمراعي بكرة", "أبعت العرض للمراعي"),
    ],
)
def test_a_recipient_is_not_the_assignee(text: str, title: str) -> None:
    name = "Al Marai" if "Al Marai" in text else "المراعي"
    decision = decide("create_task", text, title=title.rsplit(" ", 2)[0], assignee=name)
    assert decision.action == "create_task"
    assert decision.args["assignee"] is None and decision.args["title"].endswith(title.split()[-1])


def test_a_recipient_already_in_the_title_is_not_repeated() -> None:
    text = "remind me to send the report to Sara tomorrow"
    decision = decide("create_task", text, title="send the report to Sara", assignee="Sara")
    assert decision.args == {"title": "send the report to Sara", "assignee": None}


@pytest.mark.parametrize(
    "text",
    [
        "add a task for Sara to review the contract",
        "assign the report to Omar",
        "send the invoice and assign it to Omar",
        "add a task to call the bank and give it to Omar",
    ],
)
def test_an_assignee_stays_the_assignee(text: str) -> None:
    name = "Sara" if "Sara" in text else "Omar"
    decision = decide("create_task", text, title="x", assignee=name)
    assert decision.args["assignee"] == name


def test_a_new_task_read_as_an_update_is_created() -> None:
    decision = decide(
        "update_task", "زيد مهمة نحضّر العرض التقديمي يوم السبت", title="نحضّر العرض", due_date="السبت"
    )
    assert decision.action == "create_task"
    assert decision.args == {"title": "نحضّر العرض", "due_date": "السبت"}


@pytest.mark.parametrize(
    ("text", "follow_ref", "args"),
    [
        ("add the due date friday to task 5", None, {"task_id": 5, "due_date": "friday"}),  # a number
        ("خليها يوم السبت", 7, {"title": "x"}),  # a follow-up on task 7
        ("change the task title to budget review", None, {"title": "budget review"}),  # no create verb
        ("add a deadline to the task", None, {}),  # nothing to create
    ],
)
def test_other_updates_stay_updates(text: str, follow_ref: int | None, args: dict[str, Any]) -> None:
    assert decide("update_task", text, follow_ref=follow_ref, **args).action == "update_task"


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("وريني التاسكات بتاعتي", "mine"),
        ("show me my tasks", "mine"),
        ("show my team's tasks", "team"),
        ("مهام فريقي", "team"),
        ("show me all tasks", "all"),
    ],
)
def test_my_tasks_are_mine(text: str, scope: str) -> None:
    given = "all" if scope == "all" else "team"
    assert decide("list_tasks", text, scope=given).args["scope"] == scope


@pytest.mark.parametrize(("text", "priority"), [("خلها عاجلة", "high"), ("make it low priority", "low")])
def test_a_priority_is_not_a_completion(text: str, priority: str) -> None:
    decision = decide("complete_task", text, follow_ref=4, task_id=4)
    assert decision.action == "update_task" and decision.args == {"task_id": 4, "priority": priority}


@pytest.mark.parametrize("text", ["mark 5 done, it was urgent", "5alast el task el mohem 5", "close task 5"])
def test_a_completion_stays_a_completion(text: str) -> None:
    assert decide("complete_task", text, task_id=5).action == "complete_task"


def test_a_reminder_in_days_is_a_new_task_not_task_3() -> None:
    text = "remind me to call the external auditors in 3 days"
    decision = decide(
        "update_task", text, task_id=3, title="call the external auditors", due_date="in 3 days"
    )
    assert decision.action == "create_task"
    assert decision.args == {"title": "call the external auditors", "due_date": "in 3 days"}


def test_a_garbled_arabizi_title_is_the_users_own_words() -> None:
    text = "zeed task jdeeda: ta2reer el mabee3at bokra"
    decision = decide("create_task", text, title="تخصيص المabee3ات", due_date="bokra")
    assert decision.args == {"title": "ta2reer el mabee3at", "due_date": "bokra"}
    # A clean title, or one the message does not show, is left as the model wrote it.
    assert decide("create_task", text, title="تقرير المبيعات").args["title"] == "تقرير المبيعات"
    assert decide("create_task", "zeed ta2reer", title="تقرirr").args["title"] == "تقرirr"


@pytest.mark.parametrize(
    ("action", "text"),
    [("get_task", "reopen 23"), ("update_task", "رجّعي المهمة ٢٣ مفتوحة، باقي فيها شغل")],
)
def test_reopen_in_words(action: str, text: str) -> None:
    decision = decide(action, text, task_id=23)
    assert decision.action == "reopen_task" and decision.args == {"task_id": 23}


@pytest.mark.parametrize(
    "text",
    [
        "task 23 isn't done after all",
        "23 is not finished anymore",
        "المهمة ٢٣ طلعت مش خالصة",
        "task 23 mesh 5alsa",
    ],
)
@pytest.mark.parametrize("action", ["complete_task", "update_task", "get_task"])
def test_a_completion_taken_back_is_a_reopen(text: str, action: str) -> None:
    """ "not done anymore" has "done" in it: a small model completes the task again."""
    decision = decide(action, text, task_id=23)
    assert decision.action == "reopen_task" and decision.args == {"task_id": 23}


def test_a_task_done_or_not_done_in_passing_is_no_reopen() -> None:
    assert decide("complete_task", "task 23 is done", task_id=23).action == "complete_task"
    assert decide("list_tasks", "which tasks aren't done?", status="open").action == "list_tasks"


@pytest.mark.parametrize(
    "text",
    [
        "show me everything the team hasn't finished yet",
        "my pending tasks",
        "what's still open for me?",
        "وش باقي علي من مهام؟",
        "المهام اللي ما خلصتها",
        "المهام غير المنجزة",
        "el tasks elli mesh 5alsa",
    ],
)
def test_unfinished_tasks_are_the_open_list(text: str) -> None:
    assert decide("list_tasks", text, status="done").args["status"] == "open"


@pytest.mark.parametrize("text", ["show my finished tasks", "المهام اللي خلصتها", "what did I complete?"])
def test_the_done_list_stays_done(text: str) -> None:
    assert decide("list_tasks", text, status="done").args["status"] == "done"


@pytest.mark.parametrize("text", ["what's on my plate?", "شنو المهام اللي علي؟", "eh elly 3alaya", "my list"])
def test_a_list_that_asks_no_status_is_the_open_list(text: str) -> None:
    assert decide("list_tasks", text, scope="mine").args["status"] == "open"


@pytest.mark.parametrize(
    ("text", "args"),
    [("what did I finish this week?", {"scope": "mine"}), ("اللي خلصتها", {"scope": "mine"}),
     ("what's late?", {"scope": "mine", "overdue": True})],
)  # fmt: skip
def test_a_done_or_overdue_list_gets_no_open_status(text: str, args: dict[str, object]) -> None:
    assert decide("list_tasks", text, **args).args.get("status") is None


def test_a_task_named_by_title_to_reopen_is_not_a_question() -> None:
    """ "reopen the printer one" names no number: the title names the task (tools/naming.py)."""
    decision = decide("reopen_task", "reopen the printer one please", task_id=None)
    assert decision.action == "reopen_task"


def test_an_update_that_changes_something_is_not_a_reopen() -> None:
    assert decide("update_task", "reopen task 23 and make it urgent", task_id=23, priority="high").action == (
        "update_task"
    )


@pytest.mark.parametrize("text", ["هل عندي مهام متأخرة؟", "ابغى اشوف المهام المتاخره حقتي"])
def test_asking_about_overdue_tasks_completes_nothing(text: str) -> None:
    decision = decide("complete_tasks", text, overdue=True)
    assert decision.action == "list_tasks" and decision.args == {"scope": "mine", "overdue": True}


@pytest.mark.parametrize("text", ["close all my overdue tasks", "أغلق المهام ٣ و٤ و٥", "sakker kol el tasks"])
def test_a_bulk_completion_stays_one(text: str) -> None:
    assert decide("complete_tasks", text, overdue=True).action == "complete_tasks"


# Undo (the `undo` correction): the undo tool is never offered to the model, so an undo request is
# whatever the router made of it — a reopen, an empty update, a question — and becomes `undo_last`.
UNDO_REQUESTS = [
    "undo", "Undo that.", "undo it please", "oops, undo", "revert", "revert that", "put it back",
    "put it back the way it was", "undo my last change",  # English
    "تراجع", "تراجع عن آخر تغيير", "ألغِ آخر تغيير", "تراجع لو سمحت", "أعدها كما كانت",  # MSA
    "رجّعها", "رجعها مثل ما كانت", "رجّعها شرات ما كانت",  # Gulf
    "رجعها زي ما كانت", "رجّعها زى الأول",  # Egyptian
    "رجّعها متل ما كانت", "رجعا متل ما كانت",  # Levantine
    "raje3ha", "rag3ha zay ma kanet", "undo pls",  # Arabizi
    # closing a message that owns up to a slip
    "wait no, I hit the wrong one, undo that", "my mistake, revert it", "غلطت، تراجع", "لا لا غلطت رجّعها",
    # opening it, the slip owned up to after; "la2" (no) is no number
    "oops, undo that, wrong one", "تراجع، غلطت فيها", "raje3ha, ghalat", "la2 khalas, undo",
    # more of each group's ways of saying it
    "take that back", "reverse that", "ألغِ التعديل", "كنسل التعديل", "بلاش التعديل ده", "لغي التعديل",
    "el8i el ta3deel",
    # a phrase whose "what you did" is a filler is read without it ("رجّع اللي سويته" is "رجّع اللي")
    "رجع اللي سويته", "الغ اللي عملته", "ارجع عن التغيير", "رجعلي ياها", "cancel what you just did",
    "rajje3ha zay ma kanet",
]  # fmt: skip


@pytest.mark.parametrize("text", UNDO_REQUESTS)
@pytest.mark.parametrize(
    ("action", "args"),
    [("reopen_task", {"task_id": None}), ("update_task", {"task_id": 4}), ("answer", {}), ("get_task", {})],
)
def test_an_undo_request_is_an_undo(text: str, action: str, args: dict[str, Any]) -> None:
    decision = decide(action, text, follow_ref=4, **args)
    assert (decision.action, decision.args) == ("undo_last", {})


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("undo task 7", "get_task"),  # names a task: undo reverts the last change, whichever task
        ("رجعها مفتوحة", "reopen_task"),  # "make it open again": a reopen
        ("رجّعي المهمة ٢٣ مفتوحة", "reopen_task"),
        ("put it back to Sara", "assign_task"),
        ("خليها زي ما هي", "answer"),  # "leave it as it is"
        ("don't undo that", "answer"),
        ("I said 7 not 8, undo that", "answer"),  # a number: not only an undo
        ("please don't revert it", "answer"),
        ("I marked a task done by mistake, can I undo it?", "answer"),  # a question about undo
        ("how to undo a change?", "answer"),
        ("revert the title to Budget", "update_task"),
        ("undo that and make it high", "update_task"),  # more than an undo: left to the model
        ("تراجع عن ذلك وخليها عاجلة", "update_task"),
    ],
)
def test_other_messages_are_no_undo(text: str, action: str) -> None:
    args = {"title": "Budget"} if action == "update_task" else {}
    assert decide(action, text, follow_ref=7, task_id=7, **args).action == action


def test_a_model_naming_undo_unasked_is_not_followed() -> None:
    assert decide("undo_last", "hello there").action == ANSWER
    assert decide("undo_last", "مرحبا").action == ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "my overdue tasks",
        "what's late on my plate?",
        "anything past its deadline?",
        "وريني مهامي المتأخرة",  # MSA
        "وش المهام اللي طاف وقتها؟",  # Gulf
        "التاسكات اللي عدى ميعادها",  # Egyptian
        "شو المهام اللي مرق وقتها",  # Levantine
        "warini el tasks el mit2a5ra",  # Arabizi
    ],
)
def test_an_overdue_list_is_not_the_done_list(text: str) -> None:
    decision = decide("list_tasks", text, scope="mine", status="done")
    assert decision.args["overdue"] is True and decision.args["status"] is None


@pytest.mark.parametrize(
    "text", ["show my done tasks", "مهامي المنجزة", "tasks due next week", "late tasks I finished"]
)
def test_a_list_that_says_nothing_overdue_or_says_done_stands(text: str) -> None:
    assert decide("list_tasks", text, status="done").args == {"status": "done"}


@pytest.mark.parametrize(
    ("text", "verb"),
    [("ابي اسوي تقرير المبيعات", "اسوي"), ("بدي خلص تقرير الشهر", "خلص"), ("3ayez a3mel report", "a3mel")],
)
def test_the_verb_after_a_verb_of_wanting_is_nobody(text: str, verb: str) -> None:
    decision = decide("create_task", text, title="x", assignee=verb)
    assert decision.args["assignee"] is None


def test_a_person_after_a_verb_of_wanting_stays() -> None:
    decision = decide("create_task", "ابي مهمة لسارة تراجع العقد", title="مراجعة العقد", assignee="سارة")
    assert decision.args["assignee"] == "سارة"


@pytest.mark.parametrize(
    ("text", "title", "person"),
    [
        ("أسندي مهمة تحديث موقع الشركة إلى خالد", "تحديث موقع الشركة", "خالد"),
        ("please hand the parking permits task to Omar", "parking permits", "Omar"),
        ("عطي مهمة الجرد لرامي", "الجرد", "رامي"),
    ],
)
def test_a_task_handed_over_by_title_is_no_new_task(text: str, title: str, person: str) -> None:
    """The router reads "assign <title> to <person>" as a new task for that person; the message opens
    with a hand-over verb and asks for nothing new: the existing task, named by its title."""
    decision = decide("create_task", text, title=title, assignee=person)
    assert (decision.action, decision.args) == ("assign_task", {"task_id": title, "assignee": person})


@pytest.mark.parametrize(
    "text",
    [
        "give a new task to Omar: call the bank",
        "Create a task for Omar: prepare slides",
        "أعطِ خالد مهمة جديدة: مراجعة العقد",
        "assign task 7 to Omar",  # a number: the other correction's case
    ],
)
def test_a_new_task_for_someone_stays_new(text: str) -> None:
    decision = decide("create_task", text, title="x", assignee="Omar")
    assert decision.action in ("create_task", "assign_task")
    if "7" not in text:
        assert decision.action == "create_task"


@pytest.mark.parametrize(
    ("action", "text", "args"),
    [
        ("update_task", "فاتورة الكهرباء خلها اولوية منخفضة", {"priority": "low"}),
        ("update_task", "أجّل حجز الفندق لحد يوم الاتنين", {"due_date": "يوم الاتنين"}),
        ("update_task", "can you bump the laptops order up to high priority", {"priority": "high"}),
        ("assign_task", "hand the parking permits over to Omar", {"assignee": "Omar"}),
    ],
)
def test_a_change_to_a_task_named_by_title_is_no_question(
    action: str, text: str, args: dict[str, Any]
) -> None:
    """No number, no "task": the change the model read and the title's words say it is a command on a
    task named by its title (tools/naming.py finds it) — not a question to answer."""
    assert decide(action, text, task_id=None, **args).action == action


def test_dates_and_priorities_name_no_task() -> None:
    from tools.packs.tasks.naming import NAMING

    assert NAMING.query("أجّل حجز الفندق لحد يوم الاتنين") == ["حجز", "الفندق"]
    assert NAMING.query("move the Al Noor invoice to Monday and make it urgent") == ["noor", "invoice"]
    assert NAMING.query("close the q3 task") == ["3"]  # digits stay: they are in titles


def test_the_digits_of_an_arabizi_word_are_no_task_number() -> None:
    """ "3ndi" (عندي), "mt2a5ra" (متأخرة): letters written as digits, not task 3 or 2."""
    from tools.packs.tasks.cues import numbers_in

    assert numbers_in("shu el mahamat el mt2a5ra 3ndi?") == []
    assert numbers_in("المهمة ٤٣ و #12 and q3") == [43, 12]
    decision = decide("get_task", "shu el mahamat el mt2a5ra 3ndi?", task_id="3")
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "overdue": True})
    assert decide("get_task", "is task 3 overdue?", task_id="3").action == "get_task"


@pytest.mark.parametrize(
    "text",
    [
        "how do I book the big boardroom?",
        "كيف احجز قاعة مجلس الإدارة؟",
        "ازاي أضيف مهمة جديدة؟",
        "شلون اسوي مهمة لزميلي؟",
        "kif b3mel task?",
    ],
)
@pytest.mark.parametrize("action", ["create_task", "delete_task", "update_task"])
def test_a_question_about_how_changes_nothing(text: str, action: str) -> None:
    """Asked how, not told to: a small model creates "Book the big boardroom" (found by the attack
    suite: a document's instructions were not followed, the question itself was)."""
    assert decide(action, text, title="x").action == ANSWER


@pytest.mark.parametrize(
    ("action", "text"),
    [
        ("create_task", "add a task: learn how to cook"),  # "how" inside a title
        ("complete_task", "how do I mark task 5 done?"),  # names a task: left to the model
        ("list_tasks", "show me how the team's tasks look"),  # a request to see
    ],
)
def test_how_inside_a_command_or_a_read_stays(action: str, text: str) -> None:
    assert decide(action, text, title="x").action == action


def comment(message: str, **args: Any) -> Decision:
    return TOOLS.correct(Decision(action="add_comment", args=args), message)


def test_a_comment_none_of_whose_words_the_user_wrote_was_invented() -> None:
    # A "done" message read as a comment copied from an example: the task is completed instead.
    done = comment("خلّصت تجهيز العرض التقديمي", task_id="تجهيز العرض", text="تم إرسال الفاتورة")
    assert done.action == "complete_task" and done.args == {"task_id": "تجهيز العرض"}
    # Anything else keeps the task and asks for the comment.
    asked = comment("comment on 7 saying the supplier called back", task_id=7, text="invoice sent")
    assert asked.action == "add_comment" and asked.args == {"task_id": 7, "text": None}
    # The user's own words stand, and so does a comment in another script or with no content word.
    for text, said in [
        ("add a comment to task 7: waiting on finance", "waiting on finance"),
        ("علّق على المهمة ٢٥ إن العميل وافق", "العميل وافق"),
        ("7ot comment 3la task 5 el 3ameel wafa2", "العميل وافق"),
        ("add ok as a comment on 9", "ok"),
    ]:
        assert comment(text, task_id=7, text=said).args["text"] == said


@pytest.mark.parametrize(
    "text",
    [
        "هي الشركة بتدّي بدل مواصلات كام في الشهر؟",
        "is the office open on Friday?",
        "وش سياسة الإجازات عندكم؟ 🤔",
    ],
)
def test_a_question_is_not_a_new_task(text: str) -> None:
    assert decide("create_task", text, title=text[:20]).action == ANSWER


@pytest.mark.parametrize(
    "text",
    ["can you add a task to call the bank?", "ممكن تضيف مهمة جديدة للاجتماع؟", "call the bank tomorrow"],
)
def test_a_request_with_its_verb_stays_a_new_task(text: str) -> None:
    assert decide("create_task", text, title="call the bank").action == "create_task"


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("متى موعد تسليم تقرير الجودة؟", "update_task"),
        ("whats the status on the jeddah client callback?", "complete_task"),
        ("emta el deadline bta3 el ta2reer?", "create_task"),
    ],
)
def test_a_status_question_changes_nothing(text: str, action: str) -> None:
    assert decide(action, text, task_id="تقرير الجودة").action == ANSWER


def test_a_status_question_with_a_number_or_a_change_stands() -> None:
    assert decide("update_task", "when is task 7 due? move it to Friday?", task_id=7).action == "update_task"
    assert decide("update_task", "can you add a due date to the report?", task_id="report").action == (
        "update_task"
    )


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Q4 budget for finance: make it due next Wednesday", "make it due next Wednesday"),
        ("اجعلي أولوية مهمة إعداد خطة التسويق منخفضة", "إعداد خطة التسويق"),
    ],
)
def test_a_title_without_a_verb_of_renaming_is_no_new_title(text: str, title: str) -> None:
    decision = decide("update_task", text, title=title, due_date="2026-12-02")
    assert decision.action == "update_task" and decision.args.get("title") is None
    assert decision.args["task_id"] == title  # the phrase that names the task (tools/naming.py)


def test_the_priority_said_beside_a_dropped_title_is_kept() -> None:
    decision = decide("update_task", "اجعلي أولوية مهمة إعداد خطة التسويق منخفضة", title="إعداد خطة التسويق")
    assert decision.args["priority"] == "low"


@pytest.mark.parametrize(
    "text",
    [
        "rename task 5 to Budget v2",
        "صيانة السيارات، عدّل اسمها: صيانة سيارات الشركة وتغيير الزيت",
        "call it Q4 budget final",
        "غيري عنوان المهمة ٧ لـ تجهيز القاعة",
    ],
)
def test_a_rename_keeps_its_title(text: str) -> None:
    assert decide("update_task", text, task_id=5, title="New title").args["title"] == "New title"


def test_a_number_the_message_never_says_is_not_the_task() -> None:
    text = "Q4 budget for finance: make it due next Wednesday"
    assert decide("update_task", text, task_id=4, due_date="2026-12-02").args.get("task_id") is None
    assert decide("update_task", text, task_id="4", due_date="2026-12-02").args.get("task_id") is None
    # said, followed up, or nothing else names a task: the number stands
    assert decide("update_task", "move task 4 to Friday", task_id=4, due_date="x").args["task_id"] == 4
    assert (
        decide("update_task", "move it to Friday", task_id=4, follow_ref=4, due_date="x").args["task_id"] == 4
    )


@pytest.mark.parametrize(
    ("text", "chosen", "said"),
    [
        ("el task 33 5aliha priority 3adi w el deadline yom el sabt", "high", "normal"),
        ("make task 4 urgent", "low", "high"),
        ("خلي المهمة ٩ أولويتها منخفضة", "normal", "low"),
    ],
)
def test_the_priority_the_words_say_wins(text: str, chosen: str, said: str) -> None:
    assert decide("update_task", text, task_id=33, priority=chosen).args["priority"] == said


@pytest.mark.parametrize(
    ("text", "said"),
    [("task 4: high priority, not normal", "high"), ("لا قصدي المهمة ٤ عادية مو عالية", "normal")],
)
def test_the_priority_said_beside_a_denied_one_wins(text: str, said: str) -> None:
    for chosen in ("low", "normal", "high"):
        assert decide("update_task", text, task_id=4, priority=chosen).args["priority"] == said


@pytest.mark.parametrize(
    "text",
    [
        "7awel el task 27 la sara law sama7t",
        "حولي المهمة ٢٧ لسارة لو سمحت",
        "hand task 27 over to Sara please",
    ],
)
def test_a_hand_over_read_as_a_delete_is_a_hand_over(text: str) -> None:
    decision = decide("delete_task", text, task_id=27)
    assert decision.action == "assign_task"
    assert decision.args == {
        "task_id": 27,
        "assignee": "sara" if "sara" in text else "Sara" if "Sara" in text else "سارة",
    }


def test_a_delete_that_says_delete_stays() -> None:
    assert (
        decide("delete_task", "delete task 27 and give the rest to Sara", task_id=27).action == "delete_task"
    )


@pytest.mark.parametrize(
    ("text", "action", "args", "task", "title"),
    [
        (
            "تجهيز قاعة الاجتماعات غيري اسمها لـ تجهيز قاعة الاجتماعات والـ projector وأجليها لبكرة",
            "create_task",
            {"title": "تجهيز قاعة الاجتماعات غيري", "due_date": "2026-11-26"},
            "تجهيز قاعة الاجتماعات",
            "تجهيز قاعة الاجتماعات والـ projector",
        ),
        (
            "صيانة السيارات، عدّل اسمها: صيانة سيارات الشركة وتغيير الزيت 🚗",
            "update_task",
            {"title": "صيانة سيارات الشركة وتغيير الزيت"},
            "صيانة السيارات",
            "صيانة سيارات الشركة وتغيير الزيت",
        ),
        (
            "the vendor list one, rename it to Approved vendors and move it to Monday",
            "create_task",
            {"title": "Approved vendors"},
            "the vendor list",
            "Approved vendors",
        ),
    ],
)
def test_a_rename_names_its_task_before_the_verb(
    text: str, action: str, args: dict[str, Any], task: str, title: str
) -> None:
    decision = decide(action, text, **args)
    assert decision.action == "update_task"
    assert (decision.args["task_id"], decision.args["title"]) == (task, title)


def test_a_rename_by_number_or_a_question_about_a_name_is_left() -> None:
    assert decide("update_task", "rename task 5 to Budget v2", task_id=5, title="Budget v2").args == {
        "task_id": 5,
        "title": "Budget v2",
    }
    assert decide("create_task", "what is the name of the HR manager?", title="x").action == ANSWER


@pytest.mark.parametrize(
    ("action", "text"),
    [("complete_task", "أيوه تمام، حوليها لرامي"), ("reopen_task", "give it to Omar please")],
)
def test_a_hand_over_read_as_another_change_is_a_hand_over(action: str, text: str) -> None:
    decision = decide(action, text, task_id=36, follow_ref=36)
    assert decision.action == "assign_task" and decision.args["task_id"] == 36


def test_a_change_that_says_its_own_words_stays() -> None:
    assert (
        decide("complete_task", "done with 36, give the next one to Omar", task_id=36).action
        == "complete_task"
    )


@pytest.mark.parametrize(
    "text",
    ["لا غلطت، قصدي ٣٢ مش ٣١، الكاميرات لسا ما خلصت", "sorry I meant 32 not 31", "la2 2asdi 32 mesh 31"],
)
def test_i_meant_another_task_undoes_and_redoes(text: str) -> None:
    decision = decide("complete_task", text, task_id=32, follow_ref=31)
    assert decision.action == "undo_last"
    assert [(d.action, d.args) for d in decision.more] == [("complete_task", {"task_id": 32})]


def test_i_meant_without_the_previous_task_is_left() -> None:
    assert decide("complete_task", "sorry I meant 32 not 31", task_id=32).action == "complete_task"
    assert (
        decide("complete_task", "sorry I meant 32 not 31", task_id=32, follow_ref=7).action == "complete_task"
    )
    assert decide("complete_task", "I meant 32", task_id=32, follow_ref=31).action == "complete_task"


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("catering for the launch is booked ✅🎉", True),
        ("the contract is signed", True),
        ("الحجز اتحجز خلاص", True),
        ("book the catering for the launch", False),
        ("send the contract to legal", False),
    ],
)
def test_what_was_to_be_done_said_done(text: str, done: bool) -> None:
    assert says_done(text) is done


def test_a_title_phrase_named_by_stems_is_a_command_by_title() -> None:
    # the model's phrase "Plan the team offsite" against "…offsite planning…": a command, not a question
    text = "the team offsite planning is over for good"
    assert decide("complete_task", text, task_id="Plan the team offsite").action == "complete_task"
    assert decide("complete_task", text, task_id="Plan the board dinner").action == ANSWER


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("مهمة تركيب الكاميرات خليها عند خالد، هو فاضي هالأسبوع", "خالد"),  # keeps it
        ("khalliha 3and sara", "sara"),
        ("leave it with Omar please", "Omar"),
        ("wait no, Sara should do it, not Lina", "Sara"),  # does it; the denied one is not
        ("not Sara, Lina will do it", "Lina"),
        ("مش خالد، رامي هو اللي هيعملها", "رامي"),
        ("لا استني مش دلال، ليث اللي هيتابعها", "ليث"),
        ("خلي رامي يسويها", "رامي"),
        ("let Omar handle it", "Omar"),
    ],
)
def test_who_keeps_or_does_a_task_is_a_hand_over(text: str, person: str) -> None:
    assert person_target(text) == person and says_hand_over(text)
    # Read as a completion none of whose words it says, or as an update that changes nothing.
    for action in ("complete_task", "update_task"):
        decision = decide(action, text, follow_ref=31, task_id=31)
        assert (decision.action, decision.args) == ("assign_task", {"task_id": 31, "assignee": person})


@pytest.mark.parametrize(
    "text",
    [
        "خليها على بكرة", "حطها على اولوية عالية", "put it on high priority", "I should do it",
        "who should do it?", "التاسك ده هو اللي متأخر", "هيدا هو اللي بدي ياه", "المهمة هي اللي فاتت",
        "الورق اللي هيطبعها مين؟", "مين اللي هيعملها؟",
    ],
)  # fmt: skip
def test_dates_priorities_and_pronouns_keep_nobody(text: str) -> None:
    assert holder_or_doer(text) is None and person_target(text) is None


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("e3mely task gdeda: at2akked men mawa3ed el ta2ayoun, bokra", "at2akked men mawa3ed el ta2ayoun"),
        ("zeed task jdide: ejtima3 ma3 el mowarred", "ejtima3 ma3 el mowarred"),
        ("new task: call the landlord", "call the landlord"),
    ],
)
def test_a_new_task_read_as_a_lookup_is_created(text: str, title: str) -> None:
    decision = decide("get_task", text, task_id=None)
    assert (decision.action, decision.args) == ("create_task", {"title": title})


@pytest.mark.parametrize("text", ["is there a new task for me?", "show the new task 12", "show the new one"])
def test_a_question_a_number_or_no_task_word_creates_nothing(text: str) -> None:
    assert decide("get_task", text, task_id=12 if "12" in text else None).action != "create_task"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("ورشة السلامة أنا بمسكها، سجلها باسمي", "me"),  # the speaker takes it
        ("the offsite planning, I'll take it", "me"),
        ("ana bamsekha el offsite", "me"),
        ("the offsite, Omar will handle it", "Omar"),
    ],
)
def test_a_task_someone_takes_read_as_new_is_handed_by_its_title(text: str, person: str) -> None:
    decision = decide("create_task", text, title="the offsite", assignee="مسكها")
    assert (decision.action, decision.args) == ("assign_task", {"task_id": "the offsite", "assignee": person})


@pytest.mark.parametrize(
    "text",
    ["I'll handle the report tomorrow", "add a task: Omar will handle the venue", "new task, I'll do it"],
)
def test_a_new_task_with_a_date_or_words_of_adding_stays_new(text: str) -> None:
    assert decide("create_task", text, title="the report").action == "create_task"


@pytest.mark.parametrize(
    ("action", "text"),
    [
        ("delete_task", "2ajjel task 25 la yom el a7ad law sama7t"),
        ("complete_task", "أجل مهمة 25 للأحد"),
        ("delete_task", "push 25 to next wednesday"),
    ],
)
def test_a_date_without_the_tools_own_words_moves_the_task(action: str, text: str) -> None:
    decision = decide(action, text, task_id=25)
    assert (decision.action, decision.args) == ("update_task", {"task_id": 25, "due_date": None})


@pytest.mark.parametrize(
    ("action", "text"),
    [("complete_task", "I finished task 25 yesterday"), ("delete_task", "delete 25 on sunday")],
)
def test_a_date_beside_the_tools_own_words_changes_nothing(action: str, text: str) -> None:
    assert decide(action, text, task_id=25).action == action


@pytest.mark.parametrize(
    "text",
    [
        "who on my team has the most open tasks right now?", "مين عنده أكثر مهام مفتوحة؟",
        "منو عليه أقل شغل بالفريق", "كم مهمة لكل واحد في الفريق؟", "meen 3ando aktar tasks",
        "how many tasks does each person have?",
    ],
)  # fmt: skip
@pytest.mark.parametrize("action", ["list_tasks", "answer"])
def test_counts_person_by_person_are_the_report(text: str, action: str) -> None:
    assert decide(action, text, scope="team").action == "summary_report"


@pytest.mark.parametrize(
    "text", ["who has task 12?", "what is the most important task?", "who has the most vacation days?"]
)
def test_other_questions_about_people_or_most_are_no_report(text: str) -> None:
    assert decide("answer", text).action != "summary_report"


def test_a_renamed_title_the_model_cut_short_is_the_one_written() -> None:
    text = "صيانة السيارات، عدّل اسمها: صيانة سيارات الشركة وتغيير الزيت"
    decision = decide("update_task", text, title="صيانة سيارات الشركة", task_id=26)
    assert decision.args["title"] == "صيانة سيارات الشركة وتغيير الزيت"


UNASSIGN_REQUESTS = [
    # English: the verb, a person taken off (a pronoun, a name, "my name"), leaving it with nobody
    ("unassign task 7", 7), ("please un-assign 12", 12), ("take Sara off task 12", 12),
    ("remove me from 12", 12), ("remove my name from task 7", 7), ("leave task 7 unassigned", 7),
    ("nobody should own task 7 for now", 7),
    # MSA, Gulf, Egyptian, Levantine, Arabizi
    ("الغِ إسناد المهمة ٧", 7), ("ألغي الإسناد عن المهمة 7", 7), ("فك إسناد المهمة ٣٢", 32),
    ("شيل اسمي من المهمة ١٢", 12), ("امسح اسم خالد من المهمة ٢٥", 25), ("المهمة ٩ خليها بدون مسؤول", 9),
    ("sheel esmi men task 7", 7), ("el8i el esnad bta3 task 7", 7),
]  # fmt: skip


@pytest.mark.parametrize(("text", "task"), UNASSIGN_REQUESTS)
@pytest.mark.parametrize("action", ["assign_task", "update_task", "answer", "get_task"])
def test_an_unassign_request_leaves_the_task_with_nobody(text: str, task: int, action: str) -> None:
    """The router reads it as a hand-over (often to the very person to take off), an update or a
    question: the words say unassign, and the one number they say is the task."""
    decision = decide(action, text, task_id=task + 1, assignee="Sara")
    assert (decision.action, decision.args) == ("unassign_task", {"task_id": task})


def test_an_unassigned_task_named_by_title_or_followed_up_keeps_the_models_phrase_or_none() -> None:
    by_title = decide("assign_task", "take me off the budget task", task_id="budget", assignee="me")
    assert (by_title.action, by_title.args) == ("unassign_task", {"task_id": "budget"})
    follow = decide("answer", "unassign it", follow_ref=12)
    assert (follow.action, follow.args) == ("unassign_task", {"task_id": None})  # the agent fills 12
    invented = decide("assign_task", "شيل اسمي من مهمة الجرد", task_id=3, assignee="me")
    assert invented.args == {"task_id": None}  # a number the message never says: the title names it


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("remove the due date from task 7", "update_task"),  # a field, not a person
        ("remove the old logo from the website task", "update_task"),  # a thing, said with its article
        ("take the comment off task 7", "update_task"),
        ("remove task 7", "delete_task"),
        ("شيل المهمة ٧", "delete_task"),
        ("assign task 7 to Sara", "assign_task"),
        ("take task 7", "assign_task"),
        ("give it to nobody else but Sara", "assign_task"),
        ("take it off my list", "complete_task"),
        ("get the report from task 7 done", "complete_task"),
    ],
)
def test_other_messages_are_no_unassignment(text: str, action: str) -> None:
    assert decide(action, text, task_id=7).action != "unassign_task"


@pytest.mark.parametrize(
    ("text", "task"),
    [("تسوية حسابات البنك خلها يوم الأربعاء", None), ("المهمة ٤٦ خلها يوم الأربعاء", 46),
     ("the vendor payments one, Wednesday please", None)],
)  # fmt: skip
@pytest.mark.parametrize("routed", ["get_task", "complete_task", "reopen_task", "delete_task"])
def test_a_task_and_a_date_read_as_showing_it_moves_it(text: str, task: int | None, routed: str) -> None:
    decision = decide(routed, text, task_id=task or 3)  # a number the message never says is dropped
    assert (decision.action, decision.args) == ("update_task", {"task_id": task, "due_date": None})


@pytest.mark.parametrize(
    "text", ["متى موعد المهمة ٤٦؟", "what's the status of task 46 for Wednesday?", "add a task for Wednesday"]
)
def test_a_question_or_a_new_task_with_a_date_is_not_moved(text: str) -> None:
    assert decide("get_task", text, task_id=46).action != "update_task"


@pytest.mark.parametrize(
    ("routed", "text"),
    [("complete_task", "finished task 46 on Wednesday"), ("reopen_task", "reopen 46, it's due Wednesday"),
     ("delete_task", "احذف المهمة ٤٦ اللي كانت للأربعاء"), ("complete_task", "خلصت المهمة ٤٦ امبارح")],
)  # fmt: skip
def test_a_tool_the_words_say_keeps_its_date_as_a_plain_word(routed: str, text: str) -> None:
    assert decide(routed, text, task_id=46).action == routed


def test_an_assignee_the_model_made_up_gives_way_to_the_person_the_words_name() -> None:
    made_up = decide(
        "assign_task",
        "اشتراك البرنامج المحاسبي ده أنا اللي هتابعه، حطه عليا",
        task_id=50,
        assignee="كما أتحدث معك",
    )
    assert made_up.args["assignee"] == "me"  # "حطه عليا": put it on me
    to_khalid = decide("assign_task", "حوّل المهمة ٥٠ لخالد", task_id=50, assignee="محمد")
    assert to_khalid.args == {"task_id": 50, "assignee": "خالد"}
    # A transliteration stands (it may be the username); so does a name when the words name nobody else
    # (the API says who is unknown).
    assert (
        decide("assign_task", "حول المهمة ٥٠ لسارة", task_id=50, assignee="Sara").args["assignee"] == "Sara"
    )
    assert decide("assign_task", "assign 50 to her", task_id=50, assignee="Mona").args["assignee"] == "Mona"
    # Words of the message too many for a name give way to the person who takes the task.
    levantine = "بدّي روان تمسك 1531 عنّي، هي اللي ماشية مع مهندس محل الألعاب من الأول"
    long_name = "مهندس محل الألعاب من الأول"
    assert decide("assign_task", levantine, task_id=1531, assignee=long_name).args["assignee"] == "روان"
    # A new task the words give to nobody is the user's own.
    new = decide("create_task", "add a task: call the bank", title="call the bank", assignee="Omar")
    assert new.args["assignee"] is None


@pytest.mark.parametrize("text", ["what's on my plate right now?", "وش عندي الحين؟", "shu 3andi hala2?"])
def test_now_is_no_deadline(text: str) -> None:
    decision = decide("list_tasks", text, scope="mine", due_before="2026-11-29")
    assert decision.args["due_before"] is None


@pytest.mark.parametrize("text", ["what's due today?", "what do I have due before Friday?", "مهامي لبكرة"])
def test_a_said_deadline_stays(text: str) -> None:
    assert decide("list_tasks", text, scope="mine", due_before="x").args["due_before"] == "x"


@pytest.mark.parametrize("text", ["سكرهم", "خلصتهم كلهم", "أغلقهم"])
def test_them_done(text: str) -> None:
    assert says_done(text)


@pytest.mark.parametrize("text", ["حطه عليا", "حوّلها لي", "خليها عندي", "أنا اللي هتابعها"])
def test_the_speaker_takes_it(text: str) -> None:
    assert holder_or_doer(text) == "me"


@pytest.mark.parametrize(
    ("text", "reads"),
    [("سكّريلي المهمة ١٢", "done"), ("اقفلي ٧١ و٧٢ الاتنين خلصوا", "done"), ("أنجزيها", "done"),
     ("سكروها", "done"), ("امسحيلي المهمة ٥", "delete"), ("احذفوها", "delete"), ("شيليها", "delete"),
     ("حوّليها لسارة", "hand_over"), ("أسندوها لخالد", "hand_over")],
)  # fmt: skip
def test_a_verb_said_to_a_woman_or_to_several_keeps_its_sense(text: str, reads: str) -> None:
    says = {"done": says_done, "delete": says_delete, "hand_over": says_hand_over}
    assert says[reads](text)


@pytest.mark.parametrize("text", ["قفله مكسور", "ما خلصوها لسه", "مين بيخلصها؟"])
def test_a_noun_a_negation_or_a_future_is_no_done_word(text: str) -> None:
    assert not says_done(text)


@pytest.mark.parametrize(
    "text", ["تراجعي عن آخر تغيير سويته لو سمحتي", "رجعيها", "رجعوها زي ما كانت", "تراجعوا عن التعديل"]
)
def test_an_undo_said_to_a_woman_or_to_several_is_an_undo(text: str) -> None:
    assert decide("summary_report", text).action == "undo_last"


@pytest.mark.parametrize("text", ["raj3i task 76 maftoo7a law sama7ti", "rag3o el task 76 maftu7a"])
def test_an_arabizi_reopen_with_a_priority_nobody_said_reopens(text: str) -> None:
    decision = decide("update_task", text, task_id=76, priority="low")
    assert (decision.action, decision.args) == ("reopen_task", {"task_id": 76})
    said = decide("update_task", "reopen 76 and make it high", task_id=76, priority="high")
    assert said.action == "update_task"


@pytest.mark.parametrize(
    "text", ["la2 mish di, el tanya.. 72 a2sod", "مش هاي، قصدي ٧٢", "no not this one, I meant 72"]
)
def test_i_meant_another_task_denying_this_one_without_its_number(text: str) -> None:
    decision = decide("update_task", text, task_id=72, priority="high", follow_ref=71)
    assert decision.action == "undo_last"
    assert [(d.action, d.args["task_id"]) for d in decision.more] == [("update_task", 72)]
    assert decide("update_task", text, task_id=72, priority="high", follow_ref=72).action == "update_task"


@pytest.mark.parametrize(
    ("routed", "text"),
    [("get_task", "قديش مهمة مفتوحة عندي هلأ؟"), (ANSWER, "how many tasks do I have open?"),
     ("list_tasks", "kam task 3andi mt2a5ra?"), ("get_task", "كم تاسك متأخر علي")],
)  # fmt: skip
def test_how_many_tasks_is_the_report(routed: str, text: str) -> None:
    assert decide(routed, text).action == "summary_report"


@pytest.mark.parametrize(
    "text",
    ["كم يوم باقي على المهمة ٤٥؟", "how many days of annual leave do we get?", "how many hours is a shift?"],
)
def test_how_many_of_something_else_is_no_report(text: str) -> None:
    assert decide(ANSWER, text).action != "summary_report"


def test_an_overdue_question_about_my_work_left_to_the_answer_path_is_the_overdue_list() -> None:
    decision = decide(ANSWER, "في إشي عندي فات موعده؟")
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "overdue": True})
    assert decide(ANSWER, "what is the policy for overdue invoices?").action == ANSWER


@pytest.mark.parametrize(
    ("text", "action"),
    [("امسحي مهمة طباعة الاستمارات من القائمة، ما نبيها", "delete_task"),
     ("done with the report one", "complete_task")],
)  # fmt: skip
def test_an_update_that_changes_nothing_said_is_the_tool_the_words_say(text: str, action: str) -> None:
    decision = decide("update_task", text, task_id="1", title="x", priority="low")
    assert decision.action == action
    assert (
        decide("update_task", "خلصت مهمة ١٢ وخليها عالية", task_id=12, priority="high").action
        == "update_task"
    )


def test_a_hand_over_by_title_takes_the_person_the_words_name_and_the_date_said() -> None:
    kept_nobody = decide(
        "create_task", "حوّلي تاسك متابعة موافقات التأمين لدلال", title="موافقات التأمين لدلال"
    )
    assert (kept_nobody.action, kept_nobody.args["assignee"]) == ("assign_task", "دلال")
    dated = decide(
        "create_task",
        "عقد شركة النظافة عطه دلال تتابعه، وخل موعده آخر الأسبوع",  # "give it": a task that exists
        title="عقد شركة النظافة",
        assignee="دلال",
    )
    assert (dated.action, dated.args) == ("assign_task", {"task_id": "عقد شركة النظافة", "assignee": "دلال"})
    assert [(m.action, m.args) for m in dated.more] == [("update_task", {"due_date": None})]
    # No "it": a new task for that person, with its date.
    new = decide("create_task", "سارة تتابع عقد النظافة الجديد بكرة", title="عقد النظافة", assignee="سارة")
    assert new.action == "create_task"


@pytest.mark.parametrize(
    ("text", "person"),
    [("what's Laith working on at the moment?", "Laith"), ("شو عند ليث؟", "ليث"), ("Sara's tasks", "Sara"),
     ("ليث إيش عنده؟", "ليث"), ("shu 3and rami", "rami"), ("what does Omar have?", "Omar")],
)  # fmt: skip
def test_one_persons_tasks_are_their_list(text: str, person: str) -> None:
    for routed in ("get_task", ANSWER, "list_tasks"):
        decision = decide(routed, text)
        assert decision.action == "list_tasks"
        assert (decision.args["scope"], decision.args["assignee"]) == ("team", person)
    assert decide(ANSWER, "مهام سارة المتأخرة").args["overdue"] is True


@pytest.mark.parametrize(
    ("text", "person", "overdue"),
    [("مهام سارة المتأخرة", "سارة", True), ("مهام ليث اللي فات موعدها", "ليث", True),
     ("مهام خالد خلصت؟", "خالد", None), ("شو عند أبو فهد؟", "أبو فهد", None),
     ("shu 3and abu fahad", "abu fahad", None), ("mahamat sara", "sara", None)],
)  # fmt: skip
def test_a_persons_name_followed_by_what_their_tasks_are_stays_theirs(
    text: str, person: str, overdue: bool | None
) -> None:
    decision = decide("list_tasks", text, scope="mine")
    assert (decision.args["assignee"], decision.args.get("overdue")) == (person, overdue)


@pytest.mark.parametrize(
    "text",
    # What an indefinite "مهام …" says of the tasks: time passed, late, left, coming, other, pending, not yet.
    ["شو في مهام فات موعدها؟", "عندي مهام تأخرت؟", "في مهام باقية عليي؟", "عندي مهام جاية هالأسبوع؟",
     "في مهام تانية؟", "مهام معلقة", "مهام لسا ما خلصت", "فرجيني مهام ضايلة", "mahamat ba2ya",
     "mahamat 5alset", "what is he working on?", "شو عند أبو؟"],
)  # fmt: skip
def test_words_that_say_what_the_tasks_are_name_nobody(text: str) -> None:
    assert "assignee" not in decide("list_tasks", text, scope="mine").args


@pytest.mark.parametrize(
    "text",
    # Late as each dialect group says it: the participle, "it ran late" (تأخّرت, اتأخرت), Arabizi spellings.
    ["شو المهام يلي تأخرت؟", "ورّيني المهام اللي اتأخرت", "في شي تأخروا فيه؟", "shu 3andi mit2akhar?",
     "farjini el mit2akhrin", "eh el mota2a5er 3andi?", "el tasks elli t2a5aret"],
)  # fmt: skip
def test_a_list_that_says_late_in_any_spelling_is_the_overdue_list(text: str) -> None:
    decision = decide("list_tasks", text, scope="mine", status="open")
    assert decision.args["overdue"] is True and decision.args["status"] is None


@pytest.mark.parametrize(
    "text",
    ["وريني المتأخرين", "فرجيني يلي متأخرين", "بدي شوف يلي تأخروا", "شو المتأخر عندي",
     "ابي اشوف اللي تأخرت علي",
     "farjini el mit2akhrin", "show me the late ones", "which ones are running late?"],
)  # fmt: skip
def test_asking_only_to_see_the_late_ones_is_the_overdue_list(text: str) -> None:
    decision = decide(ANSWER, text)
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "overdue": True})


def test_asking_only_to_see_the_late_ones_creates_nothing() -> None:
    decision = decide("create_task", "farjini el mit2akhrin", title="farjini el mit2akhrin")
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "overdue": True})
    assert decide("create_task", "add a task: chase the late ones", title="chase the late ones").action == (
        "create_task"
    )


def test_late_is_what_the_words_say_not_what_the_model_adds() -> None:
    unfinished = decide("complete_tasks", "شو المهام يلي لسا ما خلصت؟", overdue=True)
    assert (unfinished.action, unfinished.args) == ("list_tasks", {"scope": "mine", "status": "open"})
    left = decide("list_tasks", "في مهام باقية عليي؟", scope="team", overdue=True)
    assert left.args == {"scope": "mine", "status": "open"}
    assert decide("list_tasks", "my overdue ones", scope="mine", overdue=True).args["overdue"] is True


@pytest.mark.parametrize(
    "text",
    ["show me the late fee policy", "what happens if a task is late?", "ليش المهام متأخرة؟",
     "شو سياسة التأخير؟", "مين متأخر اليوم؟", "آسف تأخرت عليكم"],
)  # fmt: skip
def test_a_late_word_among_other_words_stays_with_the_knowledge_base(text: str) -> None:
    assert decide(ANSWER, text).action == ANSWER


@pytest.mark.parametrize(
    "text",
    ["وش عندي اليوم؟", "مهام الفريق", "what are you doing?", "what is the team working on?", "my tasks",
     "what tasks do I still have open?", "what do I have today?", "tasks for tomorrow", "مهام متأخرة"],
)  # fmt: skip
def test_ones_own_or_the_teams_tasks_name_nobody(text: str) -> None:
    assert "assignee" not in decide("list_tasks", text, scope="mine").args


@pytest.mark.parametrize("text", ["مهام اليوم", "tasks for tomorrow"])
def test_a_list_of_a_day_is_no_task_moved(text: str) -> None:
    assert decide("get_task", text).action == "get_task"


def test_a_question_with_a_short_aside_changes_nothing() -> None:
    text = "when's our next MOH inspection? want to get the team ready"
    assert decide("update_task", text, task_id="MOH inspection", due_date="next week").action == ANSWER


@pytest.mark.parametrize(
    "text", ["خلّصت تحصيل الدفعات المتأخرة، سكّرها", "finished the late arrivals poster, close it"]
)
def test_an_overdue_word_of_one_tasks_title_is_no_bulk_completion(text: str) -> None:
    decision = decide("complete_tasks", text, overdue=True)
    assert (decision.action, decision.args) == ("complete_task", {"task_id": None})  # named by its title


@pytest.mark.parametrize(
    "text",
    [
        "close all my overdue tasks",
        "سكر المتأخرة",
        "close my overdue ones",
        "سكّرهم المتأخرين",
        "خلصت المتأخرة كلها",
    ],
)
def test_the_overdue_filter_stays_a_bulk_completion(text: str) -> None:
    assert decide("complete_tasks", text, overdue=True).action == "complete_tasks"


@pytest.mark.parametrize(
    ("text", "title"),
    [("el dental chair elli b room 3, 5alli maw3edha ba3d bukra", "el dental chair elli b room 3"),
     ("تقرير الجودة خلي موعده الخميس", "تقرير الجودة"),
     ("تقرير الجودة عايزه يتسلم الخميس بدل الأحد", "تقرير الجودة"),
     ("the vendor review should be due Thursday instead of Sunday", "the vendor review"),
     ("el brake order 5alliha yom el 5amees badal el a7ad", "el brake order")],
)  # fmt: skip
def test_a_date_said_to_be_the_tasks_own_moves_it(text: str, title: str) -> None:
    decision = decide("create_task", text, title=title, due_date="Thursday", assignee="Fadi")
    assert (decision.action, decision.args) == ("update_task", {"task_id": title, "due_date": "Thursday"})
    new = decide(
        "create_task", "add a task: renew the licence, its deadline is Friday", title="renew the licence"
    )
    assert new.action == "create_task"
    # a date denied without "instead of" is a new task's correction of itself, not a move
    assert decide("create_task", "call the bank on Friday, not Monday", title="call the bank").action == (
        "create_task"
    )
    instead = "add a task: call the bank Friday instead of Monday"
    assert decide("create_task", instead, title="call the bank").action == "create_task"


@pytest.mark.parametrize(
    ("text", "person"),
    [("hmm actually no, let Omar own it, he's the one organising the venue", "Omar"),
     ("لا، خليها عند خالد", "خالد"), ("khalliha 3and sara", "sara"), ("Sara should do it, not Lina", "Sara")],
)  # fmt: skip
def test_who_keeps_the_task_just_acted_on_left_to_the_answer_path_is_a_hand_over(
    text: str, person: str
) -> None:
    decision = decide(ANSWER, text, follow_ref=10)
    assert (decision.action, decision.args) == ("assign_task", {"task_id": 10, "assignee": person})
    assert decide(ANSWER, text).action == ANSWER  # no task just acted on: nothing to hand over


@pytest.mark.parametrize("text", ["who should do it?", "thanks!", "Sara should do task 12", "مش خالد"])
def test_a_question_another_task_or_nobody_named_hands_nothing_over(text: str) -> None:
    assert decide(ANSWER, text, follow_ref=10).action == ANSWER


def test_a_task_called_by_the_person_it_is_handed_to_is_a_hand_over_by_title() -> None:
    text = "I'll take the team offsite planning myself, put it on me"
    decision = decide("update_task", text, task_id="me", title="offsite planning")
    assert (decision.action, decision.args) == ("assign_task", {"task_id": None, "assignee": "me"})
    kept = decide("update_task", "خلي مهمة التقرير على سارة", task_id="سارة", title="التقرير")
    assert (kept.action, kept.args) == ("assign_task", {"task_id": None, "assignee": "سارة"})
    assert (
        decide("update_task", "rename the me task to you", task_id="me", title="you").action == "update_task"
    )


@pytest.mark.parametrize(
    ("text", "args"),
    [("give Sara a task to call the bank tomorrow",
      {"title": "call the bank", "assignee": "Sara", "due_date": "tomorrow"}),
     ("عطي سارة مهمة انها تتصل بالبنك بكرة",
      {"title": "تتصل بالبنك", "assignee": "سارة", "due_date": "بكرة"})],
)  # fmt: skip
def test_a_task_for_a_person_with_what_it_is_for_is_new(text: str, args: dict[str, str]) -> None:
    assert decide("create_task", text, **args).action == "create_task"
    named = decide(
        "create_task", "give the parking permits task to Omar", title="parking permits", assignee="Omar"
    )
    assert named.action == "assign_task"


@pytest.mark.parametrize(
    "text", ["وش خلصت من مهام؟", "which ones did I finish?", "شو خلصت اليوم؟", "what tasks are done?"]
)
def test_what_did_i_finish_is_the_done_list(text: str) -> None:
    decision = decide("complete_task", text)
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "status": "done"})


@pytest.mark.parametrize("text", ["خلصت المهمة ٥؟", "خلصت التقرير"])
def test_one_task_is_no_done_list(text: str) -> None:
    assert decide("complete_task", text).action != "list_tasks"


@pytest.mark.parametrize("text", ["what should I finish first?", "what do I need to finish today?"])
def test_what_is_still_to_do_is_the_open_list(text: str) -> None:
    decision = decide("complete_task", text)
    assert (decision.action, decision.args) == ("list_tasks", {"scope": "mine", "status": "open"})


@pytest.mark.parametrize(
    "text",
    ["undo that, wrong person", "تراجع، الشخص الغلط", "undo that, not her", "لا لا رجّعهالي", "رجعها لي"],
)
def test_an_undo_with_what_was_wrong_or_give_it_back_to_me_is_an_undo(text: str) -> None:
    assert decide("delete_task", text, follow_ref=64, task_id=64).action == "undo_last"
    assert decide("delete_task", "رجعها لسارة", follow_ref=64, task_id=64).action != "undo_last"


def test_a_priority_said_with_a_hand_over_by_title_is_a_second_change_and_a_titles_is_none() -> None:
    text = "عقد شركة النظافة حطه على دلال وخل أولويته عالية"
    decision = decide("create_task", text, title="عقد شركة النظافة", priority="high")
    assert (decision.action, decision.args) == (
        "assign_task",
        {"task_id": "عقد شركة النظافة", "assignee": "دلال"},
    )
    assert [(m.action, m.args) for m in decision.more] == [("update_task", {"priority": "high"})]
    titled = decide(
        "create_task",
        "the urgent complaints one, give it to Omar",
        title="urgent complaints",
        assignee="Omar",
    )
    assert titled.action == "assign_task" and titled.more == []


@pytest.mark.parametrize("text", ["warini el tasks beta3ti", "show me my tasks", "فرجيني مهامي"])
def test_a_show_verb_with_tasks_read_as_a_new_task_is_a_list(text: str) -> None:
    assert decide("create_task", text, title=text).action == "list_tasks"
    new = "show the new hires the office tour tomorrow"
    assert decide("create_task", new, title="show the new hires the office tour").action == "create_task"


@pytest.mark.parametrize(
    ("text", "day"),
    [("عندي شي باجر؟", "باجر"), ("anything due tomorrow?", "tomorrow"), ("فيه حاجة عليا النهارده؟", None),
     ("شو المطلوب مني لبكرا؟", "لبكرا")],
)  # fmt: skip
def test_a_short_question_about_my_day_is_what_is_due_that_day(text: str, day: str | None) -> None:
    """Read as one task, the knowledge base or a change to a made-up number: that day's list (today's
    takes in the late ones too: `_due_on_day`)."""
    for routed, args in ((ANSWER, {}), ("get_task", {"task_id": "1"}), ("update_task", {"task_id": "21"})):
        decision = decide(routed, text, **args)
        assert decision.action == "list_tasks", (routed, decision)
        if day is None:
            assert decision.args["due_before"] is None and "due_after" not in decision.args
        else:
            assert decision.args["due_before"] == day or decision.args["due_before"].endswith(day)
            assert decision.args["due_after"] == decision.args["due_before"]


@pytest.mark.parametrize("text", ["عندي اجتماع بكرة، متى يبدأ الدوام؟", "what is the holiday tomorrow?"])
def test_a_question_about_something_else_on_a_day_stays_a_question(text: str) -> None:
    assert decide(ANSWER, text).action == ANSWER


@pytest.mark.parametrize(
    ("text", "person"),
    [("اعرض المهام المسندة إلى شيماء", "شيماء"), ("التاسكات اللي على رامي", "رامي"),
     ("المهام حقت خالد", "خالد"), ("مهام تبع سارة", "سارة")],
)  # fmt: skip
def test_the_tasks_given_to_or_belonging_to_a_person_are_theirs(text: str, person: str) -> None:
    assert decide("list_tasks", text, scope="team").args["assignee"] == person
    for mine in ("المهام اللي عليا", "مهام تبعي", "المهام المسندة لي"):
        assert "assignee" not in decide("list_tasks", mine, scope="mine").args


@pytest.mark.parametrize(
    ("text", "person"),
    [("حط مهمة ٧٧ على اسم مشاري", "مشاري"), ("7ot task 77 3ala dalal", "dalal"),
     ("اعملي مهمة ٧٨ باسم دلال", "دلال")],
)  # fmt: skip
def test_in_the_name_of_and_on_name_the_person(text: str, person: str) -> None:
    assert person_target(text) == person


def test_a_piece_of_a_name_the_model_cut_gives_way_to_the_name_said() -> None:
    decision = decide("assign_task", "حط مهمة ٧٧ على اسم مشاري", task_id="77", assignee="شاري")
    assert decision.args["assignee"] == "مشاري"
