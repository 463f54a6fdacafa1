"""A confirmation answered in words instead of a tap, against the real core API over loopback: yes and no
are read in code (agent/assent.py), a clear new command lets the question lapse, anything else keeps it
open — and a typed answer never becomes a different change of the task the question is about."""

from __future__ import annotations

import pytest

from base.catalog import t
from base.turn import ButtonsPart
from tests.coreapi.chat import MONA, Chat, turn
from tests.tools.test_second_domain import routed
from tools.confirm import CONFIRM


@pytest.mark.parametrize("answer", ["yes", "ايوه", "تمام احذفها", "aywa", "ok go ahead 👍"])
async def test_a_typed_yes_does_what_the_tap_would(chat: Chat, answer: str) -> None:
    await chat.ask_delete(chat.a)
    asked = len(chat.model.requests)
    parts = await chat.say(answer)
    assert [p.text for p in parts] == [t("tool.delete_task.reply", "en", id=chat.a)]  # type: ignore[union-attr]
    assert not await chat.exists(chat.a) and not await chat.waiting()
    assert len(chat.model.requests) == asked  # no model was asked whether "yes" means yes


@pytest.mark.parametrize("answer", ["no", "لا", "la2 khalas", "ما ابي", "cancel it"])
async def test_a_typed_no_cancels(chat: Chat, answer: str) -> None:
    await chat.ask_delete(chat.a)
    parts = await chat.say(answer)
    assert [p.text for p in parts] == [t("reply.cancelled", "en")]  # type: ignore[union-attr]
    assert await chat.exists(chat.a) and not await chat.waiting()


async def test_an_unclear_answer_keeps_the_question_and_says_what_to_tap(chat: Chat) -> None:
    asked = await chat.ask_delete(chat.a)
    chat.model.reply_text('{"action": "answer"}')
    parts = await chat.say("hmm which one was that?")
    again = parts[0]
    assert isinstance(again, ButtonsPart) and len(parts) == 1
    assert again.text.startswith(t("confirm.still_waiting", "en")) and asked.text in again.text
    assert [b.id for b in again.buttons] == [b.id for b in asked.buttons]  # the same question
    assert await chat.exists(chat.a) and await chat.waiting()
    tapped = await chat.router.respond(turn("Confirm", payload=asked.buttons[0].id))
    assert tapped[0].text == t("tool.delete_task.reply", "en", id=chat.a)  # type: ignore[union-attr]
    assert not await chat.exists(chat.a)


async def test_a_reply_about_the_same_task_never_becomes_another_change_of_it(chat: Chat) -> None:
    await chat.ask_delete(chat.b)
    routed(chat.model, "complete_task", task_id=str(chat.b))  # the model misreads a refusal as "done"
    parts = await chat.say("finished with that, leave it alone")
    assert isinstance(parts[0], ButtonsPart) and parts[0].buttons[0].id.startswith(CONFIRM)
    assert await chat.status(chat.b) == "open" and await chat.exists(chat.b) and await chat.waiting()


async def test_a_clear_new_command_runs_and_the_question_lapses(chat: Chat) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "list_tasks", scope="mine", status="open")
    parts = await chat.say("show me my open tasks")
    assert parts[0].text == t("confirm.lapsed", "en")  # type: ignore[union-attr]
    assert "Call the supplier" in parts[1].text and "Order chairs" in parts[1].text  # type: ignore[union-attr]
    assert await chat.exists(chat.a) and not await chat.waiting()
    assert len(chat.model.requests) == 2  # the question, then one look at the new command


async def test_no_then_a_correction_asks_about_the_right_task(chat: Chat) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "delete_task", task_id=str(chat.b))
    parts = await chat.say(f"no, I meant {chat.b}")
    assert parts[0].text == t("confirm.lapsed", "en")  # type: ignore[union-attr]
    assert isinstance(parts[1], ButtonsPart) and f"#{chat.b}" in parts[1].text
    assert await chat.exists(chat.a) and await chat.exists(chat.b)
    pending = await chat.executor.confirmations.peek(MONA)
    assert pending is not None and pending.call.args == {"task_id": chat.b}


@pytest.mark.parametrize("pick", ["tap", "yes", "1"])
async def test_no_then_another_change_of_the_same_task_is_offered_not_run(chat: Chat, pick: str) -> None:
    """ "no wait, postpone it to Sunday instead" while its deletion waits: cancelled, and the change is
    offered with one tap — a reply to a question never runs a different change of the same task."""
    await chat.ask_delete(chat.a)
    routed(chat.model, "update_task", due_date="2026-11-29")  # "it": no number said
    parts = await chat.say("no wait, postpone it to 2026-11-29 instead")
    [offer] = parts
    assert isinstance(offer, ButtonsPart) and offer.text == t("confirm.instead", "en")
    assert [b.title for b in offer.buttons] == [t("tool.update_task.button", "en", id=chat.a)]
    assert await chat.exists(chat.a) and not await chat.waiting()
    assert await chat.due(chat.a) != "2026-11-29"
    if pick == "tap":
        await chat.router.respond(turn("✏️", payload=offer.buttons[0].id))
    else:
        await chat.say(pick)
    assert await chat.due(chat.a) == "2026-11-29" and await chat.exists(chat.a)


async def test_no_then_something_unclear_cancels(chat: Chat) -> None:
    await chat.ask_delete(chat.a)
    chat.model.reply_text('{"action": "answer"}')
    parts = await chat.say("no no keep it please, I still need it")
    assert [p.text for p in parts] == [t("reply.cancelled", "en")]  # type: ignore[union-attr]
    assert await chat.exists(chat.a) and not await chat.waiting()


async def test_messages_that_arrive_together_are_taken_in_order(chat: Chat) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "list_tasks", scope="mine")
    parts = await chat.say("yes", "and show me my tasks")
    assert parts[0].text == t("tool.delete_task.reply", "en", id=chat.a)  # type: ignore[union-attr]
    assert "Order chairs" not in parts[1].text and "Call the supplier" in parts[1].text  # type: ignore[union-attr]
    assert not await chat.exists(chat.a)


async def test_without_a_waiting_question_yes_changes_nothing_and_says_so(chat: Chat) -> None:
    """No question of ours waits: the agent says so in code (rule `nothing_waiting`); no model guesses."""
    parts = await chat.say("yes")
    said = parts[0].text  # type: ignore[union-attr]
    assert said in (t("reply.nothing_waiting", "en"), t("reply.nothing_waiting_ref", "en", id=chat.b))
    assert chat.model.requests == []
    assert await chat.exists(chat.a) and await chat.exists(chat.b)


async def test_a_free_text_claim_with_nothing_done_is_withheld(chat: Chat) -> None:
    chat.model.reply_text('{"action": "answer"}')  # the router misses the command…
    chat.model.reply_text("Done! I've deleted the chairs task for you.")  # …and the answer claims it
    parts = await chat.say("get rid of the chairs thing")
    assert [p.text for p in parts] == [t("reply.claim_withheld", "en")]  # type: ignore[union-attr]
    trace = chat.agent.traces[-1]
    assert trace.outcome == "clarify" and trace.withheld_claim == "Done!"
    assert trace.rules == ["withhold_claims"]  # named for the rule-benefit measure (evals/rules.py)
    assert await chat.exists(chat.a)

    chat.model.reply_text('{"action": "answer"}')
    chat.model.reply_text("To delete a task, send its number, for example: delete task 12.")
    parts = await chat.say("how do I delete a task?")
    assert parts[0].text.startswith("To delete a task")  # type: ignore[union-attr]
    assert chat.agent.traces[-1].outcome == "answered"


@pytest.mark.parametrize("answer", ["اه امسحيها", "ah yes get rid of it"])
async def test_a_weak_yes_that_names_the_waiting_action_confirms(chat: Chat, answer: str) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "delete_task")  # the message names the action and no other task
    parts = await chat.say(answer)
    assert [p.text for p in parts] == [t("tool.delete_task.reply", "en", id=chat.a)]  # type: ignore[union-attr]
    assert not await chat.exists(chat.a) and not await chat.waiting()


async def test_a_weak_yes_with_the_words_of_the_waiting_action_confirms_whatever_the_model_read(
    chat: Chat,
) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "complete_task", task_id=str(chat.a))  # a small model hears "done" in it
    parts = await chat.say("اه امسحيها")
    assert [p.text for p in parts] == [t("tool.delete_task.reply", "en", id=chat.a)]  # type: ignore[union-attr]
    assert not await chat.exists(chat.a) and await chat.status(chat.a) != "done"


@pytest.mark.parametrize(
    ("answer", "model_read"), [("امسحها", "delete_task"), ("delete it", "complete_task")]
)
async def test_the_waiting_actions_own_words_alone_confirm(chat: Chat, answer: str, model_read: str) -> None:
    """ "Delete task 7?" — "امسحها" (delete it): the question's own action, nothing else, whatever the model
    read (no number: the pack's words for the waiting action decide)."""
    await chat.ask_delete(chat.a)
    routed(chat.model, model_read)
    parts = await chat.say(answer)
    assert [p.text for p in parts] == [t("tool.delete_task.reply", "en", id=chat.a)]  # type: ignore[union-attr]
    assert not await chat.exists(chat.a) and not await chat.waiting()


async def test_another_actions_words_alone_keep_the_question(chat: Chat) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "complete_task")
    parts = await chat.say("close it")  # not the waiting delete: the question stays open
    assert isinstance(parts[0], ButtonsPart)
    assert await chat.exists(chat.a) and await chat.status(chat.a) == "open" and await chat.waiting()


async def test_a_yes_that_names_another_task_or_action_does_not_confirm(chat: Chat) -> None:
    await chat.ask_delete(chat.a)
    routed(chat.model, "delete_task", task_id=str(chat.b))  # "ah, delete the other one"
    parts = await chat.say(f"ah delete {chat.b} instead")
    assert await chat.exists(chat.a) and await chat.exists(chat.b)
    assert not any(p.text == t("tool.delete_task.reply", "en", id=chat.a) for p in parts)  # type: ignore[union-attr]

    routed(chat.model, "complete_task", task_id=str(chat.a))  # a yes-opening that is another change
    parts = await chat.say("ok mark it done")
    assert await chat.exists(chat.a) and await chat.status(chat.a) == "open"


async def test_no_then_a_reason_is_no_new_task(chat: Chat) -> None:
    """ "no, not now, still waiting for the insurer's reply" read as a new task: after a no, something new
    is made only when the words ask for it — the question is cancelled and nothing is created."""
    before = await chat.api.fetch("SELECT count(*) FROM tasks")
    await chat.ask_delete(chat.a)
    routed(chat.model, "create_task", title="still waiting for the insurer's reply")
    parts = await chat.say("no not now, still waiting for the insurer's reply")
    assert [p.text for p in parts] == [t("reply.cancelled", "en")]  # type: ignore[union-attr]
    assert await chat.api.fetch("SELECT count(*) FROM tasks") == before
    assert await chat.exists(chat.a) and not await chat.waiting()
    await chat.ask_delete(chat.a)
    routed(chat.model, "create_task", title="call the insurer")
    parts = await chat.say("no, add a task to call the insurer instead")  # the words ask for it: made
    assert parts[0].text == t("confirm.lapsed", "en")  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", ["wait, not Samir - give it to Mona instead", "لحظة، مو سمير، عطها منى"])
async def test_the_waiting_change_with_another_value_is_asked_afresh(chat: Chat, answer: str) -> None:
    """ "wait, not Samir, give it to Mona" while handing Sara's task to Samir waits: the question lapses
    and the corrected hand-over is asked in its place (Sara's task: confirmed first), then done on a yes."""
    routed(chat.model, "assign_task", task_id=str(chat.b), assignee="samir")
    [asked] = await chat.say(f"give task {chat.b} to Samir")
    assert isinstance(asked, ButtonsPart) and "samir" in asked.text.lower()
    routed(chat.model, "assign_task", assignee="mona")  # "it": the task the question is about
    parts = await chat.say(answer)
    assert parts[0].text == t("confirm.lapsed", "en")  # type: ignore[union-attr]
    assert isinstance(parts[1], ButtonsPart) and "samir" not in parts[1].text.lower()
    pending = await chat.executor.confirmations.peek(MONA)
    assert pending is not None and pending.call.args["task_id"] == chat.b
    assert pending.call.args["assignee"] != "samir"
    await chat.say("yes")
    rows = await chat.api.fetch(
        "SELECT u.username FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.id = :i", i=chat.b
    )
    assert rows[0][0] == "mona"
