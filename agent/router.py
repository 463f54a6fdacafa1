"""Structured routing for models without native tool calls (the embedded small models).

The model fills a grammar-constrained JSON object (response_format json_schema): one object schema
per tool with `action` fixed, plus `{"action": "answer"}`. The system prompt holds the rules, the tool
lines and examples, and nothing that changes between turns, so llama.cpp's prompt cache reuses it and
only the user's message is processed on a warm turn.
"""

from __future__ import annotations

from typing import Any

import orjson
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from openai import LengthFinishReasonError

from prompts.store import Prompt, PromptStore
from tools.decision import Decision
from tools.registry import ANSWER, ToolRegistry


class RouterError(RuntimeError):
    pass


class StructuredRouter:
    def __init__(self, llm: BaseChatModel, registry: ToolRegistry, prompts: PromptStore) -> None:
        self.llm = llm
        self.registry = registry
        self.prompts = prompts
        self.schema = registry.router_schema()

    def prompts_used(self) -> list[Prompt]:
        return [self.prompts.get("router"), self.prompts.get("router-examples")]

    def system_prompt(self) -> str:
        rules, examples = self.prompts_used()
        tools = "\n".join(spec.signature() for spec in self.registry.offered())
        return (
            f"{rules.text}\n\nActions:\n{tools}\n- {ANSWER}: anything that is not one of the actions above: "
            f"greetings, thanks, chit-chat, questions.\n\nExamples (message -> output):\n{examples.text}\n"
        )

    async def route(
        self,
        text: str,
        *,
        previous: list[tuple[str, str]] | None = None,
        examples: list[tuple[str, str]] | None = None,
    ) -> Decision:
        """`previous`: earlier (message, output) pairs of this conversation, placed after the byte-stable
        system prompt so a follow-up ("and assign it to Omar") is read in context. `examples`: bank lines
        near this message (agent/examples.py), placed before them in the same form."""
        bound = self.llm.bind(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "route", "schema": self.schema, "strict": True},
            }
        )
        try:
            pairs = [*(examples or []), *(previous or [])]
            earlier = [m for said, out in pairs for m in (HumanMessage(said), AIMessage(out))]
            reply = await bound.ainvoke([SystemMessage(self.system_prompt()), *earlier, HumanMessage(text)])
        except LengthFinishReasonError as exc:
            raise RouterError("router output was cut at the token limit (HUDHUD_MAX_REPLY_TOKENS)") from exc
        return parse_decision(reply)


def parse_decision(reply: AIMessage | Any) -> Decision:
    content = reply.content if isinstance(reply.content, str) else str(reply.content)
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise RouterError(f"router output is not JSON: {content[:200]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("action"), str):
        raise RouterError(f"router output has no action: {content[:200]!r}")
    action = data.pop("action")
    usage = getattr(reply, "usage_metadata", None) or {}
    return Decision(
        action=action,
        args={k: v for k, v in data.items() if v is not None},
        tokens_in=int(usage.get("input_tokens", 0)),
        tokens_out=int(usage.get("output_tokens", 0)),
    )
