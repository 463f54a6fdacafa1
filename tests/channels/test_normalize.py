"""Webhook message → InboundMessage, and the outcome of each message type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from base.turn import Attachment, InboundMessage, Location
from channels.whatsapp.models import Contact, Message, Metadata, parse_envelope
from channels.whatsapp.normalize import outcome_of, to_inbound

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
METADATA = Metadata(phone_number_id="106540352242922", display_phone_number="15550783881")


def inbound(name: str) -> InboundMessage:
    [(metadata, contact, message)] = list(
        parse_envelope((FIXTURES / f"{name}.json").read_bytes()).iter_messages()
    )
    return to_inbound(metadata, contact, message)


def raw_message(name: str) -> dict[str, Any]:
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    return body["entry"][0]["changes"][0]["value"]["messages"][0]


def normalize(type_: str, contact: Contact | None = None, **fields: Any) -> InboundMessage:
    message = Message.model_validate({"id": "wamid.T", "from": "966501234567", "type": type_, **fields})
    return to_inbound(METADATA, contact, message)


# ---------------------------------------------------------------- fixtures


def test_text() -> None:
    msg = inbound("text")
    assert msg.id == "wamid.HBgMOTY2NTAxMjM0NTY3FQIAEhggM0EyMDA1"
    assert msg.wa_id == "966501234567"
    assert msg.phone_number_id == "106540352242922"
    assert msg.timestamp == 1718000000
    assert msg.type == "text"
    assert msg.text == "Hello, what are your opening hours?"
    assert msg.sender_name == "Ali Hassan"
    assert msg.reply_to is None and msg.payload is None
    assert msg.attachments == [] and msg.location is None and msg.contacts == [] and msg.extra == {}


def test_arabic_text_is_passed_unchanged() -> None:
    msg = inbound("text_arabic")
    assert msg.text == "السلام عليكم، أريد حجز موعد يوم الأحد؟ شكراً 🌙"
    assert msg.sender_name == "فاطمة"


def test_reply_context_referral_and_forwarded() -> None:
    msg = inbound("text_reply_referral")
    assert msg.reply_to == "wamid.HBgMOTY2NTAxMjM0NTY3FQIAERgSQkFDRDEyMzQ1Njc4OTAA"
    assert msg.extra["forwarded"] is True
    assert msg.extra["referral"]["headline"] == "Summer sale"
    assert msg.extra["referral"] == raw_message("text_reply_referral")["referral"]


def test_image_with_caption() -> None:
    msg = inbound("image")
    assert msg.text == "My receipt"
    assert msg.attachments == [
        Attachment(
            kind="image",
            media_id="1479537139650973",
            mime_type="image/jpeg",
            sha256="N6dGh1b2YDpXbBhkLrnYoJqyvYMLtdWL+rkZBZXW9Ns=",
            caption="My receipt",
        )
    ]


def test_voice_note_keeps_type_audio_and_kind_voice() -> None:
    msg = inbound("audio_voice")
    assert msg.type == "audio"
    assert msg.text == "[voice message]"
    [attachment] = msg.attachments
    assert attachment.kind == "voice" and attachment.mime_type == "audio/ogg; codecs=opus"


def test_audio_file() -> None:
    msg = inbound("audio_file")
    assert msg.text == "[audio]" and msg.attachments[0].kind == "audio"


def test_video_without_caption() -> None:
    msg = inbound("video")
    assert msg.text == "[video]"
    assert msg.attachments[0].kind == "video" and msg.attachments[0].caption is None


def test_document_without_caption_names_the_file() -> None:
    msg = inbound("document")
    assert msg.text == "[document: invoice-2024-06.pdf]"
    [attachment] = msg.attachments
    assert attachment.kind == "document" and attachment.filename == "invoice-2024-06.pdf"
    assert attachment.media_id == "784829803811447"


def test_sticker() -> None:
    msg = inbound("sticker")
    assert msg.text == "[sticker]" and msg.attachments[0].kind == "sticker"
    assert normalize("sticker", sticker={"id": "1", "animated": True}).text == "[animated sticker]"


def test_location() -> None:
    msg = inbound("location")
    assert msg.text == "[location: Kingdom Centre, King Fahd Rd, Riyadh 12214 (24.7136, 46.6753)]"
    assert msg.location == Location(
        latitude=24.7136,
        longitude=46.6753,
        name="Kingdom Centre",
        address="King Fahd Rd, Riyadh 12214",
        url="https://kingdomcentre.com.sa",
    )


def test_location_without_name() -> None:
    msg = normalize("location", location={"latitude": 21.4225, "longitude": 39.8262})
    assert msg.text == "[location: (21.4225, 39.8262)]"
    assert msg.location is not None and msg.location.name is None


def test_contacts() -> None:
    msg = inbound("contacts")
    assert msg.text == "[contact: Sara Ahmed +966 50 765 4321]"
    assert msg.contacts == raw_message("contacts")["contacts"]  # the raw cards, unchanged


def test_several_contacts_and_sparse_cards() -> None:
    msg = normalize(
        "contacts",
        contacts=[
            {"name": {"first_name": "Omar", "last_name": "Saleh"}, "phones": [{"wa_id": "201001234567"}]},
            {"phones": [{"phone": "+1 555 0100"}, {"phone": "+1 555 0101"}]},
            {"name": {}},
            {},
        ],
    )
    assert msg.text.split("\n") == [
        "[contact: Omar Saleh 201001234567]",
        "[contact: +1 555 0100 +1 555 0101]",
        "[contact]",
        "[contact]",
    ]
    assert len(msg.contacts) == 4
    assert normalize("contacts", contacts=[]).text == "[contact]"


def test_button_reply() -> None:
    msg = inbound("interactive_button_reply")
    assert msg.type == "interactive"
    assert msg.text == "Confirm" and msg.payload == "confirm_booking"
    assert msg.reply_to == "wamid.HBgMOTY2NTAxMjM0NTY3FQIAERgSOUE4MzQ1Njc4OTAA"


def test_list_reply() -> None:
    msg = inbound("interactive_list_reply")
    assert msg.text == "10:00 AM" and msg.payload == "slot_1000"
    assert msg.extra == {"description": "Tomorrow morning"}


def test_flow_reply_is_summarized_and_kept_raw() -> None:
    msg = inbound("interactive_nfm_reply")
    assert msg.text == "[form: Full name: Ali Hassan, Guests: 3, Date: 2024-06-20]"
    assert msg.payload == "booking-7f3a"  # the flow token identifies the flow session
    raw = raw_message("interactive_nfm_reply")["interactive"]["nfm_reply"]
    assert msg.extra["nfm_reply"] == raw
    assert msg.extra["response"]["screen_0_Guests_1"] == 3


@pytest.mark.parametrize(
    ("nfm", "text"),
    [
        ({"name": "flow", "body": "Sent", "response_json": "{not json"}, "[form: Sent]"),
        ({"name": "flow", "response_json": "[1, 2]"}, "[form: flow]"),
        ({}, "[form: submitted]"),
        ({"response_json": '{"flow_token": "tok"}'}, "[form: submitted]"),
        ({"response_json": '{"choices": ["a", "b"], "ok": true}'}, '[form: choices: ["a","b"], ok: true]'),
    ],
)
def test_flow_reply_edge_cases(nfm: dict[str, Any], text: str) -> None:
    msg = normalize("interactive", interactive={"type": "nfm_reply", "nfm_reply": nfm})
    assert msg.text == text


def test_flow_reply_is_bounded() -> None:
    response = {f"screen_0_field{i}_{i}": "v" * 500 for i in range(20)}
    msg = normalize(
        "interactive", interactive={"type": "nfm_reply", "nfm_reply": {"response_json": json.dumps(response)}}
    )
    assert len(msg.text) <= 1000 and msg.text.endswith("…]")
    assert "field0: " + "v" * 199 + "…" in msg.text
    assert msg.payload is None
    assert msg.extra["response"] == response


def test_unknown_interactive_kind() -> None:
    msg = normalize(
        "interactive", interactive={"type": "call_permission_reply", "call_permission_reply": {"x": 1}}
    )
    assert msg.text == "[interactive: call_permission_reply]"
    assert msg.extra["interactive"] == {"type": "call_permission_reply", "call_permission_reply": {"x": 1}}


def test_template_button() -> None:
    msg = inbound("button")
    assert msg.text == "Stop promotions" and msg.payload == "STOP_PROMOTIONS"


def test_order() -> None:
    msg = inbound("order")
    assert msg.text == "[order: 2 items, catalog 1537245036829476]\nPlease deliver after 5pm"
    assert msg.extra["catalog_id"] == "1537245036829476"
    assert msg.extra["order_text"] == "Please deliver after 5pm"
    assert msg.extra["items"] == raw_message("order")["order"]["product_items"]


def test_order_single_item_without_catalog() -> None:
    msg = normalize("order", order={"product_items": [{"product_retailer_id": "a", "quantity": 3}]})
    assert msg.text == "[order: 1 item]"


def test_reaction() -> None:
    msg = inbound("reaction")
    assert msg.text == ""
    assert msg.extra == {"emoji": "👍", "message_id": "wamid.HBgMOTY2NTAxMjM0NTY3FQIAERgSOUE4MzQ1Njc4OTAE"}


def test_reaction_removed() -> None:
    msg = normalize("reaction", reaction={"message_id": "wamid.X", "emoji": ""})
    assert msg.extra == {"emoji": None, "message_id": "wamid.X"}


def test_system() -> None:
    msg = inbound("system")
    assert msg.text == ""
    assert msg.sender_name is None
    assert msg.extra["body"] == "User A changed from 966501234567 to 966509999999"
    assert msg.extra["type"] == "user_changed_number"


def test_unsupported() -> None:
    msg = inbound("unsupported")
    assert msg.text == ""
    assert msg.extra["errors"][0]["code"] == 131051
    assert msg.extra["errors"][0]["error_data"] == {"details": "Message type is currently not supported."}
    assert msg.extra["unsupported_type"] == "poll_creation"


def test_unknown_type_keeps_raw_fields() -> None:
    msg = inbound("unknown_type")
    assert msg.type == "hologram" and msg.text == ""
    assert msg.extra["errors"] == []
    assert msg.extra["raw"] == {
        "hologram": {"id": "998877", "frames": 24, "shape": {"kind": "cube"}},
        "some_future_field": {"enabled": True},
    }


def test_batched_sender_names() -> None:
    env = parse_envelope((FIXTURES / "batched.json").read_bytes())
    normalized = [to_inbound(md, c, m) for md, c, m in env.iter_messages()]
    assert [m.sender_name for m in normalized] == ["Ali Hassan", "مريم", "Ali Hassan", "Omar", None]
    assert [m.text for m in normalized] == ["first", "مرحبا", "[image]", "", "no contact for me"]
    assert normalized[3].phone_number_id == "110000000000001"


# ---------------------------------------------------------------- missing or odd sub-objects


@pytest.mark.parametrize(
    ("type_", "text"),
    [
        ("text", ""),
        ("image", "[image]"),
        ("audio", "[audio]"),
        ("document", "[document]"),
        ("location", "[location]"),
        ("contacts", "[contact]"),
        ("interactive", "[interactive]"),
        ("button", ""),
        ("order", "[order]"),
        ("reaction", ""),
        ("system", ""),
        ("unsupported", ""),
    ],
)
def test_type_without_its_object_still_normalizes(type_: str, text: str) -> None:
    msg = normalize(type_)
    assert msg.text == text and msg.attachments == []


def test_undeclared_caption_is_ignored() -> None:
    # Audio has no caption in the API; an extra field of that name must not leak into the text.
    msg = normalize("audio", audio={"id": "1", "caption": 7, "filename": 8})
    assert msg.text == "[audio]"
    assert msg.attachments[0].caption is None and msg.attachments[0].filename is None


def test_blank_caption_falls_back_to_description() -> None:
    msg = normalize("image", image={"id": "1", "caption": "   "})
    assert msg.text == "[image]"
    assert msg.attachments[0].caption == "   "


def test_message_errors_and_referred_product_are_kept() -> None:
    msg = normalize(
        "text",
        text={"body": "how much is this?"},
        context={
            "id": "wamid.P",
            "frequently_forwarded": True,
            "referred_product": {"catalog_id": "c1", "product_retailer_id": "sku"},
        },
        errors=[{"code": 131052, "title": "Media download error"}],
    )
    assert msg.reply_to == "wamid.P"
    assert msg.extra["frequently_forwarded"] is True
    assert msg.extra["referred_product"] == {"catalog_id": "c1", "product_retailer_id": "sku"}
    assert msg.extra["errors"] == [{"code": 131052, "title": "Media download error"}]


def test_contact_without_profile() -> None:
    msg = normalize("text", contact=Contact(wa_id="966501234567"), text={"body": "x"})
    assert msg.sender_name is None


# ---------------------------------------------------------------- outcomes


@pytest.mark.parametrize(
    "type_",
    [
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
    ],
)
def test_turn_types(type_: str) -> None:
    assert outcome_of(type_) == "turn"


@pytest.mark.parametrize("type_", ["reaction", "system"])
def test_recorded_types(type_: str) -> None:
    assert outcome_of(type_) == "record"


@pytest.mark.parametrize("type_", ["unsupported", "unknown", "hologram", "", "TEXT"])
def test_unsupported_types(type_: str) -> None:
    assert outcome_of(type_) == "reply_unsupported"


def test_request_welcome_becomes_a_greeting_turn() -> None:
    from channels.whatsapp.models import Message, Metadata

    message = Message.model_validate({"from": "1", "id": "wamid.w", "type": "request_welcome"})
    inbound = to_inbound(Metadata(phone_number_id="p"), None, message)
    assert inbound.text == "[the user opened the chat for the first time]"
