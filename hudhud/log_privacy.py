"""What a log line may not carry: people's phone numbers, what they wrote, and secrets.

A structlog processor (`Redactor`) runs last before rendering, on Hudhud's own lines and on every stdlib
library's (httpx, uvicorn), over every value, nested ones and exception text included:

- a phone number (8 to 15 digits, "+" optional) becomes `u:<keyed hash>`: an HMAC-SHA256 under a key
  derived from HUDHUD_ENCRYPTION_KEY (the number space is small enough to enumerate a plain hash), so
  one person's lines still correlate and nobody without the key can tell who they are;
- the texts of the turn being answered (`private(...)`, bound by the worker for the turn's duration,
  inherited by every task it starts) are replaced by `<text>` wherever they appear, e.g. inside an
  exception message; values under keys that hold message text are replaced by their length;
- configured secrets (tokens, passwords, keys) are replaced by `<secret>`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator, MutableMapping
from contextvars import ContextVar
from typing import Any

from pydantic import SecretStr

from base.settings import Settings

_PHONE = re.compile(r"(?<![\w.+])\+?[1-9]\d{7,14}(?![\w.])")  # not inside an id or a decimal
_PERSON_KEYS = frozenset({"wa_id", "to", "from", "phone", "recipient", "sender", "user_wa_id"})
_TEXT_KEYS = frozenset({"text", "body", "caption", "reply", "content", "question", "answer"})
_MIN_PRIVATE = 4  # shorter texts ("ok", "hi") are everywhere in a log; scrubbing them would garble it

_private: ContextVar[tuple[str, ...]] = ContextVar("hudhud_private_texts", default=())


@contextlib.contextmanager
def private(texts: Iterable[str | None]) -> Iterator[None]:
    """While inside, every log line has these texts (the turn's messages) replaced by `<text>`."""
    kept = tuple(sorted({t for t in texts if t and len(t.strip()) >= _MIN_PRIVATE}, key=len, reverse=True))
    token = _private.set(_private.get() + kept)
    try:
        yield
    finally:
        _private.reset(token)


def hash_key(settings: Settings) -> bytes:
    """The key of the phone-number hash: derived from the encryption key (required in prod), else from
    a fixed label (dev: stable across restarts, and dev data is not people's)."""
    secret = settings.memory.encryption_key
    return _derive(secret.get_secret_value().encode() if secret is not None else b"hudhud-dev")


def _derive(base: bytes) -> bytes:
    return hmac.new(base, b"hudhud log hash v1", hashlib.sha256).digest()


def secrets_of(settings: Settings) -> list[str]:
    """Every configured secret's value, for the redactor to blank wherever one appears."""
    values = list(settings.variables().values())
    found = [v.get_secret_value() for v in values if isinstance(v, SecretStr)]
    # HUDHUD_ENCRYPTION_OLD_KEYS is a comma-separated list: each key on its own too.
    return sorted(
        {p for s in found for p in (s, *s.split(",")) if len(p.strip()) >= 6}, key=len, reverse=True
    )


class Redactor:
    def __init__(self, key: bytes = b"", secrets: Iterable[str] = ()) -> None:
        self._key = key or _derive(b"hudhud-dev")
        self._secrets = tuple(secrets)

    def person(self, number: str) -> str:
        digits = re.sub(r"\D", "", number)
        return "u:" + hmac.new(self._key, digits.encode(), hashlib.sha256).hexdigest()[:12]

    def __call__(self, logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        texts = _private.get()
        for key, value in list(event.items()):
            if key in _TEXT_KEYS and isinstance(value, str) and key != "event":
                event[key] = f"<{len(value)} chars>"
            elif key in _PERSON_KEYS and isinstance(value, str | int) and not isinstance(value, bool):
                event[key] = self.person(str(value))
            else:
                event[key] = self._clean(value, texts)
        return event

    def _clean(self, value: Any, texts: tuple[str, ...]) -> Any:
        if isinstance(value, str):
            return self._scrub(value, texts)
        if isinstance(value, dict):
            return {k: self._clean(v, texts) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(v, texts) for v in value]
        return value

    def _scrub(self, text: str, texts: tuple[str, ...]) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        for said in texts:
            text = text.replace(said, "<text>")
        return _PHONE.sub(lambda m: self.person(m[0]), text)
