"""The chat model: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from langchain_core.language_models import LanguageModelInput
from langchain_openai import ChatOpenAI

from base.http import AiohttpTransport
from base.settings import ModelSettings


@dataclass(frozen=True)
class ModelEndpoint:
    base_url: str
    api_key: str
    model: str
    local: bool  # the embedded llama.cpp server: no native tool calls, grammar-constrained JSON instead


def endpoint_from_settings(model: ModelSettings) -> ModelEndpoint | None:
    """The configured remote endpoint, or None when the embedded model should serve."""
    if not model.base_url and not model.api_key:
        return None
    return ModelEndpoint(
        base_url=model.base_url or "https://api.openai.com/v1",
        api_key=model.api_key.get_secret_value() if model.api_key else "none",
        model=model.name or "gpt-4o-mini",
        local=False,
    )


class FastChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose messages and tool list skip the OpenAI SDK's per-request transform.

    The SDK walks every request's parameters against its TypedDicts to rename aliased keys: for the
    shipped tool list (11 tools, their JSON schemas) that walk cost 0.5-0.7 ms of CPU per model call on an
    idle 2-core VM, and for the messages (a union of six TypedDicts tried per message) ~1.5 ms more with a
    system prompt and a short history. Nothing in either is aliased or formatted (they are plain JSON
    already, built by langchain), so both travel in `extra_body`, which the SDK merges into the request
    body as is, over the `messages=[]` the SDK requires: the body on the wire is the same, key for key.
    """

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload = super()._get_request_payload(input_, stop=stop, **kwargs)
        if self._use_responses_api(payload):
            return payload
        plain = {key: payload.pop(key) for key in ("messages", "tools") if payload.get(key)}
        if plain:
            payload["extra_body"] = {**(payload.get("extra_body") or {}), **plain}
            payload.setdefault("messages", [])  # required by the SDK; extra_body replaces it
        return payload


def chat_model(endpoint: ModelEndpoint, model: ModelSettings, **overrides: object) -> FastChatOpenAI:
    values: dict[str, object] = {
        "base_url": endpoint.base_url,
        "api_key": endpoint.api_key,
        "model": endpoint.model,
        "temperature": 0,
        "max_tokens": model.max_reply_tokens,
        "timeout": model.timeout_s,
        "max_retries": model.retries,
        # An own connection pool: the SDK's shared default pool is bound to the first event loop. On
        # aiohttp's wire code (base/http.py): ~1 ms of CPU less per model call.
        "http_async_client": httpx.AsyncClient(timeout=model.timeout_s, transport=AiohttpTransport()),
    }
    values.update(overrides)
    return FastChatOpenAI(**values)  # type: ignore[arg-type]
