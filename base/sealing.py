"""Sealing what people wrote before it is stored: the encrypted form of a value and what it is bound to.

Every stored message text, reply, tool argument or result, trace and error that may quote a user is
written through `seal` and read through `unseal` (the cipher itself is memory/crypto.py's `Cipher`;
this floor only knows its shape, so channel adapters can seal too). What the pipeline needs without
decrypting — ids, kinds, counts, timestamps — stays clear beside the sealed value.

Each value's associated data names its place (`aad_*` below) and, where it has one, its user: a value
copied under another key or another user's entry fails authentication instead of being shown. The
associated data never includes the Redis prefix, so a renamed prefix still reads.

Values written before encryption at rest (no `v1.` marker) are read as they are, so an upgrade breaks
nothing; `hudhud memory rotate` leaves them and they age out with their place's retention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

MARKER = "v1."  # memory/crypto.py's format: v1.<key id>.<nonce + ciphertext>


class Sealer(Protocol):
    """What sealing needs of a cipher (memory/crypto.py's `Cipher` is one)."""

    key_id: str

    def encrypt(self, plaintext: str | bytes, aad: str) -> str: ...

    def decrypt_bytes(self, value: str | bytes, aad: str) -> bytes: ...

    def needs_reencrypt(self, value: str | bytes) -> bool: ...


class UndecryptableError(ValueError):
    """A stored value cannot be decrypted: its key is not in the keyring, or it was altered or moved."""


def is_sealed(value: str | bytes) -> bool:
    head = value[:3]
    return (head.decode(errors="replace") if isinstance(head, bytes) else head) == MARKER


def seal(sealer: Sealer | None, data: str | bytes, aad: str) -> str | bytes:
    """`data` encrypted and bound to `aad`; as it is when no sealer is given (unit tests of other
    behaviour only: the container always gives the service's cipher)."""
    return data if sealer is None else sealer.encrypt(data, aad)


def seal_text(sealer: Sealer | None, text: str, aad: str) -> str:
    """`seal` for a text that must stay text (inside JSON)."""
    return text if sealer is None else sealer.encrypt(text, aad)


def unseal(sealer: Sealer | None, value: str | bytes, aad: str) -> bytes:
    """The plaintext of a stored value; a value stored in clear before encryption at rest, as it is.
    UndecryptableError when no key of the keyring opens it."""
    if not is_sealed(value):
        return value.encode() if isinstance(value, str) else value
    if sealer is None:
        raise UndecryptableError("an encrypted value was read without a cipher (a wiring fault)")
    return sealer.decrypt_bytes(value, aad)


def unseal_text(sealer: Sealer | None, value: str | bytes, aad: str) -> str:
    return unseal(sealer, value, aad).decode()


# --- what each stored value is bound to (docs/memory.md lists the places) ---


def aad_inbox(conv: str) -> str:
    """A queued message in its conversation's inbox (and a dead-lettered turn's messages put back)."""
    return f"hudhud:inbox:{conv}"


def aad_turn(conv: str) -> str:
    """A conversation's turn in progress (its errors may quote the user)."""
    return f"hudhud:turn:{conv}"


def aad_outbox(turn_id: str, index: int | str) -> str:
    """One reply part of a turn's outbox."""
    return f"hudhud:outbox:{turn_id}:{index}"


def aad_entry(stream: str, owner: str, turn_id: str, field: str) -> str:
    """A field of an operator stream's entry (agent traces, tool calls, dead letters, events), bound to
    the user or conversation and the turn written clear beside it."""
    return f"hudhud:{stream}:{owner}:{turn_id}:{field}"


# The operator streams' sealed fields, by stream (its key's last part): (the field naming the owner, the
# field naming the turn, the sealed fields). Writers bind each sealed field to the two written beside it.
STREAMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "agent": ("wa_id", "turn_id", ("trace",)),
    "tools": ("wa_id", "turn_id", ("args",)),
    "dead": ("conv", "turn_id", ("error", "messages")),
    "events": ("wa_id", "type", ("data",)),
    "turns": ("conv", "", ("text", "reply", "error")),  # the interaction log (hudhud/interactions.py)
}


def entry_aad(stream: str, fields: Mapping[bytes, bytes], name: str) -> str:
    """What the sealed field `name` of a stream entry is bound to, from the clear fields beside it."""
    owner, turn, _ = STREAMS[stream]
    return aad_entry(
        stream, fields.get(owner.encode(), b"").decode(), fields.get(turn.encode(), b"").decode(), name
    )


def open_entry(sealer: Sealer | None, stream: str, fields: Mapping[bytes, bytes]) -> dict[bytes, bytes]:
    """A stream entry's fields with the sealed ones decrypted; one that no key opens is named as such
    (with the key it needs), never shown."""
    sealed = STREAMS[stream][2] if stream in STREAMS else ()
    out = dict(fields)
    for name in sealed:
        value = fields.get(name.encode())
        if value is None:
            continue
        try:
            out[name.encode()] = unseal(sealer, value, entry_aad(stream, fields, name))
        except UndecryptableError as exc:
            out[name.encode()] = f"<undecryptable: {exc}>".encode()
    return out


def aad_waiting(kind: str, wa_id: str) -> str:
    """What waits for a user's answer: `confirm`, `pick` or `mean`."""
    return f"hudhud:{kind}:{wa_id}"


def aad_undo(user_id: int | str) -> str:
    """A core-API user's last change and how to revert it."""
    return f"hudhud:undo:{user_id}"


def aad_sandbox(to: str, wamid: str) -> str:
    """A send the sandbox captured instead of posting it to Graph."""
    return f"hudhud:sandbox:{to}:{wamid}"


def aad_memory(profile: str, wa_id: str, memory_id: str) -> str:
    """A long-term memory's text in Chroma."""
    return f"hudhud:mem:{profile}:{wa_id}:{memory_id}"
