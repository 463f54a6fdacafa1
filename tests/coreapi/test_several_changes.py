"""Several changes in one message, against the real core API: every field the message names is changed,
the reply says each result, and each call has its own idempotency key (a retried turn repeats none)."""

from __future__ import annotations

from typing import Any

import orjson

from base.catalog import t
from tests.coreapi.chat import Chat
from tests.tools.test_second_domain import routed
from tools.base import ToolCall
from tools.decision import Decision
from tools.registry import ToolRegistry


async def task(chat: Chat, task_id: int) -> dict[str, Any]:
    found = await chat.api.client("mona").get(f"/tasks/{task_id}")
    return found.json()  # type: ignore[no-any-return]


async def test_an_update_and_a_hand_over_in_one_message(chat: Chat) -> None:
    # The router picks the update only; the words also hand the task over.
    routed(chat.model, "update_task", task_id=str(chat.a), priority="high")
    parts = await chat.say(f"make task {chat.a} urgent and give it to Samir")
    after = await task(chat, chat.a)
    assert after["priority"] == "high" and after["assignee"]["username"] == "samir"
    assert len(parts) == 1
    lines = parts[0].text.split("\n")  # type: ignore[union-attr]
    assert lines[-1] == t("tool.assign_task.reply", "en", id=chat.a, assignee="Samir Ali")
    trace = chat.agent.traces[-1]
    assert trace.action == "update_task" and [m["action"] for m in trace.more] == ["assign_task"]
    assert trace.more[0]["outcome"] == "executed"


async def test_an_assignment_with_a_priority_and_a_date_in_arabic(chat: Chat) -> None:
    routed(chat.model, "assign_task", task_id=str(chat.a), assignee="samir")
    await chat.say(f"أسند المهمة {chat.a} لسمير وخليها عاجلة ليوم الخميس")
    after = await task(chat, chat.a)
    assert after["assignee"]["username"] == "samir" and after["priority"] == "high"
    assert after["due_date"] is not None  # Thursday, as the argument layer reads it from the words


async def test_a_native_model_makes_parallel_calls(chat: Chat) -> None:
    def call(n: int, name: str, **args: Any) -> dict[str, Any]:
        return {"id": f"c{n}", "type": "function",
                "function": {"name": name, "arguments": orjson.dumps(args).decode()}}  # fmt: skip

    calls = [
        call(1, "update_task", task_id=chat.a, priority="low"),
        call(2, "add_comment", task_id=chat.a, text="later"),
    ]
    chat.agent.mode = "native"
    chat.model.script.append({"role": "assistant", "content": None, "tool_calls": calls})
    parts = await chat.say(f"task {chat.a}: low priority, and note 'later'")
    after = await task(chat, chat.a)
    assert after["priority"] == "low"
    comments = (await chat.api.client("mona").get(f"/tasks/{chat.a}/comments")).json()
    assert [c["text"] for c in comments][-1] == "later"
    assert len(parts[0].text.split("\n")) == 2  # type: ignore[union-attr]


async def test_a_failed_second_change_is_said_and_the_first_stands(chat: Chat) -> None:
    routed(chat.model, "update_task", task_id=str(chat.a), priority="high")
    parts = await chat.say(f"make task {chat.a} urgent and give it to Nobody Atall")
    assert (await task(chat, chat.a))["priority"] == "high"
    text = parts[0].text  # type: ignore[union-attr]
    assert "high" in text.split("\n")[0] and len(text.split("\n")) == 2
    assert chat.agent.traces[-1].more[0]["outcome"] == "failed"


def test_one_change_is_not_split() -> None:
    registry = ToolRegistry.shipped()
    decision = Decision(action="update_task", args={"task_id": "7", "priority": "high"})
    assert registry.correct(decision, "make task 7 urgent").more == []
    handed = registry.correct(decision, "make task 7 urgent and give it to Omar")
    assert [(d.action, d.args) for d in handed.more] == [
        ("assign_task", {"task_id": "7", "assignee": "Omar"})
    ]
    off = ToolRegistry.shipped()
    off.disable_corrections("several_changes")
    assert off.correct(decision, "make task 7 urgent and give it to Omar").more == []


def test_each_change_has_its_own_stable_key() -> None:
    first = ToolCall(name="update_task", args={"task_id": 7, "priority": "high"})
    second = ToolCall(name="update_task", args={"task_id": 7, "due_date": "2026-12-10"}, position=1)
    assert first.idempotency_key("t_1") != second.idempotency_key("t_1")
    assert first.idempotency_key("t_1") == ToolCall(
        name="update_task", args={"priority": "high", "task_id": 7}
    ).idempotency_key("t_1")
    assert first.idempotency_key("t_1").startswith("t_1:0:update_task:")
