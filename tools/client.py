"""HTTP client of the organization's core API, acting as the linked user.

Hudhud holds a service token; for each user it exchanges it for a short-lived user JWT
(POST /auth/token), cached and refreshed before expiry, so every command runs with that user's own
permissions — never a shared admin token. Operations are found by operationId in the API's OpenAPI
spec, so a tool named like an operation needs no hand-written mapping.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter


class CoreApiError(Exception):
    """A core API error: the HTTP status, the English `detail`, and the body, whose `code` names the case
    (the tools layer words it in the user's language by that code: tools.executor.explain)."""

    def __init__(self, status: int, detail: str, body: Any = None) -> None:
        super().__init__(f"core API {status}: {detail}")
        self.status = status
        self.detail = detail
        self.body = body

    @property
    def code(self) -> str | None:
        code = self.body.get("code") if isinstance(self.body, dict) else None
        return code if isinstance(code, str) else None


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    has_body: bool


@dataclass
class _Token:
    value: str
    expires_at: float


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, CoreApiError) and exc.status in (502, 503, 504)


def error_detail(body: Any, fallback: str) -> str:
    if isinstance(body, dict):
        for key in ("detail", "message", "error"):
            value = body.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return value["message"]
            if isinstance(value, list) and value and isinstance(value[0], dict):
                first = value[0]
                where = ".".join(str(p) for p in first.get("loc", [])[1:])
                return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return fallback


class CoreApiClient:
    def __init__(
        self,
        base_url: str,
        service_token: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout_s: float = 10.0,
        retries: int = 3,
        refresh_margin_s: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._service = service_token
        self._http = http or httpx.AsyncClient(timeout=timeout_s)
        self._owns_http = http is None
        self._retries = retries
        self._margin = refresh_margin_s
        self._tokens: dict[int, _Token] = {}
        self._operations: dict[str, Operation] | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------------ identity

    async def user_token(self, user_id: int) -> str:
        token = self._tokens.get(user_id)
        if token is None or token.expires_at - self._margin <= time.monotonic():
            body = await self._send("POST", "/auth/token", bearer=self._service, json={"user_id": user_id})
            token = _Token(body["access_token"], time.monotonic() + float(body["expires_in"]))
            self._tokens[user_id] = token
        return token.value

    async def service(self, method: str, path: str, **kwargs: Any) -> Any:
        """A call with the service token (link-code redemption, link mirror)."""
        return await self._send(method, path, bearer=self._service, **kwargs)

    async def as_user(self, user_id: int, method: str, path: str, **kwargs: Any) -> Any:
        return await self._send(method, path, bearer=await self.user_token(user_id), **kwargs)

    # ------------------------------------------------------------------ operations

    async def operations(self) -> dict[str, Operation]:
        async with self._lock:
            if self._operations is None:
                spec = await self._send("GET", "/openapi.json")
                self._operations = parse_operations(spec)
        return self._operations

    async def call(
        self,
        user_id: int,
        operation_id: str,
        args: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        send_nulls: bool = False,
    ) -> Any:
        """Run the operation named `operation_id` as the user. Arguments that are None are left out,
        unless `send_nulls`: then they go in the JSON body as null (an undo clearing a due date)."""
        op = (await self.operations()).get(operation_id)
        if op is None:
            raise CoreApiError(
                404, f"the core API has no operation {operation_id!r}", {"code": "unknown_operation"}
            )
        path = op.path
        for name in op.path_params:
            path = path.replace("{" + name + "}", str(args[name]))
        rest = {k: v for k, v in args.items() if k not in op.path_params}
        params = {k: v for k, v in rest.items() if k in op.query_params and v is not None}
        body = (
            {k: v for k, v in rest.items() if k not in op.query_params and (send_nulls or v is not None)}
            if op.has_body
            else None
        )
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key and op.method != "GET" else {}
        return await self.as_user(user_id, op.method, path, params=params or None, json=body, headers=headers)

    # ------------------------------------------------------------------ transport

    async def _send(self, method: str, path: str, *, bearer: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", None) or {})
        trace = structlog.contextvars.get_contextvars().get("trace_id")
        if trace:  # the core API can log the same trace as the message that caused the call
            headers["X-Trace-Id"] = str(trace)
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self._retries + 1),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0),
            retry=retry_if_exception(_transient),
            reraise=True,
        ):
            with attempt:
                response = await self._http.request(method, self.base_url + path, headers=headers, **kwargs)
                try:
                    body = response.json() if response.content else None
                except ValueError:
                    body = response.text
                if response.status_code >= 400:
                    raise CoreApiError(response.status_code, error_detail(body, response.reason_phrase), body)
                return body
        raise AssertionError("unreachable")  # pragma: no cover


def parse_operations(spec: dict[str, Any]) -> dict[str, Operation]:
    ops: dict[str, Operation] = {}
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            params = op.get("parameters", [])
            ops[op["operationId"]] = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                path_params=tuple(re.findall(r"{(\w+)}", path)),
                query_params=tuple(p["name"] for p in params if p.get("in") == "query"),
                has_body="requestBody" in op,
            )
    return ops
