"""X-Hub-Signature-256 verification: HMAC over the raw body bytes, constant-time compare."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from channels.whatsapp.signature import sign, verify_signature

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
SECRET = b"8f4c1e0b9a7d6c5b4a39281706f5e4d3"


def test_known_vector() -> None:
    # RFC-style reference value for HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
    header = sign(b"key", b"The quick brown fox jumps over the lazy dog")
    assert header == "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert verify_signature(b"key", b"The quick brown fox jumps over the lazy dog", header)


@pytest.mark.parametrize("name", ["text_arabic.json", "text_arabic_utf8.json", "batched.json"])
def test_fixture_bodies_verify(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    assert verify_signature(SECRET, body, sign(SECRET, body))


def test_escaped_and_unescaped_arabic_are_different_bytes() -> None:
    escaped = (FIXTURES / "text_arabic.json").read_bytes()
    utf8 = (FIXTURES / "text_arabic_utf8.json").read_bytes()
    assert b"\\u0627" in escaped and "ا".encode() in utf8
    assert json.loads(escaped) == json.loads(utf8)  # same JSON value...
    # ...but the HMAC is over bytes: each signature only matches the body it was computed on.
    assert not verify_signature(SECRET, utf8, sign(SECRET, escaped))
    assert not verify_signature(SECRET, escaped, sign(SECRET, utf8))


@pytest.mark.parametrize("name", ["text_arabic.json", "text_arabic_utf8.json"])
def test_reserialized_json_fails(name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    header = sign(SECRET, raw)
    value = json.loads(raw)
    variants = {
        orjson.dumps(value),  # raw UTF-8, compact
        json.dumps(value).encode(),  # \u-escaped, with spaces
        json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode(),  # \u-escaped, compact
        json.dumps(value, ensure_ascii=False, indent=2).encode(),
    }
    variants.discard(raw)  # one of them may reproduce the original bytes exactly; that one would pass
    assert len(variants) >= 3
    for reserialized in variants:
        assert orjson.loads(reserialized) == value
        assert not verify_signature(SECRET, reserialized, header)


def test_tampered_body_fails() -> None:
    body = (FIXTURES / "text.json").read_bytes()
    header = sign(SECRET, body)
    assert not verify_signature(SECRET, body.replace(b"opening", b"closing"), header)
    assert not verify_signature(SECRET, body + b" ", header)


def test_wrong_secret_fails() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    assert not verify_signature(b"another-secret", body, sign(SECRET, body))


def test_empty_secret_is_rejected() -> None:
    # An empty key would let anyone forge a signature; it is a misconfiguration, not a secret.
    body = b"{}"
    assert not verify_signature(b"", body, sign(b"", body))


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header_fails(header: str | None) -> None:
    assert not verify_signature(SECRET, b"{}", header)


def test_header_without_prefix_fails() -> None:
    body = b"{}"
    bare_hex = sign(SECRET, body).removeprefix("sha256=")
    assert not verify_signature(SECRET, body, bare_hex)
    assert not verify_signature(SECRET, body, "sha1=" + bare_hex)
    assert not verify_signature(SECRET, body, "SHA256=" + bare_hex)


def test_uppercase_hex_is_accepted() -> None:
    body = b'{"a":1}'
    hex_digest = sign(SECRET, body).removeprefix("sha256=")
    assert verify_signature(SECRET, body, "sha256=" + hex_digest.upper())


@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "abc",
        "0" * 63,
        "0" * 65,
        "g" * 64,  # right length, not hex
        "zz" + "0" * 62,
        " " + "0" * 63,
        "00 " * 21 + "0",  # bytes.fromhex would skip these spaces
        "é" * 64,
    ],
)
def test_malformed_digest_fails(suffix: str) -> None:
    assert not verify_signature(SECRET, b"{}", "sha256=" + suffix)


def test_never_raises_on_wrong_argument_types() -> None:
    body = b"{}"
    header = sign(SECRET, body)
    assert not verify_signature(SECRET, "{}", header)  # type: ignore[arg-type]
    assert not verify_signature(SECRET, body, b"sha256=00")  # type: ignore[arg-type]
    assert not verify_signature(SECRET, body, 12345)  # type: ignore[arg-type]
