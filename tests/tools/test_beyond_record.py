"""Questions a task's record cannot answer (`cues.asks_beyond_the_record`), the line the agent says before
the task it shows for one (`cues.unknown_to_the_record`), and the correction that keeps such a question
from changing anything (`_beyond_record`)."""

from __future__ import annotations

import pytest

from tools.decision import ANSWER, Decision
from tools.packs.tasks.cues import asks_beyond_the_record, asks_to_see_a_task, unknown_to_the_record
from tools.registry import ToolRegistry

BEYOND = [
    # who held it or moved it before, how often
    "who had task 14 before Sara?",
    "who moved the deadline on 17?",
    "how many times has 9 been pushed back?",
    "من كان مسؤولاً عن المهمة ١٤ قبل سارة؟",
    "مين كان ماسك مهمة ٢٥ قبل خالد؟",
    "مين اللي أجّل المهمة ٣١؟",
    "كام مرة اتأجلت التاسك ٢٤؟",
    "meen kan mas2ool 3an task 14 abl sara?",
    # why
    "why is 14 late?",
    "لماذا تأخرت المهمة ٢٢؟",
    "ليش مهمة ٢٧ متأخرة؟",
    "ليه التاسك ٢٦ اتأخرت كده؟",
    "leh task 26 et2a5aret?",
    # hours or money
    "how many hours went into task 9?",
    "how much did task 12 end up costing us?",
    "كم كلّفت المهمة ١٨؟",
    "كم ساعة أخذت مهمة ٢١؟",
    "المهمة 23 اتكلفت كام؟",
    "قديش كلفت المهمة ٣٥؟",
    "قديش وقت أخدت المهمة ٣٥؟",
    "task 18 kallafet kam?",
    # someone outside
    "has the client replied about task 40?",
    "did the supplier deliver the chairs for task 31 yet?",
    "هل ردّ العميل بخصوص المهمة ٣٠؟",
    "المورد سلّم البضاعة حق مهمة ٣٣ ولا للحين؟",
    "العميل رد على موضوع المهمة 29 ولا لسه؟",
    "الزبون رد بخصوص المهمة ٢٨ ولا لسا؟",
    "el 3ameel rad 3ala task 30 walla lessa?",
    # a contact, an attachment, a forecast
    "is there a photo attached to 22?",
    "what's the printer's phone number for task 8?",
    "will 14 be finished on time?",
    "في صورة مرفقة مع المهمة ٢٢؟",
    "المهمة ١٤ هتخلص في ميعادها؟",
    "المهمة ١٤ رح تخلص بوقتها؟",
]

WITHIN = [
    # what the record holds
    "when is task 14 due?",
    "who is on 14?",
    "is 14 done?",
    "what is the priority of 14?",
    "who created task 14?",
    "what did Sara write on 14?",
    "مين ماسك المهمة ١٤؟",
    "مين أخد المهمة ١٤؟",
    "متى موعد المهمة ١٤؟",
    "is 14 due before Thursday?",
    "هل المهمة ١٤ لازم تخلص قبل الخميس؟",
    "eh akhbar task 14?",
    "وش صار على المهمة ١٤؟",
    # requests, however asked
    "can you move 14 to Monday?",
    "why don't you give 14 to Sara?",
    "ليش ما تعطي المهمة ١٤ لسارة؟",
    "ممكن تسأل العميل عن المهمة ١٤؟",
    # not a question
    "the client replied about 14, close it",
]


@pytest.mark.parametrize("text", BEYOND)
def test_questions_beyond_a_tasks_record(text: str) -> None:
    assert asks_beyond_the_record(text)
    assert asks_to_see_a_task(text)  # a task its title names is still shown


@pytest.mark.parametrize("text", WITHIN)
def test_questions_the_record_answers_and_requests(text: str) -> None:
    assert not asks_beyond_the_record(text)


def test_the_tasks_own_title_asks_nothing() -> None:
    assert asks_beyond_the_record("what's the status of the price list update?")
    assert not asks_beyond_the_record(
        "what's the status of the price list update?", title="Update the price list"
    )
    task = {"id": 4, "title": "Update the price list", "comments": []}
    assert unknown_to_the_record("what's the status of the price list update?", task) is None
    assert unknown_to_the_record("how much did the price list update cost?", task) == "not_in_record"


def test_the_line_says_notes_where_the_task_has_them() -> None:
    asked = "did the client reply about 14?"
    assert unknown_to_the_record(asked, {"title": "Send the proofs", "comments": []}) == "not_in_record"
    noted = {"title": "Send the proofs", "comments": [{"text": "client replied by phone"}]}
    assert unknown_to_the_record(asked, noted) == "not_in_record_notes"
    assert unknown_to_the_record(asked, None) is None
    assert unknown_to_the_record("when is 14 due?", noted) is None


@pytest.fixture(scope="module")
def tools() -> ToolRegistry:
    return ToolRegistry.shipped()


def correct(
    tools: ToolRegistry, text: str, action: str, follow_ref: int | None = None, **args: object
) -> Decision:
    fired: list[str] = []
    decision = tools.correct(
        Decision(action=action, args=dict(args)), text, follow_ref=follow_ref, fired=fired
    )
    if decision.action == "get_task" or decision.is_answer:
        assert "tasks.beyond_record" in fired or decision.action == action
    return decision


@pytest.mark.parametrize(
    ("text", "action", "args"),
    [
        ("who had task 14 before Sara?", "assign_task", {"task_id": "14", "assignee": "Sara"}),
        ("هل ردّ العميل بخصوص المهمة ٣٠؟", "add_comment", {"task_id": "٣٠", "text": "client called back"}),
        ("العميل رد على موضوع المهمة 29 ولا لسه؟", "complete_task", {"task_id": "29"}),
        ("المورد سلّم البضاعة حق مهمة ٣٣ ولا للحين؟", "create_task", {"title": "المورد سلّم البضاعة"}),
        ("ليش مهمة ٢٧ متأخرة؟", "list_tasks", {"scope": "team", "overdue": True}),
        ("why is 14 late?", "update_task", {"task_id": "14"}),
        ("who moved the deadline on 17?", ANSWER, {}),
    ],
)
def test_such_a_question_changes_nothing_and_shows_the_task(
    tools: ToolRegistry, text: str, action: str, args: dict[str, object]
) -> None:
    fired: list[str] = []
    decision = tools.correct(Decision(action=action, args=args), text, fired=fired)
    assert decision.action == "get_task" and decision.more == [] and fired[-1] == "tasks.beyond_record"
    assert str(decision.args["task_id"]) in {"14", "30", "29", "33", "27", "17"}


def test_a_question_about_the_task_just_acted_on_shows_it(tools: ToolRegistry) -> None:
    assert correct(tools, "why is it still open?", "update_task", follow_ref=7).args == {"task_id": 7}
    # words that may name another task by its title: the agent looks for it (shown_by_title)
    assert correct(tools, "why is the brochure late?", "update_task", follow_ref=7).is_answer


def test_by_title_the_change_becomes_a_question_the_agent_answers_with_the_task(tools: ToolRegistry) -> None:
    decision = correct(tools, "who had the brochure proofs before Omar?", "assign_task", assignee="Omar")
    assert decision.is_answer  # the agent shows the task its title names (shown_by_title)


def test_what_the_rule_leaves(tools: ToolRegistry) -> None:
    # a request, however asked; a list about lists; a command after the question; the record's own fields
    assert correct(
        tools, "can you give 14 to Sara?", "assign_task", task_id="14", assignee="Sara"
    ).action == ("assign_task")
    assert correct(tools, "why are my tasks late?", "list_tasks", scope="mine").action == "list_tasks"
    moved = correct(
        tools, "did the client reply? move 14 to Monday", "update_task", task_id="14", due_date="Monday"
    )
    assert moved.action == "update_task"
    assert correct(tools, "who is on 14?", "get_task", task_id="14").args == {"task_id": "14"}
    off = ToolRegistry.shipped()
    off.disable_corrections("beyond_record")
    assert off.correct(
        Decision(action="assign_task", args={"task_id": "14"}), "who had 14 before?"
    ).action == ("assign_task")


@pytest.mark.parametrize(
    "text",
    [
        "where did they put the boxes for task 12?",
        "كراتين المهمة ١٢ اتحطت فين؟",
        "وين حطيتوا أوراق المهمة ١٢؟",
        "what are we charging the client for 12?",
        "هل اعتمد العميل المهمة ١٢؟",
        "ورق المهمة ١٢ وصل من المورد ولا باقي؟",
        "ليش المهمة ١٢ متأخرة؟",  # "ليش م…" is no "why don't you…"
    ],
)
def test_more_of_what_no_record_holds(text: str) -> None:
    assert asks_beyond_the_record(text)


@pytest.mark.parametrize(
    ("text", "action", "args"),
    [
        ("وصل الحبر تبع المهمة 37 ولا بعد؟", "update_task", {"task_id": "37"}),
        ("el proof bta3 task 38 et3amal walla lessa?", "update_task", {"task_id": "38", "priority": "low"}),
        ("هل أجلت المهمة ١٤ لبكرة؟", "update_task", {"task_id": "١٤", "due_date": "بكرة"}),
        ("did Sara send the proofs for 14?", "complete_task", {"task_id": "14"}),
    ],
)
def test_a_yes_no_question_about_a_numbered_task_changes_nothing(
    tools: ToolRegistry, text: str, action: str, args: dict[str, object]
) -> None:
    decision = tools.correct(Decision(action=action, args=args), text)
    assert decision.action == "get_task" and decision.more == []


def test_a_question_with_a_reason_after_it_still_asks(tools: ToolRegistry) -> None:
    asked = "what did task 12 cost in the end? I need it for the quote"
    assert correct(tools, asked, "update_task", task_id="12").action == "get_task"
    # a yes / no request, or a question followed by a change, is left alone
    assert correct(tools, "can you move 14 to Monday?", "update_task", task_id="14").action == "update_task"
    assert (
        correct(tools, "did Sara call? push 14 to Monday", "update_task", task_id="14").action
        == "update_task"
    )
