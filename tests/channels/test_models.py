"""Webhook envelope parsing: typed models, tolerance of unknown fields/types, PayloadError only."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.whatsapp.models import (
    Audio,
    Document,
    Entry,
    Image,
    Interactive,
    Message,
    MessagesChange,
    Metadata,
    OtherChange,
    PayloadError,
    SharedContact,
    Status,
    Value,
    WebhookEnvelope,
    parse_envelope,
)
from channels.whatsapp.normalize import outcome_of, to_inbound

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.json"))


def load(name: str) -> WebhookEnvelope:
    return parse_envelope((FIXTURES / f"{name}.json").read_bytes())


def only_message(name: str) -> Message:
    [(_, _, message)] = list(load(name).iter_messages())
    return message


def envelope(value: dict[str, Any], field: str = "messages") -> bytes:
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": field, "value": value}]}],
    }
    return orjson.dumps(body)


META = {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}


# ---------------------------------------------------------------- fixtures parse


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_parses_and_normalizes(name: str) -> None:
    env = parse_envelope((FIXTURES / name).read_bytes())
    assert env.object == "whatsapp_business_account"
    for metadata, contact, message in env.iter_messages():
        inbound = to_inbound(metadata, contact, message)
        assert inbound.id == message.id
    list(env.iter_statuses())
    list(env.iter_other())


def test_text_message() -> None:
    env = load("text")
    [(metadata, contact, message)] = list(env.iter_messages())
    assert metadata.phone_number_id == "106540352242922"
    assert metadata.display_phone_number == "15550783881"
    assert contact is not None and contact.profile is not None
    assert contact.profile.name == "Ali Hassan"
    assert message.from_ == "966501234567"
    assert message.timestamp == 1718000000  # sent as a string, read as an int
    assert message.type == "text"
    assert message.text is not None and message.text.body == "Hello, what are your opening hours?"
    assert message.content is message.text
    assert list(env.iter_statuses()) == [] and list(env.iter_other()) == []


def test_arabic_escaped_and_raw_bodies_parse_the_same() -> None:
    escaped = load("text_arabic")
    utf8 = load("text_arabic_utf8")
    assert escaped == utf8
    [(_, contact, message)] = list(escaped.iter_messages())
    assert message.text is not None and message.text.body == "السلام عليكم، أريد حجز موعد يوم الأحد؟ شكراً 🌙"
    assert contact is not None and contact.profile is not None and contact.profile.name == "فاطمة"


def test_context_and_referral() -> None:
    message = only_message("text_reply_referral")
    assert message.context is not None
    assert message.context.id == "wamid.HBgMOTY2NTAxMjM0NTY3FQIAERgSQkFDRDEyMzQ1Njc4OTAA"
    assert message.context.from_ == "15550783881"
    assert message.context.forwarded is True
    assert message.referral is not None and message.referral.source_type == "ad"
    assert message.referral.ctwa_clid is not None


def test_media_models() -> None:
    image = only_message("image").content
    assert isinstance(image, Image) and image.caption == "My receipt" and image.id == "1479537139650973"
    voice = only_message("audio_voice").content
    assert isinstance(voice, Audio) and voice.voice is True
    audio = only_message("audio_file").content
    assert isinstance(audio, Audio) and audio.voice is False
    document = only_message("document").content
    assert isinstance(document, Document) and document.filename == "invoice-2024-06.pdf"
    assert document.mime_type == "application/pdf"
    sticker = only_message("sticker")
    assert sticker.sticker is not None and sticker.sticker.animated is False
    video = only_message("video")
    assert video.video is not None and video.video.caption is None


def test_location_contacts_order_reaction_system() -> None:
    location = only_message("location").location
    assert location is not None and (location.latitude, location.longitude) == (24.7136, 46.6753)
    contacts = only_message("contacts").contacts
    assert contacts is not None and isinstance(contacts[0], SharedContact)
    assert contacts[0].display_name == "Sara Ahmed" and contacts[0].phones[0].wa_id == "966507654321"
    order = only_message("order").order
    assert order is not None and order.catalog_id == "1537245036829476"
    assert [i.quantity for i in order.product_items] == [2, 1]
    assert order.product_items[1].item_price == 30.0
    reaction = only_message("reaction").reaction
    assert reaction is not None and reaction.emoji == "👍"
    [(_, contact, system)] = list(load("system").iter_messages())
    assert contact is None  # system messages come without a contacts list
    assert system.system is not None and system.system.type == "user_changed_number"


def test_interactive_models() -> None:
    button = only_message("interactive_button_reply").interactive
    assert isinstance(button, Interactive) and button.type == "button_reply"
    assert button.button_reply is not None and button.button_reply.id == "confirm_booking"
    listed = only_message("interactive_list_reply").interactive
    assert listed is not None and listed.list_reply is not None
    assert listed.list_reply.description == "Tomorrow morning"
    nfm = only_message("interactive_nfm_reply").interactive
    assert nfm is not None and nfm.nfm_reply is not None
    assert json.loads(nfm.nfm_reply.response_json or "")["flow_token"] == "booking-7f3a"
    template_button = only_message("button").button
    assert template_button is not None and template_button.payload == "STOP_PROMOTIONS"


def test_unsupported_message_keeps_errors() -> None:
    message = only_message("unsupported")
    assert message.type == "unsupported"
    assert message.unsupported is not None and message.unsupported.type == "poll_creation"
    [error] = message.errors
    assert error.code == 131051 and error.details == "Message type is currently not supported."


def test_unknown_type_parses_into_generic_message() -> None:
    message = only_message("unknown_type")
    assert message.type == "hologram"
    assert message.content == {"id": "998877", "frames": 24, "shape": {"kind": "cube"}}
    assert message.model_extra is not None
    assert message.model_extra["some_future_field"] == {"enabled": True}


def test_unknown_fields_are_kept_everywhere() -> None:
    message = {
        "from": "1",
        "id": "wamid.1",
        "timestamp": 5,
        "type": "text",
        "text": {"body": "hi", "language_hint": "ar"},
        "new_top_level": [1, 2],
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {**META, "tier": "gold"},
        "messages": [message],
        "contacts": [{"wa_id": "1", "user_id": "US.123", "profile": {"name": "A", "username": "a"}}],
        "brand_new": True,
    }
    env = parse_envelope(envelope(value))
    [(metadata, contact, parsed)] = list(env.iter_messages())
    assert parsed.text is not None and parsed.text.model_extra == {"language_hint": "ar"}
    assert parsed.model_extra == {"new_top_level": [1, 2]}
    assert metadata.model_extra == {"tier": "gold"}
    assert contact is not None and contact.model_extra == {"user_id": "US.123"}


def test_numeric_ids_are_accepted_as_strings() -> None:
    value = {
        "metadata": {"phone_number_id": 106540352242922},
        "messages": [{"from": 966, "id": "w", "type": "text"}],
    }
    [(metadata, _, message)] = list(parse_envelope(envelope(value)).iter_messages())
    assert metadata.phone_number_id == "106540352242922" and message.from_ == "966"


# ---------------------------------------------------------------- batched / statuses / other fields


def test_batched_envelope() -> None:
    env = load("batched")
    items = list(env.iter_messages())
    assert [m.id[-2:] for _, _, m in items] == ["B1", "B2", "B3", "B4", "B5"]
    names = [c.profile.name if c and c.profile else None for _, c, _ in items]
    assert names == ["Ali Hassan", "مريم", "Ali Hassan", "Omar", None]  # matched by wa_id, not position
    assert [md.phone_number_id for md, _, _ in items] == ["106540352242922"] * 3 + ["110000000000001"] * 2
    [(metadata, status)] = list(env.iter_statuses())
    assert status.status == "delivered" and metadata.phone_number_id == "106540352242922"
    [(field, value)] = list(env.iter_other())
    assert field == "account_update" and value["violation_info"] == {"violation_type": "SPAM"}


def test_statuses() -> None:
    statuses = [s for _, s in load("statuses").iter_statuses()]
    assert [s.status for s in statuses] == ["sent", "delivered", "read", "failed", "failed"]
    sent = statuses[0]
    assert sent.conversation is not None and sent.conversation.expiration_timestamp == 1718086500
    assert sent.conversation.origin is not None and sent.conversation.origin.type == "service"
    assert sent.pricing is not None and sent.pricing.billable is True and sent.pricing.category == "service"
    assert not sent.failed and sent.error_codes == []
    failed = [s for s in statuses if s.failed]
    assert [s.error_codes for s in failed] == [[131047], [131026]]
    assert failed[0].errors[0].title == "Re-engagement message"
    assert failed[0].errors[0].details is not None and "24 hours" in failed[0].errors[0].details
    assert failed[0].errors[0].href is not None
    assert failed[1].errors[0].message == "Message undeliverable"
    assert failed[1].recipient_id == "966500000001"


def test_unknown_status_value_is_kept() -> None:
    value = {"metadata": META, "statuses": [{"id": "w", "status": "played", "recipient_id": "1", "new": 1}]}
    [(_, status)] = list(parse_envelope(envelope(value)).iter_statuses())
    assert isinstance(status, Status) and status.status == "played" and status.timestamp == 0


@pytest.mark.parametrize(
    ("name", "field"),
    [("account_update", "account_update"), ("template_status", "message_template_status_update")],
)
def test_other_fields_are_kept_raw(name: str, field: str) -> None:
    env = load(name)
    [(got_field, value)] = list(env.iter_other())
    assert got_field == field and isinstance(value, dict) and value["event"]
    assert isinstance(env.entry[0].changes[0], OtherChange)
    assert list(env.iter_messages()) == [] and list(env.iter_statuses()) == []


def test_other_field_with_messages_shaped_value_stays_raw() -> None:
    # e.g. the "message_echoes" field: same shape as messages, but not ours to answer.
    value = {"metadata": META, "message_echoes": [{"id": "w"}]}
    env = parse_envelope(envelope(value, field="smb_message_echoes"))
    assert list(env.iter_other()) == [("smb_message_echoes", value)]


def test_value_level_errors() -> None:
    [(metadata, error)] = list(load("value_errors").iter_errors())
    assert metadata.phone_number_id == "106540352242922"
    assert error.code == 131000 and error.details == "Unable to retrieve the message content"
    assert list(load("text").iter_errors()) == []


# ---------------------------------------------------------------- PayloadError


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "malformed JSON"),
        (b"{not json", "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        (b"[" * 5000, "malformed JSON"),
        (b"[]", "top level is a JSON list, not an object"),
        (b'"text"', "top level is a JSON str, not an object"),
        (b"null", "top level is a JSON NoneType, not an object"),
        (b"{}", "object: Field required"),
        (b'{"object": "whatsapp_business_account", "entry": {}}', "entry: Input should be a valid list"),
        (
            b'{"object": "w", "entry": [{"id": "1", "changes": [7]}]}',
            "entry.0.changes.0: change is not an object",
        ),
        (
            b'{"object": "w", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {}}]}]}',
            "metadata",
        ),
        (b'{"object": "w", "entry": [{"id": "1", "changes": [{"field": "calls", "value": [1]}]}]}', "value"),
    ],
)
def test_payload_errors(raw: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        parse_envelope(raw)
    assert reason in info.value.reason
    assert str(info.value) == info.value.reason
    assert isinstance(info.value, ValueError)


def test_payload_error_reason_points_at_the_bad_field() -> None:
    value = {"metadata": META, "messages": [{"id": "w", "type": "text"}, {"id": "x", "from": "1"}]}
    with pytest.raises(PayloadError) as info:
        parse_envelope(envelope(value))
    assert info.value.reason == "entry.0.changes.0.value.messages.0.from: Field required (+1 more)"


def test_non_bytes_input_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        parse_envelope(None)  # type: ignore[arg-type]


def test_unexpected_validation_failures_become_payload_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(data: Any) -> WebhookEnvelope:
        raise RecursionError

    monkeypatch.setattr(WebhookEnvelope, "model_validate", explode)
    with pytest.raises(PayloadError, match="invalid payload: RecursionError"):
        parse_envelope(b"{}")


def test_envelope_built_from_models() -> None:
    # Validation of already-built models goes through the same change discriminator.
    value = Value(metadata=Metadata(phone_number_id="1"), statuses=[Status(id="w", status="sent")])
    env = WebhookEnvelope(
        object="whatsapp_business_account",
        entry=[
            Entry(
                id="1",
                changes=[MessagesChange(field="messages", value=value), OtherChange(field="x", value={})],
            )
        ],
    )
    assert [s.id for _, s in env.iter_statuses()] == ["w"]
    assert list(env.iter_other()) == [("x", {})]


def test_parse_is_fast() -> None:
    raw = (FIXTURES / "text.json").read_bytes()
    runs = 2000
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(runs):
            parse_envelope(raw)
        best = min(best, (time.perf_counter() - start) / runs)
    assert best < 100e-6, f"parse_envelope took {best * 1e6:.1f} µs"


# ---------------------------------------------------------------- property tests

json_leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)

MESSAGE_TYPES = [
    "text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive",
    "button", "reaction", "order", "system", "unsupported", "unknown", "poll", "request_welcome",
]  # fmt: skip
# Field names the models know, so generated objects reach deep into the typed paths.
KNOWN_KEYS = [
    "body", "id", "caption", "filename", "voice", "animated", "mime_type", "sha256", "url", "latitude",
    "longitude", "name", "address", "type", "button_reply", "list_reply", "nfm_reply", "title",
    "description", "response_json", "payload", "text", "emoji", "message_id", "catalog_id",
    "product_items", "quantity", "item_price", "currency", "phones", "phone", "wa_id", "formatted_name",
    "first_name", "last_name", "emails", "org", "new_wa_id", "forwarded", "referred_product", "code",
    "error_data", "details",
]  # fmt: skip
# Leaves that often fit the declared field types, so many generated bodies get past validation.
plausible_strings = st.sampled_from(
    ["", "x", "button_reply", "list_reply", "nfm_reply", "👍", "مرحبا", "{}", "[1]", "{bad", "1.5", "12",
     '{"flow_token": "t", "screen_0_a_0": [1]}']
)  # fmt: skip
plausible_leaves = plausible_strings | st.integers(-5, 2**40) | st.floats(-90, 90) | st.booleans() | st.none()
shaped_objects = st.recursive(
    st.dictionaries(st.sampled_from(KNOWN_KEYS), plausible_leaves, max_size=6),
    lambda children: st.dictionaries(
        st.sampled_from(KNOWN_KEYS), plausible_leaves | children | st.lists(children, max_size=2), max_size=6
    ),
    max_leaves=30,
)
# Mostly well-typed objects, sometimes anything at all.
shaped_values = st.sampled_from([0] * 9 + [1]).flatmap(lambda wild: json_values if wild else shaped_objects)


def usually(value: Any, otherwise: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([0] * 9 + [1]).flatmap(lambda wild: otherwise if wild else st.just(value))


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    message_type = draw(st.sampled_from(MESSAGE_TYPES) | st.text(max_size=8))
    message: dict[str, Any] = {
        "id": draw(st.text(max_size=12)),
        "from": draw(usually("966501234567", st.text(max_size=5) | json_leaves)),
        "type": message_type,
    }
    if draw(st.sampled_from([True, True, True, False])):
        message[message_type] = draw(
            st.lists(shaped_values, max_size=2) if message_type == "contacts" else shaped_values
        )
    if draw(st.booleans()):
        message["timestamp"] = draw(st.integers(0, 2**40) | st.integers(0, 2**40).map(str) | json_leaves)
    if draw(st.booleans()):
        message["context"] = draw(shaped_values)
    if draw(st.booleans()):
        message["errors"] = draw(st.lists(shaped_values, max_size=2))
    if draw(st.booleans()):
        message["referral"] = draw(shaped_values)
    return message


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    value: dict[str, Any] = {"metadata": draw(usually(META, shaped_values))}
    if draw(st.booleans()):
        contact = st.fixed_dictionaries({"wa_id": st.just("966501234567"), "profile": shaped_values})
        value["contacts"] = draw(usually([], st.lists(contact, max_size=2) | shaped_values))
    value["messages"] = draw(st.lists(messages(), min_size=1, max_size=3))
    if draw(st.booleans()):
        value["statuses"] = draw(st.lists(shaped_values, max_size=2))
    field = draw(usually("messages", st.sampled_from(["account_update", "calls"]) | st.text(max_size=5)))
    change = draw(usually({"field": field, "value": value}, json_values))
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def exercise(raw: bytes) -> None:
    """Only PayloadError may escape parsing; a parsed envelope must iterate and normalize cleanly."""
    try:
        env = parse_envelope(raw)
    except PayloadError:
        return
    for metadata, contact, message in env.iter_messages():
        inbound = to_inbound(metadata, contact, message)
        assert inbound.type == message.type
        outcome_of(message.type)
    list(env.iter_statuses())
    list(env.iter_errors())
    for field, value in env.iter_other():
        assert isinstance(field, str) and isinstance(value, dict)


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_payload_error(raw: bytes) -> None:
    exercise(raw)


@settings(deadline=None, max_examples=300)
@given(json_values)
def test_arbitrary_json_only_raises_payload_error(value: Any) -> None:
    exercise(json.dumps(value).encode())


@settings(deadline=None, max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(envelopes())
def test_envelope_shaped_json_parses_or_raises_payload_error(body: dict[str, Any]) -> None:
    exercise(json.dumps(body, ensure_ascii=False).encode())
