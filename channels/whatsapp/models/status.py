"""Delivery statuses of messages the bot sent: sent, delivered, read, failed (and newer kinds)."""

from __future__ import annotations

from pydantic import Field

from ._base import WebhookModel
from .error import WebhookError

KNOWN_STATUSES = frozenset({"sent", "delivered", "read", "failed", "deleted", "warning"})


class ConversationOrigin(WebhookModel):
    type: str | None = None  # marketing | utility | authentication | service | ...


class Conversation(WebhookModel):
    id: str | None = None
    expiration_timestamp: int | None = None
    origin: ConversationOrigin | None = None


class Pricing(WebhookModel):
    billable: bool | None = None
    pricing_model: str | None = None
    category: str | None = None
    type: str | None = None


class Status(WebhookModel):
    id: str  # the wamid of the message the status is about
    # Kept as a plain string: an unknown status must be recorded, not reject the delivery.
    status: str
    timestamp: int = 0
    recipient_id: str | None = None
    recipient_type: str | None = None
    biz_opaque_callback_data: str | None = None
    conversation: Conversation | None = None
    pricing: Pricing | None = None
    errors: list[WebhookError] = Field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def error_codes(self) -> list[int]:
        return [e.code for e in self.errors if e.code is not None]
