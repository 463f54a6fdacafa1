"""The model call without langchain's run and without the SDK's `post` (agent/model.py `plain_invoke`,
agent/chat_post.py): the same bytes and headers on the wire as the SDK's own request, the same message
as `ainvoke`, the same exceptions after the same attempts, and langchain's path wherever its run would
do anything (a callback that notes, a tracer, a cache, streaming, structured output)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.globals import set_llm_cache
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tracers.context import tracing_v2_enabled
from langchain_openai import ChatOpenAI

import agent.model
import agent.rendered  # the prompt recorder, registered as the app registers it
from agent.chat_post import plain, poster
from agent.model import FastChatOpenAI, ModelEndpoint, chat_model, plain_invoke
from agent.native import NativeToolCaller, bound_model
from base.notes import inspect_turn, taking_notes
from base.settings import Settings
from tools.registry import ToolRegistry

CONVERSATION = [
    SystemMessage("You are Hudhud."),
    HumanMessage("ما هي مهامي اليوم؟"),
    AIMessage("", tool_calls=[{"id": "call_1", "name": "list_tasks", "args": {"due": "today"}}]),
    ToolMessage('{"tasks": []}', tool_call_id="call_1"),
    HumanMessage([{"type": "text", "text": "And tomorrow? \u2028 \x00 é"}]),
]


def _model(base_url: str, retries: int = 0, **overrides: Any) -> FastChatOpenAI:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    endpoint = ModelEndpoint(base_url, "k", "m", local=False)
    return chat_model(endpoint, settings.model, max_retries=retries, **overrides)


def _bound(model: FastChatOpenAI) -> Any:
    return bound_model(model, ToolRegistry.shipped())


@pytest.fixture
def sdk_post(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """While set, FastChatOpenAI posts through the SDK client's own `post` (the path before)."""
    monkeypatch.setattr(agent.model, "poster", lambda client: None)
    yield


async def _wire(fake_openai: Any, model: FastChatOpenAI, *, via_sdk: bool, monkeypatch: Any) -> Any:
    with monkeypatch.context() as patch:
        if via_sdk:
            patch.setattr(agent.model, "poster", lambda client: None)
        reply = await plain_invoke(_bound(model), CONVERSATION)
    assert reply is not None
    return fake_openai.wire[-1]


async def test_the_plain_post_sends_the_sdks_bytes_and_headers(fake_openai, monkeypatch) -> None:
    model = _model(fake_openai.base_url)
    sdk = await _wire(fake_openai, model, via_sdk=True, monkeypatch=monkeypatch)
    ours = await _wire(fake_openai, model, via_sdk=False, monkeypatch=monkeypatch)
    assert ours == sdk  # header names, values and order, and the body byte for byte
    headers = dict(ours[0])
    assert headers[b"authorization"] == b"Bearer k" and headers[b"x-stainless-retry-count"] == b"0"
    assert ours[1].startswith(b'{"model":"m",') and "مهامي".encode() in ours[1]


async def test_the_plain_post_sends_what_the_plain_chatopenai_sends(fake_openai) -> None:
    model = _model(fake_openai.base_url)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    reference = ChatOpenAI(
        base_url=fake_openai.base_url, api_key="k", model="m", temperature=0,  # type: ignore[arg-type]
        max_tokens=settings.model.max_reply_tokens, max_retries=0, timeout=settings.model.timeout_s,  # type: ignore[call-arg]
        http_async_client=httpx.AsyncClient(),
    )  # fmt: skip
    tools = ToolRegistry.shipped().openai_tools()
    await reference.bind_tools(tools).ainvoke(CONVERSATION)
    assert await plain_invoke(_bound(model), CONVERSATION) is not None
    assert fake_openai.requests[-1] == fake_openai.requests[-2]
    assert fake_openai.headers[-1] == fake_openai.headers[-2]


@pytest.mark.parametrize("answer", ["text", "tool call", "two tool calls"])
async def test_plain_invoke_answers_what_ainvoke_answers(fake_openai, answer: str) -> None:
    model = _model(fake_openai.base_url)
    replies = []
    for call in (plain_invoke, lambda bound, messages: bound.ainvoke(messages)):
        if answer == "text":
            fake_openai.reply_text("مرحبا! كيف أساعدك؟")
        else:
            fake_openai.reply_tool("list_tasks", {"due": "today", "assignee": "me"})
            if answer == "two tool calls":
                message = fake_openai.script[-1]
                message["tool_calls"].append({**message["tool_calls"][0], "id": "call_9"})
        reply = await call(_bound(model), CONVERSATION[:2])
        replies.append(reply.model_dump(exclude={"id"}))
    assert replies[0] == replies[1]
    assert replies[0]["usage_metadata"]["input_tokens"] == 10
    assert replies[0]["response_metadata"]["model_name"] == "m"
    assert len(replies[0]["tool_calls"]) == {"text": 0, "tool call": 1, "two tool calls": 2}[answer]


async def test_the_native_caller_decides_the_same_on_both_paths(fake_openai, monkeypatch) -> None:
    model = _model(fake_openai.base_url)
    registry = ToolRegistry.shipped()
    decisions = []
    for plain_path in (True, False):
        if not plain_path:
            monkeypatch.setattr(agent.native, "plain_invoke", _never)
        fake_openai.reply_tool("list_tasks", {"due": "today", "assignee": None})
        decisions.append(await NativeToolCaller(model, registry).decide(CONVERSATION[:2]))
    assert decisions[0] == decisions[1]
    assert decisions[0].action == "list_tasks" and decisions[0].args == {"due": "today"}


async def _never(runnable: Any, messages: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("status", "message", "retries"),
    [(400, "This model's maximum context length is 8192 tokens (context_length_exceeded)", 0),
     (401, "Incorrect API key provided", 0), (404, "no such model", 0), (429, "Rate limit reached", 1),
     (500, "boom", 1), (503, "busy", 2)],
)  # fmt: skip
async def test_an_error_is_the_sdks(
    fake_openai: Any, monkeypatch: Any, status: int, message: str, retries: int
) -> None:
    """The same exception type and text, after the same attempts with the same retry counts sent."""
    model = _model(fake_openai.base_url, retries=retries)
    raised = []
    for via_sdk in (True, False):
        fake_openai.failures.clear()
        for _ in range(retries + 1):
            fake_openai.fail_next(status, message)
        before = len(fake_openai.wire)
        with monkeypatch.context() as patch:
            if via_sdk:
                patch.setattr(agent.model, "poster", lambda client: None)
            with pytest.raises(Exception) as caught:
                await plain_invoke(_bound(model), CONVERSATION[:2])
        counts = [dict(headers)[b"x-stainless-retry-count"] for headers, _ in fake_openai.wire[before:]]
        error = caught.value
        raised.append((type(error), str(error), counts, getattr(error, "status_code", 0)))
    assert raised[0] == raised[1]
    assert raised[0][2] == [str(n).encode() for n in range(retries + 1)]


async def test_a_retry_that_succeeds_answers(fake_openai) -> None:
    model = _model(fake_openai.base_url, retries=1)
    fake_openai.fail_next(500, "boom")
    fake_openai.reply_text("second time")
    reply = await plain_invoke(_bound(model), CONVERSATION[:2])
    assert reply is not None and reply.content == "second time"
    assert [dict(h)[b"x-stainless-retry-count"] for h, _ in fake_openai.wire] == [b"0", b"1"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_refused_connection_and_a_timeout_are_the_sdks(monkeypatch) -> None:
    silent = socket.socket()  # accepts connections (the backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        cases = [(f"http://127.0.0.1:{_closed_port()}/v1", openai.APIConnectionError),
                 (f"http://127.0.0.1:{silent.getsockname()[1]}/v1", openai.APITimeoutError)]  # fmt: skip
        for base_url, expected in cases:
            raised = []
            for via_sdk in (True, False):
                model = _model(base_url, timeout=0.3)
                with monkeypatch.context() as patch:
                    if via_sdk:
                        patch.setattr(agent.model, "poster", lambda client: None)
                    with pytest.raises(Exception) as caught:
                        await plain_invoke(_bound(model), CONVERSATION[:2])
                raised.append((type(caught.value), str(caught.value)))
            assert raised[0] == raised[1] and issubclass(raised[0][0], expected)
    finally:
        silent.close()


class _Seen(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.starts = 0

    async def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.starts += 1


async def test_langchains_run_is_kept_wherever_it_would_do_anything(fake_openai) -> None:
    model = _model(fake_openai.base_url)
    assert await plain_invoke(_bound(model), CONVERSATION[:2]) is not None
    # A turn being looked into: the prompt recorder notes the call.
    with taking_notes() as notes:
        inspect_turn()
        assert await plain_invoke(_bound(model), CONVERSATION[:2]) is None
        await _bound(model).ainvoke(CONVERSATION[:2])
        assert len(notes.calls) == 1
    # A callback of the model's own, or bound into the call's config.
    seen = _Seen()
    noted = _model(fake_openai.base_url, callbacks=[seen])
    assert await plain_invoke(_bound(noted), CONVERSATION[:2]) is None
    assert await plain_invoke(_bound(model).with_config(callbacks=[seen]), CONVERSATION[:2]) is None
    assert seen.starts == 0
    # Streaming, a cache, structured output, and models that are not ours.
    assert await plain_invoke(_bound(_model(fake_openai.base_url, streaming=True)), CONVERSATION[:2]) is None
    assert await plain_invoke(model.bind(ls_structured_output_format={"x": 1}), CONVERSATION[:2]) is None
    assert await plain_invoke(FakeListChatModel(responses=["x"]), CONVERSATION[:2]) is None
    set_llm_cache(InMemoryCache())
    try:
        assert await plain_invoke(_bound(model), CONVERSATION[:2]) is None
    finally:
        set_llm_cache(None)
    # A LangSmith tracer switched on (as LANGSMITH_TRACING does for a whole process).
    with tracing_v2_enabled(client=_NoClient()):  # type: ignore[arg-type]
        assert await plain_invoke(_bound(model), CONVERSATION[:2]) is None


class _NoClient:
    """Never asked: the call goes to langchain's run, which this test does not make."""


async def test_a_client_the_sdk_changes_per_request_keeps_the_sdks_post(fake_openai) -> None:
    """A default query (Azure's api-version) is not plain: the SDK's own `post` sends, as before."""
    model = _model(fake_openai.base_url, default_query={"api-version": "2024-10-21"})
    assert not plain(model.root_async_client) and poster(model.root_async_client) is None
    reply = await plain_invoke(_bound(model), CONVERSATION[:2])
    assert reply is not None and reply.content == "ok"
    assert poster(_model(fake_openai.base_url).root_async_client) is not None


async def test_a_cookie_the_endpoint_set_goes_back(fake_openai) -> None:
    model = _model(fake_openai.base_url)
    model.root_async_client._client.cookies.set("session", "abc", domain="127.0.0.1")
    assert await plain_invoke(_bound(model), CONVERSATION[:2]) is not None
    assert fake_openai.headers[-1]["cookie"] == "session=abc"


def test_a_body_is_dumped_as_the_sdk_dumps_it() -> None:
    """The tool list dumped once and put back in place gives `openapi_dumps`'s bytes, for any body."""
    from openai._utils._json import openapi_dumps

    chat_post = poster(_model("http://127.0.0.1:9/v1").root_async_client)
    assert chat_post is not None
    tools = ToolRegistry.shipped().openai_tools()
    other = [
        {"type": "function", "function": {"name": "x", "parameters": {"a": 1.5e-07, "b": "\u2028é\x00"}}}
    ]
    bodies = [
        {
            "model": "m",
            "temperature": 0.7,
            "messages": [{"role": "user", "content": "مرحبا \ud7ff"}],
            "tools": tools,
        },
        {"model": "m", "messages": [], "tools": tools},  # the same list again: dumped once
        {"model": "m", "messages": [], "tools": other},  # another list
        {"tools": tools, "model": "m"},  # not last
        {"tools": tools},  # alone
        {"model": "m", "messages": []},  # none
    ]
    for body in bodies:
        assert chat_post._dumped(body) == openapi_dumps(body)
