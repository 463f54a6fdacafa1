"""The Responder interface: what turns a Turn into reply parts.

The pipeline calls exactly one Responder per turn. The CommandRouter is one (slash commands, no
model); the agent (its own package) is another and becomes the CommandRouter's fallback. Anything with
an async `respond(turn)` method fits, so users can plug in their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from base.catalog import both
from base.turn import ReplyPart, TextPart, Turn


@runtime_checkable
class Responder(Protocol):
    async def respond(self, turn: Turn) -> Sequence[ReplyPart]: ...


# Replies the pipeline itself gives; bilingual because the user's language is not known here (the
# catalog's texts, English line first: base/locales, pipeline.*).
UNSUPPORTED_REPLY = both("pipeline.unsupported")
TIMEOUT_REPLY = both("pipeline.timeout")
FAILURE_REPLY = both("pipeline.failure")
NO_AGENT_REPLY = both("pipeline.no_agent")


class StaticResponder:
    """Answers every turn with the same text: the default until an agent is configured."""

    def __init__(self, text: str = NO_AGENT_REPLY) -> None:
        self.text = text

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        return [TextPart(text=self.text)]
