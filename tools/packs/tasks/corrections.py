"""Corrections in code for the router's known misreadings of task commands.

Small models make a handful of systematic mistakes that the words of the message settle without doubt.
Each rule here is one such mistake; a rule only fires when the message itself says so, and the model's
decision stands otherwise. The registry runs them in this order (`CORRECTIONS`) on every decision;
each can be switched off by its name without the underscore (`HUDHUD_DISABLED_CORRECTIONS=undo,mine`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from base.text.content import content_words, shares_words
from base.text.folding import fold, to_latin_digits
from base.text.lexicon import AR_LETTERS, is_self
from base.text.numbers import parse_int
from base.text.priority import normalize_priority
from tools.decision import ANSWER, Decision
from tools.naming import forms
from tools.packs.tasks.cues import (
    FUTURE_PARTICLES,
    ON_MY_BEHALF,
    SPEAKER,
    asks_beyond_the_record,
    asks_count,
    asks_for_a_change,
    asks_for_a_list,
    asks_for_late_only,
    asks_for_new,
    asks_how,
    asks_if_done,
    asks_per_person,
    asks_quantity,
    asks_question,
    asks_what_a_task_shows,
    asks_what_is_due,
    asks_what_status,
    asks_whats_left,
    asks_who,
    asks_yes_no,
    copied_with_not,
    could_be_person,
    day_asked,
    denies_person,
    ends_as_question,
    garbled,
    hands_it_over,
    holder_or_doer,
    is_bare_number,
    is_reason,
    joins_changes,
    listed_priority,
    meant_date,
    meant_instead,
    mentions_task,
    moves_a_number,
    name_said,
    names_task_number,
    note_on_number,
    numbers_in,
    on_my_behalf,
    opens_with_create,
    opens_with_hand_over,
    opens_with_show,
    person_in_a_clause,
    person_target,
    recipient,
    renamed,
    request_part,
    says_all,
    says_create,
    says_create_anywhere,
    says_date,
    says_done,
    says_done_by_mistake,
    says_hand_over,
    says_its_date,
    says_its_priority,
    says_many_tasks,
    says_meant,
    says_mine,
    says_new,
    says_not_done,
    says_only_now,
    says_overdue,
    says_rename,
    says_reopen,
    says_status,
    says_team,
    says_unassign,
    says_undo,
    says_unfinished,
    title_in_message,
    wanted_not_person,
    whose_tasks,
)
from tools.packs.tasks.naming import NAMING

if TYPE_CHECKING:
    from tools.registry import ToolRegistry


def _new_task(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "زيد مهمة نحضّر العرض يوم السبت" read as an update, "e3mely task gdeda: …" read as showing a task:
    a message that asks for a new task, names no number and follows up on nothing creates one. (Its
    title: the model's, else the words after the colon or after "task"; its date is read from the
    message by the argument layer.)"""
    if tools.get("create_task") is None or follow_ref is not None or names_task_number(text):
        return decision
    if decision.action == "update_task" and opens_with_create(text) and decision.args.get("title"):
        keep = ("title", "due_date", "priority", "assignee")
        args = {k: v for k, v in decision.args.items() if k in keep}
        return decision.model_copy(update={"action": "create_task", "args": args})
    if decision.action == "get_task" and says_new(text) and mentions_task(text) and not asks_question(text):
        args = {"title": title_in_message(text)}
        return decision.model_copy(update={"action": "create_task", "args": args})
    return decision


def _said_not_new(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "سكّر مهمة 91" (close task 91) read as a new task titled "91": a message that names a task by its
    number, asks for nothing new and says the words of one tool on a single task (done, delete, reopen)
    runs that tool on that task (the argument layer reads its number from the message)."""
    if decision.action != "create_task" or not names_task_number(text) or says_create_anywhere(text):
        return decision
    said = _one_tool_said(tools, text, ("complete_task", "delete_task", "reopen_task"))
    if said is None or says_new(text):
        return decision
    return decision.model_copy(update={"action": said, "args": {"task_id": None}})


def _one_tool_said(tools: ToolRegistry, text: str, names: tuple[str, ...]) -> str | None:
    """The one tool of `names` (each on a single task) whose own words the message says; None when none
    or several are said."""
    said = [n for n in names if tools.get(n) is not None and tools.says(n, text)]
    return said[0] if len(said) == 1 else None


def _question_not_task(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "هي الشركة بتدّي بدل مواصلات كام في الشهر؟", "is the office open on Friday?": a question read as
    a new task. A message that ends in a question mark and has no verb of adding, no "new" and no task
    number asks; it is answered ("can you add a task…?" has its verb and is still a request)."""
    if decision.action != "create_task" or not asks_question(text) or asks_for_new(text):
        return decision
    if names_task_number(text) or moves_a_number(text):  # "fik t2ajjel el 1028 la yom el 5amis?"
        return decision
    return decision.model_copy(update={"action": ANSWER, "args": {}})


def _status_question(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "متى موعد تسليم تقرير الجودة؟", "when is the vendor list due?": a question about where a task
    stands read as a change to it. A question that asks for a status or a date and says no task number
    and no verb of adding changes nothing: it is answered (the agent shows the task it names by its
    title, agent/agent.py `_shown_by_title`)."""
    if decision.action not in ("update_task", "complete_task", "create_task", "reopen_task"):
        return decision
    if not asks_question(text) or not says_status(text) or says_create_anywhere(text):
        return decision
    if names_task_number(text) or numbers_in(text):
        return decision
    return decision.model_copy(update={"action": ANSWER, "args": {}})


def _done_question(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "is the delivery routes update finished?", "هل انتهت المهمة 5؟", "مهمة الكراتين خلصت ولا لسا؟"
    read as "complete it": a yes / no question about a task being done asks where it stands and changes
    nothing. It shows the task — by its number, else by its title (the agent shows the task a question
    names; "is it done yet?" right after a task was acted on, that task)."""
    if decision.action not in ("complete_task", "complete_tasks", "update_task") or not asks_if_done(text):
        return decision
    task_id = next(iter(numbers_in(text)), None)
    if task_id is None and follow_ref is not None and not NAMING.query(text):
        task_id = follow_ref
    if task_id is not None and tools.get("get_task") is not None:
        return decision.model_copy(update={"action": "get_task", "args": {"task_id": task_id}})
    return decision.model_copy(update={"action": ANSWER, "args": {}})


def _beyond_record(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "who had 14 before Sara?", "العميل رد على موضوع المهمة 29 ولا لسه؟", "did the supplier deliver for
    31?", "ليش مهمة ٢٧ متأخرة؟": a message that is one question about what a task's record cannot hold
    (who held or moved it before, why, hours or money, what someone outside did), read as a change, a new
    task, a list or an answer in words. A question changes nothing and is not answered by guessing: the
    task is shown — by its number, else the one just acted on, else by its title (the agent shows the
    task a question names) — with a line saying its record does not say (agent/agent.py
    `_not_in_record`)."""
    if decision.action == "list_tasks" and not names_task_number(text):
        return decision  # "why are my tasks late?" is about a list, which shows its own tasks
    if decision.action not in (*_CHANGES, "create_task", "list_tasks", ANSWER) or _commands_after(
        text, tools
    ):
        return decision
    if not asks_beyond_the_record(text) or says_create_anywhere(text) or tools.get("get_task") is None:
        return decision
    numbers = numbers_in(text)
    task_id = numbers[0] if len(numbers) == 1 else None
    if task_id is None and not numbers and follow_ref is not None and not NAMING.query(text):
        task_id = follow_ref  # "why is it late?" right after a task was shown or changed
    if task_id is not None:
        return decision.model_copy(update={"action": "get_task", "args": {"task_id": task_id}, "more": []})
    if decision.is_answer:
        return decision
    return decision.model_copy(update={"action": ANSWER, "args": {}, "more": []})


def _commands_after(text: str, tools: ToolRegistry) -> bool:
    """The message is no question, or says a change after its question ("did the client reply? close 14
    anyway"); a reason after it ("…؟ أحتاجها لعرض السعر") commands nothing."""
    if ends_as_question(text):
        return False
    _, mark, aside = text.replace("؟", "?").rpartition("?")
    if not mark:
        return True
    if says_date(aside) or normalize_priority(aside) is not None or asks_for_a_change(aside):
        return True
    return any(tools.says(name, aside) for name in (*_CHANGES, "create_task") if tools.get(name))


def _yes_no_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "وصل الحبر تبع المهمة 1237 ولا بعد؟", "el 3amil radd 3ala el proof bta3 task 1238 walla lessa?", "did
    Sara send the proofs for 14?": one yes / no question about one numbered task, read as a change to it
    — a completion, an edit the words never ask for. A yes / no question asks and changes nothing: the
    task is shown (its record and notes answer what they can). Requests asked as questions ("can you…?",
    "ممكن…؟") and questions followed by a command are left alone."""
    if decision.action not in _CHANGES or _commands_after(text, tools) or not asks_yes_no(text):
        return decision
    numbers = numbers_in(text)
    if len(numbers) != 1 or says_create_anywhere(text) or tools.get("get_task") is None:
        return decision
    return decision.model_copy(update={"action": "get_task", "args": {"task_id": numbers[0]}, "more": []})


def _asked_not_changed(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "قديش أولوية مهمة المولد؟", "what priority is 91 on?" read as an update to a priority or a date the
    words never say (a model's filler): a question whose update changes nothing it says changes nothing.
    It shows the task — by its number, else by its title (the agent shows the task a question names)."""
    if decision.action != "update_task" or not asks_what_a_task_shows(text) or says_create_anywhere(text):
        return decision  # ("mmkn t2akhar task 53 l yom el arba3a?" asks for a change, politely)
    # (A date or a priority the words say is a change: the argument layer reads a date left empty.)
    if not _empty_update(decision, tools, text) or says_date(text) or normalize_priority(text) is not None:
        return decision
    # "شو وضع 1434؟": a bare number the update acts on names that task as well as "task 1434" does
    named = names_task_number(text) or _number_said(decision.args.get("task_id"), text)
    if named and tools.get("get_task") is not None:
        args = {"task_id": decision.args.get("task_id")}
        return decision.model_copy(update={"action": "get_task", "args": args})
    return decision.model_copy(update={"action": ANSWER, "args": {}})


def _number_said(task_id: object, text: str) -> bool:
    """The message's only number is the task the decision acts on."""
    return str(task_id).strip().isdigit() and numbers_in(text) == [int(str(task_id).strip())]


def _shown_not_changed(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "pull up 1003 for me? landlord's on the phone", "وريني مهمة 1003", "warini task 12": a request to
    see one numbered task read as an update that changes nothing the words say → that task shown."""
    if decision.action != "update_task" or tools.get("get_task") is None or not opens_with_show(text):
        return decision
    numbers = numbers_in(text)
    if len(numbers) != 1 or not _empty_update(decision, tools, text):
        return decision
    return decision.model_copy(update={"action": "get_task", "args": {"task_id": str(numbers[0])}})


def _quantity_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "if a couple cancels three weeks out, how much of the deposit do we keep?", "كم يوم إجازة للموظف
    الجديد؟", "قديش بدل السفر؟": a how-much question read as a change to a task it never names (a made-up
    number, a filler priority). A question of quantity that names no task number, says no date, priority
    or request ("can you…") changes nothing: it is answered (counts of tasks go on to the report)."""
    if decision.action not in _CHANGES or not asks_question(text) or not asks_quantity(text):
        return decision
    if names_task_number(text) or numbers_in(text) or says_date(text) or normalize_priority(text) is not None:
        return decision
    if says_create_anywhere(text) or asks_for_a_change(text):
        return decision
    return decision.model_copy(update={"action": ANSWER, "args": {}})


def _who_holds(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "who's on the exam hall prep?", "مين ماسك تاسك فحص المولد؟": a question about who holds one task,
    named by its title, read as a list (its title taken for a date or a filter). It shows that task
    (the agent shows the task a question names by its title); "who has the most tasks?" stays a count."""
    if decision.action not in ("list_tasks", "get_task") or names_task_number(text):
        return decision
    if decision.action == "get_task" and decision.args.get("task_id") not in (None, ""):
        return decision
    if not asks_who(text) or says_many_tasks(text) or asks_per_person(text) or asks_count(text):
        return decision
    if not NAMING.query(text):
        return decision
    return decision.model_copy(update={"action": ANSWER, "args": {}})


def _dated_not_shown(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "تسوية حسابات البنك خلها يوم الأربعاء" (make the bank reconciliation Wednesday) read as showing,
    completing, reopening or deleting the task: a message that names a date, asks nothing (no question,
    no status word), adds nothing and says none of that tool's own words moves the task to that date
    (the argument layer reads it from the message). None of those tools takes a date."""
    if decision.action not in _TAKE_NO_DATE or tools.get("update_task") is None or not says_date(text):
        return decision
    if asks_question(text) or says_status(text) or says_create_anywhere(text) or says_many_tasks(text):
        return decision  # ("مهام اليوم", "tasks for tomorrow": a list, not one task moved)
    if decision.action != "get_task" and tools.says(decision.action, text) is not False:
        return decision
    args = {"task_id": decision.args.get("task_id"), "due_date": None}
    return decision.model_copy(update={"action": "update_task", "args": args})


_TAKE_NO_DATE = ("get_task", "complete_task", "reopen_task", "delete_task")


_NAME_WORDS = 3  # a person's name, as a message writes it: "سارة", "أبو فهد", "Sara Al Harbi"


def _unsaid_person(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "اشتراك البرنامج ده أنا اللي هتابعه، حطه عليا" given to "كما أتحدث معك": an assignee written in
    the message's own script none of whose words the message says was made up by the model. The person
    the words hand the task to takes its place ("عليا": the speaker); a new task without one is the
    user's own. A name in the other script is a transliteration — "Sara" for "سارة" — and stands (it may be
    the username). Words of the message too many for a name ("…هي اللي ماشية مع مهندس محل الألعاب من
    الأول") yield to the person the words hand the task to ("بدي روان تمسك 1531 عني")."""
    name = decision.args.get("assignee")
    if decision.action not in ("assign_task", "create_task") or not isinstance(name, str) or not name.strip():
        return decision
    if name.strip().casefold() == SPEAKER:
        return decision
    if bool(AR_LETTERS.search(name)) != bool(AR_LETTERS.search(text)):
        return decision
    said = name_said(name, text)
    if said and len(name.split()) <= _NAME_WORDS:
        return decision
    person = person_target(text)
    if person is None and said:
        return decision
    if person is None and decision.action == "assign_task":
        return decision  # nobody else named: the executor's "no such person" says what it read
    return decision.model_copy(update={"args": {**decision.args, "assignee": person}})


def _denied_person(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "لا، قصدي زياد مو نواف" (no, I meant Ziad, not Nawaf) with the task handed to the person the words
    deny: the person they name instead takes it (none named: the executor asks who)."""
    name = decision.args.get("assignee")
    if decision.action not in ("assign_task", "create_task") or not isinstance(name, str):
        return decision
    # ("لحظة، مو حازم، عطها جواهر" copied as "مو حازم": the person with the word that denies them)
    copied_denied = copied_with_not(name)
    if not copied_denied and not denies_person(text, name):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "assignee": holder_or_doer(text)}})


def _no_person(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "وائل رح يستلم مهمة 421" handed to "رح" (will): an assignee that names nobody gives way to the
    person the words say takes, keeps or does the task."""
    name = decision.args.get("assignee")
    if decision.action != "assign_task" or not isinstance(name, str) or could_be_person(name):
        return decision
    person = holder_or_doer(text)
    if person is None:
        return decision
    return decision.model_copy(update={"args": {**decision.args, "assignee": person}})


_NOT_DELETE = ("complete_task", "reopen_task", "get_task")


def _said_delete(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "شيلي تاسك رفوف المكملات خالص" read as completing it, "momken tems7y task 429?" as showing it:
    words that say delete, and never the tool chosen, delete (which asks first)."""
    if decision.action not in _NOT_DELETE or tools.get("delete_task") is None:
        return decision
    if tools.says("delete_task", text) is not True or tools.says(decision.action, text) is True:
        return decision
    if decision.action == "get_task" and asks_if_done(text):
        return decision
    return decision.model_copy(
        update={"action": "delete_task", "args": {"task_id": decision.args.get("task_id")}}
    )


# A bare number right after a verb of making it so: "make 404 high priority", "set 12 to urgent".
_MAKE_NUMBER = re.compile(
    r"\b(?:make|set|mark|put|bump|flag)\s+(?:task\s+)?#?\d+\s+(?:to\s+|as\s+|up\s+to\s+)?(?:an?\s+)?"
    r"(?:high|low|normal|medium|urgent|top|important|critical)\b",
    re.IGNORECASE,
)


def _numbered_change(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "the drivers need their new schedule first thing, so make 404 high priority": a new task of a
    message that names one task's number, asks for nothing new and says a priority is that task's
    priority changed."""
    if decision.action != "create_task" or tools.get("update_task") is None:
        return decision
    # ("…need their new schedule…, so make 404 high priority": a number made a priority is that task's)
    made = _MAKE_NUMBER.search(to_latin_digits(text)) is not None
    moved = moves_a_number(text)  # "fik t2ajjel el 1028 la yom el 5amis…", "أجّل 1028 للخميس"
    if not made and (says_create_anywhere(text) or opens_with_create(text) or says_new(text)):
        return decision
    numbers = numbers_in(text)
    priority = normalize_priority(text)
    named = made or moved or names_task_number(text)
    # "مهمة ١٠١٤ أجلها للأحد، المستأجر مسافر", "fik t2ajjel el 1028 la yom el 5amis": its date moved
    dated = says_date(request_part(text)) and (moved or says_its_date(text))
    if len(numbers) != 1 or not named or (priority is None and not dated):
        return decision
    due = decision.args.get("due_date") if dated else None  # (the argument layer reads it when left out)
    if str(due).strip() == str(numbers[0]):  # the task's number copied as its date
        due = None
    args = {"task_id": str(numbers[0]), "title": None, "due_date": due, "priority": priority}
    return decision.model_copy(update={"action": "update_task", "args": args})


def _outside_title(text: str, title: str) -> str | None:
    """The message without the title that names the task, when the title is there word for word: what is
    left says the changes ("عقد شركة النظافة حطه على دلال وخل أولويته عالية" → a priority)."""
    return text.replace(title, " ") if title in text else None


def _person_as_task(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "I'll take the offsite planning myself, put it on me" read as an update of a task called "me": a
    task reference that is the very person the words hand a task to is a hand-over of the task the
    message names by its title (tools/naming.py finds it, or says none matches)."""
    ref = decision.args.get("task_id")
    if decision.action != "update_task" or not isinstance(ref, str) or tools.get("assign_task") is None:
        return decision
    person = person_target(text)
    if person is None or not ((is_self(ref) and is_self(person)) or fold(ref) == fold(person)):
        return decision
    return decision.model_copy(
        update={"action": "assign_task", "args": {"task_id": None, "assignee": person}}
    )


def _title_not_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """An update with a new title the words never ask for ("Q4 budget for finance: make it due next
    Wednesday" read as a rename to "make it due next Wednesday"; "اجعلي أولوية مهمة إعداد خطة التسويق
    منخفضة" read as a rename to the task's own name): without a verb of renaming the title is not a
    change. When the update has no task number the title is the phrase that names its task
    (tools/naming.py finds it); a priority the words say is kept."""
    title = decision.args.get("title")
    if decision.action != "update_task" or not isinstance(title, str) or not title.strip():
        return decision
    if says_rename(text):
        return decision
    args = {**decision.args, "title": None}
    if _no_task(args, text, follow_ref):
        args["task_id"] = title
    if args.get("priority") in (None, "") and (said := normalize_priority(text)) is not None:
        args["priority"] = said
    return decision.model_copy(update={"args": args})


def _update_said_other(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "امسحي مهمة طباعة الاستمارات من القائمة، ما نبيها" read as an update that changes nothing the words
    say: the one tool on a single task whose own words the message says (delete, done) acts on the task
    the update named, by its number or its title."""
    if not _empty_update(decision, tools, text):
        return decision
    said = _one_tool_said(tools, text, ("complete_task", "delete_task"))
    if said is None:
        return decision
    return decision.model_copy(update={"action": said, "args": {"task_id": decision.args.get("task_id")}})


def _several_done(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "يُرجى إغلاق المهمتين 911 و912 بعد أن…", "close 4 and 5, both signed off", "سكّر ١٢ و١٣": one
    completion where the words finish several numbered tasks and ask for nothing else — all of them
    (the bulk completion, which the user confirms)."""
    if decision.action != "complete_task" or decision.more or tools.get("complete_tasks") is None:
        return decision
    numbers = list(dict.fromkeys(numbers_in(text)))
    if len(numbers) < 2 or not says_done(text) or says_not_done(text) or asks_question(text):
        return decision
    if says_meant(text) or says_done_by_mistake(text):  # "I marked 12 done by mistake, I meant 13"
        return decision
    if says_date(text) or normalize_priority(text) is not None or person_target(text) is not None:
        return decision
    return decision.model_copy(
        update={"action": "complete_tasks", "args": {"task_ids": ", ".join(map(str, numbers))}}
    )


def _renamed(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "تجهيز قاعة الاجتماعات غيري اسمها لـ تجهيز قاعة الاجتماعات والـ projector", "the vendor list one,
    rename it to Approved vendors": a rename read as a new task, or an update that lost which task it
    renames. The words before the verb of renaming name the task (tools/naming.py finds it), those
    after the colon or "to" are the new title."""
    if decision.action not in ("create_task", "update_task") or tools.get("update_task") is None:
        return decision
    if not says_rename(text) or says_create(text) or asks_question(text) or (parts := renamed(text)) is None:
        return decision
    phrase, title = parts
    args = dict(decision.args) if decision.action == "update_task" else {}
    if decision.action == "create_task":
        args.update({k: decision.args.get(k) for k in ("due_date", "priority") if decision.args.get(k)})
    if _no_task(args, text, follow_ref):
        if not phrase:
            return decision
        args["task_id"] = phrase
    # The words after the verb are the title as the user wrote it; a model's title that is only a piece
    # of them ("صيانة سيارات الشركة" of "… وتغيير الزيت") was cut short.
    model_title = args.get("title")
    cut = (
        isinstance(model_title, str)
        and fold(model_title.strip()) in fold(title)
        and len(model_title) < len(title)
    )
    if decision.action == "create_task" or not model_title or cut:
        args["title"] = title
    return decision.model_copy(update={"action": "update_task", "args": args})


def _other_phrases(decision: Decision) -> list[str]:
    """The call's text arguments other than the task: a new title, an assignee, a comment."""
    return [v for k, v in decision.args.items() if k != "task_id" and isinstance(v, str) and v.strip()]


def _no_task(args: dict[str, object], text: str, follow_ref: int | None) -> bool:
    """No task yet: none in the arguments, no number in the message, nothing followed up on."""
    return args.get("task_id") in (None, "") and not names_task_number(text) and follow_ref is None


def _unsaid_id(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """A task number the message never says ("Q4 budget…" read as task 4, a number from an example)
    while its words name a task by title: the title names it, not the number."""
    task = parse_int(decision.args.get("task_id"))
    if task is None or task == follow_ref or task in numbers_in(text):
        return decision
    if not NAMING.query(text, skip=_other_phrases(decision)):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "task_id": None}})


def _priority_said(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "el task 33 5aliha priority 3adi" read as high: when the words say one priority and the model
    chose another, the words win (a message that says two, "high, not normal", is left to the model);
    a priority the words never say beside a date or a title that they do is dropped.
    An update that would change nothing ("la2 2asde wa6ye" with no field filled) takes the priority
    the words say."""
    if decision.action == "create_task":
        return _new_task_priority(decision, text)
    if decision.action != "update_task":
        return decision
    chosen = decision.args.get("priority")
    if chosen in (None, "") and any(decision.args.get(k) not in (None, "") for k in ("title", "due_date")):
        return decision
    said = normalize_priority(text)
    others = any(decision.args.get(k) not in (None, "") for k in ("title", "due_date"))
    if said is None and chosen not in (None, "") and others:
        # "…خليه يوم السبت بدل الأربع" moved with priority "normal" too: a filler beside the change asked
        return decision.model_copy(update={"args": {**decision.args, "priority": None}})
    if said is None or (chosen not in (None, "") and said == normalize_priority(chosen)):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "priority": said}})


def _new_task_priority(decision: Decision, text: str) -> Decision:
    """ "سوّ تاسك لمعاذ: <title>، خلها عاجلة وتسليمها بكرة" created without its priority: the one priority
    the words say outside the title is the new task's."""
    if decision.args.get("priority") not in (None, ""):
        return decision
    title = decision.args.get("title")
    outside = _outside_title(text, title) if isinstance(title, str) and title.strip() else text
    said = normalize_priority(outside) if outside is not None else None
    if said is None:
        return decision
    return decision.model_copy(update={"args": {**decision.args, "priority": said}})


def _how_question(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "how do I book the boardroom?", "كيف أحجز قاعة الاجتماعات؟": a question about how to do
    something read as the doing (a small model creates "Book the boardroom"). A question changes
    nothing: it is answered (the knowledge base says how)."""
    spec = tools.get(decision.action)
    if spec is None or decision.action in _READS or not asks_how(text) or numbers_in(text):
        return decision
    return decision.model_copy(update={"action": ANSWER, "args": {}})


# Tools that only read: a "how" question may be a request to see ("how many tasks do I have?").
_READS = ("list_tasks", "get_task", "summary_report")


def _mine(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "وريني التاسكات بتاعتي" (show me my tasks) read as the team's: the user's own words win."""
    if decision.action != "list_tasks" or decision.args.get("scope") in (None, "mine"):
        return decision
    if not says_mine(text):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "scope": "mine"}})


def _invented_id(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """A task-id action for a message that names no task and no number is a question (small models
    send "what is the capital of France?" to get_task, even with an id copied from an example) —
    unless it follows up on the task of the previous turn ("mark it done")."""
    spec = tools.get(decision.action)
    needs_id = spec is not None and "task_id" in spec.required
    if needs_id and follow_ref is None and not mentions_task(text) and not _by_title(decision, text, tools):
        return decision.model_copy(update={"action": ANSWER, "args": {}})
    return decision


def _invented_comment(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """A comment none of whose words is in the message ("I finished the client deck" read as a comment
    "invoice sent", a text from an example): the model wrote it, not the user. A message that says the
    task is done completes it; otherwise the comment is asked for. (Words are compared only within one
    script: a model may write an Arabizi comment in Arabic letters.)"""
    comment = decision.args.get("text")
    if decision.action != "add_comment" or not isinstance(comment, str) or not content_words(comment):
        return decision
    if bool(AR_LETTERS.search(comment)) != bool(AR_LETTERS.search(text)) or shares_words(comment, text):
        return decision
    if says_done(text) and tools.get("complete_task") is not None:
        return decision.model_copy(
            update={"action": "complete_task", "args": {"task_id": decision.args.get("task_id")}}
        )
    return decision.model_copy(update={"args": {**decision.args, "text": None}})


def _noted(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "zawed mola7za 3al task 1116 en el 3amila gaya testelem el torta el sa3a 7", "ضيف ملاحظة على مهمة
    312 إن المورد اتأخر", "add a note to 14 that the client called" read as a new task (its words as the
    title, a person, a date) or a change: a note on that task, as the user wrote it."""
    if decision.action == "add_comment" or tools.get("add_comment") is None:
        return decision
    found = note_on_number(text)
    if found is None:
        return decision
    task, note = found
    return decision.model_copy(update={"action": "add_comment", "args": {"task_id": str(task), "text": note}})


def _comment_as_written(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "حط ملاحظة على مهمة 312: الأسعار الجديدة بتبلش أول الشهر": the note is what follows the colon, as
    the user wrote it; a model copying it drops an article or a word ("أسعار الجديدة…"). Only when the
    model's note is a copy of that text (two thirds of its words are there): a note that takes words from
    elsewhere in the message stays."""
    comment = decision.args.get("text")
    if decision.action != "add_comment" or not isinstance(comment, str) or ":" not in text:
        return decision
    written = text.split(":", 1)[1].strip()
    noted = content_words(comment)
    copied = len(noted & content_words(written)) * 3 >= 2 * len(noted)
    if not written or written == comment.strip() or not noted or not copied:
        return decision
    return decision.model_copy(update={"args": {**decision.args, "text": written}})


def _by_title(decision: Decision, text: str, tools: ToolRegistry | None = None) -> bool:
    """A command that names its task by words of the title ("mark the slides one done", "خلصت حق
    العقد", "أجّل حجز الفندق للاتنين", "فاتورة الكهرباء خلها اولوية منخفضة"): the model put a phrase of
    the message in the id; or the message has words that could be a title and says what to do — a task
    done or reopened, the change itself (a new date, priority, assignee, comment the model read), or the
    words of the chosen tool (tools/naming.py then finds the task, or says none matches). Showing a task
    is left out: questions reach get_task with a phrase too."""
    if decision.action == "get_task":
        return False
    others = _other_phrases(decision)
    if not NAMING.query(text, skip=others):
        return False
    if others or (tools is not None and tools.says(decision.action, text) is True):
        return True
    if decision.action == "update_task" and says_date(text):  # the change is the date the words say
        return True
    phrase = decision.args.get("task_id")
    named = NAMING.query(phrase) if isinstance(phrase, str) else []
    said = set().union(*(forms(w) for w in NAMING.query(text)))
    if named and all(forms(w) & said for w in named):  # by stems: "Plan the team offsite" in "…planning"
        return True
    # Without other arguments the skipped query above is the message's own words: not empty.
    return says_done(text) or says_reopen(text)


def _reopen(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "reopen 23", "رجّعي المهمة ٢٣ مفتوحة", "it's not done anymore": small models read a bare number
    as "show task 23", pick an update that changes nothing, or hear "done" and complete it."""
    if tools.get("reopen_task") is None:
        return decision
    # "12 is not done yet" or "I closed 12 by mistake" read as "complete it": the words take the completion
    # back. (A question, "is 12 not done yet?", asks; "I meant 13" is the wrong task, `_wrong_task`.)
    taken_back = decision.action == "complete_task" and not asks_question(text) and not says_meant(text)
    taken_back = taken_back and (says_not_done(text) or says_done_by_mistake(text))
    if not (says_reopen(text) or taken_back):
        return decision
    if decision.action in ("get_task", "complete_task") or _empty_update(decision, tools, text):
        return decision.model_copy(
            update={"action": "reopen_task", "args": {"task_id": decision.args.get("task_id")}}
        )
    return decision


def _empty_update(decision: Decision, tools: ToolRegistry, text: str | None = None) -> bool:
    """An update that changes none of what the spec says an update changes (its `needs_one_of`) — or,
    given the message, changes only a priority or a date its words never say (a model's filler)."""
    spec = tools.get("update_task")
    if decision.action != "update_task" or spec is None or spec.needs_one_of is None:
        return False
    changes = {k for k in spec.needs_one_of.args if decision.args.get(k)}
    if text is not None and normalize_priority(text) is None:
        changes.discard("priority")
    if text is not None and not (says_date(text) or says_date(request_part(text))):
        changes.discard("due_date")
    return not changes


def _now_not_due(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "what's on my plate right now?", "وش عندي الحين؟": "now" read as a deadline (due before today
    shows only what is late). The time of speaking filters nothing."""
    if decision.action != "list_tasks" or decision.args.get("due_before") in (None, ""):
        return decision
    if not says_only_now(text):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "due_before": None}})


def _due_on_day(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "what's due on Tuesday?", "شو عندي مطلوب نهار التلات؟", "shu el matloub minni bukra?": the tasks due
    that day, not all those due by then (the late ones before it are what "what's overdue?" asks)."""
    spec = tools.get("list_tasks")
    if decision.action != "list_tasks" or spec is None or "due_after" not in spec.args:
        return decision
    if decision.args.get("overdue") is True or decision.args.get("status") == "done":
        return decision
    day = day_asked(text)
    if day is None:
        return decision
    before = decision.args.get("due_before") or day  # the model's copy of the day stays
    return decision.model_copy(update={"args": {**decision.args, "due_before": before, "due_after": day}})


def _per_person(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "who on my team has the most open tasks?", "مين عنده أكثر مهام؟", "how many open tasks do I have?",
    "قديش مهمة مفتوحة عندي؟": counts (person by person, or of one's own) read as one list, one task or a
    question for the knowledge base → the report, which counts by status and by person."""
    if decision.action not in ("list_tasks", "get_task", ANSWER) or tools.get("summary_report") is None:
        return decision
    if not (asks_per_person(text) or asks_count(text)) or names_task_number(text):
        return decision
    return decision.model_copy(update={"action": "summary_report", "args": {}})


def _whose_tasks(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "what's Laith working on?", "شو عند ليث", "مهام سارة", "shu 3and rami": one person's tasks read
    as one's own list, one task or a question for the knowledge base → the list of that person's tasks
    (the core API decides who may see them; overdue when the words say so)."""
    spec = tools.get("list_tasks")
    if (
        decision.action not in ("list_tasks", "get_task", ANSWER)
        or spec is None
        or "assignee" not in spec.args
    ):
        return decision
    person = whose_tasks(text)
    if person is None:
        return decision
    args: dict[str, object] = {"scope": "team", "assignee": person}
    if says_overdue(text):
        args["overdue"] = True
    elif says_done(text) and not says_unfinished(text):  # "what has Dan finished?": the done ones
        args["status"] = "done"
    return decision.model_copy(update={"action": "list_tasks", "args": args})


def _priority_listed(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "what are my urgent tasks?", "وريني المهام ذات الأولوية العالية", "low priority ones for the team":
    a list of the tasks of one priority — the whole list where the words ask for one level of it (or one
    task, or the knowledge base, where the words speak of tasks in the plural and name no number)."""
    spec = tools.get("list_tasks")
    if spec is None or "priority" not in spec.args or names_task_number(text):
        return decision
    shown = decision.action in ("get_task", ANSWER) and says_many_tasks(text)
    if decision.action != "list_tasks" and not shown:
        return decision
    level = listed_priority(text)
    if level is None:
        return decision
    args = {**decision.args, "priority": level} if decision.action == "list_tasks" else {"priority": level}
    return decision.model_copy(update={"action": "list_tasks", "args": args})


def _dated_not_removed(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "2ajjel task 25 la yom el a7ad" (postpone 25 to Sunday) read as a delete or a completion: a
    message that says a date and none of the chosen tool's own words moves the task to that date (the
    argument layer reads it from the message)."""
    if decision.action not in ("delete_task", "complete_task") or tools.get("update_task") is None:
        return decision
    if tools.says(decision.action, text) is not False or not says_date(text):
        return decision
    args = {"task_id": decision.args.get("task_id"), "due_date": None}
    return decision.model_copy(update={"action": "update_task", "args": args})


def _no_date_said(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "task 412 5aleeha urgent law sama7t, el zabayen bydawaro 3al vitamins": an update that changes the
    priority, with the rest of the message copied as its due date, though the message says no date —
    the priority changes and the "date" is dropped rather than quoted back as one not understood."""
    due = decision.args.get("due_date")
    if decision.action != "update_task" or not isinstance(due, str) or not due.strip():
        return decision
    if decision.args.get("priority") in (None, "") or says_date(text) or says_date(due):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "due_date": None}})


def _priority_not_done(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "خلها عاجلة" (make it urgent) read as "finish it": a message that gives a priority and never
    says the task is done changes the priority."""
    if decision.action != "complete_task" or tools.get("update_task") is None or says_done(text):
        return decision
    priority = normalize_priority(text)
    if priority is None:
        return decision
    args = {"task_id": decision.args.get("task_id"), "priority": priority}
    return decision.model_copy(update={"action": "update_task", "args": args})


def _left_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "وش باقي علي من شغل ما خلص؟" read as a done-question, "what's left for me?" as a show of one task:
    what is left to do is the user's open list."""
    if tools.get("list_tasks") is None or decision.action == "list_tasks" or not asks_whats_left(text):
        return decision
    if decision.action not in (ANSWER, "get_task", "complete_task", "complete_tasks"):
        return decision
    return decision.model_copy(update={"action": "list_tasks", "args": {"scope": "mine", "status": "open"}})


def _done_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "وش خلصت من مهام؟", "which ones did I finish?" (what have I finished?) read as "complete a task":
    a what-question with a done word that names no task number asks for the done list."""
    if tools.get("list_tasks") is None:
        return decision
    # "شو المهام اللي خلّصتها لهلأ؟" read as one task by a made-up number, or left to the knowledge base:
    # the same question when it speaks of tasks.
    shown = decision.action == "get_task" or (decision.action == ANSWER and says_many_tasks(text))
    if decision.action not in ("complete_task", "complete_tasks") and not shown:
        return decision
    if not says_done(text) or names_task_number(text) or says_overdue(text):
        return decision
    status = asks_what_status(text)  # "what should I finish first?": what is still open
    if status is None:
        return decision
    return decision.model_copy(update={"action": "list_tasks", "args": {"scope": "mine", "status": status}})


# Changes to one task that its words must say (a bare "show" of one task is not among them).
_ONE_TASK = ("complete_task", "reopen_task", "delete_task", "assign_task", "update_task", "add_comment")
# What a question may be misread as: a change to one task or several.
_CHANGES = (*_ONE_TASK, "unassign_task", "complete_tasks")


def _list_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "what's on my plate this week?", "anything I'm late on?", "اعرضلي مهامي", "وش عندي شغل؟", "وش مهام
    الفريق؟", "mahamati" left to the knowledge base (or read as a new task named by the request): a request
    to see one's own or the team's tasks is that list — late ones when the words say late, due by the
    day they say (the argument layer reads it)."""
    creating = decision.action == "create_task" and not (says_create_anywhere(text) or says_new(text))
    # A change to a task no number names, whose words never say that change ("2olli el tasks elli 3alaya"
    # read as completing task 3, its number then dropped as unsaid): the words may ask to see.
    unnamed = (
        decision.action in _ONE_TASK
        and decision.args.get("task_id") in (None, "")
        and tools.says(decision.action, text) is False
    )
    if (decision.action != ANSWER and not creating and not unnamed) or tools.get("list_tasks") is None:
        return decision
    scope = asks_for_a_list(text)
    if scope is None:
        return decision
    args: dict[str, object] = {"scope": scope}
    if says_overdue(text):
        args["overdue"] = True
    elif says_date(text):
        args["due_before"] = None
    return decision.model_copy(update={"action": "list_tasks", "args": args})


def _shown_not_new(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "warini el tasks beta3ti" (show me my tasks) read as a new task titled with the message: a message
    that opens with a verb of showing, speaks of tasks and never asks for anything new is a list."""
    if decision.action != "create_task" or tools.get("list_tasks") is None or says_create_anywhere(text):
        return decision
    if not opens_with_show(text) or not (says_many_tasks(text) or says_mine(text)):
        return decision
    return decision.model_copy(update={"action": "list_tasks", "args": {"scope": "mine"}})


def _due_asked(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "عندي شي باجر؟", "anything due tomorrow?" read as one task (a made-up number) or left to the
    knowledge base, or as a change to a task it never names ("شو المطلوب مني لبكرا؟" as a move of a
    made-up number): what is due by that day (the argument layer reads the day from the message;
    `_due_on_day` keeps that one day)."""
    if decision.action in ("list_tasks", "create_task") or tools.get("list_tasks") is None:
        return decision
    if not asks_what_is_due(text) or names_task_number(text):
        return decision
    return decision.model_copy(update={"action": "list_tasks", "args": {"scope": "mine", "due_before": None}})


def _look_not_complete(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "هل عندي مهام متأخرة؟", "ابغى اشوف المهام المتاخره حقتي" (do I have / show me my overdue tasks)
    read as "complete all my overdue tasks": a message that never says done is a question. Asking
    to see is harmless, so this errs that way."""
    if decision.action != "complete_tasks" or tools.get("list_tasks") is None or says_done(text):
        return decision
    # Overdue when the words say so: the model adds it to "what haven't I finished yet?" too. The team's
    # when they say so ("عطني مهام الفريق اللي تأخرت ومحد سكّرها").
    scope = "team" if says_team(text) else "mine"
    args = {"scope": scope, "overdue": True} if says_overdue(text) else {"scope": scope}
    return decision.model_copy(update={"action": "list_tasks", "args": args})


def _overdue_in_title(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "خلّصت تحصيل الدفعات المتأخرة، سكّرها" (I finished collecting the late payments, close it) read as
    "complete all my overdue tasks": an overdue word inside the words that name one task — no plural task
    word, no "all" or "them", and words besides it that could be a title — is that task's title, named
    by the message (tools/naming.py finds it, or says none matches)."""
    if (
        decision.action != "complete_tasks"
        or decision.args.get("task_ids")
        or tools.get("complete_task") is None
    ):
        return decision
    if not says_overdue(text) or says_many_tasks(text) or says_all(text):
        return decision
    if len([w for w in NAMING.query(text) if not says_overdue(w)]) < 2:
        return decision
    return decision.model_copy(update={"action": "complete_task", "args": {"task_id": None}})


def _its_date_not_new(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "el dental chair elli b room 3, 5alli maw3edha ba3d bukra" (make its date the day after tomorrow)
    read as a new task: a date said to be the task's own ("its deadline", "موعدها", "maw3edha") in a
    message that asks for nothing new moves the task its title names; nothing else the model filled in
    (an assignee, a priority the words do not say) is a change."""
    if decision.action != "create_task" or tools.get("update_task") is None or follow_ref is not None:
        return decision
    if not says_its_date(text) or says_create_anywhere(text) or says_new(text) or names_task_number(text):
        return decision
    if says_hand_over(text):  # "عطه دلال…، وخل موعده آخر الأسبوع": the hand-over takes the date with it
        return decision
    title = decision.args.get("title")
    if not isinstance(title, str) or not title.strip() or not says_date(text):
        return decision
    args = {"task_id": title, "due_date": decision.args.get("due_date")}
    return decision.model_copy(update={"action": "update_task", "args": args})


def _its_priority_not_new(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "el task bta3et tanzeef ezaz el wag-ha 5aleeha mosta3gela", "مهمة تنظيف الزجاج خليها مستعجلة" read
    as a new task: a task named by its title ("the task of…", "مهمة…") whose priority the words set, in a
    message that asks for nothing new, changes that task's priority (tools/naming.py finds it)."""
    if decision.action != "create_task" or tools.get("update_task") is None or follow_ref is not None:
        return decision
    if names_task_number(text) or says_create_anywhere(text) or says_new(text) or not mentions_task(text):
        return decision
    if not says_its_priority(text) or (said := normalize_priority(text)) is None:
        return decision
    return decision.model_copy(update={"action": "update_task", "args": {"task_id": None, "priority": said}})


def _meant_date(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "لا لحظة، مش بكرا، قصدي يوم الخميس، فني المصاعد ما بيقدر قبل" after a change to a task, read as a
    new task (or anything else): "I meant" with a date, and no person, priority or new task said, moves
    the task just changed to that date."""
    if follow_ref is None or tools.get("update_task") is None or decision.action == "undo_last":
        return decision
    if (meant := meant_date(text)) is None or says_create_anywhere(text) or says_new(text):
        return decision
    if person_target(text) is not None or normalize_priority(text) is not None:
        return decision
    if decision.action == "update_task" and decision.args.get("due_date") not in (None, ""):
        return decision  # the model's own date stands (the argument layer resolves it)
    return decision.model_copy(
        update={"action": "update_task", "args": {"task_id": follow_ref, "due_date": meant}, "more": []}
    )


def _handed_over(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """A task handed to a person ("move task 8 over to Sara", "ادي التاسك ٦ لمنى") read as an update
    that changes nothing, or as a new task although the message names an existing one."""
    if tools.get("assign_task") is None:
        return decision
    args = decision.args
    # "7awel el task 27 la sara", "حوليها لرامي": a hand-over read as a delete, a completion or a reopen,
    # none of whose own words the message says.
    changes = ("delete_task", "complete_task", "reopen_task")
    # "عط مهمة 427 لوائل" read as showing it: a show asks, a hand-over does not
    shown = decision.action == "get_task" and not asks_question(text)
    # "خلّي زياد يمسك مهمة 88", "لا، قصدي زياد مو نواف": who keeps or does it, said without a verb of
    # handing over, is a hand-over too.
    said = tools.says(decision.action, text)
    # "Priya will finish 31 instead of me": the words of finishing, said of someone doing it for the user
    behalf = decision.action in changes and on_my_behalf(text) and holder_or_doer(text) not in (None, SPEAKER)
    handed = behalf or (
        ((decision.action in changes and said is False) or (shown and said is not True))
        and (says_hand_over(text) or holder_or_doer(text) is not None)
    )
    if handed and (person := person_target(text)):
        return decision.model_copy(
            update={"action": "assign_task", "args": {"task_id": args.get("task_id"), "assignee": person}}
        )
    # "حوّلي تاسك ترتيب الرفوف لهدى" read as an update of a priority the words never say: a model's filler
    empty_update = _empty_update(decision, tools, text)
    existing = decision.action == "create_task" and names_task_number(text)
    # ("eddi task 817 le muath, howa fadi el naharda": the person ends the request, a reason follows)
    person = person_in_a_clause(text) if empty_update or existing else None
    if existing and not person and says_hand_over(request_part(text)):
        # (not "مهمة ١٠١٤ أجلها للأحد، المستأجر مسافر": the tenant of the reason was the model's assignee)
        person = args.get("assignee")
    if not person:
        return decision
    task_id = args.get("task_id") if empty_update else None
    if isinstance(task_id, str) and parse_int(task_id) is None and denies_person(text, task_id):
        task_id = None  # "sorry, Muath not Paolo": the person denied is no task (a follow-up's is meant)
    return decision.model_copy(
        update={"action": "assign_task", "args": {"task_id": task_id, "assignee": person}}
    )


def _after_doer(title: str, person: str) -> str:
    """ "خل سعاد تمسك حجز صيانة المكيف" copied whole as the title: what names the task is after the person
    and the verb they take it with ("حجز صيانة المكيف"), when two words or more are left."""
    words = title.split()
    folded = [fold(w) for w in words]
    if fold(person) not in folded:
        return title
    rest = words[folded.index(fold(person)) + 1 :]
    while rest and fold(rest[0]) in FUTURE_PARTICLES:  # "sara ra7 t5alles el jard"
        rest = rest[1:]
    rest = [w for w in rest[1:] if fold(w) not in ON_MY_BEHALF]  # the verb, and "for me" ("3anni")
    return " ".join(rest) if len(rest) >= 2 else title


_IT = frozenset(("it", "this", "that", "them", "these", "those"))


def _handed_by_title(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "أسندي مهمة تحديث موقع الشركة إلى خالد", "give the parking permits task to Omar": a message that
    opens by handing a task over (or says who takes, keeps or does it and asks for nothing new anywhere),
    asks for nothing new and names no number hands an existing task, named by its title — not a new task
    for that person. The model's title is the phrase that names it
    (tools/naming.py finds the task, or says none matches)."""
    if decision.action != "create_task" or tools.get("assign_task") is None or follow_ref is not None:
        return decision
    if names_task_number(text) or opens_with_create(text) or says_new(text):
        return decision
    title, person = decision.args.get("title"), decision.args.get("assignee")
    if opens_with_hand_over(text):
        person = person or person_target(text)  # "حوّلي تاسك متابعة الموافقات لدلال": the model kept no one
    elif hands_it_over(text) and not says_create_anywhere(text):
        pass  # "عقد شركة النظافة عطه دلال تتابعه، وخل موعده آخر الأسبوع": "give it", a date or not
    else:
        # "ورشة السلامة أنا بمسكها، سجلها باسمي", "the offsite, Omar will handle it": who takes, keeps or
        # does the task, in a message that asks for nothing new anywhere.
        # ("I'll handle the report tomorrow" says a date: a new task of one's own, as the model read it.)
        person = holder_or_doer(text) if not (says_create_anywhere(text) or says_date(text)) else None
    if not isinstance(title, str) or not title.strip() or not isinstance(person, str) or not person.strip():
        return decision
    title = _after_doer(title, person)
    # A date or a priority said with the hand-over (outside the title that names the task) is a second
    # change of the same task: "عقد شركة النظافة حطه على دلال وخل أولويته عالية".
    change: dict[str, object] = {}
    if says_date(text):
        change["due_date"] = decision.args.get("due_date")
    outside = _outside_title(text, title)
    if outside is not None and (priority := normalize_priority(outside)) is not None:
        change["priority"] = priority
    more = [Decision(action="update_task", args=change)] if change and tools.get("update_task") else []
    return decision.model_copy(
        update={"action": "assign_task", "args": {"task_id": title, "assignee": person}, "more": more}
    )


def _handed_in_reply(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "hmm actually no, let Omar own it", "لا خليها عند خالد" right after a task was acted on, left to
    the answer path (the model replied "I'll assign Omar" and did nothing): who keeps or does the task
    just acted on, in a message that asks nothing and names no number or other task, is a hand-over."""
    if follow_ref is None or tools.get("assign_task") is None:
        return decision
    # ("la2 estanna, raga3ha leya tani" read as a new task: the message asks for nothing new)
    unasked_new = decision.action == "create_task" and not says_new(text)
    if decision.action != ANSWER and not unasked_new:
        return decision
    if asks_question(text) or names_task_number(text) or says_create_anywhere(text):
        return decision
    person = holder_or_doer(text)
    if person is None:
        return decision
    return decision.model_copy(
        update={"action": "assign_task", "args": {"task_id": follow_ref, "assignee": person}}
    )


def _handed_unnamed(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "خلّ ناصر يتكفّل بحجز السطحة" read as completing a made-up number (dropped, so nothing was left to
    do): who takes a task on, in a message that names no number, asks nothing, nothing new and no date,
    hands over the task the words after the person and their verb name (tools/naming.py finds it, or
    says none matches)."""
    if decision.action != ANSWER or follow_ref is not None or tools.get("assign_task") is None:
        return decision
    if names_task_number(text) or asks_question(text) or says_create_anywhere(text) or says_new(text):
        return decision
    person = holder_or_doer(text)
    if person is None or says_date(text):
        return decision
    said = text.strip(" .!،,")
    title = _after_doer(said, person)
    if title == said or fold(title.split()[0]).strip(",.") in _IT:  # "let Omar own it, …": nothing named
        return decision
    args = {"task_id": title, "assignee": person}
    return decision.model_copy(update={"action": "assign_task", "args": args})


def _recipient_not_assignee(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "a task to send the quote to Al Marai": Al Marai receives the quote, nobody is assigned. Small
    models copy the recipient into the assignee and the core API refuses an unknown person; the task
    is the user's own, and the recipient stays in its title."""
    name = decision.args.get("assignee")
    phrase = recipient(text, name) if decision.action == "create_task" and isinstance(name, str) else None
    if phrase is None:
        return decision
    args = {**decision.args, "assignee": None}
    title = args.get("title")
    if isinstance(title, str) and title.strip() and name.casefold() not in title.casefold():
        args["title"] = f"{title.strip()} {phrase}"
    return decision.model_copy(update={"args": args})


def _garbled_title(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """An Arabizi title half-transliterated by the model ("المabee3ات") is replaced by the title as the
    user wrote it ("ta2reer el mabee3at"), when the message shows where it is."""
    title = decision.args.get("title")
    if decision.action not in ("create_task", "update_task") or not isinstance(title, str):
        return decision
    if not garbled(title) or (written := title_in_message(text)) is None:
        return decision
    return decision.model_copy(update={"args": {**decision.args, "title": written}})


def _overdue(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "وريني مهامي اللي فات موعدها", "my overdue stuff": a list the words call overdue is the overdue
    list — not the done one (a small model maps "late / past" to status done), unless they say done."""
    # An overdue question about one's own work that fell to the answer path (its made-up number
    # dropped): "في إشي عندي فات موعده؟" asks for the same list.
    # "وريني المتأخرين", "farjini el mit2akhrin": nothing but the words of asking to see them, too, whatever
    # the model made of them (a new task titled with the whole message).
    only = asks_for_late_only(text) and not says_create_anywhere(text)
    asked = (decision.action == ANSWER and asks_question(text) and says_mine(text)) or (
        decision.action in (ANSWER, "create_task") and only
    )
    shown = decision.action == "get_task" or asked
    if shown and tools.get("list_tasks") is not None and says_overdue(text):
        # "shu el mahamat el mt2a5ra 3ndi?": one task shown by a number the message never says (the 3 of
        # an Arabizi word): the overdue list it asks for.
        if not numbers_in(text) and not says_done(text):
            return decision.model_copy(
                update={"action": "list_tasks", "args": {"scope": "mine", "overdue": True}}
            )
        return decision
    if decision.action != "list_tasks":
        return decision
    if decision.args.get("overdue") is True:
        if says_overdue(text):
            return decision
        # "في مهام باقية عليي؟" (anything left on me?): late is what the words say, not what a model adds
        args = {k: v for k, v in decision.args.items() if k != "overdue"}
        return decision.model_copy(update={"args": args})
    if not says_overdue(text) or says_done(text):
        return decision
    args = {**decision.args, "overdue": True, "status": None}
    before = args.get("due_before")
    if isinstance(before, str) and says_overdue(before):  # "shay mit2akhar" copied as the date: no date
        args["due_before"] = None
    return decision.model_copy(update={"args": args})


def _open_by_default(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "what's on my plate?", "شنو المهام اللي علي؟", "eh elly 3alaya": a list whose words ask for no
    status is the work still to do (a finished task is on nobody's plate); the finished ones are listed
    when the words say done."""
    if decision.action != "list_tasks" or decision.args.get("status") not in (None, ""):
        return decision
    if decision.args.get("overdue") is True or says_done(text):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "status": "open"}})


def _unfinished(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "show me what the team hasn't finished", "وش باقي علي", "المهام اللي ما خلصت": a list of tasks
    the words call unfinished is the open list — a small model hears "finished" and lists the done ones."""
    if decision.action != "list_tasks" or decision.args.get("status") != "done" or not says_unfinished(text):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "status": "open"}})


def _wanted_not_person(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "ابي اسوي تقرير المبيعات", "بدي خلص المهمة": the verb after a verb of wanting copied as the
    assignee. Nobody is named then; an assignment with nobody asks who."""
    assignee = decision.args.get("assignee")
    if not isinstance(assignee, str) or not wanted_not_person(text, assignee):
        return decision
    return decision.model_copy(update={"args": {**decision.args, "assignee": None}})


def _several_changes(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "make task 7 urgent and give it to Omar", "أسند المهمة ٩ لسارة وخليها عاجلة وبكرة": every field the
    message names is changed, not only the one the router picked. An update gets the priority the words
    say and a hand-over as a second call; an assignment gets the priority and due date as an update.
    (A due date the words say is read by the argument layer when the update leaves it empty.)"""
    if decision.action not in ("update_task", "assign_task") or not joins_changes(text):
        return decision
    task = decision.args.get("task_id")
    # The words of a title that names the task are not a change ("the urgent complaints one, give it to Omar")
    said = text
    if isinstance(task, str) and any(c.isalpha() for c in task):
        said = _outside_title(text, task) or text
    priority = normalize_priority(said)
    if decision.action == "update_task":
        args = dict(decision.args)
        if args.get("priority") in (None, "") and priority is not None:
            args["priority"] = priority
        more = list(decision.more)
        person = person_in_a_clause(text) if says_hand_over(text) and tools.get("assign_task") else None
        if person and not any(d.action == "assign_task" for d in more):
            more.append(Decision(action="assign_task", args={"task_id": task, "assignee": person}))
        return decision.model_copy(update={"args": args, "more": more})
    if tools.get("update_task") is None or any(d.action == "update_task" for d in decision.more):
        return decision
    # ("…، هو اليوم بالموقع": a day said in the reason is no second change)
    if priority is None and not says_date(request_part(said)):
        return decision
    update = Decision(action="update_task", args={"task_id": task, "priority": priority, "due_date": None})
    return decision.model_copy(update={"more": [*decision.more, update]})


def _unassigned(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "unassign task 7", "take me off the budget task", "شيل اسمي من مهمة الجرد", "خليها بدون مسؤول":
    the task left with nobody (`unassign_task`). That tool is never offered to the model (tools.yaml:
    `routed: false`), so the router reads these as a hand-over — to the very person to take off —, an
    update or a question. The task is the one number the message says, else the model's phrase for it
    (a title), else the follow-up's (the agent fills it)."""
    if tools.get("unassign_task") is None or not says_unassign(text):
        return decision
    said, task = numbers_in(text), decision.args.get("task_id")
    if len(said) == 1:
        task = said[0]
    elif parse_int(task) is not None and parse_int(task) not in said and parse_int(task) != follow_ref:
        task = None  # a number the message never says
    return decision.model_copy(update={"action": "unassign_task", "args": {"task_id": task}, "more": []})


def _undo(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "undo that", "تراجع", "رجّعها زي ما كانت", "raje3ha": the user's own last change reverted
    (`undo_last`). The undo tool is never offered to the model (tools.yaml: `routed: false`), so the
    router reads these as something else — a reopen, an update that changes nothing, a question; and a
    model that names the undo tool for a message that does not ask for an undo is not followed."""
    if tools.get("undo_last") is None:
        return decision
    if says_undo(text) or _undo_with_reason(tools, text):
        return decision.model_copy(update={"action": "undo_last", "args": {}})
    if decision.action == "undo_last":
        return decision.model_copy(update={"action": ANSWER, "args": {}})
    return decision


def _undo_with_reason(tools: ToolRegistry, text: str) -> bool:
    """ "actually undo that, he hasn't picked it up yet", "لحظة، تراجع عن اللي سويته، المصنع ما أكّد": an
    undo (after a "wait" or not), then clauses that only give the reason — no number, date, priority or
    person, and no tool's words unless the clause opens as a reason ("he cancelled on us…"); a second
    change ("undo that and make it high") is not an undo alone."""
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    for cut in range(1, len(clauses)):
        if not says_undo(" ".join(clauses[:cut])):
            continue
        reasons = clauses[cut:]
        said = " ".join(reasons)
        # (a count in the reason is no task: "undo that - the mill only sent 25 sacks")
        if names_task_number(said) or any(is_bare_number(r) for r in reasons):
            return False
        if says_date(said) or normalize_priority(said) is not None:
            return False
        if any(person_target(r) is not None for r in reasons):
            return False
        return all(is_reason(r) or not any(tools.says(spec.name, r) for spec in tools) for r in reasons)
    return False


_CLAUSE = re.compile(r"\s*[,،;.!؛]+\s*|\s+[-\u2013\u2014]+\s+")


def _wrong_task(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
    """ "لا غلطت، قصدي ٣٢ مش ٣١" (or "la2 mish di, 32 a2sod") right after task 31 was changed: the change
    went to the wrong task. The user's last change is undone (`undo_last`: task 31 as it was) and the
    change is made to 32 (the agent repeats the change just made, unless the message says its own)."""
    found = meant_instead(text)
    if found is None or follow_ref is None or tools.get("undo_last") is None:
        return decision
    meant, denied = found
    if (denied is not None and denied != follow_ref) or meant == follow_ref:
        return decision
    if decision.action == "undo_last" or (decision.action != ANSWER and tools.get(decision.action) is None):
        return decision
    # Read as a question ("…اللي عايزة أأجله 1034 مش 1039، سيب 1039 على ميعادها": "its date" asked
    # nothing): the change just made is what is meant (the agent's `_redo_as_before` puts it back).
    said = decision if decision.action != ANSWER else Decision(action="update_task", args={})
    redo = said.model_copy(update={"args": {**said.args, "task_id": meant}, "more": []})
    return Decision(action="undo_last", args={}, more=[redo, *decision.more])


CORRECTIONS = (
    _question_not_task,  # first: the list rules below read the question it answers
    _done_asked,  # before the question rules: "what did I finish?" is a list, not nothing
    _left_asked,
    _due_asked,
    _list_asked,
    _shown_not_new,
    _how_question,
    _status_question,
    _done_question,
    _asked_not_changed,
    _quantity_asked,
    _shown_not_changed,
    _who_holds,
    _new_task,
    _said_not_new,
    _unsaid_id,
    _dated_not_shown,  # before _invented_id: a task named by its title and a date is an update
    _renamed,
    _person_as_task,  # before _title_not_asked: the title is the task the person takes
    _title_not_asked,
    _update_said_other,
    _several_done,
    _invented_id,
    _said_delete,
    _numbered_change,
    _list_asked,  # again: a command on an id the words never said ("3" of "3tni") may be the request to see
    _noted,
    _invented_comment,
    _comment_as_written,
    _reopen,
    _priority_not_done,
    _no_date_said,
    _look_not_complete,
    _overdue_in_title,
    _its_date_not_new,
    _its_priority_not_new,
    _meant_date,
    _handed_over,
    _handed_by_title,
    _handed_in_reply,
    _handed_unnamed,
    _dated_not_removed,  # after the hand-overs: its update names only the date the message says
    _unsaid_person,
    _denied_person,
    _no_person,
    _recipient_not_assignee,
    _mine,
    _now_not_due,
    _due_on_day,
    _per_person,
    _whose_tasks,
    _priority_listed,
    _garbled_title,
    _overdue,
    _unfinished,
    _open_by_default,
    _wanted_not_person,
    _priority_said,
    _several_changes,
    _unassigned,  # after the hand-overs: "take Sara off 7" names Sara, to take off, not to hand to
    _beyond_record,  # late: a question of what no record holds changes nothing, whatever was read
    _yes_no_asked,
    _undo,  # an undo request is an undo, whatever an earlier rule made of it
    _wrong_task,  # after _undo: the undo it asks for is the correction's own
)
