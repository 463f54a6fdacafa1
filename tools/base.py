"""What the agent hands to the tools layer, and what comes back."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

import orjson
from pydantic import BaseModel, Field

from base.turn import ReplyPart, Turn


class ToolCall(BaseModel):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)  # normalized: API values, not the user's phrases
    raw_args: dict[str, Any] = Field(default_factory=dict)  # what the model filled, for traces and evals
    lang: str = "en"  # the user's reply language, for what the tools layer words itself (confirmations)
    position: int = 0  # its place among the changes one message asked for (its idempotency key has it)
    # Other spellings of a person argument, tried in order when the core API knows nobody by the first:
    # the name as the message writes it, where the model transliterated it ("Shahed" for "شهد").
    also: dict[str, list[str]] = Field(default_factory=dict)

    def idempotency_key(self, turn_id: str) -> str:
        """The turn, the call's place in it and its arguments: stable across retries of the turn, and
        distinct for two changes of one message (even two of the same tool)."""
        digest = hashlib.sha256(orjson.dumps(self.args, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
        return f"{turn_id}:{self.position}:{self.name}:{digest}"


class ToolResult(BaseModel):
    ok: bool
    data: dict[str, Any] | list[dict[str, Any]] | None = None
    error: str | None = None  # a short reason the user may read (not allowed, not found, ...)
    reply: str | None = None  # a complete reply when the executor composed one (e.g. how to link)
    parts: list[ReplyPart] | None = None  # a reply with buttons (e.g. asking for a confirmation)
    confirm: bool = False  # not run yet: waiting for the user's confirmation
    unchanged: bool = False  # not run: the object is already so (the reply says nothing changed)


class ToolExecutor(Protocol):
    async def execute(self, call: ToolCall, turn: Turn) -> ToolResult: ...


class UnavailableExecutor:
    """Used until a core API is connected: commands are understood but not carried out."""

    async def execute(self, call: ToolCall, turn: Turn) -> ToolResult:
        return ToolResult(ok=False, error="not_connected")
