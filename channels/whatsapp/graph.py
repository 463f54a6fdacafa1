"""Async client of the WhatsApp Cloud API (Graph) for everything we send.

Every call goes through `_call`, which retries what can succeed later (network errors, HTTP 5xx and
429, throttling codes) with exponential backoff and full jitter, and raises a classified GraphError
for everything else — and for 131056 (pair rate limit), which the pacer around this client backs off
for that one recipient (pacing.py). Note that Graph has no idempotency key: a send retried after a
network error that happened *after* Graph accepted it is delivered twice. The outbox above us bounds
that to the rare lost-response case; it cannot be closed here.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx
import structlog
from prometheus_client import Counter, Histogram

from base.turn import Button, ListSection, ReplyPart
from channels.whatsapp import payloads
from channels.whatsapp.errors import ErrorKind, GraphError
from channels.whatsapp.pacing import Pacer
from channels.whatsapp.payloads import MediaType, Payload

log = structlog.get_logger(__name__)

GRAPH_REQUESTS = Counter(
    "hudhud_graph_requests_total",
    "Graph API attempts (each retry counts), by client method and outcome (ok or the error kind)",
    ["method", "outcome"],
)
GRAPH_ERRORS = Counter(
    "hudhud_graph_errors_total",
    "Graph API errors by error code (each failed attempt; `none`: no code, e.g. a network error), and"
    " the errors of status webhooks",
    ["code"],
)
GRAPH_SECONDS = Histogram(
    "hudhud_graph_request_seconds",
    "Duration of one Graph API attempt, by client method",
    ["method"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class GraphClient:
    """Sends WhatsApp messages through Graph; `base_url` includes the version (…/v25.0).

    `retries` is the number of retries after the first attempt. A Retry-After header longer than
    `backoff_max_s` is not slept through: the error is raised at once with `retry_after` set, so the
    caller can park the work instead of holding a worker. With a `pacer`, every message (not reads or
    media) waits for its tokens first, and a 131056 is backed off for that recipient and sent again.
    """

    def __init__(
        self,
        base_url: str,
        access_token: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout_s: float = 15,
        retries: int = 6,
        backoff_s: float = 0.5,
        backoff_max_s: float = 30,
        pacer: Pacer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Each number's messages endpoint, parsed once: httpx parses and validates a URL string on every
        # request (~15 µs), and every reply and read receipt goes there.
        self._messages_urls: dict[str, httpx.URL] = {}
        self._pacer = pacer  # every message sent waits for its turn under Meta's limits (pacing.py)
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self._timeout = httpx.Timeout(timeout_s)
        self._owns_http = http is None
        self._http = http if http is not None else httpx.AsyncClient(timeout=self._timeout)
        self._retries = max(0, retries)
        self._backoff_s = backoff_s
        self._backoff_max_s = backoff_max_s

    def __repr__(self) -> str:  # the default repr would be harmless, but say so: no token in here
        return f"GraphClient({self.base_url!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ messages

    async def send_text(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        *,
        reply_to: str | None = None,
        preview_url: bool = False,
    ) -> str:
        payload = payloads.text_payload(to, text, reply_to=reply_to, preview_url=preview_url)
        return await self._send("send_text", phone_number_id, payload)

    async def send_buttons(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        buttons: Sequence[Button],
        *,
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        payload = payloads.buttons_payload(to, text, buttons, header=header, footer=footer, reply_to=reply_to)
        return await self._send("send_buttons", phone_number_id, payload)

    async def send_list(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        button: str,
        sections: Sequence[ListSection],
        *,
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        payload = payloads.list_payload(
            to, text, button, sections, header=header, footer=footer, reply_to=reply_to
        )
        return await self._send("send_list", phone_number_id, payload)

    async def send_template(
        self,
        phone_number_id: str,
        to: str,
        name: str,
        language: str,
        components: Sequence[dict[str, Any]] | None = None,
    ) -> str:
        payload = payloads.template_payload(to, name, language, components)
        return await self._send("send_template", phone_number_id, payload)

    async def send_media(
        self,
        phone_number_id: str,
        to: str,
        media_type: MediaType,
        *,
        media_id: str | None = None,
        link: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        payload = payloads.media_payload(
            to,
            media_type,
            media_id=media_id,
            link=link,
            caption=caption,
            filename=filename,
            reply_to=reply_to,
        )
        return await self._send("send_media", phone_number_id, payload)

    async def send_part(
        self, phone_number_id: str, to: str, part: ReplyPart, *, reply_to: str | None = None
    ) -> str:
        payload = payloads.part_payload(to, part, reply_to=reply_to)
        return await self._send(f"send_{part.kind}", phone_number_id, payload)

    async def mark_read(self, phone_number_id: str, message_id: str, *, typing: bool = True) -> None:
        payload = payloads.read_payload(message_id, typing=typing)
        await self._call("mark_read", "POST", self._messages_url(phone_number_id), json=payload)

    # ------------------------------------------------------------------ media

    async def upload_media(self, phone_number_id: str, data: bytes, mime_type: str, filename: str) -> str:
        """Upload bytes for later sending; returns the media id (valid 30 days)."""
        response = await self._call(
            "upload_media",
            "POST",
            f"{self.base_url}/{phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        return str(_field(response, "id"))

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        """Bytes and mime type of an inbound media id.

        Graph first gives a short-lived URL (about 5 minutes), which also needs the bearer token.
        """
        meta = _json(await self._call("media_url", "GET", f"{self.base_url}/{media_id}"))
        url = meta.get("url")
        if not isinstance(url, str) or not url:
            raise GraphError(
                f"media {media_id} has no download url", http_status=200, kind=ErrorKind.permanent
            )
        response = await self._call("download_media", "GET", url, follow_redirects=True)
        mime_type = meta.get("mime_type") or response.headers.get("content-type", "application/octet-stream")
        return response.content, str(mime_type)

    # ------------------------------------------------------------------ transport

    async def _send(self, method: str, phone_number_id: str, payload: Payload) -> str:
        if self._pacer is None:
            return await self._post_message(method, phone_number_id, payload)
        to = str(payload.get("to", ""))
        return await self._pacer.paced(
            phone_number_id, to, lambda: self._post_message(method, phone_number_id, payload)
        )

    async def _post_message(self, method: str, phone_number_id: str, payload: Payload) -> str:
        response = await self._call(method, "POST", self._messages_url(phone_number_id), json=payload)
        messages = _field(response, "messages")
        try:
            return str(messages[0]["id"])
        except (TypeError, LookupError):
            raise GraphError(
                "response has no messages[0].id", http_status=response.status_code, kind=ErrorKind.permanent
            ) from None

    def _messages_url(self, phone_number_id: str) -> httpx.URL:
        url = self._messages_urls.get(phone_number_id)
        if url is None:
            url = self._messages_urls[phone_number_id] = httpx.URL(
                f"{self.base_url}/{phone_number_id}/messages"
            )
        return url

    async def _call(
        self, method: str, http_method: str, url: str | httpx.URL, **kwargs: Any
    ) -> httpx.Response:
        """One Graph request with retries; returns the 2xx response or raises GraphError."""
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    http_method, url, headers=self._auth, timeout=self._timeout, **kwargs
                )
            except httpx.TransportError as exc:
                # A bad scheme in the configured URL will not fix itself; anything else on the wire might.
                kind = ErrorKind.permanent if isinstance(exc, httpx.UnsupportedProtocol) else None
                error = GraphError(f"{type(exc).__name__}: {exc}", kind=kind)
                error.__cause__ = exc
            else:
                if response.is_success:
                    _observe(method, "ok", started)
                    return response
                error = _error_from(response)
            _observe(method, error.kind.value, started)
            GRAPH_ERRORS.labels(code=str(error.code) if error.code is not None else "none").inc()

            fields = {
                "method": method,
                "attempt": attempt,
                "kind": error.kind.value,
                "code": error.code,
                "http_status": error.http_status,
                "fbtrace_id": error.fbtrace_id,
                "error": error.message,
            }
            too_long = error.retry_after is not None and error.retry_after > self._backoff_max_s
            # A pair rate limit is waited out for that recipient only, by the pacer that wraps this
            # client (pacing.py): it shares the back-off with every worker sending to that user.
            pair = error.kind is ErrorKind.pair_limited
            if not error.retryable or attempt > self._retries or too_long or pair:
                log.warning("graph_failed", **fields, retry_after=error.retry_after)
                raise error
            delay = self._delay(attempt, error.retry_after)
            log.info("graph_retry", **fields, delay_s=round(delay, 3))
            await asyncio.sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        # Full jitter: spreads retries of many workers hit by the same outage.
        return random.uniform(0, min(self._backoff_max_s, self._backoff_s * 2 ** (attempt - 1)))


def _observe(method: str, outcome: str, started: float) -> None:
    GRAPH_REQUESTS.labels(method=method, outcome=outcome).inc()
    GRAPH_SECONDS.labels(method=method).observe(time.perf_counter() - started)


def _error_from(response: httpx.Response) -> GraphError:
    retry_after = _retry_after(response.headers.get("retry-after"))
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return GraphError.from_error_object(
            body["error"], http_status=response.status_code, retry_after=retry_after
        )
    # Proxies and load balancers answer with HTML or plain text; keep a short, single-line excerpt.
    excerpt = " ".join(response.text[:200].split()) or response.reason_phrase
    return GraphError(excerpt, http_status=response.status_code, retry_after=retry_after)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise GraphError(
            "expected a JSON object in the response",
            http_status=response.status_code,
            kind=ErrorKind.permanent,
        )
    return body


def _field(response: httpx.Response, name: str) -> Any:
    body = _json(response)
    if name not in body:
        raise GraphError(
            f"response has no {name!r}", http_status=response.status_code, kind=ErrorKind.permanent
        )
    return body[name]
