"""Cloud API JSON bodies for every outbound message, as pure functions.

The Graph client posts them and the sandbox records them, so what the sandbox shows is exactly what
would have been sent. Limits that Graph would reject with a generic error 100 are checked here with
a clear ValueError instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from base.turn import (
    Button,
    ButtonsPart,
    ListPart,
    ListSection,
    MediaPart,
    ReplyPart,
    TemplatePart,
    TextPart,
)

MediaType = Literal["image", "audio", "video", "document", "sticker"]

MAX_BUTTONS = 3
MAX_LIST_ROWS = 10  # across all sections, not per section
_CAPTIONED = frozenset({"image", "video", "document"})

Payload = dict[str, Any]


def _envelope(to: str, type_: str, reply_to: str | None) -> Payload:
    payload: Payload = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": type_,
    }
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def text_payload(to: str, text: str, *, reply_to: str | None = None, preview_url: bool = False) -> Payload:
    payload = _envelope(to, "text", reply_to)
    payload["text"] = {"preview_url": preview_url, "body": text}
    return payload


def _interactive(
    to: str,
    kind: str,
    text: str,
    action: Payload,
    header: str | None,
    footer: str | None,
    reply_to: str | None,
) -> Payload:
    interactive: Payload = {"type": kind}
    if header:
        interactive["header"] = {"type": "text", "text": header}
    interactive["body"] = {"text": text}
    if footer:
        interactive["footer"] = {"text": footer}
    interactive["action"] = action
    payload = _envelope(to, "interactive", reply_to)
    payload["interactive"] = interactive
    return payload


def buttons_payload(
    to: str,
    text: str,
    buttons: Sequence[Button],
    *,
    header: str | None = None,
    footer: str | None = None,
    reply_to: str | None = None,
) -> Payload:
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ValueError(f"reply buttons need 1 to {MAX_BUTTONS} buttons, got {len(buttons)}")
    action = {"buttons": [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons]}
    return _interactive(to, "button", text, action, header, footer, reply_to)


def list_payload(
    to: str,
    text: str,
    button: str,
    sections: Sequence[ListSection],
    *,
    header: str | None = None,
    footer: str | None = None,
    reply_to: str | None = None,
) -> Payload:
    rows = sum(len(s.rows) for s in sections)
    if not sections or not 1 <= rows <= MAX_LIST_ROWS:
        raise ValueError(f"a list message needs 1 to {MAX_LIST_ROWS} rows in all, got {rows}")
    out_sections = []
    for section in sections:
        out: Payload = {}
        if section.title:
            out["title"] = section.title
        out["rows"] = [
            {"id": r.id, "title": r.title, **({"description": r.description} if r.description else {})}
            for r in section.rows
        ]
        out_sections.append(out)
    action = {"button": button, "sections": out_sections}
    return _interactive(to, "list", text, action, header, footer, reply_to)


def template_payload(
    to: str, name: str, language: str, components: Sequence[dict[str, Any]] | None = None
) -> Payload:
    template: Payload = {"name": name, "language": {"code": language}}
    if components:
        template["components"] = list(components)
    payload = _envelope(to, "template", None)
    payload["template"] = template
    return payload


def media_payload(
    to: str,
    media_type: MediaType,
    *,
    media_id: str | None = None,
    link: str | None = None,
    caption: str | None = None,
    filename: str | None = None,
    reply_to: str | None = None,
) -> Payload:
    if (media_id is None) == (link is None):
        raise ValueError("give exactly one of media_id or link")
    if media_type not in ("image", "audio", "video", "document", "sticker"):
        raise ValueError(f"unknown media type {media_type!r}")
    # Graph rejects these fields on types that do not support them; say so before the round trip.
    if caption and media_type not in _CAPTIONED:
        raise ValueError(f"{media_type} messages cannot have a caption")
    if filename and media_type != "document":
        raise ValueError("only document messages can have a filename")
    media: Payload = {"id": media_id} if media_id is not None else {"link": link}
    if caption:
        media["caption"] = caption
    if filename:
        media["filename"] = filename
    payload = _envelope(to, media_type, reply_to)
    payload[media_type] = media
    return payload


def part_payload(to: str, part: ReplyPart, *, reply_to: str | None = None) -> Payload:
    """The payload of one reply part.

    A template goes out without reply context: it is what reopens a conversation outside the 24-hour
    window, where there is no recent message to quote.
    """
    match part:
        case TextPart():
            return text_payload(to, part.text, reply_to=reply_to, preview_url=part.preview_url)
        case ButtonsPart():
            return buttons_payload(
                to, part.text, part.buttons, header=part.header, footer=part.footer, reply_to=reply_to
            )
        case ListPart():
            return list_payload(
                to,
                part.text,
                part.button,
                part.sections,
                header=part.header,
                footer=part.footer,
                reply_to=reply_to,
            )
        case TemplatePart():
            return template_payload(to, part.name, part.language, part.components)
        case MediaPart():
            return media_payload(
                to,
                part.media_type,
                media_id=part.media_id,
                link=part.link,
                caption=part.caption,
                filename=part.filename,
                reply_to=reply_to,
            )
    raise TypeError(f"not a reply part: {part!r}")


def read_payload(message_id: str, *, typing: bool = True) -> Payload:
    """Marks an inbound message read; with `typing`, also shows "typing…" until we reply (max 25 s)."""
    payload: Payload = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        payload["typing_indicator"] = {"type": "text"}
    return payload
