"""Bots: each number's profile, model, prompt versions and tools, and the switch that turns a tool off
and on for every worker at once (tools/switches.py: the agent stops offering it at the next turn and
the executor refuses it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from agent.profiles import get_profile
from base.settings import Settings, SettingsError
from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal, form
from hudhud.admin.render import back, page
from prompts.store import PromptNotFound, PromptStore
from tools.registry import ToolRegistry
from tools.switches import ToolSwitches


@dataclass(frozen=True)
class BotView:
    phone_number_id: str
    name: str
    profile: str
    model: str
    sandbox: bool
    prompts: list[tuple[str, str]]  # (key with version, short sha)
    tools: list[str]  # the profile's tools; [] answers only


def _prompts(store: PromptStore, persona: str) -> list[tuple[str, str]]:
    out = []
    for name in (persona, "reply-style"):
        for lang in ("ar", "en"):
            try:
                found = store.get(name, lang)
            except PromptNotFound:
                continue
            out.append((found.key, found.short_sha))
    return out


def bots_router(auth: AdminAuth, settings: Settings, load_tools: Callable[[], ToolRegistry]) -> APIRouter:
    """`load_tools`: the packs' registry, loaded at the first visit (a bad HUDHUD_TOOL_PACKS is the
    agent's to refuse at start; here it is said on the page)."""
    router = APIRouter(prefix="/admin/bots")
    loaded: list[ToolRegistry] = []

    def tools_registry() -> ToolRegistry:
        if not loaded:
            try:
                loaded.append(load_tools())
            except SettingsError as exc:
                raise HTTPException(503, str(exc)) from None
        return loaded[0]

    viewer = Depends(auth.require("viewer", page=True))
    admin = Depends(auth.require("admin", page=True))
    prompts = PromptStore()
    default_model = settings.model.name or (
        "endpoint default" if settings.model.base_url else f"embedded {settings.model.local_model}"
    )

    @router.get("", response_class=HTMLResponse, summary="Dashboard: bots and tools")
    async def bots(request: Request, note: str = "", me: Principal = viewer) -> HTMLResponse:
        registry = tools_registry()
        c = request.app.state.container
        views = []
        for bot in c.bots.all():
            profile = get_profile(bot.profile)
            tools = registry.subset(profile.tools).names()
            views.append(
                BotView(
                    bot.phone_number_id,
                    bot.name or "",
                    profile.name,
                    bot.model or default_model,
                    bot.sandbox,
                    _prompts(prompts, profile.persona),
                    tools,
                )
            )
        off = await ToolSwitches(c.redis, c.keys).off()
        return page(
            request,
            "bots.html",
            me,
            bots=views,
            tools=list(registry),
            off=off,
            note=note,
            responder=settings.runtime.responder,
        )

    @router.post("/tools/{name}", summary="Dashboard: switch a tool on or off for every worker")
    async def switch(request: Request, name: str, me: Principal = admin) -> Response:
        if tools_registry().get(name) is None:
            raise HTTPException(404, f"no tool named {name!r}")
        on = (await form(request)).get("on") == "1"
        c = request.app.state.container
        await ToolSwitches(c.redis, c.keys).switch(name, on)
        await AuditLog(c.redis, c.keys).record(me.username, "tool_on" if on else "tool_off", name)
        return back("/admin/bots", f"{name} switched {'on' if on else 'off'}")

    return router
