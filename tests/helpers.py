"""Builders for webhook bodies and a live uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import uvicorn

from channels.whatsapp.signature import sign

APP_SECRET = b"test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PNID = "106540352242922"


def message(wamid: str, wa_id: str = "966500000001", text: str = "hello", **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time())), "type": "text"}
    if extra:
        m.update(extra)
    else:
        m["text"] = {"body": text}
    return m


def envelope(
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    pnid: str = PNID,
    field: str = "messages",
    value: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if value is None:
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": pnid},
        }
        if messages:
            value["contacts"] = [
                {"profile": {"name": "Sara"}, "wa_id": w} for w in sorted({m["from"] for m in messages})
            ]
            value["messages"] = messages
        if statuses:
            value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": field, "value": value}]}],
    }


def failed_status(wamid: str | None, code: int, title: str, to: str = "966500000001") -> dict[str, Any]:
    """A status webhook saying Meta could not deliver the message `wamid` (error `code`)."""
    return {
        "id": wamid,
        "status": "failed",
        "timestamp": "1",
        "recipient_id": to,
        "errors": [{"code": code, "title": title}],
    }


def body_of(env: dict[str, Any]) -> bytes:
    return orjson.dumps(env)


def signed_headers(body: bytes, secret: bytes = APP_SECRET) -> dict[str, str]:
    return {"content-type": "application/json", "x-hub-signature-256": sign(secret, body)}


class LiveServer:
    def __init__(self, app: Any, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agent_service(settings_factory: Any, fake_openai: Any, *, port: int, **overrides: Any) -> Any:
    """Settings of `hudhud up` with the agent on the fake model, for serving on `port` (live)."""
    return settings_factory(
        hudhud_responder="agent",
        openai_base_url=fake_openai.base_url,
        openai_api_key="k",
        hudhud_model="gpt-test",
        hudhud_tool_mode="native",  # not probed: the scripted replies are the turns'
        hudhud_lease_ms=10_000,  # a loaded machine must not reclaim the turn: leases are tested elsewhere
        hudhud_admin_password="admin-pass-123",
        hudhud_port=port,
        **overrides,
    )


@contextmanager
def live(app: Any, port: int = 0) -> Iterator[LiveServer]:
    server = LiveServer(app, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> Any:  # noqa: ASYNC109
    """Poll an async predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)


def uncache_loggers() -> None:
    """Forget the loggers structlog cached on first use (module-level `log = structlog.get_logger()`),
    so the configuration a test sets reaches code that logged in earlier tests."""
    import sys

    from structlog._config import BoundLoggerLazyProxy

    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            if isinstance(value, BoundLoggerLazyProxy):
                value.__dict__.pop("bind", None)
