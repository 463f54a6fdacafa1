"""The chat model: any OpenAI-compatible endpoint through langchain-openai's ChatOpenAI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pydantic
from langchain_core.callbacks import AsyncCallbackManager, AsyncCallbackManagerForLLMRun
from langchain_core.globals import get_llm_cache
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models._utils import _normalize_messages
from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatResult
from langchain_core.runnables import RunnableBinding
from langchain_core.runnables.config import ensure_config
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import (
    _add_gateway_metadata,
    _handle_openai_api_error,
    _handle_openai_bad_request,
)
from openai._models import add_request_id
from openai.types.chat import ChatCompletion

from agent.chat_post import RAW_HEADERS, SECURITY, poster
from base.http import AiohttpTransport, cookies_when_set
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

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """ChatOpenAI's own chat-completions call, less two costs of its path: the SDK's `create()`
        (its transform of the remaining parameters, all plain JSON: `_PLAIN`) and a thread for turning
        the answer into langchain's result (microseconds of work, ~0.1 ms of thread hand-off). The
        request goes out with the same headers, auth, retries, timeouts and error types (`_post`), with
        the same body, and the answer is parsed by the SDK's model and converted by ChatOpenAI exactly
        as before; ~0.2 ms of CPU less per call. Anything else (structured output, the Responses API,
        streaming, per-call headers or timeouts) takes ChatOpenAI's path.
        tests/agent/test_model_wire.py and test_model_plain.py hold both paths to the same body, result and
        errors."""
        body = self._plain_body(self._get_request_payload(messages, stop=stop, **kwargs))
        if body is None:
            return await super()._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)
        return await self._chat(body)

    async def plain_invoke(self, messages: list[BaseMessage], **kwargs: Any) -> BaseMessage | None:
        """What `ainvoke(messages, **kwargs)` answers, without langchain's run around the call, or None
        where that run would do anything: a callback handler that is not idle (the playground's prompt
        recorder for a turn being looked into, a tracer, `verbose`/`debug`), a cache, a rate limiter,
        streaming, structured output, v1 content blocks, or a call ChatOpenAI's own path must make.
        The run's own cost (its callback manager, run ids, a task per call, the invocation parameters
        for tracing) is ~0.15 ms of CPU per call; the message is the one `ainvoke` returns, its
        response metadata merged the same way (tests/agent/test_model_plain.py)."""
        if not self._quiet(kwargs):
            return None
        body = self._plain_body(self._get_request_payload(_normalize_messages(messages), **kwargs))
        if body is None:
            return None
        result = await self._chat(body)
        for generation in result.generations:  # as BaseChatModel._agenerate_with_cache does
            generation.message.response_metadata = _gen_info_and_msg_metadata(generation)
        if len(result.generations) == 1 and result.llm_output is not None:
            message = result.generations[0].message
            message.response_metadata = {**result.llm_output, **message.response_metadata}
        return result.generations[0].message

    def _quiet(self, kwargs: dict[str, Any]) -> bool:
        """Whether langchain's run around a call would change nothing of it or of its answer."""
        if self.rate_limiter is not None or self.output_version == "v1":
            return False
        if "ls_structured_output_format" in kwargs or "structured_output_format" in kwargs:
            return False
        if self.cache is not False and (self.cache is not None or get_llm_cache() is not None):
            return False
        if self._should_stream(async_api=True, **kwargs):
            return False
        inherited = ensure_config(None).get("callbacks")
        manager = AsyncCallbackManager.configure(
            inherited, self.callbacks, self.verbose, None, self.tags, None, self.metadata
        )
        return all(_idle(handler) for handler in manager.handlers)

    def _plain_body(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The chat-completions body to post as is, or None where ChatOpenAI's own path must send."""
        if payload.get("stream") or not _PLAIN.issuperset(payload) or self._use_responses_api(payload):
            return None
        extra = payload.pop("extra_body", None) or {}
        return {**payload, **extra}

    async def _chat(self, body: dict[str, Any]) -> ChatResult:
        raw = None
        try:
            raw = await self._post(body)
            response = _parsed(raw)
        except openai.BadRequestError as e:
            _handle_openai_bad_request(e)
            raise  # not reached: the handler raises
        except openai.APIError as e:
            _handle_openai_api_error(e)
            raise  # not reached: the handler raises
        except Exception as e:  # as ChatOpenAI does: the answer that could not be read goes with it
            if raw is not None and hasattr(raw, "http_response"):
                e.response = raw.http_response  # type: ignore[attr-defined]
            raise
        generation_info: dict[str, Any] = {}
        if self.include_response_headers:
            generation_info = {"headers": dict(raw.headers)}
        _add_gateway_metadata(generation_info, raw)
        return self._create_chat_result(response, generation_info)

    async def _post(self, body: dict[str, Any]) -> Any:
        """The SDK's raw response to the body, as `with_raw_response.create` gets it: through the plain
        POST (agent/chat_post.py) where the client allows, else through the client's own `post`."""
        client = self.root_async_client
        chat_post = poster(client)
        if chat_post is not None:
            return await chat_post.send(body)
        return await client.post("/chat/completions", cast_to=ChatCompletion, body=body, options=_RAW)


async def plain_invoke(runnable: Any, messages: list[BaseMessage]) -> BaseMessage | None:
    """`runnable.ainvoke(messages)` for a FastChatOpenAI, bare or bound to call arguments (tools), by
    `FastChatOpenAI.plain_invoke`; None where that does not apply (the caller invokes as usual)."""
    kwargs: dict[str, Any] = {}
    if isinstance(runnable, RunnableBinding):
        if runnable.config or runnable.config_factories:
            return None
        kwargs, runnable = runnable.kwargs, runnable.bound
    if not isinstance(runnable, FastChatOpenAI):
        return None
    return await runnable.plain_invoke(messages, **kwargs)


def _idle(handler: Any) -> bool:
    """A handler that says it would note nothing of this call (agent/rendered.py's `idle`)."""
    idle = getattr(handler, "idle", None)
    return callable(idle) and bool(idle())


# What `with_raw_response.create` sends besides the body: the raw-response header (the answer's headers
# feed the gateway metadata) and bearer auth only.
_RAW: Any = {"headers": RAW_HEADERS, "security": SECURITY}


def _parsed(raw: Any) -> Any:
    """The SDK's answer model, as `raw.parse()` gives it, built by pydantic-core's validation where the
    answer fits the model's types exactly (strict: nothing coerced), which gives the same model, field
    for field: ~0.1 ms of CPU less per call than the SDK's lenient construction in Python, and ChatOpenAI's
    dump of it is quicker too. Anything else (not JSON, a field of another type or value) is read by the
    SDK itself, as before."""
    http_response = raw.http_response
    if not http_response.headers.get("content-type", "").split(";")[0].endswith("json"):
        return raw.parse()
    try:
        response = ChatCompletion.model_validate(http_response.json(), strict=True)
    except (ValueError, pydantic.ValidationError):  # a body that is no JSON, or JSON off the model
        return raw.parse()
    add_request_id(response, raw.request_id)
    return response


# The chat-completions parameters ChatOpenAI builds that are plain JSON, nothing the SDK's transform
# renames or formats (and extra_body, merged into the body as the SDK merges it).
_PLAIN = frozenset(
    {
        "model", "messages", "tools", "tool_choice", "parallel_tool_calls", "stream", "temperature",
        "max_tokens", "max_completion_tokens", "top_p", "n", "stop", "seed", "presence_penalty",
        "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "reasoning_effort",
        "service_tier", "extra_body",
    }
)  # fmt: skip


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
        "http_async_client": cookies_when_set(
            httpx.AsyncClient(timeout=model.timeout_s, transport=AiohttpTransport())
        ),
    }
    values.update(overrides)
    return FastChatOpenAI(**values)  # type: ignore[arg-type]
