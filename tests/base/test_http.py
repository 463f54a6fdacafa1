"""The httpx transport on aiohttp (base/http.py) against httpx's own, over real HTTP on loopback: the
same request on the wire, the same Response, and the same exception types for the same failures."""

from __future__ import annotations

import asyncio
import gc
import gzip
import socket
import warnings
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from base.http import AiohttpTransport, cookies_when_set

Transport = Callable[[], httpx.AsyncBaseTransport]
TRANSPORTS: dict[str, Transport] = {"httpx": httpx.AsyncHTTPTransport, "aiohttp": AiohttpTransport}


async def _echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "method": request.method,
            "path": request.raw_path,
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.raw_headers],
            "body": (await request.read()).decode("latin-1"),
        }
    )


async def _gzip(_: web.Request) -> web.Response:
    response = web.Response(body=gzip.compress("مرحبا hello".encode() * 50), content_type="text/plain")
    response.headers["Content-Encoding"] = "gzip"
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


async def _redirect(_: web.Request) -> web.Response:
    raise web.HTTPFound("/echo")


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.Response(text="late")


async def _hang_up(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()  # no status line at all
    return web.Response()


async def _teapot(_: web.Request) -> web.Response:
    return web.Response(status=418, reason="I'm a teapot", text="no")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/gzip", _gzip)
    app.router.add_get("/redirect", _redirect)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/hang-up", _hang_up)
    app.router.add_get("/teapot", _teapot)
    async with TestServer(app, host="127.0.0.1") as running:
        yield running


def _url(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


async def _both(call: Callable[[httpx.AsyncClient], object]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for name, transport in TRANSPORTS.items():
        async with httpx.AsyncClient(transport=transport(), timeout=5) as client:
            seen[name] = await call(client)  # type: ignore[misc]
    return seen


async def test_the_request_on_the_wire_is_httpx_s(server: TestServer) -> None:
    async def requests(client: httpx.AsyncClient) -> list[object]:
        sent = [
            await client.post(_url(server, "/echo?x=1&y=%D8%A7"), json={"to": "9665", "text": "مرحبا"},
                              headers={"Authorization": "Bearer t"}),
            await client.get(_url(server, "/echo"), params={"q": "a b"}),
            await client.post(_url(server, "/echo"), data={"type": "image/png"},
                              files={"file": ("a.png", b"\x89PNG", "image/png")}),
            await client.head(_url(server, "/echo")),
        ]  # fmt: skip
        bodies = []
        for response in sent:
            if response.request.method == "HEAD":
                bodies.append((response.status_code, response.headers["content-length"]))
                continue
            body = response.json()
            if "multipart" in str(body["headers"]):  # the boundary is random; the rest must match
                boundary = response.request.headers["content-type"].split("boundary=")[1]
                body = str(body).replace(boundary, "B")
            bodies.append(body)
        return bodies

    seen = await _both(requests)
    assert seen["aiohttp"] == seen["httpx"]


async def test_the_response_is_httpx_s(server: TestServer) -> None:
    async def read(client: httpx.AsyncClient) -> object:
        gz = await client.get(_url(server, "/gzip"))
        tea = await client.get(_url(server, "/teapot"))
        return (
            gz.status_code, gz.text, gz.headers.get_list("set-cookie"), dict(client.cookies),
            gz.http_version, tea.status_code, tea.reason_phrase, tea.text, tea.is_success,
        )  # fmt: skip

    seen = await _both(read)
    assert seen["aiohttp"] == seen["httpx"]
    assert seen["aiohttp"][1] == "مرحبا hello" * 50  # type: ignore[index]  # decoded once


async def test_redirects_are_httpx_s_to_follow(server: TestServer) -> None:
    async def follow(client: httpx.AsyncClient) -> object:
        stay = await client.get(_url(server, "/redirect"))
        go = await client.get(_url(server, "/redirect"), follow_redirects=True)
        return stay.status_code, go.status_code, len(go.history), go.json()["method"]

    seen = await _both(follow)
    assert seen["aiohttp"] == seen["httpx"] == (302, 200, 1, "GET")


async def test_a_streamed_body_arrives_in_chunks(server: TestServer) -> None:
    client = httpx.AsyncClient(transport=AiohttpTransport())
    async with client, client.stream("POST", _url(server, "/echo"), content=b"x" * 100_000) as response:
        received = b"".join([chunk async for chunk in response.aiter_raw()])
    assert b'"body": "' + b"x" * 100_000 in received


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_a_slow_answer_is_a_read_timeout(server: TestServer, name: str) -> None:
    async with httpx.AsyncClient(transport=TRANSPORTS[name]()) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(_url(server, "/slow"), timeout=httpx.Timeout(5, read=0.2))


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_a_closed_port_is_a_connect_error(name: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
        async with httpx.AsyncClient(transport=TRANSPORTS[name]()) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_a_hang_up_is_a_protocol_error(server: TestServer, name: str) -> None:
    async with httpx.AsyncClient(transport=TRANSPORTS[name]()) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(_url(server, "/hang-up"))


@pytest.mark.parametrize("name", TRANSPORTS)
async def test_an_unsupported_scheme_is_said_so(name: str) -> None:
    async with httpx.AsyncClient(transport=TRANSPORTS[name]()) as client:
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("ftp://127.0.0.1/file")


def test_one_client_serves_successive_event_loops() -> None:
    """A session is bound to its loop: a client made once (the model's, the pool's) and used from a
    second loop gets a session of that loop instead of failing."""
    transport = AiohttpTransport()
    client = httpx.AsyncClient(transport=transport)

    async def once() -> int:
        app = web.Application()
        app.router.add_route("*", "/echo", _echo)
        async with TestServer(app, host="127.0.0.1") as running:
            return (await client.get(_url(running, "/echo"))).status_code

    assert asyncio.run(once()) == 200
    assert asyncio.run(once()) == 200

    async def close() -> None:
        await client.aclose()

    asyncio.run(close())


def test_a_client_dropped_unclosed_leaves_no_open_session(recwarn: pytest.WarningsRecorder) -> None:
    """The model's client is never closed (it lives as long as its process): dropping it closes its
    connections without aiohttp's "Unclosed client session" warning."""

    async def use_and_drop() -> None:
        app = web.Application()
        app.router.add_route("*", "/echo", _echo)
        async with TestServer(app, host="127.0.0.1") as running:
            client = httpx.AsyncClient(transport=AiohttpTransport())
            assert (await client.get(_url(running, "/echo"))).status_code == 200
            del client
            gc.collect()

    warnings.simplefilter("always")
    gc.collect()  # what earlier tests left for the collector warns now, not below
    recwarn.clear()
    asyncio.run(use_and_drop())
    gc.collect()
    assert not [w for w in recwarn if issubclass(w.category, ResourceWarning)]


async def test_cookies_are_read_only_from_responses_that_set_them(
    server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cookies_when_set: the jar ends as httpx's own would (the cookies set, then sent back), and a
    response without Set-Cookie never reaches urllib's cookie machinery."""

    async def session(client: httpx.AsyncClient) -> object:
        await client.get(_url(server, "/gzip"))  # sets a=1, b=2
        echoed = (await client.get(_url(server, "/echo"))).json()
        return dict(client.cookies), [v for k, v in echoed["headers"] if k.lower() == "cookie"]

    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=5) as plain:
        expected = await session(plain)
    async with cookies_when_set(httpx.AsyncClient(transport=AiohttpTransport(), timeout=5)) as client:
        read: list[str] = []
        real = client.cookies.jar.extract_cookies
        monkeypatch.setattr(
            client.cookies.jar, "extract_cookies", lambda r, q: read.append(q.get_full_url()) or real(r, q)
        )
        assert await session(client) == expected == ({"a": "1", "b": "2"}, ["a=1; b=2"])
        assert read == [_url(server, "/gzip")]  # the echo set nothing: not looked at
