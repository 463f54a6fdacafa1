"""`type: "button"` messages: a quick-reply button of a *template* message was tapped.

(Buttons of interactive messages arrive as `interactive.button_reply` instead.)
"""

from __future__ import annotations

from ._base import WebhookModel


class Button(WebhookModel):
    text: str = ""
    payload: str | None = None
