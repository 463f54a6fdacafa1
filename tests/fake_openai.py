"""A stand-in for a remote OpenAI-compatible provider, over real HTTP on loopback.

Used where the provider is the outside world: native tool-calling plumbing tests and the agent
overhead benchmark. Real-model behaviour is tested with cassettes recorded from the embedded model.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in the same order
        self.wire: list[tuple[list[tuple[bytes, bytes]], bytes]] = []  # each request's raw headers and body
        self.script: deque[dict[str, Any]] = deque()  # assistant messages to answer with, in order
        self.failures: deque[tuple[int, dict[str, Any]]] = deque()  # (status, error body) to answer first
        self.default: dict[str, Any] = {"role": "assistant", "content": "ok"}
        self.port = 0
        self._server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reply_text(self, text: str) -> None:
        self.script.append({"role": "assistant", "content": text})

    def reply_tool(self, name: str, args: dict[str, Any]) -> None:
        call = {"id": f"call_{len(self.script)}", "type": "function",
                "function": {"name": name, "arguments": orjson.dumps(args).decode()}}  # fmt: skip
        self.script.append({"role": "assistant", "content": None, "tool_calls": [call]})

    def fail_next(self, status: int, message: str = "failed", code: str | None = None) -> None:
        """Answer the next request with this HTTP status and an OpenAI-shaped error body."""
        self.failures.append((status, {"error": {"message": message, "type": "error", "code": code}}))

    async def _completions(self, request: Request) -> Response:
        raw = await request.body()
        body = orjson.loads(raw)
        self.wire.append((list(request.headers.raw), raw))
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.failures:
            status, error = self.failures.popleft()
            return Response(orjson.dumps(error), status_code=status, media_type="application/json")
        message = self.script.popleft() if self.script else self.default
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
        }  # fmt: skip
        return Response(orjson.dumps(payload), media_type="application/json")

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        server = self._server
        thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


@pytest.fixture(scope="session")
def _fake_openai_server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_openai(_fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    _fake_openai_server.requests.clear()
    _fake_openai_server.headers.clear()
    _fake_openai_server.wire.clear()
    _fake_openai_server.script.clear()
    _fake_openai_server.failures.clear()
    yield _fake_openai_server
