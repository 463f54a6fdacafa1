"""A terminal conversation with the responder: turns built as if they came from WhatsApp."""

from __future__ import annotations

import time
import uuid

from base.commands import CommandRouter
from base.responder import Responder
from base.turn import InboundMessage, TextPart, Turn, UserRef, make_turn_id
from channels.whatsapp.formatting import to_whatsapp

CHAT_NUMBER = "chat"


class ChatSession:
    def __init__(self, responder: Responder, *, wa_id: str, profile: str = "default") -> None:
        self.responder = responder
        self.wa_id = wa_id
        self.profile = profile
        self.last_trace: str | None = None

    async def send(self, text: str) -> list[str]:
        message = InboundMessage(
            id=f"wamid.chat.{uuid.uuid4().hex}",
            wa_id=self.wa_id,
            phone_number_id=CHAT_NUMBER,
            timestamp=int(time.time()),
            type="text",
            text=text,
        )
        turn = Turn(
            turn_id=make_turn_id([message.id]),
            message_ids=[message.id],
            messages=[message],
            user=UserRef(wa_id=self.wa_id),
            phone_number_id=CHAT_NUMBER,
            profile=self.profile,
        )
        parts = await self.responder.respond(turn)
        agent = self.responder.fallback if isinstance(self.responder, CommandRouter) else self.responder
        traces = getattr(agent, "traces", None)
        if traces and traces[-1].turn_id == turn.turn_id:
            t = traces[-1]
            self.last_trace = f"{t.action} {t.args or ''} · {t.outcome} · {t.ms:.0f} ms · {t.model}"
        else:
            self.last_trace = None
        return [to_whatsapp(p.text) if isinstance(p, TextPart) else p.model_dump_json() for p in parts]
