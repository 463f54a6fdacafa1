"""`type: "reaction"` messages: an emoji reaction to an earlier message."""

from __future__ import annotations

from ._base import WebhookModel


class Reaction(WebhookModel):
    message_id: str | None = None
    # Absent (or empty) when the user removed their reaction.
    emoji: str | None = None
