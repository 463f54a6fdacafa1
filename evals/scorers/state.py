"""The core API's end state against `expect_state` (τ-bench): listed tasks exist, absent ones do not,
`unchanged` means the database is exactly as the fixtures left it."""

from __future__ import annotations

from typing import Any

from evals.matchers import mismatch
from evals.results import CaseResult, Score
from evals.scorers.base import Scorer
from evals.suite import Case, Suite


class StateScorer(Scorer):
    name = "state"
    kind = "success"

    def applies(self, suite: Suite, case: Case) -> bool:
        return case.expect_state is not None

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        expect = case.expect_state
        assert expect is not None
        after = result.state_after
        if after is None:
            return Score(name=self.name, passed=False, value=0.0, details=["the end state was not read"])
        details: list[str] = []
        free = list(range(len(after)))
        for wanted in expect.tasks:
            match = _assign(wanted, after, free)
            if match is None:
                details.append(f"no task matches {_show(wanted)}: {_closest(wanted, after)}")
            else:
                free.remove(match)
        for gone in expect.absent:
            found = [t for t in after if _task_mismatch(gone, t) is None]
            if found:
                details.append(f"task should not exist: {_show(gone)} (found #{found[0]['id']})")
        if expect.unchanged:
            details.extend(f"changed: {line}" for line in state_diff(result.state_before, after))
        return Score(name=self.name, passed=not details, value=1.0 if not details else 0.0, details=details)


def _task_mismatch(wanted: dict[str, Any], task: dict[str, Any]) -> str | None:
    for name, expected in wanted.items():
        actual = task.get(name)
        if name == "comments":
            actual = "\n".join(actual or []) or None
        if (why := mismatch(expected, actual)) is not None:
            return f"{name}: {why}"
    return None


def _assign(wanted: dict[str, Any], tasks: list[dict[str, Any]], free: list[int]) -> int | None:
    return next((i for i in free if _task_mismatch(wanted, tasks[i]) is None), None)


def _closest(wanted: dict[str, Any], tasks: list[dict[str, Any]]) -> str:
    if not tasks:
        return "there are no tasks"
    best = min(tasks, key=lambda t: sum(_task_mismatch({k: v}, t) is not None for k, v in wanted.items()))
    return f"closest #{best['id']} — {_task_mismatch(wanted, best)}"


def state_diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    """Tasks created, deleted and changed (field: old → new), for the report and `unchanged`."""
    old = {t["id"]: t for t in before}
    new = {t["id"]: t for t in after}
    lines = [f"+ #{i} {new[i]['title']!r} ({_fields(new[i])})" for i in sorted(new.keys() - old.keys())]
    lines += [f"- #{i} {old[i]['title']!r}" for i in sorted(old.keys() - new.keys())]
    for i in sorted(old.keys() & new.keys()):
        changes = [
            f"{k}: {old[i].get(k)!r} → {new[i].get(k)!r}" for k in new[i] if old[i].get(k) != new[i].get(k)
        ]
        if changes:
            lines.append(f"~ #{i} " + "; ".join(changes))
    return lines


def _fields(task: dict[str, Any]) -> str:
    keys = ("status", "priority", "assignee", "due")
    return ", ".join(f"{k}={task.get(k)}" for k in keys if task.get(k) is not None)


def _show(wanted: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in wanted.items())
