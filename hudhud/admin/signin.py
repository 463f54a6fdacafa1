"""Signing in and out of the dashboard (auth.py says how a request is recognised)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hudhud.admin.auth import COOKIE, LOGIN_COOKIE, AdminAuth, Principal, form
from hudhud.admin.render import page


def _safe_next(target: str) -> str:
    """Only a dashboard path: never another site (`//evil`, `https://…`)."""
    ok = target.startswith("/admin") and not target.startswith("//") and "\\" not in target
    return target if ok else "/admin"


def signin_router(auth: AdminAuth) -> APIRouter:
    router = APIRouter(prefix="/admin")

    def login_form(
        request: Request, *, error: str = "", status: int = 200, next_path: str = "/admin"
    ) -> Response:
        token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        response = page(
            request,
            "login.html",
            None,
            status=status,
            error=error,
            login_csrf=token,
            next_path=_safe_next(next_path),
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            path="/admin",
            secure=auth.secure_cookies,
            max_age=3600,
        )
        return response

    @router.get("/login", response_class=HTMLResponse, summary="Dashboard: sign-in form")
    async def login_page(request: Request, next: str = "/admin") -> Response:
        return login_form(request, next_path=next)

    @router.post("/login", summary="Dashboard: sign in")
    async def login(request: Request) -> Response:
        fields = await form(request)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(fields.get("csrf", "").encode(), expected.encode()):
            raise HTTPException(403, "CSRF token missing or wrong: reload the sign-in page")
        accounts, sessions, throttle, audit = auth.parts(request)
        username = fields.get("username", "").strip().lower()
        client = request.client.host if request.client else ""
        next_path = fields.get("next", "/admin")
        wait = await throttle.refused(username, client)
        if wait is not None:
            await audit.record(username, "login_throttled", detail=client)
            minutes = max(1, round(wait / 60))
            return login_form(
                request,
                status=429,
                next_path=next_path,
                error=f"Too many failed attempts: try again in {minutes} min",
            )
        account = await accounts.verify(username, fields.get("password", ""))
        if account is None:
            await throttle.failed(username, client)
            await audit.record(username, "login_failed", detail=client)
            return login_form(request, status=401, next_path=next_path, error="Wrong username or password")
        await throttle.succeeded(username, client)
        token, _ = await sessions.open(account)
        await audit.record(account.username, "login", detail=client)
        response = RedirectResponse(_safe_next(next_path), status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            path="/admin",
            secure=auth.secure_cookies,
            max_age=sessions.ttl_s,
        )
        response.delete_cookie(LOGIN_COOKIE, path="/admin")
        return response

    signed_in = Depends(auth.require("viewer", page=True))

    @router.post("/logout", summary="Dashboard: sign out")
    async def logout(request: Request, me: Principal = signed_in) -> Response:
        _, sessions, _, audit = auth.parts(request)
        token = request.cookies.get(COOKIE)
        if token:
            await sessions.close(token)
        await audit.record(me.username, "logout")
        response = RedirectResponse("/admin/login", status_code=303)
        response.delete_cookie(COOKIE, path="/admin")
        return response

    return router
