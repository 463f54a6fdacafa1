"""The tasks pack words the summary report in code (tools/packs/tasks/report.py), and the registry
hands a tool's result to its pack's renderer only for a tool it offers."""

from __future__ import annotations

from typing import Any

from base.catalog import t
from tools.pack import DomainPack
from tools.packs.tasks.report import render_summary
from tools.registry import ToolRegistry
from tools.spec import ToolSpec


def summary(people: list[dict[str, Any]], scope: str = "team") -> dict[str, Any]:
    return {
        "scope": scope,
        "as_of": "2026-11-25",
        "total": 9,
        "by_status": {"open": 5, "in_progress": 2, "done": 2},
        "overdue": 3,
        "by_assignee": people,
    }


def person(name: str | None, open_: int, in_progress: int = 0, done: int = 0, overdue: int = 0) -> dict:
    return {"display_name": name, "open": open_, "in_progress": in_progress, "done": done, "overdue": overdue}


def test_people_with_most_open_tasks_come_first_ties_by_work_in_progress_then_name() -> None:
    people = [person("Zaid", 1), person("Omar", 2, 1), person(None, 2), person("Lina", 2, 1, overdue=2)]
    lines = render_summary(summary(people), "en").splitlines()  # type: ignore[union-attr]
    assert lines[0] == (
        "📊 Task report (your team and yours, 2026-11-25): "
        "total 9 — 5 open, 2 in progress, 2 done; 3 overdue."
    )
    assert [line.split(":")[0] for line in lines[2:]] == ["• Lina", "• Omar", "• not assigned", "• Zaid"]
    assert lines[2].endswith("· 2 overdue") and "overdue" not in lines[3]


def test_one_person_is_the_totals_so_no_list_is_repeated() -> None:
    shown = render_summary(summary([person("Sara", 5, 2, 2, 3)], scope="own"), "ar")
    assert shown is not None and len(shown.splitlines()) == 1
    assert shown.startswith(f"📊 تقرير المهام ({t('report.scope.own', 'ar')}، 2026-11-25): المجموع 9")


def test_missing_counts_read_as_zero_and_another_shape_is_left_to_the_spec() -> None:
    shown = render_summary({"by_status": {}, "by_assignee": [{"display_name": "A"}, {}]}, "en")
    assert shown is not None and "total 0 — 0 open" in shown and "• A: 0 open" in shown
    assert render_summary([{"id": 1}], "en") is None and render_summary({"total": 3}, "en") is None


def test_the_registry_renders_only_a_tool_it_offers() -> None:
    pack = DomainPack(name="p", specs=None, renders={"report": lambda data, lang: f"{lang}:{data}"})  # type: ignore[arg-type]
    offered = ToolRegistry([ToolSpec(name="report", description="counts")], packs=[pack])
    assert offered.render("report", 3, "en") == "en:3"
    assert offered.render("other", 3, "en") is None
    assert ToolRegistry([], packs=[pack]).render("report", 3, "en") is None
    shipped = ToolRegistry.shipped()
    assert shipped.render("summary_report", summary([]), "en") is not None
    assert shipped.render("list_tasks", [], "en") is None
