"""Native OpenAI tool calling, for models that support it: the model chooses a tool or answers."""

from __future__ import annotations

import weakref
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from agent.model import plain_invoke
from tools.decision import Decision
from tools.registry import ANSWER, ToolRegistry
from tools.spec import ToolSpec

# The model with a registry's tool list bound, per registry and model: a turn's registry is most often
# the agent's own (the same object every turn), and building its tool list and binding it cost ~35 µs of
# CPU a turn. Kept while the registry lives, for the specs it held when bound (compared by identity: a
# spec is never changed in place, `described` copies); a binding carries no state of its own between
# calls, so turns share it.
_Bound = tuple[BaseChatModel, tuple[ToolSpec, ...], Any]  # the model, the specs bound, the binding
_BOUND: weakref.WeakKeyDictionary[ToolRegistry, dict[int, _Bound]] = weakref.WeakKeyDictionary()


def bound_model(llm: BaseChatModel, registry: ToolRegistry) -> Any:
    """`llm` with the registry's tool list bound (`llm` itself for a registry without tools)."""
    if not len(registry):
        return llm
    specs = tuple(registry)
    per_model = _BOUND.setdefault(registry, {})
    hit = per_model.get(id(llm))
    if hit is not None and hit[0] is llm and len(hit[1]) == len(specs) and all(map(_same, hit[1], specs)):
        return hit[2]
    bound = llm.bind_tools(registry.openai_tools())
    per_model[id(llm)] = (llm, specs, bound)  # holding `llm` keeps its id from being reused meanwhile
    return bound


def _same(a: object, b: object) -> bool:
    return a is b


class NativeToolCaller:
    def __init__(self, llm: BaseChatModel, registry: ToolRegistry) -> None:
        self.llm = bound_model(llm, registry)
        self.registry = registry

    async def decide(self, messages: list[BaseMessage]) -> Decision:
        reply = await plain_invoke(self.llm, messages) or await self.llm.ainvoke(messages)
        assert isinstance(reply, AIMessage)
        usage = reply.usage_metadata or {}
        tokens = {
            "tokens_in": int(usage.get("input_tokens", 0)),
            "tokens_out": int(usage.get("output_tokens", 0)),
        }
        chosen = [
            Decision(
                action=call["name"], args={k: v for k, v in (call.get("args") or {}).items() if v is not None}
            )
            for call in reply.tool_calls
            if self.registry.get(call["name"]) is not None
        ]
        if chosen:  # parallel calls: the first decides, the others follow in order
            return chosen[0].model_copy(update={"more": chosen[1:], **tokens})
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return Decision(action=ANSWER, text=text.strip(), **tokens)
