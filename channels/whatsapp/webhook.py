"""The WhatsApp webhook endpoints: verification handshake and signed deliveries.

The POST handler does only what must happen before answering Meta: size limit, signature over the
raw bytes (constant time, before any parsing), parse, and hand the envelope to the sink (which dedupes
and enqueues). It never waits for the agent: Meta wants a fast 200 and retries otherwise.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from base.channel import UNAVAILABLE, BodyTooLarge, ChannelRejected, read_capped
from channels.whatsapp.models import PayloadError, WebhookEnvelope, parse_envelope
from channels.whatsapp.signature import verify_signature

Sink = Callable[[WebhookEnvelope], Awaitable[object]]


class SinkUnavailable(Exception):
    """Raised by a sink that cannot take the envelope now (e.g. Redis down): 503, Meta retries."""


Reply = tuple[int, bytes, bytes]  # status, body, content type

_OK: Reply = (200, b"ok", b"text/plain")


def _error(status: int, reason: str) -> Reply:
    return status, orjson.dumps({"error": reason}), b"application/json"


AppSecret = bytes | Sequence[bytes]  # one secret, or several while one is rotated (new first)


def verified_envelope(app_secret: AppSecret | None, raw: bytes, signature: str | None) -> WebhookEnvelope:
    """The signature over the raw bytes (constant time, before any parsing), then the envelope.
    Without an app secret nothing is checked (dev on loopback only: hudhud/container.py refuses the rest);
    with several, a signature made with any of them is accepted (an empty list accepts none)."""
    if app_secret is not None:
        candidates = (app_secret,) if isinstance(app_secret, bytes) else tuple(app_secret)
        if not any(verify_signature(secret, raw, signature) for secret in candidates):
            raise ChannelRejected(401, "missing or invalid X-Hub-Signature-256")
    try:
        return parse_envelope(raw)
    except PayloadError as exc:
        raise ChannelRejected(400, str(exc)) from None


class WebhookReceiver:
    """The POST logic, shared by the FastAPI route (documented in the OpenAPI spec) and the ASGI fast
    path that serves the same requests without the framework's per-request machinery."""

    def __init__(
        self,
        *,
        app_secret: AppSecret | None,
        max_body_bytes: int,
        sink: Sink,
        on_result: Callable[[str], None] = lambda result: None,
    ) -> None:
        self.app_secret = app_secret
        self.max_body_bytes = max_body_bytes
        self.sink = sink
        self.on_result = on_result

    def parse(self, raw: bytes, signature: str | None) -> WebhookEnvelope:
        return verified_envelope(self.app_secret, raw, signature)

    async def receive(
        self, chunks: AsyncIterator[bytes], declared: str | None, signature: str | None
    ) -> Reply:
        try:
            raw = await read_capped(chunks, self.max_body_bytes, declared)
        except BodyTooLarge:
            self.on_result("too_large")
            return _error(413, f"body larger than {self.max_body_bytes} bytes")
        try:
            envelope = self.parse(raw, signature)
        except ChannelRejected as exc:
            self.on_result("bad_signature" if exc.status == 401 else "bad_payload")
            return _error(exc.status, exc.reason)
        try:
            await self.sink(envelope)
        except SinkUnavailable:
            # The cause is for the logs (the sink logs it), not for whoever posted the webhook.
            self.on_result("unavailable")
            return _error(503, UNAVAILABLE)
        self.on_result("ok")
        return _OK

    def fast_path(self, app: ASGIApp, path: str) -> ASGIApp:
        """Wrap an ASGI app so POSTs to `path` are answered here directly."""
        receiver = self

        async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != path:
                await app(scope, receive, send)
                return
            headers = dict(scope["headers"])
            declared = headers.get(b"content-length")
            signature = headers.get(b"x-hub-signature-256")

            async def chunks() -> AsyncIterator[bytes]:
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    yield message.get("body", b"")
                    if not message.get("more_body", False):
                        return

            status, body, content_type = await receiver.receive(
                chunks(), declared.decode() if declared else None, signature.decode() if signature else None
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", content_type),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

        return asgi


def webhook_router(
    *,
    verify_token: str | None,
    receiver: WebhookReceiver,
    path: str = "/webhook/whatsapp",
) -> APIRouter:
    router = APIRouter()

    @router.get(path, include_in_schema=True, summary="Webhook verification handshake")
    async def verify(request: Request) -> Response:
        q = request.query_params
        if (
            verify_token
            and q.get("hub.mode") == "subscribe"
            and hmac.compare_digest(q.get("hub.verify_token", "").encode(), verify_token.encode())
            and "hub.challenge" in q
        ):
            return PlainTextResponse(q["hub.challenge"])
        return PlainTextResponse("verification failed", status_code=403)

    @router.post(path, summary="Signed webhook delivery")
    async def deliver(request: Request) -> Response:
        status, body, content_type = await receiver.receive(
            request.stream(),
            request.headers.get("content-length"),
            request.headers.get("x-hub-signature-256"),
        )
        return Response(content=body, status_code=status, media_type=content_type.decode())

    return router
