"""The HTTP service: webhook, liveness and readiness, metrics, and (in dev) the sandbox outbox.

`create_app()` opens a Container in the lifespan; with `workers=N` it also runs N in-process workers
(what `hudhud up` does), otherwise workers run elsewhere (`hudhud worker`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import structlog
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from base.bots import load_bots
from base.channel import UNAVAILABLE, BodyTooLarge, Channel, ChannelRejected, read_capped
from base.responder import Responder
from base.settings import Environment, Settings, load_settings
from channels.whatsapp.webhook import SinkUnavailable, WebhookReceiver, webhook_router
from hudhud import metrics
from hudhud.access import metrics_guard
from hudhud.admin import mount_admin
from hudhud.admin.accounts import Accounts
from hudhud.admin.eval_runner import EvalRunner
from hudhud.container import Container, check_security
from hudhud.headers import SecurityHeaders
from hudhud.observe_api import observe_router
from hudhud.playground import playground_router
from hudhud.readiness import readiness
from hudhud.rotation import rotation_router
from hudhud.worker import Worker
from memory.kb_api import kb_router
from memory.users_api import users_router

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    workers: int = 0,
    responder: Responder | None = None,
    embed_core: bool = False,
    channels: Sequence[Channel] = (),
    announce: Callable[[str], None] | None = None,
) -> FastAPI:
    """`channels`: adapters beside WhatsApp (base/channel.py); each gets `POST <its webhook_path>`.
    `announce(password)`: told, in dev, the password of the dashboard's first admin when one is made
    at start (`hudhud up` prints it once)."""
    settings = settings or load_settings()
    # Refused here, before anything starts, so `hudhud up` says why in one line.
    check_security(settings, listen_host=settings.runtime.host)
    state: dict[str, object] = {}
    core_app = None
    if embed_core and not settings.core.url:
        from hudhud.embedded_core import MOUNT, embedded_core

        core_app, settings = embedded_core(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if core_app is not None:
                # A mounted app's lifespan does not run by itself: its database starts here.
                await stack.enter_async_context(core_app.router.lifespan_context(core_app))
            async with _serving(app, settings, responder, workers, state, channels, announce):
                yield

    dev = settings.runtime.env == Environment.dev
    # Outside dev the OpenAPI document is served behind the admin guard (below) and the docs pages are off.
    app = FastAPI(
        title="Hudhud", version="0.1.0", lifespan=lifespan, openapi_url="/openapi.json" if dev else None,
        docs_url="/docs" if dev else None, redoc_url="/redoc" if dev else None,
    )  # fmt: skip
    if core_app is not None:
        app.mount(MOUNT, core_app)
    _routes(app, settings, state)
    for channel in channels:
        app.add_api_route(
            channel.webhook_path,
            _channel_endpoint(channel, settings.queue.max_body_bytes),
            methods=["POST"],
            summary=f"Webhook of the {channel.name} channel",
        )
    return app


def freeze_startup_objects() -> bool:
    """Everything loaded so far lives as long as the process: move it out of the collector's reach, or
    every full collection rescans ~90k start-up objects and pauses the webhook for ~56 ms (the p99).

    Only on the main thread, where a served process starts. Called from another thread (an app served
    from a thread, as tests do), `gc.freeze()` can run while the main thread's collection is inside a
    weakref callback — the GIL is released there — and re-link the lists that collection is walking:
    seen as a collection that never ends."""
    if threading.current_thread() is not threading.main_thread():
        return False
    gc.collect()
    gc.freeze()
    return True


@contextlib.asynccontextmanager
async def _serving(
    app: FastAPI,
    settings: Settings,
    responder: Responder | None,
    workers: int,
    state: dict[str, object],
    channels: Sequence[Channel],
    announce: Callable[[str], None] | None = None,
) -> AsyncIterator[None]:
    container = await Container.open(
        settings, responder=responder, listen_host=settings.runtime.host, channels=channels
    )
    app.state.container = container
    generated = await Accounts(container.redis, container.keys).ensure_first_admin(
        settings, make=announce is not None
    )
    if generated is not None and announce is not None:
        announce(generated)
    running: list[tuple[Worker, asyncio.Task[None]]] = []
    for i in range(workers):
        worker = container.worker()
        running.append((worker, asyncio.create_task(worker.run(), name=f"worker-{i}")))
    if running:
        await asyncio.gather(*(w.ensure_group() for w, _ in running))
    watching = asyncio.create_task(_watch_redis(container, settings.queue.lease_s / 2), name="redis-watch")
    stopping = asyncio.Event()
    evaluator = container.alert_evaluator()
    alerting = asyncio.create_task(evaluator.run(stopping), name="alerts") if evaluator else None
    app.state.alert_evaluator = evaluator
    # Eval runs asked for on the dashboard: whichever API process holds the lease runs the next one.
    eval_runner = EvalRunner(container.redis, container.keys, settings.admin)
    running_evals = asyncio.create_task(eval_runner.run(stopping), name="eval-runner")
    freeze_startup_objects()
    state["ready"] = True
    try:
        yield
    finally:
        state["ready"] = False
        watching.cancel()
        stopping.set()
        running_evals.cancel()  # a run in progress goes back to the front of the queue
        await asyncio.gather(
            watching, running_evals, *([alerting] if alerting else []), return_exceptions=True
        )
        for worker, _ in running:
            worker.stop()
        await asyncio.gather(*(t for _, t in running), return_exceptions=True)
        await container.aclose()


async def _watch_redis(container: Container, interval_s: float) -> None:
    """An API process without workers must notice an emptied Redis too (hudhud/redis_watch.py)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await container.watch.check()
        except (RedisError, OSError) as exc:
            log.warning("redis watch failed", error=str(exc))


def _channel_endpoint(channel: Channel, max_body: int) -> Callable[[Request], Awaitable[Response]]:
    """A channel's webhook: size cap, the channel's own verification and parsing, then the queue."""

    async def deliver(request: Request) -> Response:
        try:
            raw = await read_capped(request.stream(), max_body, request.headers.get("content-length"))
        except BodyTooLarge:
            return JSONResponse({"error": f"body larger than {max_body} bytes"}, status_code=413)
        try:
            jobs = channel.parse(raw, {k.lower(): v for k, v in request.headers.items()})
            await request.app.state.container.accept_jobs(jobs)
        except ChannelRejected as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)
        except SinkUnavailable:
            return JSONResponse({"error": UNAVAILABLE}, status_code=503)
        return Response(b"ok", media_type="text/plain")

    return deliver


def _routes(app: FastAPI, settings: Settings, state: dict[str, object]) -> None:
    async def sink(envelope):
        return await app.state.container.accept(envelope)

    receiver = WebhookReceiver(
        app_secret=settings.whatsapp.app_secrets or None,
        max_body_bytes=settings.queue.max_body_bytes,
        sink=sink,
        on_result=lambda result: metrics.WEBHOOKS.labels(result=result).inc(),
    )
    verify_token = (
        settings.whatsapp.verify_token.get_secret_value() if settings.whatsapp.verify_token else None
    )
    app.include_router(webhook_router(verify_token=verify_token, receiver=receiver, path=WEBHOOK_PATH))
    # The dashboard (hudhud/admin) and the admin API share one sign-in: a session cookie with CSRF for
    # pages, HTTP Basic with an account for scripts.
    auth = mount_admin(app, settings)
    admin_only = auth.require("admin")
    app.include_router(kb_router(settings, admin_only))  # /admin/api/kb (memory/kb_api.py)
    app.include_router(users_router(settings, admin_only))  # /admin/api/users: export and forget one user
    app.include_router(observe_router(settings, admin_only))  # /admin/api/log and /admin/api/aggregates
    app.include_router(rotation_router(settings, admin_only))  # /admin/api/memory/rotate
    if settings.runtime.env == Environment.dev:  # one turn as a user, into the sandbox: `hudhud chat`
        app.include_router(playground_router(settings, admin_only))
    # Deliveries skip the framework's per-request layers (they are the hot path); GET and the OpenAPI
    # description stay with the router above.
    app.add_middleware(_FastPath, receiver=receiver)
    app.add_middleware(SecurityHeaders)  # outermost: the fast path's answers get them too

    @app.get("/healthz", summary="Liveness: 200 while the process serves requests")
    async def healthz() -> Response:
        # Liveness only: a Redis outage is /readyz's to report (restarting this process would not help).
        if not state.get("ready"):
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ok", "sandbox": settings.whatsapp.sandbox})

    @app.get("/readyz", summary="Readiness: Redis, the worker group and the oldest waiting message")
    async def readyz() -> Response:
        if not state.get("ready"):
            return JSONResponse({"status": "starting"}, status_code=503)
        report = await readiness(app.state.container)
        return JSONResponse(report.model_dump(), status_code=200 if report.ready else 503)

    @app.get("/metrics", include_in_schema=False, dependencies=[Depends(metrics_guard(settings))])
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    if settings.runtime.env != Environment.dev:

        @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(admin_only)])
        async def openapi_document() -> JSONResponse:
            return JSONResponse(app.openapi())

    # Captured replies hold recipients' numbers and confirmation buttons' ids: only on a developer's
    # machine, with the sandbox on, and behind the admin guard.
    if settings.runtime.env == Environment.dev and any(bot.sandbox for bot in load_bots(settings).all()):

        @app.get(
            "/sandbox/messages",
            summary="Outbound captured by the sandbox, newest first (dev only, admin)",
            dependencies=[Depends(admin_only)],
        )
        async def sandbox_messages(
            to: str | None = None, limit: int = Query(50, ge=1, le=1000)
        ) -> list[dict[str, object]]:
            return await app.state.container.messengers.sandbox.recent(limit=limit, to=to)


WEBHOOK_PATH = "/webhook/whatsapp"


class _FastPath:
    def __init__(self, app: ASGIApp, receiver: WebhookReceiver) -> None:
        self._asgi = receiver.fast_path(app, WEBHOOK_PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)
