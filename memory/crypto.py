"""Encryption at rest of conversation text: AES-GCM with a keyring, so keys can be rotated.

A value is stored as `v1.<key id>.<nonce + ciphertext, urlsafe base64>`:

- the key id is the first 8 hex digits of sha256(key), so a reader picks the right key of its keyring
  without trying them all, and knows at once when the key it needs is gone;
- the nonce is 96 random bits per value (NIST's size for GCM; random nonces are safe far beyond the
  number of messages one key will ever encrypt);
- the associated data binds a value to where it belongs (the conversation): a value copied into
  another user's history fails authentication instead of being shown to them.

Writes always use the current key; reads accept the current key and every old key
(HUDHUD_ENCRYPTION_OLD_KEYS). That is the rotation: new key in, previous key moved to the old keys,
and, when the old key must be retired, `hudhud memory rotate` re-encrypts what is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from base.sealing import UndecryptableError
from base.settings import Environment, MemorySettings, RuntimeSettings, SettingsError

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_FILE = "encryption.key"  # under HUDHUD_DATA_DIR, dev only


def generate_key() -> str:
    """A new random key, as HUDHUD_ENCRYPTION_KEY expects it (32 bytes, urlsafe base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def parse_key(text: str, *, variable: str = "HUDHUD_ENCRYPTION_KEY") -> bytes:
    """The 32 raw bytes of a key; SettingsError naming `variable` when it is not one."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES or not cleaned:
        raise SettingsError(
            f"invalid setting {variable}: must be {KEY_BYTES} bytes in urlsafe base64 "
            "(generate one with `hudhud keygen`)"
        )
    return raw


class Cipher:
    """Encrypts with the current key; decrypts with whichever key of the keyring a value names."""

    def __init__(self, current: str | bytes, old: Iterable[str | bytes] = ()) -> None:
        self._current = _as_key(current, "HUDHUD_ENCRYPTION_KEY")
        self.key_id = key_id(self._current)
        self._keyring: dict[str, AESGCM] = {}
        for key in [*(_as_key(k, "HUDHUD_ENCRYPTION_OLD_KEYS") for k in old), self._current]:
            self._keyring[key_id(key)] = AESGCM(key)  # the current key last: it wins an id clash

    @classmethod
    def from_settings(cls, memory: MemorySettings, runtime: RuntimeSettings) -> Cipher:
        """HUDHUD_ENCRYPTION_KEY (+ HUDHUD_ENCRYPTION_OLD_KEYS); when unset: in dev a key generated once
        under HUDHUD_DATA_DIR, elsewhere a SettingsError."""
        old_keys = memory.encryption_old_keys
        old = _split_keys(old_keys.get_secret_value()) if old_keys else []
        if memory.encryption_key is not None:
            return cls(memory.encryption_key.get_secret_value(), old)
        if runtime.env != Environment.dev:
            raise SettingsError(
                "invalid setting HUDHUD_ENCRYPTION_KEY: required when "
                f"HUDHUD_ENV={runtime.env.value} (generate one with `hudhud keygen`)"
            )
        try:
            return cls(dev_key(runtime.data_dir), old)
        except OSError as exc:
            raise SettingsError(
                f"invalid setting HUDHUD_DATA_DIR: cannot keep the development encryption key there ({exc})"
            ) from None

    @property
    def key_ids(self) -> list[str]:
        return list(self._keyring)

    def encrypt(self, plaintext: str | bytes, aad: str) -> str:
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keyring[self.key_id].encrypt(nonce, data, aad.encode())
        return f"{VERSION}.{self.key_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt_bytes(self, value: str | bytes, aad: str) -> bytes:
        text = value.decode() if isinstance(value, bytes) else value
        version, _, rest = text.partition(".")
        kid, _, body = rest.partition(".")
        if version != VERSION or not kid or not body:
            raise UndecryptableError("not an encrypted value (expected v1.<key id>.<data>)")
        aead = self._keyring.get(kid)
        if aead is None:
            raise UndecryptableError(
                f"encrypted with key {kid}, which is neither HUDHUD_ENCRYPTION_KEY nor in "
                "HUDHUD_ENCRYPTION_OLD_KEYS"
            )
        try:
            blob = base64.b64decode(body, altchars=b"-_", validate=True)
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise UndecryptableError(
                f"value under key {kid} failed authentication (altered, truncated or moved)"
            ) from None

    def decrypt(self, value: str | bytes, aad: str) -> str:
        return self.decrypt_bytes(value, aad).decode()

    def needs_reencrypt(self, value: str | bytes) -> bool:
        """True when a value was written under a key other than the current one."""
        text = value.decode() if isinstance(value, bytes) else value
        return text.split(".", 2)[1:2] != [self.key_id]

    def reencrypt(self, value: str | bytes, aad: str) -> str:
        """The value under the current key (as is when it already is); UndecryptableError if unreadable."""
        if not self.needs_reencrypt(value):
            return value.decode() if isinstance(value, bytes) else value
        return self.encrypt(self.decrypt_bytes(value, aad), aad)


def dev_key(data_dir: Path) -> str:
    """The development key: generated once under `data_dir`, readable by its owner only."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: a process starting at the
        # same moment sees no file or a complete one, and the first link wins.
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(generate_key() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    text = path.read_text().strip()
    parse_key(text, variable=f"HUDHUD_ENCRYPTION_KEY (from {path})")
    return text


def _split_keys(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _as_key(key: str | bytes, variable: str) -> bytes:
    if isinstance(key, bytes):
        if len(key) != KEY_BYTES:
            raise SettingsError(f"invalid setting {variable}: must be {KEY_BYTES} bytes")
        return key
    return parse_key(key, variable=variable)
