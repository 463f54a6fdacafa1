"""WhatsApp webhook bodies as Meta sends them: what the runner posts for each turn, and the id rewrite
that lets a replay run again (a wamid seen before is dropped by the dedupe)."""

from __future__ import annotations

from typing import Any

import orjson

from channels.whatsapp.bodies import body_of, button_reply, envelope, list_reply, text_message
from channels.whatsapp.signature import sign

__all__ = ["body_of", "button_reply", "envelope", "list_reply", "text_message"]  # built in channels/


def signature_of(body: bytes, secret: bytes | None) -> str | None:
    return sign(secret, body) if secret else None


def recipients(body: dict[str, Any]) -> list[str]:
    """The senders of a body's messages: the numbers its replies go to."""
    found: list[str] = []
    for message in messages_of(body):
        if isinstance(message.get("from"), str) and message["from"] not in found:
            found.append(message["from"])
    return found


def messages_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            out.extend(m for m in value.get("messages") or [] if isinstance(m, dict))
    return out


def with_fresh_ids(body: dict[str, Any], suffix: str) -> dict[str, Any]:
    """A copy whose message (and status) ids end in `suffix`, so the dedupe sees new deliveries."""
    copy = orjson.loads(orjson.dumps(body))
    for entry in copy.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            for item in [*(value.get("messages") or []), *(value.get("statuses") or [])]:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    item["id"] = f"{item['id']}.{suffix}"
    return copy
