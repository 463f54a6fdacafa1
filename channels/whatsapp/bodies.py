"""WhatsApp webhook bodies as Meta sends them, for messages made on Hudhud's side: the admin's
playground (hudhud/playground.py) and the eval runner (evals/webhook.py) put their turns through the
same normalizer as a real webhook this way."""

from __future__ import annotations

import time
from typing import Any

import orjson


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


def list_reply(wamid: str, wa_id: str, row_id: str, title: str) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
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
