"""Surface cues read in code: follow-ups, questions, small talk, "remember that", who "my manager" is
(agent/cues.py), and the task pack's cues of its commands (tools/packs/tasks/cues.py)."""

from __future__ import annotations

import pytest

from agent.cues import is_question, is_small_talk, person_from_facts, refers_back, remember_request
from tools.packs.tasks.cues import (
    garbled,
    opens_with_create,
    person_target,
    recipient,
    says_done,
    says_mine,
    says_reopen,
    title_in_message,
)


@pytest.mark.parametrize(
    "text",
    [
        "and assign it to Omar",
        "ok, mark it done",
        "what's its due date?",
        "push that to Sunday",
        "وأسندها إلى خالد",
        "تمام، علّمها منجزة",  # shadda on the verb
        "خلّها عاجلة",
        "متى موعدها؟",
        "نفس المهمة بكرة",
        "w kaman 7otaha high",
        "then close them",
        "no sorry, I meant Monday",  # a correction is about the task just changed
        "لا، أقصد الأولوية منخفضة",
        "la2 2asdi rami mesh sara",
        "no wait, thursday",  # an opening "no" or "wait" with a few words corrects the turn before
        "لا، الخميس",
        "la2 bokra",
        "استنى غلطت بالاسم، سلمى مو ريم",  # owning up, then who was meant instead of whom
        "my mistake - Dana, not Rita",
        "sorry, Dana not Rita - Rita's off today",  # a reason after the correction
        "la2 estanna, raga3ha leya tani",  # Arabizi "again"
    ],
)
def test_follow_ups_refer_back(text: str) -> None:
    assert refers_back(text)


@pytest.mark.parametrize(
    "text",
    [
        "Add a task to review the contract",
        "أضف مهمة مراجعة العقد",
        "show my tasks",
        "وش المهام المتأخرة",
        "hello",
        "no",  # a bare "no" corrects nothing
        "no, show me all my tasks for the whole week",  # more than a correction
        "غلطت في الحساب امبارح",  # owning up to something, with nothing said instead
    ],
)
def test_new_requests_do_not_refer_back(text: str) -> None:
    assert not refers_back(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How long is a link code valid", True),
        ("متى يصرف الراتب", True),
        ("ezay a3mel link", True),
        ("وكيف أربط رقمي", True),
        ("is it done?", True),
        ("Add a task for Omar", False),
        ("", False),
        ("أضف مهمة", False),
    ],
)
def test_questions(text: str, expected: bool) -> None:
    assert is_question(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks a lot!", True),
        ("السلام عليكم", True),
        ("شكراً جزيلاً", True),
        ("good morning everyone", True),
        ("thanks, now add a task", False),
        ("", False),
        ("hi hi hi hi hi hi hi", False),  # too long to be only a greeting
    ],
)
def test_small_talk(text: str, expected: bool) -> None:
    assert is_small_talk(text) is expected


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Remember that I prefer short answers", "I prefer short answers"),
        ("please note: my team meets on Sundays.", "my team meets on Sundays"),
        ("تذكر أنني أفضل الردود القصيرة", "أفضل الردود القصيرة"),
        ("احفظ: مديري هو خالد", "مديري هو خالد"),
        ("remember to call Omar tomorrow", None),  # a reminder: a task, not a fact
        ("remember it", None),  # too short to be a fact
        ("what do you remember?", None),
        ("note on 41: they asked for a revised PO number", None),  # a comment on task 41
        ("note for task 7 - waiting for legal", None),
    ],
)
def test_remember_requests(text: str, fact: str | None) -> None:
    assert remember_request(text) == fact


FACTS = [
    "I prefer short answers",
    "Omar is my manager",  # the other way round: not "<relation> is <name>"
    "My manager is Omar Hassan.",
    "زميلتي في مشروع العميل الجديد هي منى عادل",
    "مديرنا اسمه خالد الشمري",
]


@pytest.mark.parametrize(
    ("phrase", "person"),
    [
        ("my manager", "Omar Hassan"),
        ("My Manager", "Omar Hassan"),
        ("زميلتي في المشروع", "منى عادل"),
        ("لزميلتي في مشروع العميل الجديد", "منى عادل"),
        ("مديرنا", "خالد الشمري"),
        ("Omar", None),  # a name is not looked up
        ("my colleague", None),  # nothing said about them
        ("مديري", None),  # "مديرنا" (our manager) is someone else's relation
        ("my", None),
    ],
)
def test_person_from_facts(phrase: str, person: str | None) -> None:
    assert person_from_facts(phrase, FACTS) == person


def test_person_needs_a_fact_whose_answer_is_a_name() -> None:
    assert person_from_facts("my manager", ["My manager is my uncle"]) is None
    assert person_from_facts("my manager", []) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reopen 23", True),
        ("Re-open task 5, it's not finished", True),
        ("can you reopen 23?", True),
        ("رجّعي المهمة ٢٣ مفتوحة، باقي فيها شغل", True),
        ("افتحها تاني", True),
        ("أعد فتح المهمة ٥", True),
        ("open it again", True),
        ("efta7ha tany", True),
        ("show task 23", False),
        ("فتحت الملف؟", False),
        ("the opening of the new office, task 5", False),
        ("رجعلي بكرة", False),
        ("", False),
    ],
)
def test_says_reopen(text: str, expected: bool) -> None:
    assert says_reopen(text) is expected


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("move task 8 over to Sara", "Sara"),
        ("move task 3 to Omar Hassan.", "Omar Hassan"),
        ("حوّل المهمة ٩ لخالد", "خالد"),
        ("ادي التاسك ٦ لمنى", "منى"),
        ("عطها على أبو فهد", "أبو فهد"),
        ("Move task 21 to next Tuesday", None),  # a date
        ("push it to Sunday", None),
        ("أجّل المهمة ١٥ لبكرة", None),
        ("حوّل المهمة ٥ إلى الأسبوع الجاي", None),
        ("assign it to me", "me"),  # the speaker: the executor sends the linked user
        ("give task 4 to the team", None),
        ("show my tasks", None),
    ],
)
def test_person_target(text: str, person: str | None) -> None:
    assert person_target(text) == person


@pytest.mark.parametrize(
    ("text", "name", "phrase"),
    [
        ("make a task for me to send the revised quote to Al Marai by Sunday", "Al Marai", "to Al Marai"),
        ("remind me to email the slides to sara", "Sara", "to sara"),
        ("أضف مهمة إرسال العرض إلى المراعي يوم الأحد", "المراعي", "إلى المراعي"),
        ("ذكرني أبعت العرض للمراعي بكرة", "المراعي", "للمراعي"),
        ("ابعت التقرير لخالد بكرة", "خالد", "لخالد"),
        ("add a task for Sara to review the contract", "Sara", None),  # for Sara: she does it
        ("assign the report to Omar", "Omar", None),  # no transfer verb
        ("send the invoice and assign it to Omar", "Omar", None),
        ("send the quote to Al Marai", "Omar", None),  # the name is not in the message
        ("Omar should send it", "Omar", None),  # the name opens the message
        ("send the quote to Al Marai", "", None),
    ],
)
def test_recipient(text: str, name: str, phrase: str | None) -> None:
    assert recipient(text, name) == phrase


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("زيد مهمة نحضّر العرض", True),
        ("Please add: call the bank", True),
        ("change task 5 title", False),
        ("", False),
    ],
)
def test_opens_with_create(text: str, expected: bool) -> None:
    assert opens_with_create(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وريني التاسكات بتاعتي", True),
        ("what's overdue for me", True),
        ("show my team's tasks", False),
        ("مهام فريقي", False),
        ("show me all tasks", False),
        ("list tasks", False),
    ],
)
def test_says_mine(text: str, expected: bool) -> None:
    assert says_mine(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mark 42 done", True),
        ("خلصت المهمة ٤٢", True),
        ("5alast", True),
        ("خلها عاجلة", False),
        ("make it urgent", False),
    ],
)
def test_says_done(text: str, expected: bool) -> None:
    assert says_done(text) is expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [("تخصيص المabee3ات", True), ("iPhone تصليح", False), ("review the contract", False), ("مراجعة", False)],
)
def test_garbled(title: str, expected: bool) -> None:
    assert garbled(title) is expected


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("zeed task jdeeda: ta2reer el mabee3at bokra", "ta2reer el mabee3at"),
        ("add a task review the contract on thursday", "review the contract"),
        ("ضيف مهمة جديدة مراجعة العقد يوم الخميس", "مراجعة العقد"),
        ("zeed task jdeeda ta2reer el mabee3at ba3d bokra", "ta2reer el mabee3at"),
        ("remind me to call mom", None),  # no colon, no "task": nothing to point at
        ("task: tomorrow", None),  # only a date
    ],
)
def test_title_in_message(text: str, title: str | None) -> None:
    assert title_in_message(text) == title
