"""Users: the numbers linked to core-API users (memory/links.py), each with its link status and role,
abuse control's hold on it (memory/throttles.py); block and unblock, exempt, export and delete its
data (memory/privacy.py), and issue a link code for its core-API user. Opening a user's page is
audited, like every change."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from base.settings import Settings
from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal, form
from hudhud.admin.render import back, page
from memory.links import IdentityLinks
from memory.throttles import Throttles
from memory.users_api import checked_wa_id

PER_PAGE = 50
BLOCK_CHOICES = {"15": 900, "60": 3600, "1440": 86_400, "10080": 604_800}  # minutes -> seconds


def users_page_router(auth: AdminAuth, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/admin/users")
    viewer = Depends(auth.require("viewer", page=True))
    admin = Depends(auth.require("admin", page=True))

    def parts(request: Request) -> tuple[IdentityLinks, Throttles, AuditLog]:
        c = request.app.state.container
        return IdentityLinks(c.redis, c.keys), Throttles(c.redis, c.keys), AuditLog(c.redis, c.keys)

    @router.get("", response_class=HTMLResponse, summary="Dashboard: linked users")
    async def users(request: Request, p: int = 1, me: Principal = viewer) -> HTMLResponse:
        links, throttles, _ = parts(request)
        everyone = sorted(await links.all(), key=lambda link: link.wa_id)
        p = max(1, p)
        shown = everyone[(p - 1) * PER_PAGE : p * PER_PAGE]
        rows = [(link, await throttles.state(link.wa_id)) for link in shown]
        return page(
            request, "users.html", me, rows=rows, p=p, more=len(everyone) > p * PER_PAGE, total=len(everyone)
        )

    @router.get("/find", summary="Dashboard: open a user by number")
    async def find(request: Request, wa_id: str = "", me: Principal = viewer) -> Response:
        return back(f"/admin/users/{checked_wa_id(wa_id.strip().lstrip('+'))}")

    @router.get("/{wa_id}", response_class=HTMLResponse, summary="Dashboard: one user")
    async def user(request: Request, wa_id: str, note: str = "", me: Principal = viewer) -> HTMLResponse:
        return await _user_page(request, me, checked_wa_id(wa_id), note=note)

    async def _user_page(request: Request, me: Principal, wa_id: str, **extra: Any) -> HTMLResponse:
        links, throttles, audit = parts(request)
        await audit.record(me.username, "open_user", wa_id)
        return page(
            request,
            "user.html",
            me,
            wa_id=wa_id,
            link=await links.get(wa_id),
            hold=await throttles.state(wa_id),
            choices=BLOCK_CHOICES,
            core=settings.core.url is not None,
            **extra,
        )

    @router.post("/{wa_id}/block", summary="Dashboard: block a number for a while")
    async def block(request: Request, wa_id: str, me: Principal = admin) -> Response:
        wa_id = checked_wa_id(wa_id)
        minutes = (await form(request)).get("minutes", "60")
        if minutes not in BLOCK_CHOICES:
            raise HTTPException(422, f"block for one of {', '.join(BLOCK_CHOICES)} minutes")
        _, throttles, audit = parts(request)
        await throttles.block(wa_id, f"admin:{me.username}", BLOCK_CHOICES[minutes])
        await audit.record(me.username, "block", wa_id, f"{minutes} min")
        return back(f"/admin/users/{wa_id}", f"Blocked for {minutes} minutes")

    @router.post("/{wa_id}/unblock", summary="Dashboard: lift a number's block")
    async def unblock(request: Request, wa_id: str, me: Principal = admin) -> Response:
        wa_id = checked_wa_id(wa_id)
        _, throttles, audit = parts(request)
        lifted = await throttles.unblock(wa_id)
        await audit.record(me.username, "unblock", wa_id)
        return back(f"/admin/users/{wa_id}", "Unblocked" if lifted else "It was not blocked")

    @router.post("/{wa_id}/exempt", summary="Dashboard: exempt a number from the rate limits, or not")
    async def exempt(request: Request, wa_id: str, me: Principal = admin) -> Response:
        wa_id = checked_wa_id(wa_id)
        on = (await form(request)).get("on") == "1"
        _, throttles, audit = parts(request)
        await throttles.exempt(wa_id, on)
        await audit.record(me.username, "exempt" if on else "unexempt", wa_id)
        return back(f"/admin/users/{wa_id}", "Exempt from rate limits" if on else "Rate limits apply")

    @router.get("/{wa_id}/export", summary="Dashboard: download everything held about a user")
    async def export(request: Request, wa_id: str, me: Principal = admin) -> Response:
        wa_id = checked_wa_id(wa_id)
        data = await request.app.state.container.user_data.export(wa_id)
        await parts(request)[2].record(me.username, "export", wa_id)
        attachment = {"content-disposition": f'attachment; filename="hudhud-{wa_id}.json"'}
        body = orjson.dumps(data, option=orjson.OPT_INDENT_2)
        return Response(body, media_type="application/json", headers=attachment)

    @router.post("/{wa_id}/forget", summary="Dashboard: delete a user's data")
    async def forget(request: Request, wa_id: str, me: Principal = admin) -> Response:
        wa_id = checked_wa_id(wa_id)
        if (await form(request)).get("confirm", "").strip() != wa_id:
            return back(f"/admin/users/{wa_id}", "Not deleted: type the number to confirm")
        report = await request.app.state.container.user_data.forget(wa_id)
        await parts(request)[2].record(me.username, "forget", wa_id, orjson.dumps(report.as_dict()).decode())
        return back("/admin/users", f"Deleted the data of {wa_id}")

    @router.post("/{wa_id}/link-code", response_class=HTMLResponse, summary="Dashboard: issue a link code")
    async def link_code(request: Request, wa_id: str, me: Principal = admin) -> HTMLResponse:
        """A one-time code for the core-API user this number is linked to (or the one named): typed
        as `/link CODE` on the new number, it links that number to the same person."""
        wa_id = checked_wa_id(wa_id)
        links, _, audit = parts(request)
        named = (await form(request)).get("user_id", "").strip()
        link = await links.get(wa_id)
        user_id = int(named) if named.isdigit() else (link.user_id if link else None)
        if user_id is None:
            return await _user_page(request, me, wa_id, note="Name the core-API user id to issue a code for")
        issued = await _issue_code(settings, user_id)
        await audit.record(me.username, "link_code", wa_id, f"user {user_id}")
        return await _user_page(request, me, wa_id, issued=issued, code_user=user_id)

    return router


async def _issue_code(settings: Settings, user_id: int) -> dict[str, Any] | str:
    """The core API's answer (code, expires_in), or why there is none."""
    if settings.core.url is None or settings.core.token is None:
        return "no core API is configured (CORE_API_URL)"
    from tools.client import CoreApiClient, CoreApiError

    client = CoreApiClient(settings.core.url, settings.core.token.get_secret_value())
    try:
        return await client.as_user(user_id, "POST", "/link-codes")
    except CoreApiError as exc:
        return f"the core API refused: {exc.detail}"
    finally:
        await client.aclose()
