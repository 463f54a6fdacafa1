"""Executing tool calls against the core API as the user who sent the message.

Authorization is enforced here in code, whatever the model produced: unlinked or blocked numbers
run nothing, a role below the tool's is refused (and logged), destructive tools wait for the user's
confirmation. Each call carries an idempotency key derived from the TurnId, so a retried turn creates
nothing twice. API errors become short replies; every call is recorded with latency and outcome. Each
change is also remembered as the user's last one, which `undo_last` reverts (tools/undo.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import orjson
import redis.asyncio as aioredis
import structlog

from base.catalog import has, is_plural, t, tn
from base.keys import Keys
from base.notes import note_tool
from base.sealing import aad_entry, seal
from base.text.lexicon import is_self
from base.text.names import without_glued_to
from base.turn import ListPart, ListRow, ListSection, TextPart, Turn
from base.wording import shorten
from memory.links import IdentityLinks, Link
from tools.asking import confirm_text, confirmation_buttons
from tools.base import ToolCall, ToolResult
from tools.client import CoreApiClient, CoreApiError
from tools.confirm import Confirmations
from tools.naming import (
    MAX_OFFERED,
    Choices,
    Named,
    Naming,
    Option,
    best,
    in_arabizi,
    lead,
    opening,
    row_id,
    shown,
    words,
)
from tools.registry import ToolRegistry
from tools.spec import ToolSpec
from tools.switches import ToolSwitches
from tools.undo import EDITABLE, UNDO, Undo

log = structlog.get_logger(__name__)

ROLE_RANK = {"member": 0, "manager": 1, "admin": 2}
BULK_COMPLETE = "complete_tasks"
MAX_BULK = 50  # the core API's limit per bulk call
_SHOWN = 10  # tasks listed by title in a confirmation (WhatsApp caps its text at 1024 characters)
# An API error code this catalog has no text for is worded by its HTTP status (base/locales: api_error.*).
_BY_STATUS = {
    401: "api_error.status.forbidden",
    403: "api_error.status.forbidden",
    404: "api_error.status.not_found",
    400: "api_error.status.invalid",
    409: "api_error.status.invalid",
    410: "api_error.status.invalid",
    422: "api_error.status.invalid",
    429: "api_error.status.rate_limited",
}


class CoreApiExecutor:
    def __init__(
        self,
        client: CoreApiClient,
        links: IdentityLinks,
        registry: ToolRegistry,
        confirmations: Confirmations,
        *,
        redis: aioredis.Redis,
        keys: Keys,
        maxlen: int = 10_000,
        undo_window_s: int = 600,
        choice_ttl_s: int = 300,
    ) -> None:
        self.client = client
        self.links = links
        self.registry = registry
        self.confirmations = confirmations
        self._redis = redis
        self._keys = keys
        self._maxlen = maxlen
        # One cipher for everything the executor stores (arguments, titles, undo records): the
        # confirmations'.
        self.sealer = confirmations.sealer
        self.undo = Undo(client, redis, keys, window_s=undo_window_s, sealer=self.sealer)
        self.choices = Choices(redis, keys, ttl_s=choice_ttl_s, sealer=self.sealer)
        self.switches = ToolSwitches(redis, keys)

    async def execute(self, call: ToolCall, turn: Turn) -> ToolResult:
        link = await self.links.user_for(turn.user.wa_id)
        if link is None:
            return ToolResult(ok=False, error="not_linked", reply=t("reply.link_first", call.lang))
        spec = self.registry.get(call.name)
        if spec is None:
            return ToolResult(ok=False, error=t("error.unknown_tool", call.lang, name=call.name))
        if off := await self._switched_off(call):
            return off
        call = _speaker_as_person(call, spec, link)
        if ROLE_RANK.get(link.role or "member", 0) < ROLE_RANK[spec.role]:
            log.warning("tool refused by role", tool=call.name, wa_id=turn.user.wa_id, role=link.role)
            await self._record(call, link, turn, "refused", 403, 0.0)
            role = link.role or "member"
            return ToolResult(ok=False, error=t("error.role", call.lang, role=role, tool=call.name))
        if call.name == BULK_COMPLETE:
            return await self._complete_tasks(call, turn, link)
        if call.name == UNDO:
            return await self._undo(call, turn, link)
        held = await self._held_by_someone_else(call, link)
        if spec.confirm or held is not None:
            return await self._ask(spec, call, turn, link, held)
        return await self.run(call, turn, link)

    async def name_object(
        self,
        call: ToolCall,
        arg: str,
        phrases: list[str],
        turn: Turn,
        *,
        skip: list[str] | None = None,
        offer: bool = True,
    ) -> Named | None:
        """The object a call's `arg` means when the user named it by its title (tools/naming.py): looked
        for, by the first of `phrases` that names something (the router's phrase, then the message),
        among the objects the user can see. None when no pack names this kind, the user is not linked
        (the call itself says how to link) or the phrases hold no word that could name an object."""
        spec = self.registry.get(call.name)
        naming = self.registry.naming(spec.args[arg].kind) if spec is not None and arg in spec.args else None
        if naming is None:
            return None
        link = await self.links.user_for(turn.user.wa_id)
        if link is None or link.user_id is None:
            return None
        queries = [(p, q) for p in phrases if (q := naming.query(p, skip=_skipped(skip or (), p, phrases)))]
        if not queries:
            return None
        # Last, the message's first title phrase alone ("مهمة طباعة الاستمارات رجعها مفتوحة، طلع فيها نقص")
        if (led := lead(naming, phrases[-1], skip=skip or ())) and all(led != q for _, q in queries):
            queries.append((phrases[-1], led))
        # and the words of its first clause, one word or more ("reopen the thumbnails one, the client…")
        if (first := opening(naming, phrases[-1], skip=skip or ())) and all(first != q for _, q in queries):
            queries.append((phrases[-1], first))
        started = time.perf_counter()
        try:
            items = await self._visible(naming, link)
        except Exception as exc:
            failed = await self._failed(exc, call, link, turn, started)
            return Named(error=failed.error, outcome="failed")
        phrase, query = queries[0]
        # "mhimmet siyanet el mokayyaf, 5olset?": the whole phrase tells Arabizi, not the words kept
        found = best(query, items, title=naming.title, naming=naming, arabizi=in_arabizi(words(phrase)))
        for later, kept in queries[1:]:
            if found:
                break
            arabizi = in_arabizi(words(later))
            phrase, query = later, kept
            found = best(kept, items, title=naming.title, naming=naming, arabizi=arabizi)
        what = shown(phrase, query)
        if len(found) == 1:
            return Named(id=int(found[0]["id"]), title=str(found[0].get(naming.title) or ""), outcome="named")
        if not offer:  # only looking: nothing is asked, nothing waits
            return Named(outcome="pick" if found else "none")
        if not found:
            return Named(parts=[TextPart(text=t("pick.none", call.lang, what=what))], outcome="none")
        if len(found) > min(MAX_OFFERED, turn.limits.list_rows):
            text = t("pick.narrow", call.lang, what=what, count=len(found))
            return Named(parts=[TextPart(text=text)], outcome="narrow")
        options = [Option(id=int(o["id"]), title=str(o.get(naming.title) or "")) for o in found]
        question = "\n".join(
            [t("pick.ask", call.lang, what=what), *task_lines([o.model_dump() for o in options])]
        )
        pending = await self.choices.offer(turn.user.wa_id, call, arg, options, turn.turn_id, question)
        return Named(parts=[choice_list(question, pending.token, options, turn, call.lang)], outcome="pick")

    async def _visible(self, naming: Naming, link: Link) -> list[dict[str, Any]]:
        """The objects the user can see, by the pack's listings: the first the API allows."""
        assert link.user_id is not None
        listings = naming.listings(link.role)
        for i, args in enumerate(listings):
            try:
                listed = await self.client.call(link.user_id, naming.operation, args)
            except CoreApiError as exc:
                if exc.status in (400, 403, 422) and i + 1 < len(listings):
                    continue  # not allowed for this user (no team): the next, narrower listing
                raise
            items = listed.get("items", []) if isinstance(listed, dict) else listed
            return [item for item in items if isinstance(item, dict) and isinstance(item.get("id"), int)]
        return []

    async def _ask(
        self, spec: ToolSpec, call: ToolCall, turn: Turn, link: Link, held: dict[str, Any] | None
    ) -> ToolResult:
        """Store the call and show what a tap on Confirm will do. The task it acts on is read first:
        its title goes into the question, and a task that does not exist is said at once."""
        assert link.user_id is not None
        if held is not None:
            text = t(
                "confirm.reassign",
                call.lang,
                id=held.get("id"),
                title=held.get("title"),
                holder=held.get("assignee"),
                assignee=_person_shown(call.args.get("assignee"), link),
            )
        else:
            task = None
            if "task_id" in call.args:
                started = time.perf_counter()
                try:
                    found = await self.client.call(
                        link.user_id, "get_task", {"task_id": call.args["task_id"]}
                    )
                except Exception as exc:
                    return await self._failed(exc, call, link, turn, started)
                task = _flat(found) if isinstance(found, dict) else None
            text = confirm_text(spec, call, task)
        pending = await self.confirmations.ask(turn.user.wa_id, call, turn.turn_id, question=text)
        return ToolResult(ok=True, confirm=True, parts=[confirmation_buttons(text, pending.token, call.lang)])

    async def _complete_tasks(self, call: ToolCall, turn: Turn, link: Link) -> ToolResult:
        """Several tasks done at once: named by number, or "all my overdue tasks" (found here with
        list_tasks). The user is shown their numbers and titles and confirms; one named task is not a
        bulk action and runs at once. Tasks that do not exist or are already done are said before asking."""
        assert link.user_id is not None
        ids: list[int] = list(call.args.get("task_ids") or [])
        started = time.perf_counter()
        try:
            if not ids and call.args.get("overdue"):
                listed = await self.client.call(
                    link.user_id, "list_tasks", {"scope": "mine", "overdue": True, "limit": MAX_BULK}
                )
                tasks = [t for t in listed.get("items", []) if isinstance(t, dict)]
                total = int(listed.get("total", len(tasks)))
                if not tasks:
                    return ToolResult(ok=False, error=t("error.no_overdue", call.lang))
                if total > MAX_BULK:
                    error = tn("error.too_many_overdue", total, call.lang, max=MAX_BULK)
                    return ToolResult(ok=False, error=error)
                ids = [int(task["id"]) for task in tasks]
                heading = tn("confirm.bulk_overdue", len(ids), call.lang)
            elif not ids:
                return ToolResult(ok=False, error=t("error.which_tasks", call.lang))
            elif len(ids) > MAX_BULK:
                return ToolResult(ok=False, error=t("error.bulk_limit", call.lang, max=MAX_BULK))
            elif len(ids) == 1:
                return await self.run(call.model_copy(update={"args": {"task_ids": ids}}), turn, link)
            else:
                tasks = await self._tasks(link.user_id, ids)
                heading = tn("confirm.bulk", len(ids), call.lang)
        except Exception as exc:
            return await self._failed(exc, call, link, turn, started)
        done = [int(task["id"]) for task in tasks if task.get("status") == "done"]
        if done:
            error = tn("api_error.already_done", len(done), call.lang, tasks=numbered(done, call.lang))
            return ToolResult(ok=False, error=error)
        bulk = call.model_copy(update={"args": {"task_ids": ids}})
        text = "\n".join([heading, *task_lines(tasks, limit=_SHOWN)])
        pending = await self.confirmations.ask(turn.user.wa_id, bulk, turn.turn_id, question=text)
        return ToolResult(ok=True, confirm=True, parts=[confirmation_buttons(text, pending.token, call.lang)])

    async def _tasks(self, user_id: int, ids: list[int]) -> list[dict[str, Any]]:
        """The named tasks (for their titles and status); 404 names every missing one."""
        found = await asyncio.gather(
            *(self.client.call(user_id, "get_task", {"task_id": i}) for i in ids), return_exceptions=True
        )
        missing = [
            i for i, f in zip(ids, found, strict=True) if isinstance(f, CoreApiError) and f.status == 404
        ]
        if missing:
            detail = f"{numbered(missing, 'en')} not found"
            raise CoreApiError(
                404, detail, {"code": "tasks_not_found", "detail": detail, "task_ids": missing}
            )
        for outcome in found:
            if isinstance(outcome, BaseException):
                raise outcome
        return [t for t in found if isinstance(t, dict)]

    async def _held_by_someone_else(self, call: ToolCall, link: Link) -> dict[str, Any] | None:
        """The task, when the call reassigns a task assigned to another person: confirmed first, like a
        delete."""
        if call.name != "assign_task" or link.user_id is None or "task_id" not in call.args:
            return None
        try:
            task = await self.client.call(link.user_id, "get_task", {"task_id": call.args["task_id"]})
        except CoreApiError:
            return None  # the assign call itself will say what is wrong
        if not isinstance(task, dict):
            return None
        holder = task.get("assignee_id")
        if holder is None or holder == link.user_id:
            return None
        if await self._just_handed(call.args["task_id"], task, link.user_id):
            return None  # "no wait, Sara should do it": correcting one's own hand-over, not taking a task
        return _flat(task)

    async def _just_handed(self, task_id: object, task: dict[str, Any], user_id: int) -> bool:
        """Whether the user's own last change (still undoable) gave this task to the person who holds it."""
        last = await self.undo.last(user_id)
        if last is None or last.tool != "assign_task" or last.task_ids != [task_id]:
            return False
        holder = _flat(task).get("assignee")
        return any(step.after.get("assignee") == holder for step in last.steps)

    async def _switched_off(self, call: ToolCall) -> ToolResult | None:
        if call.name in await self.switches.off():
            return ToolResult(ok=False, error=t("error.tool_off", call.lang, name=call.name))
        return None

    async def run(self, call: ToolCall, turn: Turn, link: Link, *, key_suffix: str = "") -> ToolResult:
        assert link.user_id is not None
        if off := await self._switched_off(call):  # switched off while its confirmation waited
            return off
        started = time.perf_counter()
        key = call.idempotency_key(turn.turn_id) + key_suffix
        before = await self.undo.read_before(call, link.user_id)  # what an undo would put back
        if turn.attempt == 1 and _changes_nothing(call, before):
            # "Updated" for a task already so would claim a change that never happened. (A retried turn
            # may find its own first attempt's change: the call goes on and its key answers.)
            await self._record(call, link, turn, "declined:unchanged", 0, time.perf_counter() - started)
            reply = t("tool.update_task.same", call.lang, id=call.args.get("task_id"))
            return ToolResult(
                ok=True, data=flatten(before[call.args["task_id"]]), reply=reply, unchanged=True
            )
        try:
            call, data = await self._call(call, link.user_id, key)
        except Exception as exc:
            return await self._failed(exc, call, link, turn, started)
        await self._record(call, link, turn, "ok", 200, time.perf_counter() - started)
        await self.undo.remember(call, link.user_id, turn.turn_id, key, before, data)
        return ToolResult(ok=True, data=flatten(data))

    async def _call(self, call: ToolCall, user_id: int, key: str) -> tuple[ToolCall, Any]:
        """The call as made, and what the core API returned. "لمنى", "للمدير": the Arabic "to" glued to a
        name the model copied whole; when nobody is called that, the name without it is tried, then the
        name as the message writes it (`ToolCall.also`; each try its own key: a refused call changed
        nothing)."""
        try:
            return call, await self.client.call(user_id, call.name, self._sent(call), idempotency_key=key)
        except CoreApiError as exc:
            if exc.code != "user_not_named":
                raise
            readings = [*_without_lam(call, self.registry.get(call.name)), *_as_written(call)]
            for n, bare in enumerate(readings):
                try:
                    found = await self.client.call(
                        user_id, bare.name, self._sent(bare), idempotency_key=f"{key}:bare{n}"
                    )
                except CoreApiError as again:
                    if again.code != "user_not_named":
                        raise
                    continue
                return bare, found
            raise

    def _sent(self, call: ToolCall) -> dict[str, Any]:
        """The call's arguments as the core API takes them (the spec's `api_values`)."""
        spec = self.registry.get(call.name)
        return spec.api_args(call.args) if spec is not None else call.args

    async def _undo(self, call: ToolCall, turn: Turn, link: Link) -> ToolResult:
        """The user's own last change reverted (tools/undo.py), recorded like any call."""
        assert link.user_id is not None
        started = time.perf_counter()
        result = await self.undo.undo(link.user_id, turn.turn_id, call.lang)
        outcome = "ok" if result.ok else f"declined:{result.error}"
        await self._record(call, link, turn, outcome, 200 if result.ok else 0, time.perf_counter() - started)
        return result

    async def _failed(
        self, exc: Exception, call: ToolCall, link: Link, turn: Turn, started: float
    ) -> ToolResult:
        """A failed core API call, recorded: its error explained, or unreachable."""
        if isinstance(exc, CoreApiError):
            await self._record(call, link, turn, "error", exc.status, time.perf_counter() - started)
            if await self._identity_refused(exc, link):
                return ToolResult(ok=False, error="not_linked", reply=t("reply.link_first", call.lang))
            return ToolResult(ok=False, error=explain(exc, call.lang))
        await self._record(call, link, turn, "unavailable", 0, time.perf_counter() - started)
        log.warning("core API unavailable", tool=call.name, error=str(exc))
        return ToolResult(ok=False, error=t("error.unavailable", call.lang))

    async def _identity_refused(self, exc: CoreApiError, link: Link) -> bool:
        """Whether the core API no longer lets this number act as its user; the cached link is dropped
        then. A 401 says so at once (the user's token refused: deactivated, deleted). A 403 may be only
        this one operation's permission, so the link is re-checked now: a block, an unlink or a lower
        role in the core API shows at this very command instead of at the next interval."""
        if exc.status == 401:
            await self.links.unlink(link.wa_id)
            return True
        return exc.status == 403 and await self.links.recheck(link) is None

    async def _record(
        self, call: ToolCall, link: Link, turn: Turn, outcome: str, status: int, seconds: float
    ) -> None:
        note_tool(call.name, outcome, status, seconds * 1000)
        args = seal(
            self.sealer, orjson.dumps(call.args), aad_entry("tools", turn.user.wa_id, turn.turn_id, "args")
        )
        await self._redis.xadd(
            self._keys.tool_calls,
            {
                "tool": call.name,
                "args": args,
                "user_id": link.user_id or 0,
                "wa_id": turn.user.wa_id,
                "turn_id": turn.turn_id,
                "outcome": outcome,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "ts": time.time(),
            },
            maxlen=self._maxlen,
            approximate=True,
        )


def _skipped(skip: Sequence[str], phrase: str, phrases: Sequence[str]) -> Sequence[str]:
    """The other arguments' words left out of `phrase`: all of them from the message (the last phrase),
    which says them besides the title; from the phrase the call names its object by, only those it
    holds whole — "مهمة عقد شركة الأمن" keeps "عقد" and "الأمن" though the new title says them too."""
    if phrase is phrases[-1]:
        return skip
    held = set(words(phrase))
    return [s for s in skip if set(words(s)) <= held]


def explain(exc: CoreApiError, lang: str) -> str:
    """A core API error in the user's language, by its code (`api_error.<code>` in the catalog), filled
    with the values the error carries. A code the catalog lacks is worded by its status: in English with
    the API's own `detail`, in any other language with a generic text (never English inside it)."""
    body = exc.body if isinstance(exc.body, dict) else {}
    values: dict[str, Any] = {k: v for k, v in body.items() if k != "code"}
    values["detail"] = exc.detail
    ids = [i for i in body.get("task_ids") or [] if isinstance(i, int)]
    if ids:
        values["tasks"] = numbered(ids, lang)
    if "task_id" in body and "task_ids" in body:  # a bulk call's refusal names the task it stopped at
        values["task_prefix"] = t("api_error.task_prefix", lang, id=body["task_id"])
    candidates = body.get("candidates")
    if isinstance(candidates, list):
        values["names"] = ", ".join(
            f"{c.get('display_name')} (@{c.get('username')})" for c in candidates if isinstance(c, dict)
        )
    key = f"api_error.{exc.code}"
    if exc.code is None or not has(key):
        key = _BY_STATUS.get(exc.status, "api_error.status.failure")
    return tn(key, len(ids), lang, **values) if is_plural(key) else t(key, lang, **values)


def flatten(data: Any) -> dict[str, Any] | list[dict[str, Any]] | None:
    """Core API objects as flat values for reply templates (the assignee's name, not the object)."""
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return [_flat(item) for item in data["items"]]
    if isinstance(data, list):
        return [_flat(item) for item in data if isinstance(item, dict)]
    return _flat(data) if isinstance(data, dict) else None


def _without_lam(call: ToolCall, spec: ToolSpec | None) -> list[ToolCall]:
    """The call with an Arabic person name freed of a glued "to" ("لمنى" → "منى"), one reading each
    (base/text/names.without_glued_to); [] when no person argument has one."""
    found: list[ToolCall] = []
    for name, arg in (spec.args if spec is not None else {}).items():
        value = call.args.get(name)
        if arg.kind == "person" and isinstance(value, str):
            readings = without_glued_to(value)
            found += [call.model_copy(update={"args": {**call.args, name: r}}) for r in readings]
    return found


def _as_written(call: ToolCall) -> list[ToolCall]:
    """The call with a person argument as the message writes it (`ToolCall.also`), one reading each."""
    return [
        call.model_copy(update={"args": {**call.args, name: other}, "also": {}})
        for name, others in call.also.items()
        if name in call.args
        for other in others
        if other != call.args[name]
    ]


def _changes_nothing(call: ToolCall, before: dict[int, dict[str, Any]]) -> bool:
    """An edit whose every value the task already has (read just before, for undo)."""
    task = before.get(call.args.get("task_id")) if call.name == "update_task" else None
    given = {k: v for k, v in call.args.items() if k in EDITABLE and v is not None}
    return task is not None and bool(given) and all(task.get(k) == v for k, v in given.items())


def _speaker_as_person(call: ToolCall, spec: ToolSpec, link: Link) -> ToolCall:
    """ "Assign it to me", "سجلها باسمي": a person argument that names the speaker is the linked user,
    sent as "#<id>" (the core API reads a number as the user's id), which no directory name can be."""
    if link.user_id is None:
        return call
    mine = {
        name: f"#{link.user_id}"
        for name, arg in spec.args.items()
        if arg.kind == "person" and isinstance(call.args.get(name), str) and is_self(call.args[name])
    }
    return call.model_copy(update={"args": {**call.args, **mine}}) if mine else call


def _person_shown(value: Any, link: Link) -> Any:
    """The speaker by their name in a question, not by "#<id>"."""
    if link.user_id is not None and value == f"#{link.user_id}":
        return link.display_name or value
    return value


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    out = dict(item)
    person = out.get("assignee")
    if isinstance(person, dict):
        out["assignee"] = person.get("display_name") or person.get("username")
    if "task_id" in out and "id" not in out:
        out["id"] = out["task_id"]
    tasks = out.get("tasks")
    if isinstance(tasks, list):  # a bulk result: one line per task for the reply template
        out["task_lines"] = "\n".join(task_lines([t for t in tasks if isinstance(t, dict)]))
    return out


def numbered(ids: list[int], lang: str) -> str:
    """How a reply names tasks: "task 7", "tasks 7 and 9", "tasks 3, 4 and 9" (in `lang`)."""
    head = t("list.separator", lang).join(str(i) for i in ids[:-1])
    return tn("tasks.numbered", len(ids), lang, ids=head, last=ids[-1])


def choice_list(text: str, token: str, options: list[Option], turn: Turn, lang: str) -> ListPart:
    """The objects to pick from as a WhatsApp list: one row each, "#12 Prepare slides" cut to the
    channel's row title, the whole title below when it is longer."""
    limits = turn.limits
    rows = []
    for option in options[: limits.list_rows]:
        title = f"#{option.id} {option.title}"
        longer = len(title) > limits.row_title
        rows.append(
            ListRow(
                id=row_id(token, option.id),
                title=shorten(title, limits.row_title),
                description=shorten(option.title, limits.row_description) if longer else None,
            )
        )
    return ListPart(
        text=shorten(text, limits.buttons_body),
        button=shorten(t("pick.button", lang), limits.list_button),
        sections=[ListSection(rows=rows)],
    )


def task_lines(tasks: list[dict[str, Any]], *, limit: int = 20) -> list[str]:
    """One line per task ("• #3 Prepare Q3 report"); beyond `limit`, the rest by number only."""
    lines = [f"• #{t.get('id')} {shorten(str(t.get('title', '')), 60)}" for t in tasks[:limit]]
    if len(tasks) > limit:
        lines.append("• " + ", ".join(f"#{t.get('id')}" for t in tasks[limit:]))
    return lines
