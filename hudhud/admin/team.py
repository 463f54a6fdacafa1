"""The dashboard's own people: accounts (add a viewer or an admin, remove one) and the audit log."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from hudhud.admin.accounts import AccountError, Accounts
from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal, form
from hudhud.admin.render import back, page

_ENTRY_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


def team_router(auth: AdminAuth) -> APIRouter:
    router = APIRouter(prefix="/admin")
    admin = Depends(auth.require("admin", page=True))

    def parts(request: Request) -> tuple[Accounts, AuditLog]:
        c = request.app.state.container
        return Accounts(c.redis, c.keys), AuditLog(c.redis, c.keys)

    @router.get("/accounts", response_class=HTMLResponse, summary="Dashboard: accounts")
    async def accounts(request: Request, note: str = "", me: Principal = admin) -> HTMLResponse:
        return page(request, "accounts.html", me, accounts=await parts(request)[0].all(), note=note)

    @router.post("/accounts", summary="Dashboard: add an account")
    async def add(request: Request, me: Principal = admin) -> Response:
        fields = await form(request)
        store, audit = parts(request)
        username = fields.get("username", "").strip().lower()
        if await store.get(username) is not None:
            return back("/admin/accounts", f"{username} exists already")
        try:
            await store.create(username, fields.get("password", ""), fields.get("role", ""))  # type: ignore[arg-type]
        except AccountError as exc:
            return back("/admin/accounts", f"Not added: {exc}")
        await audit.record(me.username, "account_add", username, fields.get("role", ""))
        return back("/admin/accounts", f"Added {username}")

    @router.post("/accounts/{username}/remove", summary="Dashboard: remove an account")
    async def remove(request: Request, username: str, me: Principal = admin) -> Response:
        if username == me.username:
            return back("/admin/accounts", "You cannot remove your own account")
        store, audit = parts(request)
        removed = await store.remove(username)
        await audit.record(me.username, "account_remove", username)
        return back("/admin/accounts", f"Removed {username}" if removed else f"No account {username}")

    @router.get("/audit", response_class=HTMLResponse, summary="Dashboard: audit log")
    async def audit(request: Request, before: str | None = None, me: Principal = admin) -> HTMLResponse:
        if before is not None and not _ENTRY_ID.match(before):
            raise HTTPException(422, "invalid page cursor")
        entries = await parts(request)[1].page(before=before, limit=50)
        return page(
            request,
            "audit.html",
            me,
            entries=entries,
            next_before=entries[-1].id if len(entries) == 50 else None,
        )

    return router
