"""Did you mean…? The router's choice and the words disagree ("I finished task 5" read as a delete):
the bot offers the readings instead of guessing, and acts on a tap, a typed pick, or words that say one."""

from __future__ import annotations

import pytest

from base.catalog import t
from base.turn import ButtonsPart
from tests.coreapi.chat import Chat, turn
from tests.tools.test_second_domain import routed
from tools.confirm import CONFIRM
from tools.packs.tasks.cues import says_delete
from tools.registry import ToolRegistry


async def status(chat: Chat, task_id: int) -> str:
    found = await chat.api.client("mona").get(f"/tasks/{task_id}")
    return str(found.json()["status"]) if found.status_code == 200 else "gone"


async def misread(chat: Chat, text: str) -> ButtonsPart:
    routed(chat.model, "delete_task", task_id=str(chat.a))  # the router reads "finished" as delete
    parts = await chat.say(text)
    assert len(parts) == 1 and isinstance(parts[0], ButtonsPart), parts
    assert chat.agent.traces[-1].outcome == "did_you_mean"
    assert chat.agent.traces[-1].rules == ["did_you_mean"]
    return parts[0]


async def test_the_readings_are_offered_and_nothing_is_done(chat: Chat) -> None:
    asked = await misread(chat, f"I finished task {chat.a}")
    assert asked.text == t("mean.question", "en")
    assert [b.title for b in asked.buttons] == [
        t("tool.complete_task.button", "en", id=chat.a),
        t("tool.delete_task.button", "en", id=chat.a),
    ]
    assert await status(chat, chat.a) == "open"


async def test_a_tap_runs_the_reading(chat: Chat) -> None:
    asked = await misread(chat, f"I finished task {chat.a}")
    parts = await chat.router.respond(turn("✅", payload=asked.buttons[0].id))
    assert parts[0].text == t("tool.complete_task.reply", "en", id=chat.a)  # type: ignore[union-attr]
    assert await status(chat, chat.a) == "done"
    again = await chat.router.respond(turn("✅", payload=asked.buttons[0].id))
    assert again[0].text == t("mean.expired", "en")  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", ["1", "the first one", "الأول", "yes it's done"])
async def test_a_typed_pick_runs_the_reading(chat: Chat, answer: str) -> None:
    await misread(chat, f"خلصت المهمة {chat.a}")
    asked = len(chat.model.requests)
    await chat.say(answer)
    assert await status(chat, chat.a) == "done" and len(chat.model.requests) == asked


async def test_words_for_the_other_reading_still_ask_to_confirm_a_delete(chat: Chat) -> None:
    await misread(chat, f"I finished task {chat.a}")
    parts = await chat.say("no, delete it")
    assert isinstance(parts[0], ButtonsPart) and parts[0].buttons[0].id.startswith(CONFIRM)
    assert await status(chat, chat.a) == "open"


async def test_anything_else_lets_the_readings_lapse(chat: Chat) -> None:
    await misread(chat, f"I finished task {chat.a}")
    routed(chat.model, "list_tasks", scope="mine")
    parts = await chat.say("show me my tasks")
    assert "Order chairs" in parts[0].text and await status(chat, chat.a) == "open"  # type: ignore[union-attr]
    chat.model.reply_text('{"action": "answer"}')
    chat.model.reply_text("1 what?")
    parts = await chat.router.respond(turn("1"))  # nothing waits any more: "1" goes to the agent
    assert chat.agent.traces[-1].outcome != "did_you_mean" and await status(chat, chat.a) == "open"


async def test_when_the_words_agree_or_the_rule_is_off_the_choice_stands(chat: Chat) -> None:
    routed(chat.model, "delete_task", task_id=str(chat.a))
    parts = await chat.say(f"delete task {chat.a}")
    assert isinstance(parts[0], ButtonsPart) and parts[0].buttons[0].id.startswith(CONFIRM)
    await chat.executor.confirmations.cancel("966500000011")
    chat.agent.rules_off = frozenset({"did_you_mean"})
    routed(chat.model, "delete_task", task_id=str(chat.a))
    parts = await chat.say(f"I finished task {chat.a}")
    assert isinstance(parts[0], ButtonsPart) and parts[0].buttons[0].id.startswith(CONFIRM)


@pytest.mark.parametrize("text", ["delete task {id}", "امحي مهمة {id}", "e7zef task {id}"])
async def test_a_delete_the_words_say_asks_its_own_confirmation(chat: Chat, text: str) -> None:
    """Read as "mark it done" while the words say only delete: the delete's confirmation is the question
    (one question, not a did-you-mean and then a confirmation; the pack's `said_delete` reads the words
    before the agent would offer readings); nothing changes until it is confirmed."""
    routed(chat.model, "complete_task", task_id=str(chat.a))
    parts = await chat.say(text.format(id=chat.a))
    assert isinstance(parts[0], ButtonsPart) and parts[0].buttons[0].id.startswith(CONFIRM), parts
    trace = chat.agent.traces[-1]
    assert trace.action == "delete_task" and trace.routed_action == "complete_task"
    assert trace.rules == ["tasks.said_delete"] and trace.outcome == "confirm"
    assert await status(chat, chat.a) == "open"
    confirmed = await chat.router.respond(turn("✅", payload=parts[0].buttons[0].id))
    assert confirmed and await status(chat, chat.a) == "gone"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("delete task 7", True), ("please remove 12", True), ("احذف المهمة ٧", True), ("احذفها", True),
        ("امسح التاسك ٦", True), ("شيلها", True), ("e7zefha", True), ("emsa7 task 4", True),
        ("mark 7 done", False), ("خلصت المهمة", False), ("show task 7", False),
    ],
)  # fmt: skip
def test_the_words_of_a_delete(text: str, says: bool) -> None:
    assert says_delete(text) is says


def test_other_readings() -> None:
    registry = ToolRegistry.shipped()
    assert registry.other_readings("delete_task", "I finished task 7") == ["complete_task", "complete_tasks"]
    assert registry.other_readings("delete_task", "delete task 7") == []
    assert registry.other_readings("complete_task", "شيل المهمة ٥") == ["delete_task"]
    assert registry.other_readings("get_task", "I finished task 7") == []  # no words for it: no doubt
    assert registry.other_readings("complete_task", "make task 7 urgent") == []  # nothing else said
