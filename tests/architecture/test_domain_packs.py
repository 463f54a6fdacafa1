"""agent/ names no tool: every tool name, and the words that steer the router to one, belong to a domain
pack (tools/packs/, docs/tools.md). Checked on the source, so a tool name written back into agent/ fails."""

from __future__ import annotations

import ast
from pathlib import Path

from tools.registry import ToolRegistry

ROOT = Path(__file__).resolve().parents[2]
NAMES = set(ToolRegistry.shipped("tools.packs.tasks,tests.packs.leave").names())


def _named_tools(source: str) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES
    ]


def test_agent_names_no_tool() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): named
        for path in sorted((ROOT / "agent").rglob("*.py"))
        if (named := _named_tools(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"tool names belong to a domain pack (tools/packs/): {found}"


def test_the_check_sees_a_tool_name() -> None:
    found = _named_tools('run(turn, "list_tasks", {})\nx = "cancel_leave"')
    assert sorted(found) == ["cancel_leave", "list_tasks"]
