"""The summary report in words, by code: the counts the core API gave, each with its person.

The report went back to the model as JSON, and a small model reading it miscounted, named the wrong
person or gave only the total to "who has the most open tasks?". Written here it says every count as it
is, people with the most open tasks first, so the question is answered by the first line of the list.
"""

from __future__ import annotations

from typing import Any

from base.catalog import t

_STATUSES = ("open", "in_progress", "done")


def _count(row: dict[str, Any], name: str) -> int:
    found = row.get(name)
    return found if isinstance(found, int) else 0


def _who(row: dict[str, Any], lang: str) -> str:
    if row.get("display_name"):
        return str(row["display_name"])
    held = row.get("assignee_id")
    return f"#{held}" if held is not None else t("report.nobody", lang)  # a person without a name


def render_summary(data: Any, lang: str) -> str | None:
    """`GET /reports/summary`'s body in `lang`; None for a body of another shape (the spec's reply then
    applies)."""
    if not isinstance(data, dict) or not isinstance(data.get("by_status"), dict):
        return None
    by_status: dict[str, Any] = data["by_status"]
    scope = data.get("scope")
    lines = [
        t(
            "report.total",
            lang,
            scope=t(f"report.scope.{scope}", lang) if scope in ("all", "team", "own") else scope or "",
            as_of=data.get("as_of") or "",
            total=_count(data, "total"),
            overdue=_count(data, "overdue"),
            **{name: _count(by_status, name) for name in _STATUSES},
        )
    ]
    people = [row for row in data.get("by_assignee") or () if isinstance(row, dict)]
    if len(people) > 1:  # one person's counts are the totals above
        people.sort(
            key=lambda row: (-_count(row, "open"), -_count(row, "in_progress"), -_count(row, "overdue"),
                             str(row.get("display_name") or "~")),
        )  # fmt: skip
        lines.append(t("report.by_person", lang))
        for row in people:
            late = _count(row, "overdue")
            lines.append(
                t(
                    "report.person",
                    lang,
                    name=_who(row, lang),
                    overdue=t("report.person_overdue", lang, count=late) if late else "",
                    **{name: _count(row, name) for name in _STATUSES},
                )
            )
    return "\n".join(lines)
