"""A question a task's record cannot answer ("who had it before?", "why is it late?", "how much did it
cost?") — against the real core API, the router scripted: the task is shown after a line saying its record
does not say, whatever the router read, and nothing changes (agent `not_in_record`, pack correction
`beyond_record`)."""

from __future__ import annotations

from base.turn import TextPart
from tests.coreapi.chat import Chat
from tests.tools.test_second_domain import routed

UNKNOWN_EN = "I don't know — the task's record doesn't say."


async def holder(chat: Chat, task_id: int) -> object:
    return (await chat.api.fetch("SELECT assignee_id FROM tasks WHERE id = :i", i=task_id))[0][0]


async def said(chat: Chat, text: str) -> str:
    parts = await chat.say(text)
    assert len(parts) == 1 and isinstance(parts[0], TextPart), parts
    return parts[0].text


async def test_the_record_is_shown_with_a_line_saying_it_does_not_say(chat: Chat) -> None:
    routed(chat.model, "get_task", task_id=str(chat.b))
    reply = await said(chat, f"who had task {chat.b} before Sara?")
    assert reply.startswith(UNKNOWN_EN) and "Call the supplier" in reply
    assert chat.agent.traces[-1].rules[-1:] == ["not_in_record"]


async def test_a_question_read_as_a_hand_over_changes_nothing(chat: Chat) -> None:
    before = await holder(chat, chat.b)
    routed(chat.model, "assign_task", task_id=str(chat.b), assignee="Mona")
    reply = await said(chat, f"who had task {chat.b} before Mona?")
    assert await holder(chat, chat.b) == before  # still Sara's
    assert reply.startswith(UNKNOWN_EN) and "Call the supplier" in reply
    trace = chat.agent.traces[-1]
    assert trace.action == "get_task" and trace.routed_action == "assign_task"
    assert {"tasks.beyond_record", "not_in_record"} <= set(trace.rules)


async def test_a_task_with_notes_says_nothing_beyond_them(chat: Chat) -> None:
    routed(chat.model, "update_task", task_id=str(chat.a))
    reply = await said(chat, f"why is task {chat.a} still open?")
    assert reply.startswith("I don't know more than what the task's record and its notes say")
    assert "ask for a quote" in reply and await chat.status(chat.a) == "open"


async def test_a_question_the_record_answers_has_no_such_line(chat: Chat) -> None:
    routed(chat.model, "get_task", task_id=str(chat.b))
    reply = await said(chat, f"when is task {chat.b} due?")
    assert "Call the supplier" in reply and "don't know" not in reply
    assert "not_in_record" not in chat.agent.traces[-1].rules


async def test_a_task_named_by_its_title_is_shown_with_the_line(chat: Chat) -> None:
    routed(chat.model, "answer")
    reply = await said(chat, "how much did the chairs order cost us?")
    assert reply.startswith("I don't know more than") and "Order chairs" in reply
    assert chat.agent.traces[-1].rules[-2:] == ["shown_by_title", "not_in_record"]


async def test_in_arabic(chat: Chat) -> None:
    routed(chat.model, "list_tasks", scope="team", overdue=True)
    reply = await said(chat, f"ليش المهمة {chat.b} متأخرة؟")
    assert reply.startswith("لا أعرف — سجل المهمة لا يذكر ذلك.") and "Call the supplier" in reply


async def test_the_line_can_be_switched_off(chat: Chat) -> None:
    chat.agent.rules_off = frozenset({"not_in_record"})
    routed(chat.model, "get_task", task_id=str(chat.b))
    reply = await said(chat, f"who had task {chat.b} before Sara?")
    assert "don't know" not in reply and "Call the supplier" in reply


async def test_the_detail_view_says_when_a_task_is_overdue(chat: Chat) -> None:
    late = chat.api.task(1)  # Sara's, due two days ago
    routed(chat.model, "get_task", task_id=str(late))
    assert "⚠️ overdue" in await said(chat, f"is task {late} late?")
    routed(chat.model, "get_task", task_id=str(chat.b))  # due in three days
    assert "overdue" not in await said(chat, f"is task {chat.b} late?")
