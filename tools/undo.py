"""Undo: a user's own last change made through Hudhud, reverted with the core API as the same user.

After each change the executor runs (`CoreApiExecutor.run`), the user's record (`keys.undo(user_id)`)
is replaced by that change: for each task it touched, the call that reverts it with the values it needs
(read with `get_task` just before the change where the change's result does not say them) and the task
as the change left it (`updated_at` and what a reply names):

| change | reverted by |
|---|---|
| `complete_task`, `complete_tasks` | `reopen_task` (`update_task status=in_progress` if it was in progress) |
| `reopen_task` | `complete_task` |
| `update_task` | `update_task` with the old values of the fields it changed (a cleared due date: null) |
| `assign_task`, `unassign_task` | `assign_task` to the previous assignee; `unassign_task` if nobody held it |
| `create_task` | `delete_task` (to the core API's trash) |
| `delete_task` | `restore_task` (from the trash) |
| `add_comment` | nothing: the core API cannot delete a comment, so undo says so |

Undo (`undo_last`, /undo, "undo that", "تراجع") then:
- declines after HUDHUD_UNDO_WINDOW_S (the record is kept twice as long, to say "too late");
- declines when a task changed since (its `updated_at` is not what the change left), naming what is
  different now, and overwrites nothing;
- swaps the record for an "undone" mark in one atomic step before calling the API: a second undo finds
  nothing to undo, and an undo is never itself undone;
- calls the API with `Idempotency-Key: <undo turn>:undo:<step>`: a retried turn (same turn id, the mark
  says it was this turn) replays the same calls and says the same, never reverting twice;
- declines clearly when the API has no reverting operation (no such operationId, 404/405): an API
  without restore keeps its deletions.

The record holds task titles and values as they were: it is stored encrypted, bound to the user
(base/sealing.py), as `{"key": <idempotency key>, "c": <the change>}` — the key stays clear for the
script that keeps a retried change from replacing itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as aioredis
import structlog
from pydantic import BaseModel, Field

from base.catalog import has, t, tn
from base.keys import Keys
from base.sealing import Sealer, aad_undo, seal_text, unseal
from tools.base import ToolCall, ToolResult
from tools.client import CoreApiClient, CoreApiError

log = structlog.get_logger(__name__)

UNDO = "undo_last"  # the tool (tools/packs/tasks/tools.yaml)
Explain = Callable[[CoreApiError, str], str]  # a core API error in the user's language (executor.explain)
COMMENT = "add_comment"
# The fields of a task a reply names, compared to say what changed since.
SHOWN = ("title", "status", "priority", "due_date", "assignee")
EDITABLE = ("title", "description", "due_date", "priority", "status")
# Tools whose revert needs the task as it was: read with get_task right before the change.
_READ_BEFORE = {
    "complete_task", "complete_tasks", "reopen_task", "update_task", "assign_task", "unassign_task",
}  # fmt: skip


class Step(BaseModel):
    """One task's revert: the operation, its arguments besides `task_id`, and the task as the change left
    it (`left`: its updated_at; None for a task in the trash, which nobody can change meanwhile)."""

    task_id: int
    op: str
    args: dict[str, Any] = Field(default_factory=dict)
    left: str | None = None
    after: dict[str, Any] = Field(default_factory=dict)  # SHOWN fields as the change left them


class Change(BaseModel):
    tool: str
    key: str  # the change's idempotency key: a retried change is remembered once
    turn_id: str
    at: float  # when it was made (wall clock)
    task_ids: list[int]
    steps: list[Step] = Field(default_factory=list)  # none: not undoable (a comment)
    undone_by: str | None = None  # the turn that undid it


def _person(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("display_name") or value.get("username")
    return value if isinstance(value, str) else None


def shown(task: dict[str, Any]) -> dict[str, Any]:
    """The fields of a task (as the API returns it) that a reply names."""
    return {
        "title": task.get("title"),
        "status": task.get("status"),
        "priority": task.get("priority"),
        "due_date": task.get("due_date"),
        "assignee": _person(task.get("assignee")),
    }


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _revert(name: str, args: dict[str, Any], was: dict[str, Any], after: dict[str, Any]) -> Step:
    """The step that takes one task changed by `name` back from `after` to `was`."""
    task_id, left, now = int(after["id"]), after.get("updated_at"), shown(after)
    if name in ("complete_task", "complete_tasks"):
        status = str(was.get("status") or "open")  # open again, or in progress as it was
        if status == "open":
            return Step(task_id=task_id, op="reopen_task", left=left, after=now)
        return Step(task_id=task_id, op="update_task", args={"status": status}, left=left, after=now)
    if name == "reopen_task":
        return Step(task_id=task_id, op="complete_task", left=left, after=now)
    if name == "update_task":
        old = {field: was.get(field) for field in EDITABLE if args.get(field) is not None}
        return Step(task_id=task_id, op="update_task", args=old, left=left, after=now)
    holder = was.get("assignee_id")  # assign_task, unassign_task: back to who held it, or to nobody
    if holder is None:
        return Step(task_id=task_id, op="unassign_task", left=left, after=now)
    return Step(task_id=task_id, op="assign_task", args={"assignee": holder}, left=left, after=now)


def plan(call: ToolCall, before: dict[int, dict[str, Any]], data: Any) -> list[Step] | None:
    """How to revert the change `call` made (`data`: the API's answer; `before`: the tasks read before
    it, by id). None: not a change of the task domain, or one that changed nothing. An empty list: a
    change that cannot be undone (a comment)."""
    if not isinstance(data, dict):
        return None
    name, args = call.name, call.args
    if name == COMMENT:
        return []
    if name == "create_task" and isinstance(data.get("id"), int):
        return [Step(task_id=data["id"], op="delete_task", left=data.get("updated_at"), after=shown(data))]
    if name == "delete_task" and isinstance(args.get("task_id"), int):
        return [Step(task_id=args["task_id"], op="restore_task")]
    if name not in _READ_BEFORE:
        return None
    changed = data.get("tasks") if name == "complete_tasks" else [data]
    steps = [
        _revert(name, args, was, after)
        for after in changed or []
        if isinstance(after, dict) and isinstance(after.get("id"), int)
        and (was := before.get(after["id"])) is not None
        # unchanged: the replayed answer of a change made before the task was read (a retried turn)
        and was.get("updated_at") != after.get("updated_at")
    ]  # fmt: skip
    return steps or None


def _unsupported(exc: CoreApiError) -> bool:
    """The API has no such operation (or route): nothing to revert with."""
    return (
        exc.code == "unknown_operation"
        or exc.status == 405
        or (exc.status == 404 and exc.code in (None, "not_found"))
    )


_REMEMBER = """
local old = redis.call('GET', KEYS[1])
if old then
  local ok, rec = pcall(cjson.decode, old)
  if ok and type(rec) == 'table' and rec['key'] == ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[3]))
return 1
"""
# Compare and swap, keeping the expiry: the record is taken (or put back) only if it is still the one read.
_SWAP = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
"""


class Undo:
    """The per-user record of the last change, and undo itself (see the module's docstring)."""

    def __init__(
        self,
        client: CoreApiClient,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        window_s: int = 600,
        sealer: Sealer | None = None,
    ) -> None:
        self.client = client
        self._sealer = sealer
        self._redis = redis
        self._keys = keys
        self.window_s = window_s
        self._remember = redis.register_script(_REMEMBER)
        self._swap = redis.register_script(_SWAP)

    # ------------------------------------------------------------------ recording a change

    async def read_before(self, call: ToolCall, user_id: int) -> dict[int, dict[str, Any]]:
        """The tasks `call` is about to change, as they are now (for the values an undo puts back).
        A task that cannot be read is left out; the call itself will say what is wrong."""
        if call.name not in _READ_BEFORE:
            return {}
        ids = call.args.get("task_ids") if call.name == "complete_tasks" else [call.args.get("task_id")]
        wanted = [i for i in ids or [] if isinstance(i, int)]
        found = await asyncio.gather(
            *(self.client.call(user_id, "get_task", {"task_id": i}) for i in wanted), return_exceptions=True
        )
        return {i: task for i, task in zip(wanted, found, strict=True) if isinstance(task, dict)}

    async def remember(
        self,
        call: ToolCall,
        user_id: int,
        turn_id: str,
        key: str,
        before: dict[int, dict[str, Any]],
        data: Any,
    ) -> None:
        """Make this change the user's last one (unless it is a retry of the change already recorded)."""
        steps = plan(call, before, data)
        if steps is None:
            return
        named = call.args.get("task_id")
        task_ids = [step.task_id for step in steps] or ([named] if isinstance(named, int) else [])
        change = Change(
            tool=call.name, key=key, turn_id=turn_id, at=time.time(), task_ids=task_ids, steps=steps
        )
        await self._remember(
            keys=[self._keys.undo(user_id)], args=[self._stored(user_id, change), key, 2 * self.window_s]
        )

    def _stored(self, user_id: int, change: Change) -> str:
        sealed = seal_text(self._sealer, change.model_dump_json(), aad_undo(user_id))
        return orjson.dumps({"key": change.key, "c": sealed}).decode()

    def _change(self, user_id: int, raw: str) -> Change:
        """The stored change (a record written before encryption at rest is the change itself)."""
        record = orjson.loads(raw)
        if "c" not in record:
            return Change.model_validate(record)
        return Change.model_validate_json(unseal(self._sealer, record["c"], aad_undo(user_id)))

    async def last(self, user_id: int) -> Change | None:
        """The user's last change while it can still be undone (within the window, not undone yet)."""
        raw = await self._redis.get(self._keys.undo(user_id))
        if raw is None:
            return None
        change = self._change(user_id, raw.decode() if isinstance(raw, bytes) else str(raw))
        if change.undone_by is not None or time.time() - change.at > self.window_s:
            return None
        return change

    # ------------------------------------------------------------------ undoing it

    async def undo(self, user_id: int, turn_id: str, lang: str) -> ToolResult:
        """Revert the user's last change, as the user; or say, in `lang`, why not."""
        from tools.executor import explain, numbered  # the executor builds this object (no import cycle)

        raw = await self._redis.get(self._keys.undo(user_id))
        minutes = max(1, round(self.window_s / 60))
        if raw is None:
            return _declined("nothing", tn("undo.nothing", minutes, lang))
        raw = raw.decode() if isinstance(raw, bytes) else str(raw)
        change = self._change(user_id, raw)
        first = change.task_ids[0] if change.task_ids else None
        if change.undone_by is not None and change.undone_by != turn_id:
            return _declined("already_undone", t("undo.already", lang))
        if not change.steps:
            return _declined("not_undoable", t("undo.comment", lang, id=first))
        marked = self._stored(user_id, change.model_copy(update={"undone_by": turn_id}))
        unmarked = self._stored(user_id, change.model_copy(update={"undone_by": None}))
        if change.undone_by is None:  # a retry of this very turn skips to the calls it made before
            if time.time() - change.at > self.window_s:
                return _declined("too_late", tn("undo.too_late", minutes, lang))
            for step in change.steps:
                refused = await self._changed_since(step, user_id, lang, explain)
                if refused is not None:
                    return refused
            taken = await self._swap(keys=[self._keys.undo(user_id)], args=[raw, marked])
            if not taken:  # another turn took it, or a newer change replaced it, in the meantime
                return _declined("nothing", tn("undo.nothing", minutes, lang))
        done: list[tuple[Step, dict[str, Any]]] = []
        for n, step in enumerate(change.steps):
            try:
                result = await self.client.call(
                    user_id,
                    step.op,
                    {"task_id": step.task_id, **step.args},
                    idempotency_key=f"{turn_id}:undo:{n}",
                    send_nulls=True,
                )
            except Exception as exc:
                if not done:  # nothing was reverted: the change can still be undone later
                    await self._swap(keys=[self._keys.undo(user_id)], args=[marked, unmarked])
                error = self._failure(exc, step, lang, explain)
                if not done:
                    return _declined("failed", error)
                reverted = numbered([s.task_id for s, _ in done], lang)
                partial = t("undo.partial", lang, done=reverted, id=step.task_id, error=error)
                return ToolResult(ok=True, data=self._data(change, done, lang), reply=partial)
            done.append((step, result if isinstance(result, dict) else {}))
        return ToolResult(ok=True, data=self._data(change, done, lang))

    async def _changed_since(
        self, step: Step, user_id: int, lang: str, explain: Explain
    ) -> ToolResult | None:
        """A refusal when the task is not as the change left it (someone edited it since, or it is gone)."""
        if step.left is None:
            return None
        try:
            now = await self.client.call(user_id, "get_task", {"task_id": step.task_id})
        except CoreApiError as exc:
            if exc.status == 404:
                return _declined("gone", t("undo.gone", lang, id=step.task_id))
            return _declined("failed", t("undo.failed", lang, error=explain(exc, lang)))
        except Exception:
            return _declined("failed", t("undo.failed", lang, error=t("error.unavailable", lang)))
        if not isinstance(now, dict) or _instant(now.get("updated_at")) == _instant(step.left):
            return None
        current = shown(now)
        changes = [
            _now(field, current[field], lang) for field in SHOWN if current[field] != step.after.get(field)
        ]
        if not changes:
            return _declined("changed", t("undo.changed_other", lang, id=step.task_id))
        listed = t("list.separator", lang).join(changes)
        return _declined("changed", t("undo.changed", lang, id=step.task_id, changes=listed))

    def _failure(self, exc: Exception, step: Step, lang: str, explain: Explain) -> str:
        if not isinstance(exc, CoreApiError):
            log.warning("core API unavailable during undo", op=step.op, error=str(exc))
            return t("undo.failed", lang, error=t("error.unavailable", lang))
        if _unsupported(exc):
            key = "undo.no_restore" if step.op == "restore_task" else "undo.unsupported"
            return t(key, lang, id=step.task_id)
        return t("undo.failed", lang, error=explain(exc, lang))

    def _data(self, change: Change, done: list[tuple[Step, dict[str, Any]]], lang: str) -> dict[str, Any]:
        """The result: which change was reverted, on which tasks, and `what` — the sentence the reply
        template (`tool.undo_last.reply`) says."""
        ids = [step.task_id for step, _ in done]
        return {
            "id": ids[0] if ids else None,
            "task_ids": ids,
            "undone": change.tool,
            "what": _what(change, done, lang),
        }


def _declined(error: str, reply: str) -> ToolResult:
    return ToolResult(ok=False, error=error, reply=reply)


def _word(raw: Any, lang: str) -> Any:
    """An API value (status, priority) in the user's language, where the catalog has it."""
    return t(f"value.{raw}", lang) if isinstance(raw, str) and has(f"value.{raw}") else raw


def _now(field: str, value: Any, lang: str) -> str:
    """What a field of the task is now, for a refusal ("it is now assigned to Sara")."""
    if field == "due_date" and value is None:
        return t("undo.now.no_due", lang)
    if field == "assignee" and value is None:
        return t("undo.now.unassigned", lang)
    return t(f"undo.now.{field}", lang, value=_word(value, lang))


def _was(field: str, value: Any, lang: str) -> str:
    """A value put back, for the reply ("priority normal", "no due date")."""
    if field == "due_date" and value is None:
        return t("undo.value.no_due", lang)
    return t(f"undo.value.{field}", lang, value=_word(value, lang))


def _what(change: Change, done: list[tuple[Step, dict[str, Any]]], lang: str) -> str:
    """What was reverted, said from the API's answers: "task #7 is open again"."""
    from tools.executor import numbered

    if change.tool == "complete_tasks" and len(done) > 1:
        ids = [step.task_id for step, _ in done]
        return tn("undo.what.not_done", len(ids), lang, tasks=numbered(ids, lang))
    step, result = done[0]
    task_id, title = step.task_id, result.get("title") or step.after.get("title")
    if step.op == "delete_task":
        return t("undo.what.deleted", lang, id=task_id, title=title)
    if step.op == "restore_task":
        return t("undo.what.restored", lang, id=task_id, title=title)
    if step.op in ("assign_task", "unassign_task"):
        holder = _person(result.get("assignee"))
        if holder is None:
            return t("undo.what.unassigned", lang, id=task_id)
        return t("undo.what.assignee", lang, id=task_id, assignee=holder)
    if change.tool == "update_task":
        values = [_was(field, result.get(field, value), lang) for field, value in step.args.items()]
        return t("undo.what.values", lang, id=task_id, values=t("list.separator", lang).join(values))
    return t("undo.what.status", lang, id=task_id, status=_word(result.get("status"), lang))
