"""Evals: the runs under HUDHUD_EVAL_RUNS_DIR and the committed baselines (eval_files.py), a run's
report, two of them compared (eval_compare.py), and a small dev-suite run started here (admins), queued
and run one at a time by a background runner (eval_queue.py, eval_runner.py)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from base.settings import Settings
from hudhud.admin.audit import AuditLog
from hudhud.admin.auth import AdminAuth, Principal, form_pairs
from hudhud.admin.eval_compare import CompareError, compare, page_path
from hudhud.admin.eval_files import EvalFiles, NotFound, log_tail
from hudhud.admin.eval_queue import EvalQueue, EvalRequest
from hudhud.admin.render import back, page

FILTER = re.compile(r"^[A-Za-z0-9_*?,/.\[\]!-]{1,200}$")  # a case-id glob, never an option
# A served report is another program's HTML: no script runs, nothing is fetched, no form is sent.
REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".log": "text/plain; charset=utf-8",
}
SHOWN = 20  # requests listed


async def planned_run(files: EvalFiles, fields: list[tuple[str, str]], limit: int, by: str) -> EvalRequest:
    """The run a form asks for (its `suite` boxes and `filter`), checked: 422 naming what is wrong."""
    chosen = sorted({v for k, v in fields if k == "suite"})
    pattern = next((v.strip() for k, v in fields if k == "filter"), "")
    if not chosen:
        raise HTTPException(422, "pick at least one suite")
    if pattern and not FILTER.fullmatch(pattern):
        raise HTTPException(422, "the case filter is a glob of case ids: letters, digits, _ - . / * ? , [ ]")
    offered = {s.file: s for s in await asyncio.to_thread(files.suites)}
    try:
        picked = {name: offered[name].selected(pattern) for name in chosen}
    except KeyError as exc:
        raise HTTPException(422, f"no dev suite {exc}") from None
    cases = sum(len(ids) for ids in picked.values())
    if cases == 0:
        raise HTTPException(422, f"no case of these suites matches {pattern!r}")
    if cases > limit:
        raise HTTPException(
            422,
            f"{cases} cases picked: a run started here may have at most {limit} (HUDHUD_EVAL_MAX_CASES),"
            " so live traffic keeps its cores; narrow it with a case filter such as create-*",
        )
    return EvalRequest(id=EvalRequest.new_id(), suites=chosen, filter=pattern, cases=cases, by=by)


async def queue(request: Request, run: EvalRequest) -> None:
    """Queued for the runner (eval_runner.py) and audited."""
    c = request.app.state.container
    await EvalQueue(c.redis, c.keys).submit(run)
    detail = f"{','.join(run.suites)} filter={run.filter or '*'} cases={run.cases}"
    if run.draft is not None:
        detail += f" drafts={','.join(run.draft.names)}"
    await AuditLog(c.redis, c.keys).record(run.by, "eval_run", run.id, detail)


def evals_router(auth: AdminAuth, settings: Settings, files: EvalFiles | None = None) -> APIRouter:
    router = APIRouter(prefix="/admin/evals")
    viewer = Depends(auth.require("viewer", page=True))
    admin = Depends(auth.require("admin", page=True))
    files = files or EvalFiles(settings.admin.eval_runs_dir)
    limit = settings.admin.eval_max_cases

    async def requests(request: Request) -> list[tuple[EvalRequest, int | None, str]]:
        """The newest requests, each with its place in the queue and the end of its log."""
        c = request.app.state.container
        q = EvalQueue(c.redis, c.keys)
        out = []
        for r in await q.recent(SHOWN):
            where = await q.position(r.id) if r.status == "queued" else None
            log = files.runs_dir / r.id / "run.log"
            tail = await asyncio.to_thread(log_tail, log) if r.status != "queued" else ""
            out.append((r, where, tail))
        return out

    @router.get("", response_class=HTMLResponse, summary="Dashboard: eval runs")
    async def listing(request: Request, me: Principal = viewer) -> HTMLResponse:
        # The folders are read in a thread: a slow disk must not stall the event loop.
        runs = await asyncio.to_thread(files.runs)
        baselines = await asyncio.to_thread(files.baselines)
        suites = await asyncio.to_thread(files.suites) if me.role == "admin" else []
        choices = [f"run:{r.name}" for r in runs] + [f"baseline:{b.name}" for b in baselines]
        return page(
            request,
            "evals.html",
            me,
            requests=await requests(request),
            runs=runs,
            baselines=baselines,
            choices=choices,
            suites=suites,
            limit=limit,
        )

    @router.get("/queue", response_class=HTMLResponse, summary="Dashboard: eval requests (live)")
    async def live(request: Request, me: Principal = viewer) -> HTMLResponse:
        return page(request, "_eval_requests.html", me, requests=await requests(request))

    @router.post("/runs", summary="Dashboard: queue a small dev-suite eval run")
    async def start(request: Request, me: Principal = admin) -> Response:
        run = await planned_run(files, await form_pairs(request), limit, me.username)
        await queue(request, run)
        return back("/admin/evals", f"Queued {run.id}: {run.cases} case{'' if run.cases == 1 else 's'}")

    @router.get("/runs/{name}/{file}", summary="Dashboard: a run's report, summary or log")
    async def run_file(name: str, file: str, me: Principal = viewer) -> Response:
        try:
            path = await asyncio.to_thread(files.run_file, name, file)
        except NotFound:
            raise HTTPException(404, f"no {file} of a run {name} here") from None
        return FileResponse(
            path,
            media_type=MEDIA[path.suffix],
            headers={"content-security-policy": REPORT_CSP, "x-content-type-options": "nosniff"},
        )

    @router.get("/compare", response_class=HTMLResponse, summary="Dashboard: two eval runs compared")
    async def compared(request: Request, a: str = "", b: str = "", me: Principal = viewer) -> HTMLResponse:
        try:
            left = await asyncio.to_thread(files.comparable, a)
            right = await asyncio.to_thread(files.comparable, b)
        except NotFound:
            raise HTTPException(404, "pick two runs or baselines listed on the Evals page") from None
        try:
            result = await compare(
                files.runs_dir,
                left,
                right,
                nice=settings.admin.eval_nice,
                side_by_side=a.startswith("run:") and b.startswith("run:"),
            )
        except CompareError as exc:
            raise HTTPException(422, f"cannot compare them: {exc}") from None
        return page(request, "eval_compare.html", me, a=a, b=b, r=result.figures, digest=result.digest)

    @router.get("/side-by-side/{digest}", summary="Dashboard: two runs side by side")
    async def side_by_side(digest: str, me: Principal = viewer) -> Response:
        path: Path | None = await asyncio.to_thread(page_path, files.runs_dir, digest)
        if path is None:
            raise HTTPException(404, "no such comparison (compare the runs again)")
        return FileResponse(path, media_type=MEDIA[".html"], headers={"content-security-policy": REPORT_CSP})

    return router
