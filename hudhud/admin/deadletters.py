"""Dead letters: what failed too often (hudhud/deadletters.py), listed newest first, inspected, replayed
into the queue or discarded. A turn's messages are shown to admins only: viewers see the error, the
conversation and the timings, never what was written."""

from __future__ import annotations

import re

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal
from hudhud.admin.render import back, page
from hudhud.deadletters import DeadLetter, DeadLetters

PER_PAGE = 50
_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")
HIDDEN = frozenset({"messages", "data"})  # fields that hold what people wrote


def _checked(entry_id: str) -> str:
    if not _ENTRY_ID.match(entry_id):
        raise HTTPException(422, f"invalid dead-letter id {entry_id!r}")
    return entry_id


def _messages(letter: DeadLetter) -> list[dict[str, object]]:
    try:
        found = orjson.loads(letter.fields.get("messages", "[]"))
    except orjson.JSONDecodeError:
        return []
    return [m for m in found if isinstance(m, dict)]


def dead_router(auth: AdminAuth) -> APIRouter:
    router = APIRouter(prefix="/admin/dead")
    viewer = Depends(auth.require("viewer", page=True))
    admin = Depends(auth.require("admin", page=True))

    def parts(request: Request) -> tuple[DeadLetters, AuditLog]:
        c = request.app.state.container
        return DeadLetters(c.redis, c.keys, c.cipher), AuditLog(c.redis, c.keys)

    @router.get("", response_class=HTMLResponse, summary="Dashboard: dead letters")
    async def listing(
        request: Request, before: str | None = None, note: str = "", me: Principal = viewer
    ) -> HTMLResponse:
        dead, _ = parts(request)
        letters = await dead.list(PER_PAGE, before=_checked(before) if before else None)
        return page(
            request,
            "dead.html",
            me,
            letters=letters,
            total=await dead.count(),
            note=note,
            next_before=letters[-1].id if len(letters) == PER_PAGE else None,
        )

    @router.get("/{entry_id}", response_class=HTMLResponse, summary="Dashboard: one dead letter")
    async def one(request: Request, entry_id: str, me: Principal = viewer) -> HTMLResponse:
        dead, audit = parts(request)
        letter = await dead.get(_checked(entry_id))
        if letter is None:
            raise HTTPException(404, f"no dead letter {entry_id} (replayed or discarded already?)")
        await audit.record(me.username, "open_dead_letter", entry_id, letter.conv)
        fields = {k: v for k, v in sorted(letter.fields.items()) if k not in HIDDEN}
        return page(
            request,
            "dead_one.html",
            me,
            letter=letter,
            fields=fields,
            messages=_messages(letter) if me.reads_texts else None,
            hidden=[k for k in HIDDEN if k in letter.fields],
        )

    async def act(request: Request, me: Principal, entry_id: str, action: str) -> Response:
        dead, audit = parts(request)
        run = dead.retry if action == "replay" else dead.discard
        done = await run(_checked(entry_id))
        await audit.record(me.username, action, entry_id, "ok" if done else "gone")
        said = f"{action.capitalize()}ed {entry_id}" if done else f"{entry_id} was already gone"
        return back("/admin/dead", said)

    @router.post("/{entry_id}/replay", summary="Dashboard: queue a dead letter again")
    async def replay(request: Request, entry_id: str, me: Principal = admin) -> Response:
        return await act(request, me, entry_id, "replay")

    @router.post("/{entry_id}/discard", summary="Dashboard: drop a dead letter")
    async def discard(request: Request, entry_id: str, me: Principal = admin) -> Response:
        return await act(request, me, entry_id, "discard")

    return router
