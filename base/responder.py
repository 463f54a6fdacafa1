"""The Responder interface: what turns a Turn into reply parts.

The pipeline calls exactly one Responder per turn. The CommandRouter is one (slash commands, no
model); the agent (its own package) is another and becomes the CommandRouter's fallback. Anything with
an async `respond(turn)` method fits, so users can plug in their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from hudhud.turn import ReplyPart, TextPart, Turn


@runtime_checkable
class Responder(Protocol):
    async def respond(self, turn: Turn) -> Sequence[ReplyPart]: ...


# Replies the pipeline itself gives; bilingual because the user's language is not known here.
UNSUPPORTED_REPLY = (
    "Sorry, I can't read this kind of message yet — please send text.\n"
    "عذراً، لا أستطيع قراءة هذا النوع من الرسائل بعد — أرسل رسالة نصية من فضلك."
)
TIMEOUT_REPLY = (
    "Sorry, that took too long on my side. Please try again in a moment.\n"
    "عذراً، استغرق الأمر وقتاً أطول من اللازم. حاول مرة أخرى بعد قليل."
)
FAILURE_REPLY = (
    "Sorry, something went wrong on my side and I couldn't answer. Please try again later.\n"
    "عذراً، حدث خطأ من جهتي ولم أتمكن من الرد. حاول مرة أخرى لاحقاً."
)
NO_AGENT_REPLY = (
    "Hello! The assistant isn't set up on this number yet. Send /help to see what I can do.\n"
    "أهلاً! المساعد غير مفعّل على هذا الرقم بعد. أرسل ‎/help لمعرفة ما يمكنني فعله."
)


class StaticResponder:
    """Answers every turn with the same text: the default until an agent is configured."""

    def __init__(self, text: str = NO_AGENT_REPLY) -> None:
        self.text = text

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        return [TextPart(text=self.text)]
