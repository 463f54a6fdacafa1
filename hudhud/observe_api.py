"""Admin HTTP of the interaction log and the per-minute aggregates (docs/observability.md).

    GET /admin/api/log?user=&since=&until=&outcome=&limit=   turns, newest first (texts opened)
    GET /admin/api/aggregates?metric=&since=&until=          one metric, a point per minute

Guarded like the rest of the admin API (the dashboard's sign-in, docs/admin.md; loopback only while
HUDHUD_ADMIN_PASSWORD is unset, never in prod). Times: `15m`/`2h`/`7d` ago, ISO dates, or UNIX seconds;
a bad one is a 422 that says which forms work.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from base.settings import Settings
from hudhud.aggregates import Aggregates, Point
from hudhud.interactions import OUTCOMES, Interaction, InteractionLog, parse_when
from memory.kb_api import admin_guard

if TYPE_CHECKING:
    from hudhud.container import Container

PREFIX = "/admin/api"
_WA_ID = re.compile(r"^\d{6,20}$")
_METRIC = re.compile(r"^[a-z0-9_]+(:[A-Za-z0-9_.\-]+){0,2}$")
MAX_MINUTES = 7 * 24 * 60  # one query's span of the aggregates


class LogPage(BaseModel):
    entries: list[Interaction]


class Series(BaseModel):
    metric: str
    points: list[Point]


def _container(request: Request) -> Container:
    container = getattr(request.app.state, "container", None)
    if container is None:
        raise HTTPException(503, "the service is starting: the log is not available yet")
    return container


def _when(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise HTTPException(422, f"{name}: {exc}") from None


def observe_router(settings: Settings, guard: Any = None) -> APIRouter:
    """`guard`: as memory/kb_api.kb_router's (the service passes the dashboard's sign-in)."""
    router = APIRouter(
        prefix=PREFIX, tags=["admin: observability"], dependencies=[Depends(guard or admin_guard(settings))]
    )

    @router.get("/log", summary="The interaction log: turns by user, time and outcome, newest first")
    async def interaction_log(
        request: Request,
        user: Annotated[str | None, Query(description="WhatsApp id (digits, with the country code)")] = None,
        since: Annotated[str | None, Query(description="15m, 2h, 7d, an ISO time, or UNIX seconds")] = None,
        until: str | None = None,
        outcome: Annotated[list[str] | None, Query(description=f"any of {', '.join(OUTCOMES)}")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> LogPage:
        if user is not None and not _WA_ID.match(user):
            raise HTTPException(422, f"invalid WhatsApp id {user!r}: digits only, with the country code")
        wanted = [o for o in outcome or [] if o]
        unknown = [o for o in wanted if o not in OUTCOMES]
        if unknown:
            raise HTTPException(422, f"unknown outcome {unknown[0]!r}: one of {', '.join(OUTCOMES)}")
        log: InteractionLog = _container(request).interactions
        entries = await log.query(
            wa_id=user,
            since=_when(since, "since"),
            until=_when(until, "until"),
            outcome=wanted or None,  # type: ignore[arg-type]  # checked against OUTCOMES above
            limit=limit,
        )
        return LogPage(entries=entries)

    @router.get("/aggregates", summary="One per-minute metric over a time range (for charts)")
    async def aggregates(
        request: Request,
        metric: Annotated[str, Query(description="a field (msg_in, turns:command…), p95:<path>, error_rate")],
        since: str = "1h",
        until: str | None = None,
    ) -> Series:
        if not _METRIC.match(metric):
            raise HTTPException(
                422, f"invalid metric {metric!r}: a name like msg_in, turns:command, p95:command"
            )
        start = _when(since, "since") or time.time() - 3600
        end = _when(until, "until") or time.time()
        if end < start or (end - start) / 60 > MAX_MINUTES:
            raise HTTPException(
                422, f"the range must run forwards and span at most {MAX_MINUTES // 1440} days"
            )
        store: Aggregates = _container(request).aggregates
        return Series(metric=metric, points=await store.series(metric, start, end))

    return router
