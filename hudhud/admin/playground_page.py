"""The playground page: a WhatsApp-like chat in the dashboard over POST /admin/api/playground/turn
(hudhud/playground.py), with the turn's trace and the prompts the model was given beside it, and the bot
profile to talk to; below it the drafts of prompts and tool descriptions its turns try
(playground_drafts.py). Admins only; dev only, as the endpoint is (the page says so elsewhere)."""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from base.settings import Environment, Settings
from hudhud.admin.auth import AdminAuth, Principal
from hudhud.admin.playground_drafts import page_context
from hudhud.admin.render import page
from hudhud.demo import DEMO_NUMBER
from hudhud.drafts import DraftStore
from hudhud.playground import PREFIX, TurnRequest


def playground_page_router(auth: AdminAuth, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/admin/playground")
    admin = Depends(auth.require("admin", page=True))
    profiles = get_args(TurnRequest.model_fields["profile"].annotation)

    @router.get("", response_class=HTMLResponse, summary="Dashboard: the playground")
    async def playground(request: Request, edit: str = "", me: Principal = admin) -> HTMLResponse:
        dev = settings.runtime.env == Environment.dev
        drafts = {}
        if dev:
            c = request.app.state.container
            drafts = await page_context(settings, DraftStore(c.redis, c.keys), edit)
        return page(
            request,
            "playground.html",
            me,
            **drafts,
            dev=dev,
            env=settings.runtime.env.value,
            endpoint=f"{PREFIX}/turn",
            profiles=profiles,
            wa_id=DEMO_NUMBER,
        )

    return router
