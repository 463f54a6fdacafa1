"""`hudhud eval capture`: a stored conversation turned into a suite case, so a failure seen in production
becomes a regression case.

The turns come from the interaction log (hudhud/interactions.py; texts opened through
`InteractionLog.unseal`), the last attempt of each turn, oldest first: a message is a `user:` turn, a
press of the Confirm / Cancel button a `press:` turn. The fixtures come from the core API with the
service token: the number's linked user (its link, then the user as themself) and every task the
turns' tool calls named (`task_id` in their arguments, read from the tool-call stream), with the users
those tasks name. Tasks are as the core API has them at capture time — a task the conversation changed
starts changed, one it deleted is gone — so the case's description lists what each turn did, for the
author to set the fixtures back and to write `expect_state` (what should have happened; the capture
cannot know)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import redis.asyncio as aioredis

from base.catalog import t
from base.keys import Keys
from base.sealing import open_entry
from base.settings import Settings
from hudhud.interactions import Interaction, InteractionLog

PRESSES = ("confirm", "cancel")
BUTTON_TYPES = ("interactive", "button")


class CaptureError(ValueError):
    """Nothing to capture, or the core API cannot be read: the message says which."""


async def conversation(
    log: InteractionLog, *, wa_id: str | None = None, trace_id: str | None = None, since: float | None = None
) -> list[Interaction]:
    """The turns to capture, oldest first, one (the last attempt) per turn."""
    if trace_id is not None:
        found = [e for e in await log.query(wa_id=wa_id, since=since, limit=10_000) if e.trace_id == trace_id]
        if not found:
            raise CaptureError(f"no turn with trace id {trace_id} in the interaction log")
        entries = found
    else:
        entries = await log.query(wa_id=wa_id, since=since, limit=10_000)
        if not entries:
            raise CaptureError(
                f"no turn of {wa_id} in the interaction log" + (" since then" if since else "")
            )
    last: dict[str, Interaction] = {}
    for entry in sorted(entries, key=lambda e: (e.ts, e.attempt)):
        last[entry.turn_id] = entry
    return sorted(last.values(), key=lambda e: e.ts)


def turn_of(entry: Interaction) -> dict[str, Any] | None:
    """A suite turn: the message, or the button pressed (None: nothing a case can replay)."""
    if entry.types and entry.types[0] in BUTTON_TYPES:
        title = entry.text.strip().casefold()
        for press in PRESSES:
            if any(title == t(f"confirm.button_{press}", lang).casefold() for lang in ("ar", "en")):
                return {"press": press}
        return {"user": entry.text} if entry.text.strip() else None
    return {"user": entry.text} if entry.text.strip() else None


async def tool_calls(
    redis: aioredis.Redis, keys: Keys, cipher: Any, turn_ids: set[str]
) -> list[dict[str, Any]]:
    """The turns' tool calls from the tool-call stream, their arguments opened."""
    out = []
    for _eid, fields in await redis.xrange(keys.tool_calls):
        opened = {_s(k): _s(v) for k, v in open_entry(cipher, "tools", fields).items()}
        if opened.get("turn_id") in turn_ids:
            opened["args"] = orjson.loads(opened.get("args") or "{}")
            out.append(opened)
    return out


def task_ids(calls: list[dict[str, Any]]) -> list[int]:
    found: list[int] = []
    for call in calls:
        args = call.get("args") or {}
        for key in ("task_id", "task_ids"):
            values = args.get(key)
            for value in values if isinstance(values, list) else [values]:
                if str(value).isdigit() and int(value) not in found:
                    found.append(int(value))
    return found


async def fixtures(
    client: Any, wa_id: str, ids: list[int]
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(the case's user, the fixtures, notes) read from the core API with the service token."""
    from tools.client import CoreApiError

    notes: list[str] = []
    try:
        link = await client.service("GET", f"/links/{wa_id}")
    except CoreApiError as exc:
        if exc.status != 404:
            raise CaptureError(f"core API: cannot read the link of {wa_id}: {exc}") from None
        link = {}
    user_id = link.get("user_id")
    if user_id is None:
        return {"wa_id": wa_id}, {"users": [], "tasks": []}, ["the number is not linked"]
    me = await client.as_user(int(user_id), "GET", "/users/me")
    users = {me["username"]: _user(me, role=me.get("role"), lang=me.get("language"))}
    tasks = []
    for task_id in ids:
        try:
            task = await client.as_user(int(user_id), "GET", f"/tasks/{task_id}")
            comments = await client.as_user(int(user_id), "GET", f"/tasks/{task_id}/comments")
        except CoreApiError as exc:
            notes.append(f"task #{task_id} is not in the core API now ({exc.status}): add it as it was")
            continue
        for person in (task.get("creator"), task.get("assignee")):
            if person and person["username"] not in users:
                users[person["username"]] = _user(person)
        tasks.append(_task(task, [c["text"] for c in comments]))
    case_user = {"wa_id": wa_id, "linked_as": me["username"], "lang": me.get("language") or "en"}
    return case_user, {"users": list(users.values()), "tasks": tasks}, notes


def _user(record: dict[str, Any], *, role: str | None = None, lang: str | None = None) -> dict[str, Any]:
    out = {"username": record["username"], "name": record.get("display_name") or record["username"]}
    if role:
        out["role"] = role
    if record.get("team"):
        out["team"] = record["team"]
    if lang in ("ar", "en"):
        out["lang"] = lang
    return out


def _task(task: dict[str, Any], comments: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": task["id"],
        "title": task["title"],
        "created_by": task["creator"]["username"],
        "status": task["status"],
        "priority": task["priority"],
    }
    if task.get("description"):
        out["description"] = task["description"]
    if task.get("assignee"):
        out["assignee"] = task["assignee"]["username"]
    if task.get("due_date"):
        out["due"] = task["due_date"]
    if comments:
        out["comments"] = comments
    return out


async def capture(
    settings: Settings,
    *,
    wa_id: str | None = None,
    trace_id: str | None = None,
    since: float | None = None,
    case_id: str | None = None,
    name: str | None = None,
    redis: aioredis.Redis | None = None,
    cipher: Any = None,
) -> dict[str, Any]:
    """A suite (one case) as a mapping, ready to dump as YAML; `name` is the suite's (its file's stem)."""
    from memory.crypto import Cipher
    from tools.client import CoreApiClient

    if not settings.core.url or settings.core.token is None:
        raise CaptureError("CORE_API_URL and HUDHUD_CORE_API_TOKEN are needed to read the fixtures")
    cipher = cipher if cipher is not None else Cipher.from_settings(settings.memory, settings.runtime)
    own = redis is None
    redis = redis or aioredis.from_url(settings.queue.redis_url)
    try:
        log = InteractionLog.from_settings(redis, settings, sealer=cipher)
        entries = await conversation(log, wa_id=wa_id, trace_id=trace_id, since=since)
        number = entries[0].wa_id
        keys = Keys(settings.queue.redis_prefix)
        calls = await tool_calls(redis, keys, cipher, {e.turn_id for e in entries})
    finally:
        if own:
            await redis.aclose()
    client = CoreApiClient(settings.core.url, settings.core.token.get_secret_value())
    try:
        user, fixture, notes = await fixtures(client, number, task_ids(calls))
    finally:
        await client.aclose()
    turns = [turn for e in entries if (turn := turn_of(e)) is not None]
    if not turns:
        raise CaptureError("the conversation has no message or button press to replay")
    started = datetime.fromtimestamp(entries[0].ts, UTC).astimezone()
    did = [
        f"turn {i}: {c['tool']}({_args(c['args'])}) {c.get('outcome', '')}"
        for i, e in enumerate(entries)
        for c in calls
        if c.get("turn_id") == e.turn_id
    ]
    description = "; ".join(
        [f"captured from {number} at {started.isoformat(timespec='seconds')}", *did, *notes]
    )
    lang = user.get("lang") or "en"
    case: dict[str, Any] = {
        "id": case_id or f"captured-{number[-4:]}-{int(entries[0].ts)}",
        "description": description + ". Write expect_state: what should have happened.",
        "tags": ["captured", lang if lang in ("ar", "en") else "en"],
        "user": user,
        "turns": turns,
    }
    return {
        "name": name or f"captured-{number[-4:]}",
        "clock": started.isoformat(timespec="seconds"),
        "timezone": settings.runtime.timezone,
        "fixtures": fixture,
        "cases": [case],
    }


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
