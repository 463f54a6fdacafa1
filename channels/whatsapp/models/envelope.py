"""The webhook body: envelope → entries → changes → value, and the parser for it.

Only changes of field "messages" are parsed into typed models; every other field (account_update,
message_template_status_update, calls, ...) keeps its raw value so the service can record it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import orjson
from pydantic import Discriminator, Field, Tag, ValidationError

from ._base import WebhookModel
from .error import WebhookError
from .message import Message
from .status import Status


class PayloadError(ValueError):
    """The body is not a webhook envelope; `reason` is short and safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Metadata(WebhookModel):
    phone_number_id: str  # the bot number the change is about
    display_phone_number: str | None = None


class Profile(WebhookModel):
    name: str | None = None


class Contact(WebhookModel):
    """The sender of messages in the same value (not a shared contact card)."""

    wa_id: str | None = None
    profile: Profile | None = None


class Value(WebhookModel):
    messaging_product: str | None = None
    metadata: Metadata
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)
    # The Cloud API sometimes reports problems at this level instead of on a message or status.
    errors: list[WebhookError] = Field(default_factory=list)


class MessagesChange(WebhookModel):
    field: Literal["messages"]
    value: Value


class OtherChange(WebhookModel):
    field: str
    value: dict[str, Any]


def _change_tag(change: Any) -> str | None:
    # Chooses the model by `field` so a non-messages change is never forced through `Value`.
    if isinstance(change, dict):
        return "messages" if change.get("field") == "messages" else "other"
    if isinstance(change, WebhookModel):
        return "messages" if getattr(change, "field", None) == "messages" else "other"
    return None


Change = Annotated[
    Annotated[MessagesChange, Tag("messages")] | Annotated[OtherChange, Tag("other")],
    Discriminator(
        _change_tag, custom_error_type="invalid_change", custom_error_message="change is not an object"
    ),
]


class Entry(WebhookModel):
    id: str  # the WhatsApp Business Account id
    time: int | None = None
    changes: list[Change] = Field(default_factory=list)


class WebhookEnvelope(WebhookModel):
    object: str  # "whatsapp_business_account"
    entry: list[Entry]

    def _values(self) -> Iterator[Value]:
        for entry in self.entry:
            for change in entry.changes:
                if isinstance(change, MessagesChange):
                    yield change.value

    def iter_messages(self) -> Iterator[tuple[Metadata, Contact | None, Message]]:
        """Every message of every change of every entry (Meta batches), with its sender contact."""
        for value in self._values():
            if not value.messages:
                continue
            senders = {c.wa_id: c for c in value.contacts if c.wa_id}
            for message in value.messages:
                yield value.metadata, senders.get(message.from_), message

    def iter_statuses(self) -> Iterator[tuple[Metadata, Status]]:
        for value in self._values():
            for status in value.statuses:
                yield value.metadata, status

    def iter_errors(self) -> Iterator[tuple[Metadata, WebhookError]]:
        """Value-level errors (not those attached to a message or a status)."""
        for value in self._values():
            for error in value.errors:
                yield value.metadata, error

    def iter_other(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(field, raw value) of every change that is not "messages", for the service to record."""
        for entry in self.entry:
            for change in entry.changes:
                if isinstance(change, OtherChange):
                    yield change.field, change.value


def _reason(error: ValidationError) -> str:
    details = error.errors(include_url=False, include_context=False, include_input=False)
    first = details[0]
    loc = first["loc"]
    # Drop the union tag pydantic inserts after `changes.<i>`; it is noise in a human reason.
    is_tag = [i >= 2 and loc[i - 2] == "changes" and isinstance(p, str) for i, p in enumerate(loc)]
    parts = [str(p) for p, tag in zip(loc, is_tag, strict=True) if not tag]
    where = ".".join(parts) or "body"
    more = f" (+{len(details) - 1} more)" if len(details) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse_envelope(raw: bytes) -> WebhookEnvelope:
    """Parse a webhook body. Raises PayloadError, and only PayloadError, whatever the bytes."""
    try:
        data = orjson.loads(raw)
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise PayloadError(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError(f"top level is a JSON {type(data).__name__}, not an object")
    try:
        return WebhookEnvelope.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(_reason(exc)) from None
    except (RecursionError, ValueError, TypeError) as exc:  # defensive: the contract is PayloadError only
        raise PayloadError(f"invalid payload: {type(exc).__name__}") from None
