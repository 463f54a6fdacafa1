"""The model client's request body: FastChatOpenAI skips the SDK's request transform for the messages
and the tool list, and must put on the wire exactly what the plain ChatOpenAI puts there."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
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


async def test_the_body_on_the_wire_is_the_plain_clients(fake_openai) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    endpoint = ModelEndpoint(fake_openai.base_url, "k", "m", local=False)
    fast = chat_model(endpoint, settings.model, max_retries=0)
    assert isinstance(fast, FastChatOpenAI)
    plain = ChatOpenAI(
        base_url=endpoint.base_url, api_key=endpoint.api_key, model=endpoint.model, temperature=0,  # type: ignore[arg-type]
        max_tokens=settings.model.max_reply_tokens, max_retries=0,  # type: ignore[call-arg]
    )  # fmt: skip
    sent, expected = await _bodies(fake_openai, fast), await _bodies(fake_openai, plain)
    assert sent == expected
    assert [m["role"] for m in sent["messages"]] == ["system", "user", "assistant", "tool", "user"]
    assert sent["tools"] and sent["messages"][2]["tool_calls"][0]["function"]["name"] == "list_tasks"
