"""A chat-completions request as one plain POST on an AsyncOpenAI client's own httpx client.

The SDK's `post` builds every request anew: its options model copied twice, the headers merged from the
client's defaults, its auth and the call's options (an `httpx.Headers` each time), the URL joined, the
body dumped, an `httpx.Request` built, then a retry loop with logging. For the plain case the agent
uses (a JSON body, bearer auth from a fixed API key, nothing the SDK's auth or provider hooks change)
all of that but the body and the retry count is the same on every call. `ChatPost` asks the SDK once
per retry count for the headers it would send (`_build_headers`, the same names, values and order), and
sends the body as the SDK dumps it (`openapi_dumps`) to the same URL with the same timeout; a failure
goes through the SDK's own retry decision and wait (`_should_retry`, `_sleep_for_retry`) and becomes
the SDK's own exception (`_make_status_error_from_response`, `APITimeoutError`, `APIConnectionError`).
A client whose requests the SDK changes per call (an API-key provider, workload identity, a provider
runtime, custom auth, an idempotency header, default query parameters) is not `plain` and keeps the
SDK's path. tests/agent/test_model_plain.py holds both to the same bytes, headers, answers and errors.
"""

from __future__ import annotations

from typing import Any

import httpx
import openai
from openai._base_client import AsyncAPIClient, get_platform
from openai._httpx2 import (
    normalize_legacy_httpx_timeout,
    request_exceptions,
    status_exceptions,
    timeout_exceptions,
)
from openai._legacy_response import LegacyAPIResponse
from openai._models import FinalRequestOptions
from openai._utils import asyncify
from openai._utils._json import openapi_dumps

PATH = "/chat/completions"
# What `with_raw_response.create` sends besides the body: the raw-response header (the answer's headers
# feed langchain's gateway metadata) and bearer auth only.
RAW_HEADERS = {"X-Stainless-Raw-Response": "true"}
SECURITY: Any = {"bearer_auth": True}


def plain(client: openai.AsyncOpenAI) -> bool:
    """Whether the SDK would send this client's chat-completions requests unchanged by any hook."""
    return (
        getattr(client, "_provider_runtime", None) is None
        and getattr(client, "_api_key_provider", None) is None
        and getattr(client, "_workload_identity_auth", None) is None
        and client.custom_auth is None
        and client._idempotency_header is None
        and not client.default_query
        and isinstance(client._client, httpx.AsyncClient)
    )


class ChatPost:
    """POSTs chat-completions bodies for one client, as its `post(..., options=raw)` would."""

    def __init__(self, client: openai.AsyncOpenAI) -> None:
        self.client = client
        self._url = str(client._prepare_url(PATH))
        self._timeout: Any = normalize_legacy_httpx_timeout(client.timeout)  # as `_build_request` does
        self._templates: dict[int, tuple[httpx.URL, list[tuple[bytes, bytes]], dict[str, Any]]] = {}
        self._tools: tuple[list[Any], int, bytes] | None = None
        # The options `post` makes, less the body (what reads them here — the headers, the retry wait, the
        # raw response's parse — never reads the body).
        self.options = FinalRequestOptions.construct(
            method="post", url=PATH, headers=RAW_HEADERS, security=SECURITY
        )

    def _dumped(self, body: dict[str, Any]) -> bytes:
        """`openapi_dumps(body)`, the tool list's part dumped once per list: the same call dumps it, and a
        JSON object's members are dumped one after the other, each alone, so the bytes are the same
        (~40 µs of CPU a call for the shipped 11 tools). The list is a binding's own (agent/native.py),
        the same object on every call and never changed in place."""
        tools = body.get("tools")
        if tools is None or len(body) < 2 or next(reversed(body)) != "tools":
            return openapi_dumps(body)
        dumped = self._tools
        if dumped is None or dumped[0] is not tools or dumped[1] != len(tools):
            dumped = self._tools = (tools, len(tools), openapi_dumps(tools))
        head = openapi_dumps({key: value for key, value in body.items() if key != "tools"})
        return head[:-1] + b',"tools":' + dumped[2] + b"}"

    async def _request(self, http: httpx.AsyncClient, retries_taken: int, content: bytes) -> httpx.Request:
        """The `httpx.Request` the SDK's `_build_request` makes for this body: from a template made once
        per retry count by the same calls (the SDK's headers, then the httpx client's `build_request`
        with its own headers, URL and timeout merged in), less its Content-Length, which the new request
        sets for its own content at the same place. A client holding cookies (an endpoint set one) merges
        them per request, as before."""
        template = self._templates.get(retries_taken)
        if template is None:
            client = self.client
            if client._platform is None:  # as `request` does: the platform headers need it, once
                client._platform = await asyncify(get_platform)()
            headers = client._build_headers(self.options, retries_taken=retries_taken)
            built = http.build_request(
                "POST", self._url, headers=list(headers.multi_items()), content=b"", timeout=self._timeout
            )
            raw = [(k, v) for k, v in built.headers.raw if k.lower() != b"content-length"]
            template = self._templates[retries_taken] = (built.url, raw, built.extensions)
        url, raw, extensions = template
        if http.cookies:
            return http.build_request("POST", url, headers=raw, content=content, timeout=self._timeout)
        return httpx.Request("POST", url, headers=raw, content=content, extensions=dict(extensions))

    async def _wait(self, retries_taken: int, max_retries: int, response: httpx.Response | None) -> None:
        """The SDK's wait before a retry (its backoff, or the answer's Retry-After), and its log line."""
        await self.client._sleep_for_retry(
            retries_taken=retries_taken,
            max_retries=max_retries,
            options=self.options,
            response=response,  # type: ignore[arg-type]
        )

    async def send(self, body: dict[str, Any]) -> LegacyAPIResponse[Any]:
        """The answer as the SDK's raw response, or the SDK's exception after its retries."""
        client = self.client
        http: httpx.AsyncClient = client._client  # type: ignore[assignment]
        content = self._dumped(body)
        max_retries = client.max_retries
        response: httpx.Response | None = None
        retries_taken = 0
        for retries_taken in range(max_retries + 1):
            remaining = max_retries - retries_taken
            request = await self._request(http, retries_taken, content)
            try:
                response = await http.send(request)
            except timeout_exceptions() as err:
                if remaining > 0:
                    await self._wait(retries_taken, max_retries, None)
                    continue
                raise openai.APITimeoutError(request=request) from err  # type: ignore[arg-type]
            except openai.OpenAIError:
                raise
            except request_exceptions() as err:
                if remaining > 0:
                    await self._wait(retries_taken, max_retries, None)
                    continue
                raise openai.APIConnectionError(request=request) from err  # type: ignore[arg-type]
            try:
                response.raise_for_status()
            except status_exceptions() as err:  # 4xx and 5xx (and a redirect not followed)
                if remaining > 0 and client._should_retry(err.response):  # type: ignore[arg-type]
                    await err.response.aclose()
                    await self._wait(retries_taken, max_retries, response)
                    continue
                if not err.response.is_closed:
                    await err.response.aread()
                raise client._make_status_error_from_response(err.response) from None  # type: ignore[arg-type]
            break
        assert response is not None
        return LegacyAPIResponse(
            raw=response,  # type: ignore[arg-type]
            client=client,
            cast_to=openai.types.chat.ChatCompletion,
            stream=False,
            stream_cls=None,
            options=self.options,
            retries_taken=retries_taken,
        )


def poster(client: openai.AsyncOpenAI) -> ChatPost | None:
    """The client's `ChatPost` (made once), or None where the SDK's own path must send."""
    if not isinstance(client, AsyncAPIClient) or not plain(client):
        return None
    found: ChatPost | None = getattr(client, "_hudhud_chat_post", None)
    if found is None:
        found = ChatPost(client)
        client._hudhud_chat_post = found  # type: ignore[attr-defined]
    return found
