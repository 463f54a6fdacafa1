"""The admin dashboard at /admin, in the service's own app: server-rendered pages (Jinja2 + htmx, every
asset vendored under static/), one module per page group:

    signin.py      sign in, sign out              auth.py, accounts.py, login_throttle.py: who may
    overview.py    figures and sparklines          figures.py: where the figures come from
    users.py       linked users, blocks, export, forget, link codes
    conversations.py  the interaction log by user, time, outcome; a thread (threads.py); handoff
    deadletters.py inspect, replay, discard
    bots.py        numbers, models, prompts, tools switched on and off
    team.py        accounts and the audit log (audit.py)
    playground_page.py  a chat over the playground endpoint, its trace and prompt (static/playground.js)
    playground_drafts.py  drafts of prompts and tool descriptions: tried there, run as an eval, saved
    evals.py       eval runs, reports, comparisons (eval_files.py, eval_compare.py); runs started here,
                   queued (eval_queue.py) and run one at a time by a background task (eval_runner.py)

A page group is a module and a row in render.NAV; the overview takes more figure sources through
`mount_admin(sources=…)`. docs/admin.md is the guide.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import HTTPException
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from base.settings import Settings
from hudhud.admin.auth import AdminAuth, NotSignedIn
from hudhud.admin.figures import AggregateFigures, FigureSource, RedisFigures
from hudhud.admin.render import page

STATIC = Path(__file__).parent / "static"


SOURCES: tuple[FigureSource, ...] = (RedisFigures(), AggregateFigures())


def mount_admin(
    app: FastAPI, settings: Settings, *, sources: tuple[FigureSource, ...] = SOURCES
) -> AdminAuth:
    """Add the dashboard's pages to `app`; returns the sign-in check the admin API shares."""
    from hudhud.admin.bots import bots_router
    from hudhud.admin.conversations import conversations_router
    from hudhud.admin.deadletters import dead_router
    from hudhud.admin.evals import evals_router
    from hudhud.admin.overview import overview_router
    from hudhud.admin.playground_drafts import playground_drafts_router
    from hudhud.admin.playground_page import playground_page_router
    from hudhud.admin.signin import signin_router
    from hudhud.admin.team import team_router
    from hudhud.admin.users import users_page_router
    from hudhud.container import tool_registry

    auth = AdminAuth(settings)
    for router in (
        signin_router(auth),
        overview_router(auth, sources),
        users_page_router(auth, settings),
        conversations_router(auth, settings),
        dead_router(auth),
        evals_router(auth, settings),
        bots_router(auth, settings, lambda: tool_registry(settings)),
        team_router(auth),
        playground_page_router(auth, settings),
        playground_drafts_router(auth, settings),
    ):
        app.include_router(router, include_in_schema=False)
    app.mount("/admin/static", StaticFiles(directory=STATIC), name="admin-static")
    app.add_exception_handler(NotSignedIn, _to_login)
    app.add_exception_handler(StarletteHTTPException, _error_page)
    return auth


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotSignedIn)
    return RedirectResponse(f"/admin/login?next={exc.next_path}", status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    """A dashboard page's refusal as a page a person can read; everything else as FastAPI answers it."""
    assert isinstance(exc, StarletteHTTPException | HTTPException)
    path = request.url.path
    if (
        path.startswith("/admin")
        and not path.startswith("/admin/api")
        and "text/html" in request.headers.get("accept", "")
    ):
        me = getattr(request.state, "principal", None)
        response = page(request, "error.html", me, status=exc.status_code, detail=exc.detail)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response
    return await http_exception_handler(request, exc)  # type: ignore[arg-type]
