"""The chat model: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from langchain_openai import ChatOpenAI

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


def chat_model(endpoint: ModelEndpoint, model: ModelSettings, **overrides: object) -> ChatOpenAI:
    values: dict[str, object] = {
        "base_url": endpoint.base_url,
        "api_key": endpoint.api_key,
        "model": endpoint.model,
        "temperature": 0,
        "max_tokens": model.max_reply_tokens,
        "timeout": model.timeout_s,
        "max_retries": model.retries,
        # An own connection pool: the SDK's shared default pool is bound to the first event loop.
        "http_async_client": httpx.AsyncClient(timeout=model.timeout_s),
    }
    values.update(overrides)
    return ChatOpenAI(**values)  # type: ignore[arg-type]
