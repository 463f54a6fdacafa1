"""Handoff: an operator pauses the bot for one user, answers them as a person, then gives the
conversation back.

The pause is a Redis hash (`Keys.handoff`), so every worker sees it at the user's next turn. While it
holds, a worker still takes the user's messages (deduplicated at the ingress as always), records the
turn in the interaction log with status `paused`, and sends nothing: the agent is not asked.

A person's reply goes the way a bot's does: recorded in the outbox under its own turn id, then sent by
`Delivery` (hudhud/delivery.py), so it is sent once however often the form is submitted — the turn id
comes from a one-time token the thread view's form carries. Inside WhatsApp's 24-hour window it is the
typed text; after it, only the fallback template may be sent (`WHATSAPP_FALLBACK_TEMPLATE`), and Graph
answering 131047 to a text sends that template too (Delivery.reengage).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from base.keys import Keys, conversation_id
from base.turn import ReplyPart, TemplatePart, TextPart
from hudhud.delivery import Delivery
from hudhud.interactions import HUMAN, Interaction, InteractionLog
from hudhud.undelivered import WINDOW_S

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class HandoffRefused(ValueError):
    """Why a person's reply cannot be sent (said to the operator as it is)."""


@dataclass(frozen=True)
class Pause:
    by: str
    since: float


@dataclass(frozen=True)
class HumanReply:
    turn_id: str
    part: ReplyPart
    state: str  # the outbox's: sent, fallback, failed, undeliverable
    repeated: bool = False  # the form was submitted again: nothing was sent this time


class Handoff:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def pause(self, wa_id: str, by: str) -> None:
        await self._redis.hset(self._keys.handoff(wa_id), mapping={"by": by, "since": time.time()})

    async def resume(self, wa_id: str) -> bool:
        return bool(await self._redis.delete(self._keys.handoff(wa_id)))

    async def paused(self, wa_id: str) -> Pause | None:
        return self.pause_of(await self._redis.hgetall(self._keys.handoff(wa_id)))

    @staticmethod
    def pause_of(raw: dict[bytes, bytes]) -> Pause | None:
        """`paused`, from the HGETALL of `keys.handoff(wa_id)` the caller took in its own round trip."""
        if not raw:
            return None
        return Pause(raw.get(b"by", b"").decode(), float(raw.get(b"since", b"0")))


def last_inbound(entries: list[Interaction]) -> Interaction | None:
    """The user's newest turn (not a person's reply): where they wrote, and when."""
    return next((e for e in entries if e.status != HUMAN), None)


def window_open_for(last: Interaction, now: float) -> bool:
    """WhatsApp's 24-hour window from when the user last wrote (the log's time if the channel gave none)."""
    return now - (last.sent_at or last.ts) < WINDOW_S


async def send_human_reply(
    container: Any,
    *,
    wa_id: str,
    text: str,
    token: str,
    fallback_template: str | None,
    fallback_language: str,
) -> HumanReply:
    """Send an operator's reply to the user's newest conversation, once per `token`."""
    if not _TOKEN.match(token):
        raise HandoffRefused("the form is stale: open the conversation again")
    text = text.strip()
    if not text:
        raise HandoffRefused("write a reply first")
    log: InteractionLog = container.interactions
    last = last_inbound(await log.query(wa_id=wa_id, limit=50))
    if last is None:
        raise HandoffRefused(f"{wa_id} has not written in the log's retention: nothing to answer")
    turn_id = f"human-{token}"
    delivery: Delivery = container.delivery
    done = await delivery.outbox.load(turn_id)
    if done is not None:
        return HumanReply(turn_id, done[0].part, done[0].state.value, repeated=True)
    part: ReplyPart
    if window_open_for(last, time.time()):
        part = TextPart(text=text)
    elif fallback_template:
        part = TemplatePart(name=fallback_template, language=fallback_language)
    else:
        raise HandoffRefused(
            "the 24-hour window is closed and no fallback template is set (WHATSAPP_FALLBACK_TEMPLATE)"
        )
    pnid = last.phone_number_id
    conv = conversation_id(pnid, wa_id)
    channel = container.channels.get(pnid) or container.channels["whatsapp"]  # the playground's is its name
    # Claimed once: a second submission of the same form finds the mark and sends nothing.
    if not await container.redis.set(container.keys.seen(turn_id), 1, nx=True, ex=WINDOW_S * 8):
        raise HandoffRefused("this reply is being sent already")
    records = await delivery.outbox.record(turn_id, [part], conv=conv)
    await delivery.send(channel.sender(pnid), pnid, wa_id, turn_id, records, conv)
    await log.record(
        conv=conv, turn_id=turn_id, attempt=1, messages=[], status=HUMAN, seconds=0.0, parts=[part]
    )
    return HumanReply(turn_id, records[0].part, records[0].state.value)
