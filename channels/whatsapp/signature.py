"""X-Hub-Signature-256 of webhook deliveries: HMAC-SHA256 of the raw body keyed by the app secret.

The HMAC covers the exact bytes Meta sent. Re-serializing parsed JSON (escaped vs raw UTF-8 Arabic,
key order, spacing) changes the bytes, so verification must run on the body before any parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import string

PREFIX = "sha256="
_HEX_LEN = hashlib.sha256().digest_size * 2
_HEX_DIGITS = frozenset(string.hexdigits)


def sign(app_secret: bytes, body: bytes) -> str:
    """The header value Meta would send for `body` (used by tests and the local simulator)."""
    return PREFIX + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """True only if `header` is a valid signature of `body`; never raises."""
    # An empty secret would make any attacker's empty-key HMAC valid: treat it as misconfiguration.
    if not app_secret or not isinstance(header, str) or not header.startswith(PREFIX):
        return False
    given = header[len(PREFIX) :]
    # Checked up front so bytes.fromhex cannot be lenient (it skips spaces) or raise.
    if len(given) != _HEX_LEN or not _HEX_DIGITS.issuperset(given):
        return False
    try:
        expected = hmac.new(app_secret, body, hashlib.sha256).digest()
    except TypeError:  # a str body or secret: a caller bug, but the contract is "never raises"
        return False
    # Comparing digests (not hex strings) accepts uppercase hex; compare_digest is constant time.
    return hmac.compare_digest(expected, bytes.fromhex(given))
