"""Webhook traffic as Meta sends it: signed Cloud API envelopes (texts, button taps, slash commands)
and a sender that delivers like Meta does — again, with back-off, until it gets a 200."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from channels.whatsapp.signature import sign

PATH = "/webhook/whatsapp"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"


def wa_id(user: int) -> str:
    return f"9665{user:08d}"


def text_message(wamid: str, sender: str, body: str) -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "text",
            "text": {"body": body}}  # fmt: skip


def button_message(wamid: str, sender: str, button_id: str, title: str) -> dict[str, Any]:
    tap = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    return {"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "interactive",
            "interactive": tap}  # fmt: skip


def envelope(message: dict[str, Any]) -> bytes:
    """One message in one webhook, compact, non-ASCII escaped: the bytes Meta delivers and signs."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Bench"}, "wa_id": message["from"]}],
        "messages": [message],
    }
    doc = {"object": "whatsapp_business_account",
           "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}]}  # fmt: skip
    return orjson.dumps(doc)


def signed_headers(secret: bytes, body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "x-hub-signature-256": sign(secret, body)}


@dataclass
class Deliveries:
    """What the sender saw: statuses of every attempt, and how many bodies it gave up on."""

    statuses: dict[str, int] = field(default_factory=dict)  # "200", "503", "error", ...
    retried: int = 0
    gave_up: int = 0

    def count(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    seen: Deliveries,
    *,
    give_up_s: float = 120.0,
) -> float | None:
    """POST until a 200, backing off (Meta retries a failed delivery for days; a run, `give_up_s`);
    returns when the 200 came (time.time()), None when it gave up."""
    deadline, pause = time.monotonic() + give_up_s, 0.05
    while True:
        try:
            response = await client.post(url, content=body, headers=headers)
            status = str(response.status_code)
        except httpx.HTTPError:
            status = "error"
        seen.count(status)
        if status == "200":
            return time.time()
        if time.monotonic() > deadline:
            seen.gave_up += 1
            return None
        seen.retried += 1
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)
