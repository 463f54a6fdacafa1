"""WhatsApp webhook bodies as Meta sends them: what the runner posts for each turn, and the id rewrite
that lets a replay run again (a wamid seen before is dropped by the dedupe)."""

from __future__ import annotations

import time
from typing import Any

import orjson

from channels.whatsapp.signature import sign


def text_message(wamid: str, wa_id: str, text: str) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }


def button_reply(wamid: str, wa_id: str, button_id: str, title: str) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    }


def envelope(phone_number_id: str, message: dict[str, Any], *, name: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": name or "Eval"}, "wa_id": message["from"]}],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "EVAL", "changes": [{"field": "messages", "value": value}]}],
    }


def body_of(env: dict[str, Any]) -> bytes:
    return orjson.dumps(env)


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
