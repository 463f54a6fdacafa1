"""`type: "text"` messages."""

from __future__ import annotations

from ._base import WebhookModel


class Text(WebhookModel):
    body: str = ""
