"""`type: "system"` messages: e.g. the user changed their number or their identity key."""

from __future__ import annotations

from ._base import WebhookModel


class System(WebhookModel):
    body: str | None = None
    type: str | None = None  # user_changed_number | customer_identity_changed | ...
    new_wa_id: str | None = None
    wa_id: str | None = None
    identity: str | None = None
    customer: str | None = None
