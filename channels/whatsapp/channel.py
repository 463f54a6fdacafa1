"""WhatsApp as a Channel (base/channel.py): webhooks into jobs, reply parts fitted to WhatsApp's limits
and syntax, sent through the bot number's Graph client or the sandbox."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import orjson

from base.bots import BotRegistry
from base.channel import Job, degrade
from base.keys import conversation_id
from base.turn import ChannelLimits, ReplyPart, TextPart
from channels.whatsapp.formatting import split_message, to_whatsapp
from channels.whatsapp.messenger import Messenger
from channels.whatsapp.models import WebhookEnvelope
from channels.whatsapp.normalize import outcome_of, to_inbound
from channels.whatsapp.pool import MessengerPool
from channels.whatsapp.webhook import AppSecret, verified_envelope

# The Cloud API's limits for one message.
LIMITS = ChannelLimits(
    text=4096, buttons=3, button_title=20, buttons_body=1024, list_rows=10, row_title=24,
    row_description=72, list_button=20, header=60, footer=60,
)  # fmt: skip


class WhatsAppChannel:
    name = "whatsapp"
    webhook_path = "/webhook/whatsapp"
    limits = LIMITS

    def __init__(self, bots: BotRegistry, pool: MessengerPool, *, app_secret: AppSecret | None) -> None:
        self.bots = bots
        self.pool = pool
        self.app_secret = app_secret

    # ------------------------------------------------------------------ inbound

    def parse(self, raw: bytes, headers: Mapping[str, str]) -> list[Job]:
        return self.jobs(verified_envelope(self.app_secret, raw, headers.get("x-hub-signature-256")))

    def jobs(self, envelope: WebhookEnvelope) -> list[Job]:
        """One job per message, status and other change of a verified envelope."""
        jobs: list[Job] = []
        for metadata, contact, message in envelope.iter_messages():
            inbound = to_inbound(metadata, contact, message)
            outcome = outcome_of(inbound.type)
            if self.bots.get(inbound.phone_number_id) is None:
                # A number this deployment does not serve: kept for operators, never answered.
                jobs.append(
                    _event(inbound.id, "unknown_number", inbound.model_dump_json().encode(), inbound.wa_id)
                )
            elif outcome == "record":
                jobs.append(
                    _event(
                        inbound.id,
                        f"message.{inbound.type}",
                        inbound.model_dump_json().encode(),
                        inbound.wa_id,
                    )
                )
            else:
                inbound = inbound.model_copy(update={"extra": {**inbound.extra, "outcome": outcome}})
                conv = conversation_id(inbound.phone_number_id, inbound.wa_id)
                jobs.append(Job(inbound.id, "message", conv, inbound.model_dump_json().encode()))
        for metadata, status in envelope.iter_statuses():
            data = status.model_dump(mode="json", by_alias=True, exclude_none=True)
            data["phone_number_id"] = metadata.phone_number_id
            conv = conversation_id(metadata.phone_number_id, str(data.get("recipient_id", "")))
            dedupe = f"st:{data.get('id')}:{data.get('status')}"
            jobs.append(Job(dedupe, "status", conv, orjson.dumps(data)))
        for field, value in envelope.iter_other():
            body = orjson.dumps({"field": field, "value": value}, option=orjson.OPT_SORT_KEYS)
            jobs.append(_event(f"ev:{hashlib.sha1(body).hexdigest()}", field, body))
        return jobs

    # ------------------------------------------------------------------ outbound

    def fit(self, parts: Sequence[ReplyPart]) -> list[ReplyPart]:
        """Within the limits, Markdown turned into WhatsApp's syntax, long texts split into parts."""
        out: list[ReplyPart] = []
        for part in degrade(parts, self.limits):
            if isinstance(part, TextPart):
                out.extend(
                    TextPart(text=chunk, preview_url=part.preview_url)
                    for chunk in split_message(to_whatsapp(part.text), self.limits.text)
                )
            else:
                out.append(part)
        return out

    def sender(self, number: str) -> Messenger:
        return self.pool.for_number(number)

    async def seen(self, number: str, message_id: str) -> None:
        await self.pool.for_number(number).mark_read(number, message_id, typing=True)


def _event(dedupe_id: str, field: str, data: bytes, user: str = "") -> Job:
    return Job(dedupe_id if dedupe_id.startswith("ev:") else f"ev:{dedupe_id}", "event", field, data, user)
