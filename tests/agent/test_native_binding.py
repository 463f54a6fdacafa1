"""The model with a registry's tools bound is made once per registry and model (agent/native.py): the
same binding while the registry holds the same specs, a new one when a spec is added or another model
asks, and every turn sends the tool list a fresh binding would."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from agent.model import ModelEndpoint, chat_model
from agent.native import NativeToolCaller, bound_model
from base.settings import Settings
from tools.registry import ToolRegistry
from tools.spec import ToolSpec


def _model(fake_openai: Any) -> Any:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return chat_model(ModelEndpoint(fake_openai.base_url, "k", "m", local=False), settings.model)


def test_a_registry_s_binding_is_reused_until_its_specs_change(fake_openai) -> None:
    llm, other = _model(fake_openai), _model(fake_openai)
    registry = ToolRegistry.shipped()
    first = bound_model(llm, registry)
    assert bound_model(llm, registry) is first
    assert NativeToolCaller(llm, registry).llm is first
    assert bound_model(other, registry) is not first  # another model (another number's) binds its own
    registry.add(ToolSpec(name="ping_team", description="ping the team", reply={"en": "Pinged."}))
    again = bound_model(llm, registry)
    assert again is not first
    assert [t["function"]["name"] for t in again.kwargs["tools"]] == [
        t["function"]["name"] for t in registry.openai_tools()
    ]
    assert again.kwargs["tools"] == registry.openai_tools()
    assert bound_model(llm, ToolRegistry()) is llm  # no tools: the model itself


async def test_every_turn_sends_the_tools_a_fresh_binding_sends(fake_openai) -> None:
    llm = _model(fake_openai)
    registry = ToolRegistry.shipped()
    messages = [SystemMessage("You are Hudhud."), HumanMessage("ما هي مهامي اليوم؟")]
    await llm.bind_tools(registry.openai_tools()).ainvoke(messages)
    fresh = fake_openai.requests[-1]
    for _ in range(3):
        await NativeToolCaller(llm, registry).decide(messages)
        assert fake_openai.requests[-1] == fresh
