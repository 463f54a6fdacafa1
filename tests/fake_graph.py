"""A fake Graph API over real HTTP on loopback, for testing the WhatsApp clients end to end.

One uvicorn server runs for the session in a background thread on a pre-bound 127.0.0.1:0 socket;
the function-scoped `fake_graph` fixture resets its state around each test. Tests script it:

    fake_graph.fail_next(3, status=500)                               # 5xx storm
    fake_graph.fail_next(1, status=429, code=130429, retry_after=0)   # throttled, Retry-After: 0
    fake_graph.fail_next(1, status=400, code=131026)                  # permanent
    fake_graph.fail_next(1, status=502, body="<html>bad gateway</html>")  # non-JSON body
    fake_graph.fail_next(2, status=400, code=131056, to="9665…")      # only message sends to that user
    fake_graph.fail_next(1, status=500, sends_only=True)              # the next message send, not a read
    fake_graph.slow_next(1, 0.5)                                      # one slow success
    fake_graph.delay_s = 0.1                                          # every request slow
    fake_graph.fail_ratio = 0.2                                       # a share fails at random (5xx/429)

and read what arrived: `fake_graph.requests` (all, each with its arrival time `at` on
`time.monotonic()`), `fake_graph.messages` (JSON bodies posted to /{pnid}/messages), `fake_graph.sends`
(the requests that tried to send a message: read receipts left out), `fake_graph.delivered`
(message bodies answered with success, at the times in `delivered_at`). Media: POST /{pnid}/media stores
the upload and returns its id; GET /{media_id} returns a URL on this server; GET of that URL returns the
bytes. `add_media` preloads media.

What `hudhud doctor` asks (hudhud/doctor.py): `add_token` makes a token that GET /debug_token describes
(unknown tokens are invalid there), `add_number` a phone number GET /{pnid} describes, `add_app` an app
whose app access token (`<app id>|<secret>`) GET /{app_id} accepts, and `subscribe` the app to a WABA
(GET /{waba}/subscribed_apps).
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

VERSION = "v25.0"
# What a random failure (`fail_ratio`) answers: Graph's transient errors, all retried by the client.
RANDOM_FAILURES = ((500, 1), (502, None), (503, 2), (429, 130429))


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    query: dict[str, str]
    body: bytes
    json: Any = None  # parsed body when it was JSON
    form: dict[str, str] = field(default_factory=dict)  # multipart text fields
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name -> (filename, type, data)
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def is_send(self) -> bool:
        """A message sent to someone (a POST to /messages that is not a read receipt)."""
        body = self.json if isinstance(self.json, dict) else {}
        return self.method == "POST" and self.path.endswith("/messages") and body.get("status") != "read"


@dataclass
class _Script:
    status: int = 200
    code: int | None = None
    subcode: int | None = None
    message: str | None = None
    retry_after: float | None = None
    body: str | bytes | None = None
    delay_s: float = 0.0
    sends_only: bool = False  # applies only to message sends (read receipts, media pass it by)
    to: str | None = None  # applies only to message sends to this recipient

    def applies(self, request: RecordedRequest) -> bool:
        if not (self.sends_only or self.to is not None):
            return True
        return request.is_send and (self.to is None or request.json.get("to") == self.to)


@dataclass
class _Media:
    data: bytes
    mime_type: str
    filename: str | None = None


class FakeGraph:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.reset()

    # ------------------------------------------------------------------ test-facing API

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What GraphClient takes: root plus the API version."""
        return f"{self.root_url}/{VERSION}"

    def reset(self) -> None:
        with self._lock:
            self.requests: list[RecordedRequest] = []
            self.delivered: list[dict[str, Any]] = []  # message bodies answered with success
            self.delivered_at: list[float] = []  # time.time() of each, in the same order
            self.fail_ratio = 0.0  # the share of requests (to any endpoint) failed at random
            self.failed_at_random = 0
            self._rng = random.Random(0)  # seeded: a run's failures can be replayed
            self.media: dict[str, _Media] = {}
            self.delay_s = 0.0
            self._script: deque[_Script] = deque()
            self._seq = 0
            self.tokens: dict[str, dict[str, Any]] = {}  # access token -> what debug_token says
            self.numbers: dict[str, dict[str, Any]] = {}  # phone number id -> its fields
            self.apps: dict[str, tuple[str, str]] = {}  # app id -> (name, app secret)
            self.subscriptions: dict[str, list[str]] = {}  # WABA id -> subscribed app ids

    def stop_failing(self) -> None:
        """Drop the errors still scripted; what was recorded, and the message ids given, stay."""
        with self._lock:
            self._script.clear()

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        code: int | None = None,
        subcode: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        body: str | bytes | None = None,
        delay_s: float = 0.0,
        sends_only: bool = False,
        to: str | None = None,
    ) -> None:
        """Answer the next `n` requests (to any endpoint) with an error.

        Without `body`, the error is Graph's JSON shape; `body` sends that text instead (non-JSON).
        `retry_after` sets the Retry-After header. `sends_only` scripts only message sends (read receipts
        and media pass by), `to` only message sends to that recipient.
        """
        script = _Script(
            status, code, subcode, message, retry_after, body, delay_s, sends_only or to is not None, to
        )
        with self._lock:
            self._script.extend(script for _ in range(n))

    def slow_next(self, n: int, delay_s: float) -> None:
        """Answer the next `n` requests normally, but only after `delay_s` seconds."""
        with self._lock:
            self._script.extend(_Script(delay_s=delay_s) for _ in range(n))

    def add_media(self, data: bytes, mime_type: str, media_id: str | None = None) -> str:
        media_id = media_id or f"fake.media.{self._next()}"
        with self._lock:
            self.media[media_id] = _Media(data, mime_type)
        return media_id

    def add_token(
        self,
        token: str,
        *,
        app_id: str = "app1",
        waba: str = "waba1",
        expires_at: int = 0,
        kind: str = "SYSTEM_USER",
        scopes: tuple[str, ...] = ("whatsapp_business_messaging", "whatsapp_business_management"),
    ) -> None:
        grants = [{"scope": scope, "target_ids": [waba]} for scope in scopes]
        with self._lock:
            self.tokens[token] = {
                "app_id": app_id, "type": kind, "application": "Hudhud test app", "expires_at": expires_at,
                "is_valid": True, "scopes": list(scopes), "granular_scopes": grants,
            }  # fmt: skip

    def add_number(self, pnid: str, display: str = "+1 555-0100", name: str = "Hudhud Test") -> None:
        with self._lock:
            self.numbers[pnid] = {"id": pnid, "display_phone_number": display, "verified_name": name,
                                  "code_verification_status": "VERIFIED"}  # fmt: skip

    def add_app(self, app_id: str, secret: str, name: str = "Hudhud test app") -> None:
        with self._lock:
            self.apps[app_id] = (name, secret)

    def subscribe(self, waba: str, app_id: str) -> None:
        with self._lock:
            self.subscriptions.setdefault(waba, []).append(app_id)

    @property
    def sends(self) -> list[RecordedRequest]:
        """Requests that tried to send a message (failed attempts included), oldest first."""
        return [r for r in self.requests if r.is_send]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """JSON bodies posted to /{pnid}/messages, oldest first (failed attempts included)."""
        return [r.json for r in self.requests if r.method == "POST" and r.path.endswith("/messages")]

    # ------------------------------------------------------------------ server lifecycle

    def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1:`port` (0: a free one, then in `self.port`)."""
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP,
        # and without it every response waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(),
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-graph", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake Graph server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------ the app

    def _next(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/_media/{media_id}", self._media_bytes, methods=["GET"]),
                Route(f"/{VERSION}/{{pnid}}/messages", self._messages, methods=["POST"]),
                Route(f"/{VERSION}/{{pnid}}/media", self._upload, methods=["POST"]),
                Route(f"/{VERSION}/debug_token", self._debug_token, methods=["GET"]),
                Route(f"/{VERSION}/{{waba}}/subscribed_apps", self._subscribed_apps, methods=["GET"]),
                Route(f"/{VERSION}/{{media_id}}", self._media_meta, methods=["GET"]),
            ]
        )

    async def _record(self, request: Request) -> tuple[RecordedRequest, Response | None]:
        """Record the request, apply delays and scripted failures; a response means "answer this"."""
        body = await request.body()
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            query=dict(request.query_params),
            body=body,
            at=time.monotonic(),
        )
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            recorded.json = await request.json()
        elif content_type.startswith("multipart/form-data"):
            recorded.form, recorded.files = _parse_multipart(content_type, body)
        with self._lock:
            self.requests.append(recorded)
            script = next((s for s in self._script if s.applies(recorded)), None)
            if script is not None:
                self._script.remove(script)
            if script is None and self.fail_ratio and self._rng.random() < self.fail_ratio:
                status, code = self._rng.choice(RANDOM_FAILURES)
                script = _Script(status, code, retry_after=0 if status == 429 else None)
                self.failed_at_random += 1
            delay = self.delay_s + (script.delay_s if script else 0.0)
        if delay:
            await asyncio.sleep(delay)
        if not recorded.headers.get("authorization", "").startswith("Bearer "):
            return recorded, _graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if script is not None and script.status >= 400:
            return recorded, _scripted_error(script)
        return recorded, None

    async def _messages(self, request: Request) -> Response:
        recorded, response = await self._record(request)
        if response is not None:
            return response
        payload = recorded.json or {}
        if payload.get("status") == "read":
            return JSONResponse({"success": True})
        to = payload.get("to", "")
        with self._lock:
            self.delivered.append(payload)
            self.delivered_at.append(time.time())
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.fake.{self._next()}"}],
            }
        )

    async def _upload(self, request: Request) -> Response:
        recorded, response = await self._record(request)
        if response is not None:
            return response
        if recorded.form.get("messaging_product") != "whatsapp" or "file" not in recorded.files:
            return _graph_error(400, 100, "(#100) The parameter messaging_product is required.")
        filename, mime_type, data = recorded.files["file"]
        media_id = f"fake.media.{self._next()}"
        with self._lock:
            self.media[media_id] = _Media(data, recorded.form.get("type") or mime_type, filename)
        return JSONResponse({"id": media_id})

    async def _debug_token(self, request: Request) -> Response:
        recorded, response = await self._record(request)
        if response is not None:
            return response
        data = self.tokens.get(recorded.query.get("input_token", ""))
        if data is None:  # what Graph says when the token asking is the unknown one
            return _graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        return JSONResponse({"data": data})

    async def _subscribed_apps(self, request: Request) -> Response:
        _, response = await self._record(request)
        if response is not None:
            return response
        apps = self.subscriptions.get(request.path_params["waba"], [])
        data = [{"whatsapp_business_api_data": {"id": a, "name": self.apps.get(a, ("?",))[0]}} for a in apps]
        return JSONResponse({"data": data})

    async def _object(self, recorded: RecordedRequest, object_id: str) -> Response | None:
        """A phone number or an app (its app access token checked), else None."""
        if object_id in self.numbers:
            return JSONResponse(self.numbers[object_id])
        if object_id in self.apps:
            name, secret = self.apps[object_id]
            if recorded.headers.get("authorization") != f"Bearer {object_id}|{secret}":
                return _graph_error(400, 190, "Error validating application. Invalid application secret.")
            return JSONResponse({"id": object_id, "name": name})
        return None

    async def _media_meta(self, request: Request) -> Response:
        recorded, response = await self._record(request)
        if response is not None:
            return response
        found = await self._object(recorded, request.path_params["media_id"])
        if found is not None:
            return found
        media_id = request.path_params["media_id"]
        media = self.media.get(media_id)
        if media is None:
            return _graph_error(
                400, 100, f"Unsupported get request. Object with ID '{media_id}' does not exist"
            )
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.root_url}/_media/{media_id}?ext=1",
                "mime_type": media.mime_type,
                "file_size": len(media.data),
                "id": media_id,
            }
        )

    async def _media_bytes(self, request: Request) -> Response:
        _, response = await self._record(request)
        if response is not None:
            return response
        media = self.media.get(request.path_params["media_id"])
        if media is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        return Response(media.data, media_type=media.mime_type)


def _graph_error(
    status: int,
    code: int | None,
    message: str,
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException"}
    if code is not None:
        error["code"] = code
        error["error_data"] = {"messaging_product": "whatsapp", "details": f"details of {code}"}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AfakeTrace123"
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _scripted_error(script: _Script) -> Response:
    headers = {"Retry-After": f"{script.retry_after:g}"} if script.retry_after is not None else None
    if script.body is not None:
        return Response(script.body, status_code=script.status, headers=headers, media_type="text/html")
    message = script.message or (f"(#{script.code}) scripted failure" if script.code else "scripted failure")
    return _graph_error(script.status, script.code, message, script.subcode, headers)


_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """Enough multipart/form-data for the upload endpoint (Starlette's parser needs python-multipart)."""
    boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode()
    form: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for chunk in body.split(b"--" + boundary)[1:-1]:
        head, _, content = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode().split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = dict(_PARAM.findall(headers.get("content-disposition", "")))
        if "filename" in params:
            part_type = headers.get("content-type", "application/octet-stream")
            files[params["name"]] = (params["filename"], part_type, content)
        else:
            form[params["name"]] = content.decode()
    return form, files


@pytest.fixture(scope="session")
def _fake_graph_server() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_graph(_fake_graph_server: FakeGraph) -> Iterator[FakeGraph]:
    """The session's fake Graph server with empty state; see the module docstring."""
    _fake_graph_server.reset()
    try:
        yield _fake_graph_server
    finally:
        _fake_graph_server.reset()
