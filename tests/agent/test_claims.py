"""A free-text reply of a bot with tools may not say that something was done: the runtime's claim
reader (agent/claims.py) per dialect group. The agent withholding such a reply against the real core
API: tests/coreapi/test_typed_confirmations.py."""

from __future__ import annotations

import pytest

from agent.claims import action_claim

CLAIMS = {
    "en": ["Done.", "Done ✅", "All set!", "I've deleted task 7.", "I have marked task 3 as done.",
           "Task 7 has been deleted.", "It was marked as done!", "Sure! I've assigned it to Sara.",
           "I just created a task for you: call the bank.", "I have created the task, you can see it now.",
           "Task 7 updated.", "#7 moved to Monday.", "Updated the due date to Sunday.",
           "Got it, marked as done.", "The due date is now Monday.", "Priority set to high."],
    "msa": ["تم حذف المهمة 7.", "تمت إضافة المهمة.", "لقد أكملت المهمة.", "قمت بتعديل الموعد.",
            "تم تعديل تاريخ التسليم إلى الخميس.", "تم", "أُضيفت المهمة إلى قائمتك.",
            "أصبحت المهمة منجزة."],
    "gulf": ["سويتها", "خلصتها يا طويل العمر", "مسحتها لك خلاص", "حذفتها لك.", "عدلتلك الموعد",
             "حطيتها يوم الأحد", "موعدها صار الأحد"],
    "egyptian": ["اتمسحت خلاص", "عملتهالك", "اتعملت يا باشا", "اتأجلت للأحد"],
    "levantine": ["زبطتها", "انحذفت", "مسحتلك ياها"],
    "arabizi": ["tam el 7azf", "5alastha", "sawetha ya 3am", "7azaftha", "2ageltha le yom el a7ad",
                "et3adelet"],
}  # fmt: skip
NOT_CLAIMS = [
    "Shall I delete task 7?",
    "Do you want me to delete it?",
    "I can't delete tasks here.",
    "I haven't deleted anything.",
    "Task 7 was not deleted.",
    "To delete a task, send: delete task 7.",
    "Tasks are deleted after 30 days in the trash.",
    "I would have created it but the title is missing.",
    "Hello! How can I help you today?",
    "هل تريد حذف المهمة؟",
    "لم يتم حذف المهمة.",
    "ما حذفت شي",
    "لو حذفتها ما تقدر ترجعها",
    "يمكنك إنشاء مهمة بكتابة: مهمة جديدة",
    "رصيدك من الإجازات 21 يوماً.",
    "mish 3aref",
    'Each new task gets a number, for example "Task #15 created".',
    "The priority was low last week.",
    "Completed tasks are shown at the end.",
    "You can see the tasks which I created for the team.",
    "Updated task lists are sent every morning.",
    "المهام التي أنشأتها أو أُسندت إليك.",
    "تظهر لك المهام التي أُسندت إليك.",
]


@pytest.mark.parametrize("reply", [x for xs in CLAIMS.values() for x in xs])
def test_a_reported_action_is_a_claim(reply: str) -> None:
    assert action_claim(reply) is not None


@pytest.mark.parametrize("reply", NOT_CLAIMS)
def test_questions_offers_negations_and_facts_are_not(reply: str) -> None:
    assert action_claim(reply) is None


def test_the_claiming_sentence_is_named() -> None:
    assert action_claim("Sure thing. I've deleted task 7. Anything else?") == "I've deleted task 7."


def test_a_reply_checked_again_gets_the_same_answer_from_the_cache() -> None:
    action_claim.cache_clear()
    reply = "Sure thing. I've deleted task 7. Anything else?"
    assert action_claim(reply) == action_claim(reply) == "I've deleted task 7."
    assert action_claim(reply.replace("deleted", "not deleted")) is None
    info = action_claim.cache_info()
    assert (info.hits, info.misses) == (1, 2)


CARDS = [
    "On it:\n- *Task*: team offsite planning\n- *Assignee*: You\n- *Due*: Friday",
    "**Title:** quarterly report\n**Priority:** high",
    "المهمة: تقرير المبيعات\nالمسؤول: أنت\nالأولوية: عالية",
    "• العنوان: شراء قهوة\n• الموعد: الأحد",
]
NOT_CARDS = [
    "Shall I create it?\n- Title: quarterly report\n- Due: Monday",  # offered, not shown as done
    "هل أضيفها؟\nالعنوان: شراء قهوة\nالموعد: الأحد",
    "Status: the service is up.",  # one label is a sentence, not a card
    "Title: the handbook's chapter on leave\nChapter 3 covers annual leave.",
    "A task has a title, a due date and a priority.",
]


@pytest.mark.parametrize("reply", CARDS)
def test_a_task_card_written_without_a_tool_is_a_claim(reply: str) -> None:
    claimed = action_claim(reply)
    assert claimed is not None and claimed in reply  # the card's first line, as written


@pytest.mark.parametrize("reply", NOT_CARDS)
def test_a_card_offered_or_a_single_label_is_not(reply: str) -> None:
    assert action_claim(reply) is None
