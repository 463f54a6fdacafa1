"""The WhatsApp webhook endpoints: verification handshake and signed deliveries.

The POST handler does only what must happen before answering Meta: size limit, signature over the
raw bytes (constant time, before any parsing), parse, and hand the envelope to the sink (which dedupes
and enqueues). It never waits for the agent: Meta wants a fast 200 and retries otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from channels.whatsapp.models import PayloadError, WebhookEnvelope, parse_envelope
from channels.whatsapp.signature import verify_signature

Sink = Callable[[WebhookEnvelope], Awaitable[object]]


class SinkUnavailable(Exception):
    """Raised by a sink that cannot take the envelope now (e.g. Redis down): 503, Meta retries."""


class BodyTooLarge(Exception):
    pass


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_router(
    *,
    verify_token: str | None,
    app_secret: bytes | None,
    max_body_bytes: int,
    sink: Sink,
    on_result: Callable[[str], None] = lambda result: None,
    path: str = "/webhook/whatsapp",
) -> APIRouter:
    router = APIRouter()

    @router.get(path, include_in_schema=True, summary="Webhook verification handshake")
    async def verify(request: Request) -> Response:
        q = request.query_params
        if (
            verify_token
            and q.get("hub.mode") == "subscribe"
            and q.get("hub.verify_token") == verify_token
            and "hub.challenge" in q
        ):
            return PlainTextResponse(q["hub.challenge"])
        return PlainTextResponse("verification failed", status_code=403)

    @router.post(path, summary="Signed webhook delivery")
    async def deliver(request: Request) -> Response:
        try:
            raw = await read_limited(request, max_body_bytes)
        except BodyTooLarge:
            on_result("too_large")
            return _error(413, f"body larger than {max_body_bytes} bytes")
        if app_secret is not None and not verify_signature(
            app_secret, raw, request.headers.get("x-hub-signature-256")
        ):
            on_result("bad_signature")
            return _error(401, "missing or invalid X-Hub-Signature-256")
        try:
            envelope = parse_envelope(raw)
        except PayloadError as exc:
            on_result("bad_payload")
            return _error(400, str(exc))
        try:
            await sink(envelope)
        except SinkUnavailable as exc:
            on_result("unavailable")
            return _error(503, f"temporarily unavailable: {exc}")
        on_result("ok")
        return Response(content=b"ok", media_type="text/plain")

    return router
