"""An httpx transport on aiohttp: httpx's API (clients, timeouts, errors as types, test fakes) with
aiohttp's wire code under it.

httpx's own transport (httpcore on anyio, h11 in Python) cost ~1.1 ms of CPU per request on loopback
with 50 in flight, most of it per-request machinery: a poll() of every pooled connection before each
request, anyio's stream wrappers, h11's header validation. aiohttp does the same request in ~0.1 ms
(its parser is C, its streams plain asyncio), and a free-text turn makes three requests (the model, the
read receipt, the reply). httpx above the transport is unchanged: auth, redirects, cookies, decoding
and the Response stay httpx's, and every aiohttp failure is raised as the httpx exception httpcore
raises for it (`TransportError` and its subclasses), so callers' retries and error types hold.

What aiohttp would otherwise add or do on its own is turned off: no redirects (httpx follows them
when asked), no decompression (httpx decodes), no cookie jar (httpx keeps the client's cookies), no
headers of its own (httpx's go as built; the one exception: a DELETE without a body gets
`Content-Length: 0`, which httpx leaves out), no environment proxies (httpx mounts its own transport for
a proxied URL). Limits: `max_connections` and `keepalive_expiry` as httpx reads them; aiohttp has no
cap on idle connections, so `max_keepalive_connections` does not apply. Timeouts: `connect` bounds the
TCP (and TLS) connect, `pool` the wait for a free connection plus the connect, `read` each read of the
response; aiohttp has no write timeout, so `write` is not enforced (a request body here is small).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
from yarl import URL

_NO_AUTO_HEADERS = ("Content-Type",)  # httpx sets it when there is one; aiohttp would guess one
_HTTP11 = {"http_version": b"HTTP/1.1"}
_PROTOCOL = (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError)


class _SetCookiesOnly(httpx.Cookies):
    """The client's cookie jar, which reads a response only when it sets a cookie: httpx hands every
    response to urllib's cookie machinery, which first builds a urllib Request and Response around it
    (~25 µs a response, three responses a turn) to find no Set-Cookie header in the end."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


def cookies_when_set(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """`client`, its cookies kept as before but responses without Set-Cookie not run through urllib."""
    client._cookies = _SetCookiesOnly(client.cookies)  # the one jar httpx's client reads and extends
    return client


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session per event loop (a session is bound to the loop it was made in), made at the
    first request; `aclose` closes it."""

    def __init__(
        self,
        *,
        limits: httpx.Limits = httpx.Limits(),
        verify: ssl.SSLContext | str | bool = True,
        trust_env: bool = True,
    ) -> None:
        self._limits = limits
        self._verify = verify
        self._trust_env = trust_env
        self._ssl: ssl.SSLContext | None = None
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            # What httpcore raises, so a misconfigured URL is still classified as permanent.
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{request.url.scheme}://'."
            )
        timeouts = request.extensions.get("timeout") or {}
        try:
            response = await self._open().request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                data=await request.aread() or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=timeouts.get("pool"),
                    sock_connect=timeouts.get("connect"),
                    sock_read=timeouts.get("read"),
                ),
                ssl=self._ssl_context() if request.url.scheme == "https" else True,
            )
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise _as_httpx(exc, request) from exc
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Body(response, request),
            extensions={**_HTTP11, "reason_phrase": (response.reason or "").encode("latin-1")},
            request=request,
        )

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def __del__(self) -> None:
        # A client dropped without aclose (the model's lives as long as its process): its sockets are
        # closed here, quietly, rather than aiohttp's "Unclosed client session" at exit.
        _drop(self._session, self._loop)

    def _open(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            _drop(self._session, self._loop)  # one of another loop (closed, or run elsewhere)
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._limits.max_connections or 0,
                    limit_per_host=0,
                    keepalive_timeout=self._limits.keepalive_expiry or 0,
                    force_close=self._limits.keepalive_expiry == 0,
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=_NO_AUTO_HEADERS,
                trust_env=False,
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    def _ssl_context(self) -> ssl.SSLContext:
        # httpx's own context (certifi, SSL_CERT_FILE…): the same certificates trusted as before.
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(verify=self._verify, trust_env=self._trust_env)
        return self._ssl


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise _as_httpx(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


def _drop(session: aiohttp.ClientSession | None, loop: asyncio.AbstractEventLoop | None) -> None:
    """Let go of a session without awaiting (its loop may be closed). Its connections are closed at once
    unless its loop is running in another thread: a transport is closed only from its own loop's."""
    if session is None or session.closed:
        return
    connector = session.connector
    session.detach()
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    if connector is not None and (loop is None or loop is current or not loop.is_running()):
        with contextlib.suppress(Exception):
            connector._close()  # what the connector's own finalizer runs, without its warning


def _as_httpx(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception httpcore raises for the same failure."""
    message = str(exc) or type(exc).__name__
    kind: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(exc, TimeoutError):  # SocketTimeoutError and any other read wait
        kind = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError
    elif isinstance(exc, _PROTOCOL):
        kind = httpx.RemoteProtocolError
    else:  # ClientOSError, a reset connection, anything else on the wire
        kind = httpx.ReadError
    return kind(message, request=request)
