"""`type: "location"` messages (a pinned location; live locations arrive as unsupported)."""

from __future__ import annotations

from ._base import WebhookModel


class Location(WebhookModel):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None
