"""A person the model wrote in the other script than the message is also tried as the message writes it
(agent/agent.py `_as_written`, the tasks pack's `person` hook, tools/executor.py)."""

from __future__ import annotations

from agent.agent import _as_written
from tools.registry import ToolRegistry

TOOLS = ToolRegistry.shipped()
ASSIGN = TOOLS.get("assign_task")


def test_a_transliteration_gets_the_name_as_written() -> None:
    assert ASSIGN is not None
    text = "ستتولى شهد متابعة المهمة 1517 من الآن فصاعدًا"
    assert TOOLS.person_named(text) == "شهد"
    assert _as_written(ASSIGN, {"task_id": 1517, "assignee": "Shahed"}, text, TOOLS) == {"assignee": ["شهد"]}


def test_a_name_in_the_message_script_or_the_speaker_gets_nothing_more() -> None:
    assert ASSIGN is not None
    assert _as_written(ASSIGN, {"task_id": 7, "assignee": "شهد"}, "ستتولى شهد المهمة 7", TOOLS) == {}
    assert _as_written(ASSIGN, {"task_id": 7, "assignee": "Sara"}, "give 7 to Sara", TOOLS) == {}
    assert _as_written(ASSIGN, {"task_id": 7, "assignee": "Huda"}, "حطها عليا", TOOLS) == {}
    assert _as_written(TOOLS.get("get_task"), {"task_id": 7}, "شو وضع 7", TOOLS) == {}  # type: ignore[arg-type]
