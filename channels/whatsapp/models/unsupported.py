"""`type: "unsupported"` (formerly `"unknown"`) messages: kinds the Cloud API does not deliver.

The message carries `errors` (code 131051 "Message type unknown") and, on newer API versions, an
`unsupported` object naming the kind (poll, edit, live location, ...).
"""

from __future__ import annotations

from ._base import WebhookModel

UNSUPPORTED_TYPES = frozenset({"unsupported", "unknown"})


class Unsupported(WebhookModel):
    type: str | None = None
