"""Hypothesis strategies for webhook deliveries: bodies shaped like Meta's envelopes with every field
fuzzed (any message type, wrong types in any field, odd Unicode, lone surrogates, big texts), plus raw
bytes and arbitrary JSON, each with a way of signing it — right, missing, or wrong.

Used by tests/test_webhook_fuzz.py (a few hundred examples in `make test`) and bench/fuzz_webhook.py
(10,000).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from channels.whatsapp.models.message import TYPED_CONTENT
from channels.whatsapp.signature import sign

PNID = "106540352242922"
MESSAGE_TYPES = (*sorted(TYPED_CONTENT), "request_welcome")  # every typed one, and one without a field
STATUSES = ("sent", "delivered", "read", "failed", "deleted", "warning")
# How a delivery is signed: only "signed" carries a valid X-Hub-Signature-256 of the exact bytes.
SIGNINGS = ("signed", "missing", "other-secret", "other-body", "garbage")
CONFUSED = 25

any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)
# Texts people (and attackers) send: Arabic, emoji, controls, RTL marks, long ones.
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x600, max_codepoint=0x6FF), max_size=60),
    st.sampled_from(["", " ", "/ping", "/help", "\u200f", "\x00", "🌙" * 10, "a" * 5000, "{{}}", "%s%n"]),
)


def fuzzed(proper: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the proper value, one time in `CONFUSED` anything at all (type confusion in one field):
    rare enough that many envelopes are valid through and through and reach the queue."""
    return st.integers(1, CONFUSED).flatmap(lambda n: any_json if n == 1 else proper)


def envelopes(*, confuse: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Envelopes shaped like Meta's. `confuse`: any field may hold anything at all (`fuzzed`), and the
    free-form ones (order, pricing, errors...) hold arbitrary JSON; without it every field has its type
    and only the values (texts, ids, message types, optional parts) vary, so most reach the queue."""

    def fz(proper: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return fuzzed(proper) if confuse else proper

    free = any_json if confuse else st.builds(dict)
    least = 0 if confuse else 1  # without confusion, every envelope carries at least one message
    wa_ids = fz(
        st.one_of(
            st.sampled_from(["966500000001", "201000000002"]), st.from_regex(r"\d{6,15}", fullmatch=True)
        )
    )
    ids = fz(st.from_regex(r"wamid\.[A-Za-z0-9=_-]{1,40}", fullmatch=True))
    timestamps = fz(st.integers(0, 2**40).map(str))
    media = fz(
        st.fixed_dictionaries(
            {"id": ids, "mime_type": fz(st.sampled_from(["image/jpeg", "audio/ogg", "application/pdf"]))},
            optional={"caption": texts, "sha256": texts, "filename": texts},
        )
    )
    interactive = fz(
        st.one_of(
            st.fixed_dictionaries(
                {
                    "type": st.just("button_reply"),
                    "button_reply": fz(st.fixed_dictionaries({"id": texts, "title": texts})),
                }
            ),
            st.fixed_dictionaries(
                {
                    "type": st.just("list_reply"),
                    "list_reply": fz(
                        st.fixed_dictionaries({"id": texts, "title": texts}, optional={"description": texts})
                    ),
                }
            ),
            st.fixed_dictionaries({"type": st.just("nfm_reply"), "nfm_reply": free}),
        )
    )
    message = st.fixed_dictionaries(
        {"from": wa_ids, "id": ids, "timestamp": timestamps, "type": fz(st.sampled_from(MESSAGE_TYPES))},
        optional={
            "text": fz(st.fixed_dictionaries({"body": fz(texts)})),
            "image": media,
            "audio": media,
            "video": media,
            "document": media,
            "sticker": media,
            "interactive": interactive,
            "button": fz(st.fixed_dictionaries({"payload": texts, "text": texts})),
            "location": fz(
                st.fixed_dictionaries(
                    {"latitude": fz(st.floats(-90, 90)), "longitude": fz(st.floats(-180, 180))},
                    optional={"name": texts, "address": texts},
                )
            ),
            "reaction": fz(st.fixed_dictionaries({"message_id": ids, "emoji": texts})),
            "context": fz(st.fixed_dictionaries({"from": wa_ids, "id": ids})),
            "contacts": fz(st.lists(free, max_size=2)),
            "order": free,
            "system": free,
            "errors": fz(
                st.lists(st.fixed_dictionaries({"code": fz(st.integers()), "title": texts}), max_size=2)
            ),
        },
    )
    status = st.fixed_dictionaries(
        {"id": ids, "status": fz(st.sampled_from(STATUSES)), "timestamp": timestamps, "recipient_id": wa_ids},
        optional={
            "errors": fz(
                st.lists(
                    st.fixed_dictionaries({"code": fz(st.integers(0, 200_000)), "title": texts}), max_size=2
                )
            ),
            "conversation": free,
            "pricing": free,
        },
    )
    value = st.fixed_dictionaries(
        {
            "messaging_product": fz(st.just("whatsapp")),
            "metadata": fz(
                st.fixed_dictionaries({"display_phone_number": texts, "phone_number_id": fz(st.just(PNID))})
            ),
        },
        optional={
            "contacts": fz(
                st.lists(
                    st.fixed_dictionaries(
                        {"wa_id": wa_ids, "profile": fz(st.fixed_dictionaries({"name": texts}))}
                    ),
                    max_size=2,
                )
            ),
            "messages": fz(st.lists(message, min_size=least, max_size=3)),
            "statuses": fz(st.lists(status, max_size=3)),
            "errors": fz(
                st.lists(st.fixed_dictionaries({"code": st.integers(), "title": texts}), max_size=1)
            ),
        },
    )
    change = st.fixed_dictionaries(
        {
            "field": fz(st.sampled_from(["messages", "account_update"]) if confuse else st.just("messages")),
            "value": fz(value),
        }
    )
    envelope = st.fixed_dictionaries(
        {
            "object": fz(st.just("whatsapp_business_account")),
            "entry": fz(
                st.lists(
                    st.fixed_dictionaries(
                        {"id": texts, "changes": fz(st.lists(change, min_size=least, max_size=3))}
                    ),
                    min_size=least,
                    max_size=2,
                )
            ),
        }
    )
    return envelope


@st.composite
def encoded(draw: st.DrawFn, doc: Any) -> bytes:
    """JSON bytes as Meta sends them (ASCII-escaped) or raw UTF-8, lone surrogates passed through."""
    if draw(st.booleans()):
        return json.dumps(doc).encode()
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


bodies = st.one_of(
    envelopes(confuse=False).flatmap(encoded),
    envelopes(confuse=True).flatmap(encoded),
    any_json.flatmap(encoded),
    st.binary(max_size=300),
)


@st.composite
def deliveries(draw: st.DrawFn, secret: bytes) -> tuple[bytes, dict[str, str], bool]:
    """(body, headers, validly signed?)."""
    body = draw(bodies)
    how = draw(st.sampled_from(SIGNINGS))
    headers = {"content-type": draw(st.sampled_from(["application/json", "text/plain", ""]))}
    if how == "signed":
        headers["x-hub-signature-256"] = sign(secret, body)
    elif how == "other-secret":
        headers["x-hub-signature-256"] = sign(secret + b"x", body)
    elif how == "other-body":
        headers["x-hub-signature-256"] = sign(secret, body + b" ")
    elif how == "garbage":
        # Printable, no outer spaces: what an HTTP client will send as a header at all.
        headers["x-hub-signature-256"] = draw(st.from_regex(r"([!-~]([ -~]{0,78}[!-~])?)?", fullmatch=True))
    return body, headers, how == "signed"
