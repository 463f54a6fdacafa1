"""A task shown on its own says everything the core API returned that a question may ask about: who
created it, when it was completed, its latest notes (agent/replies.py `render_result`)."""

from __future__ import annotations

from typing import Any

from agent.replies import render_result
from tests.tools.test_task_corrections import TOOLS
from tools.base import ToolResult

TASK: dict[str, Any] = {
    "id": 310,
    "title": "صيانة الرافعة الشوكية",
    "status": "done",
    "priority": "normal",
    "due_date": None,
    "assignee": "رامي حداد",
    "creator": {"id": 4, "username": "khalid", "display_name": "خالد العتيبي"},
    "completed_at": "2027-01-09T13:20:00Z",
    "comments": [
        {"id": i, "text": f"note {i}", "author": {"username": "rami", "display_name": "Rami"}}
        for i in range(1, 5)
    ],
}


def shown(task: dict[str, Any], lang: str) -> str:
    spec = TOOLS.get("get_task")
    assert spec is not None
    return render_result(spec, ToolResult(ok=True, data=task), {"task_id": task["id"]}, lang)


def test_the_detail_view_shows_creator_completion_and_latest_notes() -> None:
    english = shown(TASK, "en")
    assert "✍️ Created by خالد العتيبي" in english
    assert "📆 Completion date: 2027-01-09" in english
    assert "💬 Rami: note 4" in english and "💬 Rami: note 2" in english
    assert "note 1" not in english  # the latest three
    arabic = shown(TASK, "ar")
    assert "✍️ أنشأها خالد العتيبي" in arabic and "📆 تاريخ الإنجاز: 2027-01-09" in arabic


def test_an_open_task_without_notes_shows_neither() -> None:
    task = {**TASK, "status": "open", "completed_at": "2027-01-09T13:20:00Z", "comments": [], "creator": None}
    text = shown(task, "en")
    assert "Completion" not in text and "💬" not in text and "Created by" not in text
    assert text.startswith("📌 Task #310: *صيانة الرافعة الشوكية*\nStatus: open")
