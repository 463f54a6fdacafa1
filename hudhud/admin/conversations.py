"""Conversations: the interaction log found by number, time range and outcome; one user's thread with
each turn's messages, reply, tool calls, timings, prompt versions, trace id and errors (threads.py);
and the handoff (hudhud/handoff.py): pause the bot for the user, answer as a person, give it back.

Texts are opened for admins only, for the page that shows them; a viewer sees figures and traces.
Opening a thread is audited, like every handoff action.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from base.settings import Settings
from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal, form
from hudhud.admin.render import back, page
from hudhud.admin.threads import matches, thread
from hudhud.handoff import Handoff, HandoffRefused, last_inbound, send_human_reply, window_open_for
from hudhud.interactions import OUTCOMES, Interaction, parse_when
from memory.users_api import checked_wa_id

LIMIT = 100  # turns on one page


def _window(since: str, until: str) -> tuple[float | None, float | None]:
    try:
        return (parse_when(since) if since else None, parse_when(until) if until else None)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _outcome(outcome: str) -> str | None:
    if outcome and outcome not in OUTCOMES:
        raise HTTPException(422, f"outcome is one of {', '.join(OUTCOMES)}")
    return outcome or None


def conversations_router(auth: AdminAuth, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/admin/conversations")
    viewer = Depends(auth.require("viewer", page=True))
    admin = Depends(auth.require("admin", page=True))

    async def query(
        request: Request, wa_id: str | None, since: str, until: str, outcome: str
    ) -> list[Interaction]:
        low, high = _window(since, until)
        log = request.app.state.container.interactions
        return await log.query(wa_id=wa_id, since=low, until=high, outcome=_outcome(outcome), limit=LIMIT)  # type: ignore[arg-type]

    @router.get("", response_class=HTMLResponse, summary="Dashboard: find conversations")
    async def find(
        request: Request, wa_id: str = "", since: str = "", until: str = "", outcome: str = "",
        me: Principal = viewer,
    ) -> HTMLResponse:  # fmt: skip
        number = checked_wa_id(wa_id.strip().lstrip("+")) if wa_id.strip() else None
        entries = await query(request, number, since, until, outcome)
        form_values = {"wa_id": number or "", "since": since, "until": until, "outcome": outcome}
        return page(request, "conversations.html", me, entries=entries, f=form_values, outcomes=OUTCOMES)

    @router.get("/{wa_id}", response_class=HTMLResponse, summary="Dashboard: one user's conversation")
    async def one(
        request: Request, wa_id: str, q: str = "", since: str = "", until: str = "", outcome: str = "",
        me: Principal = viewer,
    ) -> HTMLResponse:  # fmt: skip
        wa_id = checked_wa_id(wa_id)
        if q and not me.reads_texts:
            raise HTTPException(403, "searching what people wrote is for admins")
        entries = await query(request, wa_id, since, until, outcome)
        if q:
            entries = [e for e in entries if matches(e, q)]
        c = request.app.state.container
        await AuditLog(c.redis, c.keys).record(
            me.username, "open_conversation", wa_id, f"q={q!r}" if q else ""
        )
        turns = await thread(c.redis, c.keys, c.cipher, wa_id, entries, texts=me.reads_texts)
        last = last_inbound(await c.interactions.query(wa_id=wa_id, limit=50))
        return page(
            request,
            "conversation.html",
            me,
            wa_id=wa_id,
            turns=turns,
            q=q,
            f={"since": since, "until": until, "outcome": outcome},
            outcomes=OUTCOMES,
            paused=await Handoff(c.redis, c.keys).paused(wa_id),
            window_open=last is not None and window_open_for(last, time.time()),
            fallback=settings.whatsapp.fallback_template,
            token=uuid.uuid4().hex,
        )

    async def handoff_action(request: Request, me: Principal, wa_id: str, action: str) -> Response:
        wa_id = checked_wa_id(wa_id)
        c = request.app.state.container
        handoff = Handoff(c.redis, c.keys)
        if action == "pause":
            await handoff.pause(wa_id, me.username)
            said = "The bot is paused for this user: answer below, then give the conversation back"
        else:
            said = "The bot answers again" if await handoff.resume(wa_id) else "The bot was not paused"
        await AuditLog(c.redis, c.keys).record(me.username, action, wa_id)
        return back(f"/admin/conversations/{wa_id}", said)

    @router.post("/{wa_id}/pause", summary="Dashboard: pause the bot for a user (handoff)")
    async def pause(request: Request, wa_id: str, me: Principal = admin) -> Response:
        return await handoff_action(request, me, wa_id, "pause")

    @router.post("/{wa_id}/resume", summary="Dashboard: give the conversation back to the bot")
    async def resume(request: Request, wa_id: str, me: Principal = admin) -> Response:
        return await handoff_action(request, me, wa_id, "resume")

    @router.post("/{wa_id}/reply", summary="Dashboard: answer a user as a person")
    async def reply(request: Request, wa_id: str, me: Principal = admin) -> Response:
        wa_id = checked_wa_id(wa_id)
        fields = await form(request)
        c = request.app.state.container
        try:
            sent = await send_human_reply(
                c,
                wa_id=wa_id,
                text=fields.get("text", ""),
                token=fields.get("token", ""),
                fallback_template=settings.whatsapp.fallback_template,
                fallback_language=settings.whatsapp.fallback_template_lang,
            )
        except HandoffRefused as exc:
            return back(f"/admin/conversations/{wa_id}", f"Not sent: {exc}")
        detail: dict[str, Any] = {"turn": sent.turn_id, "state": sent.state, "kind": sent.part.kind}
        if not sent.repeated:
            await AuditLog(c.redis, c.keys).record(me.username, "human_reply", wa_id, str(detail))
        said = "Already sent" if sent.repeated else f"Reply {sent.state}"
        if sent.part.kind == "template":
            said += " (the fallback template: the 24-hour window is closed)"
        return back(f"/admin/conversations/{wa_id}", said)

    return router
