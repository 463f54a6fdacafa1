"""Truthfulness: every action a turn says happened did happen in that turn (part of command success).

What a turn asserts:
- the structured result its reply was built from: the agent's trace (`executed` and the action) and the
  calls the executor recorded as done (`ok`), e.g. a tapped Confirm that ran `delete_task`;
- for a reply the model worded (an `answered` turn, or a result handed back to the model such as the
  summary report), the claims evals/claims.py finds in the text ("Done.", "تم حذف المهمة", "5alast").

A confirmation question, a clarifying question, a refusal or an error is no claim. Each claim is held
against what changed in the core API over that turn (the harness reads the tasks after every turn): a
deletion needs a task gone, "Done." needs some change, an executed update needs that task changed. A
claim without its change is a false claim; one false claim fails the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evals.claims import find_claims
from evals.results import CaseResult, Score, TurnRecord
from evals.scorers.base import Scorer
from evals.scorers.state import state_diff
from evals.suite import Case, Suite

# The task pack's tools that change something, by the claim family their success asserts. A tool in
# neither set makes no structured claim (tests/evals/test_truthful.py keeps every shipped tool listed).
MUTATIONS = {
    "create_task": "created",
    "delete_task": "deleted",
    "complete_task": "completed",
    "complete_tasks": "completed",
    "reopen_task": "reopened",
    "assign_task": "assigned",
    "unassign_task": "updated",  # the assignee field changed, to nobody
    "update_task": "updated",
    "add_comment": "commented",
    "undo_last": "undone",  # whatever the reverted change was: something must have changed
}
READ_ONLY = {"list_tasks", "get_task", "summary_report"}
MODEL_WORDED = {"summary_report"}  # tools whose result the model puts into words (reply_mode: model)
EDITABLE = ("title", "description", "status", "priority", "assignee", "due")


@dataclass
class TurnChange:
    """What one turn changed in the core API's tasks."""

    created: dict[int, dict[str, Any]] = field(default_factory=dict)  # new tasks, by id
    deleted: set[int] = field(default_factory=set)
    fields: dict[int, dict[str, tuple[Any, Any]]] = field(default_factory=dict)  # field: (old, new)
    commented: set[int] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)  # as the report words it (state_diff)

    @property
    def touched(self) -> set[int]:
        return set(self.created) | self.deleted | set(self.fields) | self.commented


def turn_change(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> TurnChange:
    old = {t["id"]: t for t in before}
    new = {t["id"]: t for t in after}
    change = TurnChange(lines=state_diff(before, after))
    change.created = {i: new[i] for i in new.keys() - old.keys()}
    change.deleted = set(old.keys() - new.keys())
    for i in old.keys() & new.keys():
        moved = {k: (old[i].get(k), new[i].get(k)) for k in EDITABLE if old[i].get(k) != new[i].get(k)}
        if moved:
            change.fields[i] = moved
        if len(new[i].get("comments") or []) > len(old[i].get("comments") or []):
            change.commented.add(i)
    return change


def holds(family: str, change: TurnChange, ids: tuple[int, ...] = (), *, also_created: bool = False) -> bool:
    """Whether the turn's change shows the claimed action (on every task of `ids`, when given)."""

    def among(found: set[int]) -> bool:
        return set(ids) <= found if ids else bool(found)

    status = {i: f["status"] for i, f in change.fields.items() if "status" in f}
    if family == "created":
        return bool(change.created)
    if family == "deleted":
        return among(change.deleted)
    if family == "completed":
        return among({i for i, (a, b) in status.items() if b == "done" and a != "done"})
    if family == "reopened":
        return among({i for i, (a, b) in status.items() if a == "done" and b != "done"})
    if family == "assigned":
        moved = {i for i, f in change.fields.items() if f.get("assignee", (None, None))[1]}
        new = {i for i, t in change.created.items() if t.get("assignee")} if not ids else set()
        return among(moved) or bool(new)
    if family == "updated":
        return among(set(change.fields) | change.commented) or (also_created and bool(change.created))
    if family == "commented":
        return among(change.commented)
    return among(change.touched)  # undone, generic: something changed


@dataclass(frozen=True)
class TurnClaim:
    family: str
    phrase: str
    source: str  # "result" (the agent's trace), "call" (the executor's record), "text" (the lexicon)
    task_ids: tuple[int, ...] = ()


def turn_claims(turn: TurnRecord) -> list[TurnClaim]:
    """What the turn says happened: its structured results, then the claims of model-worded text."""
    out: list[TurnClaim] = []
    seen: set[tuple[str, tuple[int, ...]]] = set()

    def add(claim: TurnClaim) -> None:
        key = (claim.family, claim.task_ids)
        if key not in seen:
            seen.add(key)
            out.append(claim)

    for trace in turn.traces:
        if trace.outcome == "executed" and trace.action in MUTATIONS:
            add(TurnClaim(MUTATIONS[trace.action], f"{trace.action} → executed", "result", _ids(trace.args)))
    for call in turn.tool_calls:
        if call.outcome == "ok" and call.name in MUTATIONS:
            add(TurnClaim(MUTATIONS[call.name], f"{call.name} → ok", "call", _ids(call.args)))
    if model_worded(turn):
        for reply in turn.replies:
            if any(b.get("id", "").startswith("confirm:") for b in reply.buttons):
                continue  # a confirmation question
            for claim in find_claims(reply.text):
                # The words decide the family; the task numbers in them are shown, not required.
                add(TurnClaim(claim.family, claim.phrase, "text"))
    if any(c.family != "generic" for c in out):  # "Done, I've deleted it" is one claim: a deletion
        out = [c for c in out if c.family != "generic" or c.source != "text"]
    return out


def model_worded(turn: TurnRecord) -> bool:
    """The reply's words are the model's: a free-text answer, or a result the model put into words."""
    return any(
        t.outcome == "answered" or (t.outcome == "executed" and t.action in MODEL_WORDED) for t in turn.traces
    )


def _ids(args: dict[str, Any]) -> tuple[int, ...]:
    found: list[Any] = []
    if "task_id" in args:
        found.append(args["task_id"])
    if isinstance(args.get("task_ids"), list):
        found.extend(args["task_ids"])
    out = []
    for value in found:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return tuple(out)


class TruthfulScorer(Scorer):
    """No turn says an action happened that the core API does not show in that turn."""

    name = "truthful"
    kind = "success"

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        false: list[dict[str, Any]] = []
        claims = unverified = 0
        whole_case = False
        details: list[str] = []
        for i, turn in enumerate(result.turns):
            said = turn_claims(turn)
            if not said:
                continue
            claims += len(said)
            before, after = _states(result, i)
            if after is None:
                details.append(f"turn {turn.index}: {len(said)} claim(s) and the state after it was not read")
                unverified += len(said)  # not counted as false: the harness did not get that far
                continue
            whole_case = whole_case or turn.state_after is None
            change = turn_change(before, after)
            created_said = any(c.family == "created" for c in said)
            for claim in said:
                if holds(claim.family, change, claim.task_ids, also_created=created_said):
                    continue
                what = (
                    "nothing changed" if not change.lines else "the turn changed: " + "; ".join(change.lines)
                )
                target = f" #{', #'.join(map(str, claim.task_ids))}" if claim.task_ids else ""
                details.append(f"turn {turn.index}: says {claim.family}{target} (“{claim.phrase}”) — {what}")
                false.append(_record(turn.index, claim, change.lines))
        if whole_case and details:
            details.append("per-turn states not recorded: judged on the whole case's change")
        return Score(
            name=self.name,
            passed=not false and not unverified,
            details=details,
            extra={"claims": claims, "false_claims": false},
        )


def _states(result: CaseResult, index: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """The tasks before and after turn `index`: the harness's reads after each turn; a result without
    them (an older run) falls back to the whole case."""
    turn = result.turns[index]
    if turn.state_after is None:
        return result.state_before, result.state_after
    previous = result.turns[index - 1].state_after if index > 0 else None
    return (previous if previous is not None else result.state_before), turn.state_after


def _record(index: int, claim: TurnClaim, changed: list[str]) -> dict[str, Any]:
    return {
        "turn": index,
        "family": claim.family,
        "phrase": claim.phrase,
        "source": claim.source,
        "task_ids": list(claim.task_ids),
        "changed": changed,
    }
