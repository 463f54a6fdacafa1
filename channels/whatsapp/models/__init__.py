"""Typed models of WhatsApp Cloud API webhooks, one module per update kind (after pywa)."""

from .button import Button
from .contacts import (
    ContactAddress,
    ContactEmail,
    ContactName,
    ContactOrg,
    ContactPhone,
    ContactUrl,
    SharedContact,
)
from .envelope import (
    Change,
    Contact,
    Entry,
    MessagesChange,
    Metadata,
    OtherChange,
    PayloadError,
    Profile,
    Value,
    WebhookEnvelope,
    parse_envelope,
)
from .error import ErrorData, WebhookError
from .interactive import ButtonReply, Interactive, ListReply, NfmReply
from .location import Location
from .media import Audio, Document, Image, Media, Sticker, Video
from .message import TYPED_CONTENT, Context, Message, Referral, ReferredProduct
from .order import Order, ProductItem
from .reaction import Reaction
from .status import KNOWN_STATUSES, Conversation, ConversationOrigin, Pricing, Status
from .system import System
from .text import Text
from .unsupported import UNSUPPORTED_TYPES, Unsupported

__all__ = [
    "KNOWN_STATUSES",
    "TYPED_CONTENT",
    "UNSUPPORTED_TYPES",
    "Audio",
    "Button",
    "ButtonReply",
    "Change",
    "Contact",
    "ContactAddress",
    "ContactEmail",
    "ContactName",
    "ContactOrg",
    "ContactPhone",
    "ContactUrl",
    "Context",
    "Conversation",
    "ConversationOrigin",
    "Document",
    "Entry",
    "ErrorData",
    "Image",
    "Interactive",
    "ListReply",
    "Location",
    "Media",
    "Message",
    "MessagesChange",
    "Metadata",
    "NfmReply",
    "Order",
    "OtherChange",
    "PayloadError",
    "Pricing",
    "ProductItem",
    "Profile",
    "Reaction",
    "Referral",
    "ReferredProduct",
    "SharedContact",
    "Status",
    "Sticker",
    "System",
    "Text",
    "Unsupported",
    "Value",
    "Video",
    "WebhookEnvelope",
    "WebhookError",
    "parse_envelope",
]
