"""Drafts of prompts and tool descriptions on the playground page: saved to Redis (hudhud/drafts.py) and
used by playground turns only (the worker puts them in effect: base/drafts.py), run against a small
dev suite through the Evals page's queue, saved for good, or discarded. Admins only, dev only, like the
playground itself; each change goes through the session's CSRF check (auth.py) and into the audit log.

    POST /admin/playground/drafts          {target, text}  save a draft ("prompt:<file stem>", "tool:<name>")
    POST /admin/playground/drafts/discard  {target}        drop it
    POST /admin/playground/drafts/save     {target}        write it as the prompt's next version, or into
                                                           the pack's tools.yaml; then drop it
    POST /admin/playground/drafts/run      {suite…, filter} queue an eval run with every draft applied
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from base.drafts import KINDS, DraftKind, draft_tag
from base.settings import Environment, Settings, SettingsError
from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal, form_pairs
from hudhud.admin.draft_files import DraftFileError, materialize, publish_prompt, publish_tool
from hudhud.admin.eval_files import EvalFiles
from hudhud.admin.eval_queue import DraftRun
from hudhud.admin.evals import planned_run, queue
from hudhud.admin.render import back
from hudhud.container import tool_registry
from hudhud.drafts import MAX_CHARS, Draft, DraftStore
from prompts.store import DEFAULT_ROOT, PromptStore
from tools.registry import ToolRegistry

PAGE = "/admin/playground"
DRAFT_DIR = "draft"  # inside the run's folder: the prompts and tool descriptions it ran with


@dataclass(frozen=True)
class Editing:
    """What the page's editor shows: a target's draft, or its current text to start one from."""

    target: str
    text: str
    draft: Draft | None


def prompts_root(settings: Settings) -> Path:
    """The prompts folder the service reads (HUDHUD_PROMPTS_DIR, else the shipped one)."""
    return settings.model.prompts_dir or DEFAULT_ROOT


def registry(settings: Settings) -> ToolRegistry:
    """Loaded afresh: a description saved a moment ago is the current text."""
    try:
        return tool_registry(settings)
    except SettingsError as exc:
        raise HTTPException(503, str(exc)) from None


def split_target(target: str) -> tuple[DraftKind, str]:
    kind, _, name = target.partition(":")
    if kind not in KINDS or not name:
        raise HTTPException(422, "the target is prompt:<file stem> or tool:<name>")
    return cast(DraftKind, kind), name


def current_texts(settings: Settings) -> dict[str, str]:
    """Every target a draft may be made of, with its saved text (blocking: in a thread)."""
    texts = {f"prompt:{p.stem}": p.text for p in PromptStore(prompts_root(settings)).all()}
    texts.update({f"tool:{spec.name}": spec.description for spec in registry(settings)})
    return texts


async def page_context(settings: Settings, store: DraftStore, edit: str) -> dict[str, Any]:
    """The playground page's drafts section: the targets, the drafts and the editor's text."""
    texts = await asyncio.to_thread(current_texts, settings)
    drafts = await store.all()
    editing = None
    if edit in texts:
        draft = next((d for d in drafts if f"{d.kind}:{d.name}" == edit), None)
        editing = Editing(edit, draft.text if draft else texts[edit], draft)
    suites = await asyncio.to_thread(EvalFiles(settings.admin.eval_runs_dir).suites)
    tags = {f"{d.kind}:{d.name}": draft_tag(d.text) for d in drafts}
    return {"targets": list(texts), "drafts": drafts, "tags": tags, "editing": editing, "suites": suites}


def playground_drafts_router(auth: AdminAuth, settings: Settings) -> APIRouter:
    async def admin_in_dev(me: Principal = Depends(auth.require("admin", page=True))) -> Principal:
        """An admin (checked first: no one else learns anything), and only in dev, as the playground."""
        if settings.runtime.env != Environment.dev:
            raise HTTPException(
                409, f"drafts are tried and saved only in dev (HUDHUD_ENV={settings.runtime.env.value})"
            )
        return me

    router = APIRouter(prefix=f"{PAGE}/drafts")
    admin = Depends(admin_in_dev)
    files = EvalFiles(settings.admin.eval_runs_dir)

    def context(request: Request) -> tuple[DraftStore, AuditLog]:
        c = request.app.state.container
        return DraftStore(c.redis, c.keys), AuditLog(c.redis, c.keys)

    async def target_of(request: Request) -> tuple[str, DraftKind, str, str]:
        fields = dict(await form_pairs(request))
        target = fields.get("target", "")
        kind, name = split_target(target)
        return target, kind, name, fields.get("text", "")

    @router.post("", summary="Dashboard: save a draft of a prompt or a tool description")
    async def save_draft(request: Request, me: Principal = admin) -> Response:
        target, kind, name, text = await target_of(request)
        if target not in await asyncio.to_thread(current_texts, settings):
            raise HTTPException(422, f"no prompt file or tool {target!r}")
        text = " ".join(text.split()) if kind == "tool" else text.strip()
        if not text or len(text) > MAX_CHARS:
            raise HTTPException(422, f"a draft is 1 to {MAX_CHARS} characters")
        draft = Draft(kind=kind, name=name, text=text, by=me.username)
        store, audit = context(request)
        await store.put(draft)
        await audit.record(me.username, "draft_put", target, draft_tag(text))
        return back(PAGE, f"Draft of {target} saved: the next playground turn uses it", edit=target)

    @router.post("/discard", summary="Dashboard: discard a draft")
    async def discard(request: Request, me: Principal = admin) -> Response:
        target, kind, name, _ = await target_of(request)
        store, audit = context(request)
        if not await store.discard(kind, name):
            raise HTTPException(404, f"no draft of {target}")
        await audit.record(me.username, "draft_discard", target)
        return back(PAGE, f"Draft of {target} discarded")

    @router.post(
        "/save", summary="Dashboard: save a draft as the prompt's next version or the tool's description"
    )
    async def publish(request: Request, me: Principal = admin) -> Response:
        target, kind, name, _ = await target_of(request)
        store, audit = context(request)
        draft = await store.get(kind, name)
        if draft is None:
            raise HTTPException(404, f"no draft of {target}")
        try:
            if kind == "prompt":
                prompt = await asyncio.to_thread(publish_prompt, prompts_root(settings), name, draft.text)
                where = f"{prompt.key} in {prompt.path}"
            else:
                path = await asyncio.to_thread(publish_tool, registry(settings).packs, name, draft.text)
                where = f"{target} in {path}"
        except DraftFileError as exc:
            raise HTTPException(409, str(exc)) from None
        await store.discard(kind, name)
        await audit.record(me.username, "draft_save", target, where)
        return back(PAGE, f"Saved {where}")

    @router.post("/run", summary="Dashboard: queue a small dev-suite eval run with the drafts")
    async def run(request: Request, me: Principal = admin) -> Response:
        store, _ = context(request)
        drafts = await store.load()
        if not drafts:
            raise HTTPException(422, "no draft to try: save one first")
        planned = await planned_run(
            files, await form_pairs(request), settings.admin.eval_max_cases, me.username
        )
        out = files.runs_dir.resolve() / planned.id / DRAFT_DIR
        try:
            prompts, tools = await asyncio.to_thread(materialize, drafts, prompts_root(settings), out)
        except (DraftFileError, OSError) as exc:
            raise HTTPException(409, f"cannot write the drafts for the run: {exc}") from None
        names = [f"prompt:{n}" for n in sorted(drafts.prompts)] + [f"tool:{n}" for n in sorted(drafts.tools)]
        planned.draft = DraftRun(
            prompts_dir=str(prompts), tool_descriptions=str(tools) if tools else None, names=names
        )
        await queue(request, planned)
        return back(
            "/admin/evals", f"Queued draft run {planned.id}: {planned.cases} cases, {', '.join(names)}"
        )

    return router
