"""Webhook message → hudhud InboundMessage, and what the service does with each message type.

`InboundMessage.text` is what the agent reads, so every type gets a text the model can act on:
the body, the tapped button's title, a caption, or a short bracketed description of the content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import orjson
from pydantic import BaseModel

from base.turn import Attachment, InboundMessage
from base.turn import Location as InboundLocation

from .models import Contact, Message, Metadata, NfmReply, SharedContact
from .models.media import Audio, Document, Image, Media, Sticker, Video

Outcome = Literal["turn", "reply_unsupported", "record"]

_TURN_TYPES = frozenset(
    {
        "text",
        "interactive",
        "button",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "order",
        "request_welcome",
    }
)
# Kept in the conversation record but never answered: replying to a reaction would be noise.
_RECORD_TYPES = frozenset({"reaction", "system"})

# Flow answers can be long; the agent gets a bounded summary, the full JSON stays in `extra`.
_FORM_VALUE_MAX = 200
_FORM_TEXT_MAX = 1000


def outcome_of(message_type: str) -> Outcome:
    """turn: run the agent; record: keep silently; reply_unsupported: say politely we can't read it."""
    if message_type in _TURN_TYPES:
        return "turn"
    if message_type in _RECORD_TYPES:
        return "record"
    return "reply_unsupported"


def _dump(model: BaseModel) -> dict[str, Any]:
    # exclude_unset reproduces what Meta sent (extras included) rather than our defaults.
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


# Each builder returns the type-specific InboundMessage fields.
_Fields = dict[str, Any]


def _text(message: Message) -> _Fields:
    return {"text": message.text.body if message.text else ""}


_Kind = Literal["image", "audio", "voice", "video", "document", "sticker"]
_MEDIA_KINDS: dict[str, _Kind] = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
}


def _attachment(kind: _Kind, media: Media, caption: str | None, filename: str | None) -> Attachment:
    return Attachment(
        kind=kind,
        media_id=media.id,
        mime_type=media.mime_type,
        sha256=media.sha256,
        caption=caption,
        filename=filename,
        url=media.url,
    )


def _media(message: Message) -> _Fields:
    media = message.content
    if not isinstance(media, Media):
        return {"text": f"[{message.type}]"}
    # Typed access only: getattr would also return an unknown extra field of the same name.
    caption = media.caption if isinstance(media, Image | Video | Document) else None
    filename = media.filename if isinstance(media, Document) else None
    kind = _MEDIA_KINDS[message.type]
    label: str = kind
    if isinstance(media, Audio) and media.voice:
        kind, label = "voice", "voice message"
    elif isinstance(media, Document) and filename:
        label = f"document: {filename}"
    elif isinstance(media, Sticker) and media.animated:
        label = "animated sticker"
    text = caption if caption and caption.strip() else f"[{label}]"
    return {"text": text, "attachments": [_attachment(kind, media, caption, filename)]}


def _location(message: Message) -> _Fields:
    loc = message.location
    if loc is None:
        return {"text": "[location]"}
    described = ", ".join(p for p in (loc.name, loc.address) if p)
    coords = f"({loc.latitude}, {loc.longitude})"
    return {
        "text": f"[location: {described} {coords}]" if described else f"[location: {coords}]",
        "location": InboundLocation(
            latitude=loc.latitude, longitude=loc.longitude, name=loc.name, address=loc.address, url=loc.url
        ),
    }


def _contact_line(card: SharedContact) -> str:
    parts = [card.display_name] if card.display_name else []
    parts += [p.phone or p.wa_id or "" for p in card.phones]
    described = " ".join(p for p in parts if p)
    return f"[contact: {described}]" if described else "[contact]"


def _contacts(message: Message) -> _Fields:
    cards = message.contacts or []
    return {
        "text": "\n".join(_contact_line(c) for c in cards) or "[contact]",
        "contacts": [_dump(c) for c in cards],
    }


def _form_key(key: str) -> str:
    # Flow fields are named like "screen_0_Full_name_0"; the agent reads "Full name".
    parts = key.split("_")
    if len(parts) > 3 and parts[0] == "screen" and parts[1].isdigit() and parts[-1].isdigit():
        parts = parts[2:-1]
    return " ".join(parts)


def _form_value(value: Any) -> str:
    shown = value if isinstance(value, str) else orjson.dumps(value).decode()
    return shown if len(shown) <= _FORM_VALUE_MAX else shown[: _FORM_VALUE_MAX - 1] + "…"


def _interactive(message: Message) -> _Fields:
    inter = message.interactive
    if inter is None:
        return {"text": "[interactive]"}
    if inter.button_reply is not None:
        return {"text": inter.button_reply.title, "payload": inter.button_reply.id}
    if inter.list_reply is not None:
        reply = inter.list_reply
        extra = {"description": reply.description} if reply.description else {}
        return {"text": reply.title, "payload": reply.id, "extra": extra}
    if inter.nfm_reply is not None:
        return _nfm(inter.nfm_reply)
    return {"text": f"[interactive: {inter.type}]", "extra": {"interactive": _dump(inter)}}


def _nfm(reply: NfmReply) -> _Fields:
    extra: dict[str, Any] = {"nfm_reply": _dump(reply)}
    response: Any = None
    if reply.response_json:
        try:
            response = orjson.loads(reply.response_json)
        except orjson.JSONDecodeError:
            response = None
    if not isinstance(response, dict):
        return {"text": f"[form: {reply.body or reply.name or 'submitted'}]", "extra": extra}
    extra["response"] = response
    token = response.get("flow_token")
    fields = [f"{_form_key(str(k))}: {_form_value(v)}" for k, v in response.items() if k != "flow_token"]
    text = f"[form: {', '.join(fields)}]" if fields else "[form: submitted]"
    if len(text) > _FORM_TEXT_MAX:
        text = text[: _FORM_TEXT_MAX - 2] + "…]"
    return {"text": text, "payload": token if isinstance(token, str) else None, "extra": extra}


def _button(message: Message) -> _Fields:
    if message.button is None:
        return {"text": ""}
    return {"text": message.button.text, "payload": message.button.payload}


def _order(message: Message) -> _Fields:
    order = message.order
    if order is None:
        return {"text": "[order]"}
    count = len(order.product_items)
    summary = f"{count} item" if count == 1 else f"{count} items"
    if order.catalog_id:
        summary += f", catalog {order.catalog_id}"
    text = f"[order: {summary}]"
    if order.text:
        text += f"\n{order.text}"
    extra = {
        "catalog_id": order.catalog_id,
        "order_text": order.text,
        "items": [_dump(item) for item in order.product_items],
    }
    return {"text": text, "extra": extra}


def _reaction(message: Message) -> _Fields:
    reaction = message.reaction
    # An empty emoji means the user removed their reaction.
    emoji = reaction.emoji if reaction and reaction.emoji else None
    return {"extra": {"emoji": emoji, "message_id": reaction.message_id if reaction else None}}


def _system(message: Message) -> _Fields:
    return {"extra": _dump(message.system) if message.system else {}}


def _welcome(message: Message) -> _Fields:
    # Sent when a user opens the chat for the first time: a greeting is due, not an apology.
    return {"text": "[the user opened the chat for the first time]"}


def _unsupported(message: Message) -> _Fields:
    extra: dict[str, Any] = {"errors": [_dump(e) for e in message.errors]}
    if message.unsupported is not None and message.unsupported.type:
        extra["unsupported_type"] = message.unsupported.type
    if message.model_extra:
        # Unknown types keep whatever Meta sent so nothing is lost for later support.
        extra["raw"] = dict(message.model_extra)
    return {"extra": extra}


_BUILDERS: dict[str, Callable[[Message], _Fields]] = {
    "text": _text,
    "image": _media,
    "audio": _media,
    "video": _media,
    "document": _media,
    "sticker": _media,
    "location": _location,
    "contacts": _contacts,
    "interactive": _interactive,
    "button": _button,
    "order": _order,
    "reaction": _reaction,
    "system": _system,
    "request_welcome": _welcome,
}


def _common_extra(message: Message) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    ctx = message.context
    if ctx is not None:
        if ctx.forwarded:
            extra["forwarded"] = True
        if ctx.frequently_forwarded:
            extra["frequently_forwarded"] = True
        if ctx.referred_product is not None:
            extra["referred_product"] = _dump(ctx.referred_product)
    if message.referral is not None:
        extra["referral"] = _dump(message.referral)  # click-to-WhatsApp ad the user came from
    if message.errors:
        extra["errors"] = [_dump(e) for e in message.errors]
    return extra


def to_inbound(metadata: Metadata, contact: Contact | None, message: Message) -> InboundMessage:
    """Normalize one webhook message; never raises for any message parse_envelope accepted."""
    fields = _BUILDERS.get(message.type, _unsupported)(message)
    extra = _common_extra(message)
    extra.update(fields.pop("extra", {}))
    return InboundMessage(
        id=message.id,
        wa_id=message.from_,
        phone_number_id=metadata.phone_number_id,
        timestamp=message.timestamp,
        type=message.type,
        reply_to=message.context.id if message.context else None,
        sender_name=contact.profile.name if contact and contact.profile else None,
        extra=extra,
        **fields,
    )
