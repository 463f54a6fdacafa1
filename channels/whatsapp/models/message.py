"""The inbound message: one model for every type, with the type-specific object as an optional field.

One flat model instead of a union keeps validation a single fast pass and makes unknown types trivial:
`type` is a plain string and whatever object came with it stays in `model_extra`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import WebhookModel
from .button import Button
from .contacts import SharedContact
from .error import WebhookError
from .interactive import Interactive
from .location import Location
from .media import Audio, Document, Image, Sticker, Video
from .order import Order
from .reaction import Reaction
from .system import System
from .text import Text
from .unsupported import Unsupported

# The types that have a typed field on Message (the field name equals the type).
TYPED_CONTENT = frozenset(
    {
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "interactive",
        "button",
        "reaction",
        "order",
        "system",
        "unsupported",
    }
)


class ReferredProduct(WebhookModel):
    catalog_id: str | None = None
    product_retailer_id: str | None = None


class Context(WebhookModel):
    """Set when the message replies to (or asks about a product of) an earlier message."""

    id: str | None = None
    from_: str | None = Field(None, alias="from")
    forwarded: bool = False
    frequently_forwarded: bool = False
    referred_product: ReferredProduct | None = None


class Referral(WebhookModel):
    """Set when the user came from a click-to-WhatsApp ad or post."""

    source_url: str | None = None
    source_type: str | None = None
    source_id: str | None = None
    headline: str | None = None
    body: str | None = None
    media_type: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    ctwa_clid: str | None = None


class Message(WebhookModel):
    id: str  # the wamid
    from_: str = Field(alias="from")
    timestamp: int = 0
    type: str
    context: Context | None = None
    referral: Referral | None = None
    errors: list[WebhookError] = Field(default_factory=list)

    text: Text | None = None
    image: Image | None = None
    audio: Audio | None = None
    video: Video | None = None
    document: Document | None = None
    sticker: Sticker | None = None
    location: Location | None = None
    contacts: list[SharedContact] | None = None
    interactive: Interactive | None = None
    button: Button | None = None
    reaction: Reaction | None = None
    order: Order | None = None
    system: System | None = None
    unsupported: Unsupported | None = None

    @property
    def content(self) -> Any:
        """The object named by `type`: the typed model for known types, the raw JSON for others."""
        if self.type in TYPED_CONTENT:
            return getattr(self, self.type)
        return (self.model_extra or {}).get(self.type)
