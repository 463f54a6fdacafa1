"""Native OpenAI tool calling, for models that support it: the model chooses a tool or answers."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from tools.decision import Decision
from tools.registry import ANSWER, ToolRegistry


class NativeToolCaller:
    def __init__(self, llm: BaseChatModel, registry: ToolRegistry) -> None:
        self.llm = llm.bind_tools(registry.openai_tools()) if len(registry) else llm
        self.registry = registry

    async def decide(self, messages: list[BaseMessage]) -> Decision:
        reply = await self.llm.ainvoke(messages)
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
