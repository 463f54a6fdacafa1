"""Builders for webhook bodies and a live uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
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


class _PromptServer(uvicorn.Server):
    """uvicorn's server, stopped without its fixed waits: its main loop looks at `should_exit` every
    100 ms and its shutdown sleeps another 100 ms for connections to close. A test stops hundreds of
    servers, so `stop()` wakes the loop at once and the shutdown waits only while connections remain."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 0.1  # uvicorn's own grace, ended early once every connection is gone
        while self.server_state.connections and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        # The rest as uvicorn does it: wait for connections and tasks, then the lifespan's shutdown.
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                await self._wait_tasks_to_complete()
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()

    def exit_now(self) -> None:
        self.should_exit = True
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                self._loop.call_soon_threadsafe(self._wake.set)


class LiveServer:
    def __init__(self, app: Any, port: int = 0) -> None:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP,
        # and without it a response written in two parts waits ~40 ms for the client's delayed ACK.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = _PromptServer(uvicorn.Config(app, log_level="warning", lifespan="on"))
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
        self.server.exit_now()
        self.thread.join(timeout=20)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agent_settings(
    settings_factory: Any, fake_openai: Any, port: int, password: str, **overrides: Any
) -> Any:
    """Settings for the whole service with the agent on the fake model (native tool calls, scripted by
    the test) and the admin password that also logs into the embedded core API."""
    return settings_factory(
        hudhud_responder="agent",
        openai_base_url=fake_openai.base_url,
        openai_api_key="k",
        hudhud_model="gpt-test",
        hudhud_tool_mode="native",  # not probed: the scripted replies are the turns'
        hudhud_lease_ms=10_000,  # a loaded machine must not reclaim the turn: leases are tested elsewhere
        hudhud_admin_password=password,
        hudhud_port=port,
        **overrides,
    )
