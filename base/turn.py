"""The unit of work of the pipeline: a Turn in, reply parts out.

A Turn covers one or more inbound messages of one user to one bot number (messages that arrive while
the previous turn runs are merged into the next). Its TurnId is derived from the message ids it
covers, so a retried turn has the same id and the outbox never sends its parts twice.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TurnId = str
"""Stable id of a turn: `t_` + 32 hex chars of sha256 over the covered message ids, in order."""


def trace_id(message_id: str) -> str:
    """The trace id of one inbound message, the same at every stage (webhook, queue, agent, tools, send)
    because it is derived from the channel's message id; short, and it does not reveal that id."""
    return "tr_" + hashlib.sha256(message_id.encode()).hexdigest()[:16]


def make_turn_id(message_ids: list[str]) -> TurnId:
    digest = hashlib.sha256("\n".join(message_ids).encode()).hexdigest()
    return f"t_{digest[:32]}"


class Attachment(BaseModel):
    """Media carried by an inbound message; fetch bytes with the Graph client's download_media."""

    kind: Literal["image", "audio", "voice", "video", "document", "sticker"]
    media_id: str | None = None
    mime_type: str | None = None
    sha256: str | None = None
    caption: str | None = None
    filename: str | None = None
    url: str | None = None


class Location(BaseModel):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


class InboundMessage(BaseModel):
    """One user message, normalized from any WhatsApp message type.

    `text` is what the agent reads: the body, the chosen button/list title, a caption, or a short
    description of media/location/contacts/orders so the agent can answer them.
    """

    model_config = ConfigDict(frozen=True)

    id: str  # the channel's message id (the wamid on WhatsApp)
    wa_id: str  # the sender's id on the channel (a phone number on WhatsApp)
    phone_number_id: str  # the bot's address on the channel it was sent to
    channel: str = "whatsapp"  # with `wa_id`, the user's neutral address
    timestamp: int = 0
    type: str  # the WhatsApp type as received (text, image, interactive, unknown, ...)
    text: str = ""
    payload: str | None = None  # button/list reply id or button payload
    attachments: list[Attachment] = Field(default_factory=list)
    location: Location | None = None
    contacts: list[dict[str, Any]] = Field(default_factory=list)
    reply_to: str | None = None  # context.id: the message this one answers
    sender_name: str | None = None
    extra: dict[str, Any] = Field(
        default_factory=dict
    )  # type-specific data (order items, reaction emoji, ...)


class ChannelLimits(BaseModel):
    """What one message of the channel can hold (characters, counts)."""

    model_config = ConfigDict(frozen=True)

    text: int = 4096  # one text message
    buttons: int = 3  # reply buttons on one message
    button_title: int = 20
    buttons_body: int = 1024  # the text above reply buttons
    list_rows: int = 10  # rows of one list message, all sections together
    row_title: int = 24
    row_description: int = 72
    list_button: int = 20  # the label of the button that opens a list
    header: int = 60
    footer: int = 60


class UserRef(BaseModel):
    wa_id: str
    name: str | None = None


class Turn(BaseModel):
    turn_id: TurnId
    message_ids: list[str]
    messages: list[InboundMessage]
    user: UserRef
    phone_number_id: str
    profile: str
    attempt: int = 1
    channel: str = "whatsapp"
    limits: ChannelLimits = Field(default_factory=ChannelLimits)  # what one message of the channel holds

    @property
    def text(self) -> str:
        """All covered message texts, one per line, in arrival order."""
        return "\n".join(m.text for m in self.messages if m.text)


# ---------------------------------------------------------------- reply parts


class TextPart(BaseModel):
    kind: Literal["text"] = "text"
    text: str
    preview_url: bool = False


# Reply parts are channel-neutral: a channel fits them to its limits before sending (base/channel.py).


class Button(BaseModel):
    id: str = Field(max_length=256)
    title: str


class ButtonsPart(BaseModel):
    kind: Literal["buttons"] = "buttons"
    text: str
    buttons: list[Button] = Field(min_length=1)
    header: str | None = None
    footer: str | None = None


class ListRow(BaseModel):
    id: str = Field(max_length=200)
    title: str
    description: str | None = None


class ListSection(BaseModel):
    title: str | None = None
    rows: list[ListRow] = Field(min_length=1)


class ListPart(BaseModel):
    kind: Literal["list"] = "list"
    text: str
    button: str
    sections: list[ListSection] = Field(min_length=1)
    header: str | None = None
    footer: str | None = None


class TemplatePart(BaseModel):
    kind: Literal["template"] = "template"
    name: str
    language: str = "en"
    components: list[dict[str, Any]] = Field(default_factory=list)


class MediaPart(BaseModel):
    kind: Literal["media"] = "media"
    media_type: Literal["image", "audio", "video", "document", "sticker"]
    media_id: str | None = None
    link: str | None = None
    caption: str | None = None
    filename: str | None = None


ReplyPart = Annotated[
    TextPart | ButtonsPart | ListPart | TemplatePart | MediaPart, Field(discriminator="kind")
]
