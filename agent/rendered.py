"""What the model was given in a turn, call by call: the rendered prompt a prompt engineer reads.

Only for turns someone is looking into (base/notes.py `inspected()`: the admin's playground and
`hudhud chat`). A LangChain callback handler, installed for every run through a context variable
(`register_configure_hook`), sees each chat-model call — the router, native tool calls, written answers,
whichever code built the messages — and, for such a turn, notes the messages, the tools or response
schema offered, and the answer. For every other turn it returns at once. The agent's trace takes the
noted calls (`AgentTrace.rendered`), so they reach whoever reads the trace, in any process.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult
from langchain_core.tracers.context import register_configure_hook
from pydantic import BaseModel, Field

from base.notes import inspected, take_calls


class RenderedMessage(BaseModel):
    role: str  # system | human | ai | tool
    content: str


class RenderedCall(BaseModel):
    """One model call: what it was given and what it answered."""

    messages: list[RenderedMessage]
    tools: list[str] = Field(default_factory=list)  # native tool calling: the tools offered, by name
    schema_name: str = ""  # the router: the response_format schema's name ("route")
    model: str = ""
    answer: str = ""  # the text the model answered, then its tool calls as name(args)
    run_id: str = ""


class PromptRecorder(BaseCallbackHandler):
    """Stateless: what it notes goes into the turn's own notebook."""

    run_inline = True  # in the turn's task (its notebook), in call order

    def idle(self) -> bool:
        """Nothing to note for a call made now: the running turn is not being looked into (a model call
        may then skip langchain's run around it, agent/model.py `plain_invoke`)."""
        return inspected() is None

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        notes = inspected()
        if notes is None:
            return
        params = kwargs.get("invocation_params") or {}
        fmt = params.get("response_format")
        call = RenderedCall(
            messages=[RenderedMessage(role=m.type, content=_text(m.content)) for m in messages[0]],
            tools=[t.get("function", {}).get("name", "") for t in params.get("tools") or []],
            schema_name=str(fmt.get("json_schema", {}).get("name", "")) if isinstance(fmt, dict) else "",
            model=str(params.get("model") or params.get("model_name") or ""),
            run_id=str(run_id),
        )
        notes.calls.append(call.model_dump())

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        notes = inspected()
        call = next((c for c in notes.calls if c["run_id"] == str(run_id)), None) if notes else None
        if call is None or not response.generations or not response.generations[0]:
            return
        generation = response.generations[0][0]
        tool_calls = getattr(getattr(generation, "message", None), "tool_calls", None) or []
        said = [f"{c['name']}({', '.join(f'{k}={v!r}' for k, v in c['args'].items())})" for c in tool_calls]
        call["answer"] = "\n".join([generation.text, *said]).strip()


# One handler for every run; it does nothing unless the running turn is being looked into. It holds no
# state (what it notes goes into the turn's notebook), so one instance as the default is safe.
_recorder: ContextVar[PromptRecorder | None] = ContextVar(
    "hudhud_prompt_recorder",
    default=PromptRecorder(),  # noqa: B039
)
register_configure_hook(_recorder, inheritable=True)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in parts)


def take_rendered() -> list[dict[str, Any]]:
    """The calls noted since the last take, for the agent's trace (empty unless the turn is inspected)."""
    return [{k: v for k, v in call.items() if k != "run_id"} for call in take_calls()]
