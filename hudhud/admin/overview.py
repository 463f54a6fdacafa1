"""The overview page: figures and per-minute sparklines from the figure sources (figures.py); the
figures block refreshes itself every 10 s (htmx polling its fragment)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from hudhud.admin.auth import AdminAuth, Principal
from hudhud.admin.figures import FigureSource, read_all, sparkline
from hudhud.admin.render import page


def overview_router(auth: AdminAuth, sources: tuple[FigureSource, ...]) -> APIRouter:
    router = APIRouter()
    viewer = Depends(auth.require("viewer", page=True))

    async def _context(request: Request) -> dict[str, object]:
        container = request.app.state.container
        reading = await read_all(sources, container.redis, container.keys)
        charts = [(s, Markup(sparkline(s.points)), max(s.points, default=0)) for s in reading.series]
        return {"figures": reading.figures, "charts": charts}

    @router.get("/admin", response_class=HTMLResponse, summary="Dashboard: overview")
    async def overview(request: Request, me: Principal = viewer) -> HTMLResponse:
        return page(request, "overview.html", me, **await _context(request))

    @router.get("/admin/overview/figures", response_class=HTMLResponse, summary="Dashboard: live figures")
    async def figures(request: Request, me: Principal = viewer) -> HTMLResponse:
        return page(request, "_figures.html", me, **await _context(request))

    return router
