"""`type: "interactive"` messages: the user tapped a reply button, picked a list row, or sent a Flow."""

from __future__ import annotations

from ._base import WebhookModel


class ButtonReply(WebhookModel):
    id: str
    title: str = ""


class ListReply(WebhookModel):
    id: str
    title: str = ""
    description: str | None = None


class NfmReply(WebhookModel):
    """A completed WhatsApp Flow; `response_json` is a JSON *string* with the submitted fields."""

    name: str | None = None
    body: str | None = None
    response_json: str | None = None


class Interactive(WebhookModel):
    type: str  # button_reply | list_reply | nfm_reply | ... (new kinds are kept, not rejected)
    button_reply: ButtonReply | None = None
    list_reply: ListReply | None = None
    nfm_reply: NfmReply | None = None
