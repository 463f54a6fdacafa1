"""What the model chose for one message: the one result type of both tool-calling paths (native
tool_calls and the structured router), which the domain packs' corrections read and rewrite."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

ANSWER = "answer"  # the action of a reply in words: no tool


class Decision(BaseModel):
    action: str  # a tool name, or "answer"
    args: dict[str, Any] = Field(default_factory=dict)  # as the model filled them (phrases)
    text: str | None = None  # the model's own answer, when the path produced one
    tokens_in: int = 0
    tokens_out: int = 0
    # Further changes the same message asks for, run in order after this one ("make it urgent and give
    # it to Omar"): a native model's other tool calls, or what a pack read from the words.
    more: list[Decision] = Field(default_factory=list)

    @property
    def is_answer(self) -> bool:
        return self.action == ANSWER
