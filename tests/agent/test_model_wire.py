"""The model client against the plain ChatOpenAI: FastChatOpenAI skips the SDK's request transform and
posts the plain chat-completions call without `create()` (agent/model.py), and must put on the wire what
the plain client puts there, return the same result, and fail the same way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import LLMResult
from langchain_openai import ChatOpenAI

from agent.model import FastChatOpenAI, ModelEndpoint, chat_model
from base.settings import Settings
from tools.registry import ToolRegistry

CONVERSATION = [
    SystemMessage("You are Hudhud."),
    HumanMessage("ما هي مهامي اليوم؟"),
    AIMessage("", tool_calls=[{"id": "call_1", "name": "list_tasks", "args": {"due": "today"}}]),
    ToolMessage('{"tasks": []}', tool_call_id="call_1"),
    HumanMessage([{"type": "text", "text": "And tomorrow?"}]),
]


async def _bodies(fake_openai: Any, model: ChatOpenAI) -> dict[str, Any]:
    tools = ToolRegistry.shipped().openai_tools()
    await model.bind_tools(tools).ainvoke(CONVERSATION)
    return fake_openai.requests[-1]


def _clients(fake_openai: Any, retries: int = 0) -> tuple[ChatOpenAI, ChatOpenAI]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    endpoint = ModelEndpoint(fake_openai.base_url, "k", "m", local=False)
    fast = chat_model(endpoint, settings.model, max_retries=retries)
    assert isinstance(fast, FastChatOpenAI)
    plain = ChatOpenAI(
        base_url=endpoint.base_url, api_key=endpoint.api_key, model=endpoint.model, temperature=0,  # type: ignore[arg-type]
        max_tokens=settings.model.max_reply_tokens, max_retries=retries, timeout=settings.model.timeout_s,  # type: ignore[call-arg]
        http_async_client=httpx.AsyncClient(),  # the SDK's shared one is bound to an earlier test's loop
    )  # fmt: skip
    return fast, plain


class _Results(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.results: list[LLMResult] = []

    async def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.results.append(response)


async def _answer(fake_openai: Any, model: ChatOpenAI, *, tool: bool) -> tuple[dict[str, Any], Any]:
    """What the caller gets (the message, less its per-run id) and what callbacks see (llm_output)."""
    if tool:
        fake_openai.reply_tool("list_tasks", {"due": "today", "assignee": "me"})
    else:
        fake_openai.reply_text("مرحبا! كيف أساعدك؟")
    seen = _Results()
    bound = model.bind_tools(ToolRegistry.shipped().openai_tools())
    reply = await bound.ainvoke(CONVERSATION[:2], config={"callbacks": [seen]})
    return reply.model_dump(exclude={"id"}), seen.results[0].llm_output


async def test_the_body_on_the_wire_is_the_plain_clients(fake_openai) -> None:
    fast, plain = _clients(fake_openai)
    sent, expected = await _bodies(fake_openai, fast), await _bodies(fake_openai, plain)
    assert sent == expected
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "tool", "user"]
    assert sent["tools"] and sent["messages"][2]["tool_calls"][0]["function"]["name"] == "list_tasks"


async def test_the_headers_on_the_wire_are_the_plain_clients(fake_openai) -> None:
    fast, plain = _clients(fake_openai)
    await _bodies(fake_openai, fast)
    await _bodies(fake_openai, plain)
    sent, expected = fake_openai.headers[-2:]
    assert sent == expected
    assert sent["authorization"] == "Bearer k" and sent["x-stainless-raw-response"] == "true"


@pytest.mark.parametrize("tool", [False, True], ids=["text", "tool call"])
async def test_the_answer_is_the_plain_clients(fake_openai, tool: bool) -> None:
    fast, plain = _clients(fake_openai)
    got, expected = await _answer(fake_openai, fast, tool=tool), await _answer(fake_openai, plain, tool=tool)
    assert got == expected
    message, _ = got
    assert message["usage_metadata"]["input_tokens"] == 10
    assert bool(message["tool_calls"]) is tool


@pytest.mark.parametrize(
    ("status", "message", "retries"),
    [(400, "This model's maximum context length is 8192 tokens (context_length_exceeded)", 0),
     (401, "Incorrect API key provided", 0), (429, "Rate limit reached", 1), (500, "boom", 1)],
)  # fmt: skip
async def test_an_error_is_the_plain_clients(fake_openai, status: int, message: str, retries: int) -> None:
    """The same exception type and text, after the same number of attempts (the SDK's retries)."""
    raised: list[tuple[str, str, int]] = []
    for model in _clients(fake_openai, retries=retries):
        fake_openai.failures.clear()
        for _ in range(retries + 1):
            fake_openai.fail_next(status, message)
        before = len(fake_openai.requests)
        with pytest.raises(Exception) as caught:
            await model.ainvoke(CONVERSATION[:2])
        raised.append((type(caught.value).__name__, str(caught.value), len(fake_openai.requests) - before))
    assert raised[0] == raised[1]
    assert raised[0][2] == retries + 1


@pytest.mark.parametrize(
    "message",
    [{"role": "assistant", "content": "ok", "refusal": 7},  # a field of another type
     {"role": "assistant", "content": "ok", "tool_calls": None, "audio": None, "by_the_way": [1, 2]}],
    ids=["off the model", "extra fields"],
)  # fmt: skip
async def test_an_answer_off_the_sdk_model_is_the_plain_clients(fake_openai, message: dict[str, Any]) -> None:
    """The SDK's answer model is built by strict validation only where it fits exactly; anything else is
    read by the SDK's own lenient parse, and the result is still the plain client's."""
    results = []
    for model in _clients(fake_openai):
        fake_openai.script.append(message)
        seen = _Results()
        reply = await model.ainvoke(CONVERSATION[:2], config={"callbacks": [seen]})
        results.append((reply.model_dump(exclude={"id"}), seen.results[0].llm_output))
    assert results[0] == results[1]
    assert results[0][0]["content"] == "ok"
