"""A reply that could not be delivered: the operator is told, and the user too while WhatsApp still lets
us write to them.

A reply is undeliverable when its turn is dead-lettered with parts unsent (Graph kept failing), or when
Graph refused a part for good (a permanent error, an unreachable recipient, a closed window without a
fallback template). Then:

- the operator gets an `OpsEvent` (base/ops_events.py) in the `ops` stream, an error log line and
  `hudhud_replies_undelivered_total{reason}` — the user named only by the keyed hash the logs use;
- the user gets one short notice in their language (`pipeline.undelivered`), sent straight through the
  channel, only where it can arrive: the refusal was not about the recipient (unreachable, window
  closed, our token) and the 24-hour customer-service window is open — less than 24 hours since their
  newest message of the turn. The notice is tried once per turn (a `seen` mark set before sending) and
  never retried or reported in turn, so a notice that fails too cannot loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
import structlog

from base.catalog import t
from base.channel import Sender
from base.keys import Keys
from base.ops_events import OpsEvent
from base.turn import InboundMessage, TextPart, trace_id
from channels.whatsapp.errors import ErrorKind, GraphError
from hudhud import metrics
from hudhud.abuse import notice_language

log = structlog.get_logger(__name__)

WINDOW_S = 24 * 3600  # WhatsApp's customer-service window: free text until 24 h after the user's last message


def window_open(messages: Sequence[InboundMessage], now: float) -> bool:
    """Whether free text may still be sent: the newest message is less than 24 h old. A channel that
    gives no timestamps (0) has no such window."""
    newest = max((m.timestamp for m in messages), default=0)
    return newest == 0 or now - newest < WINDOW_S


@dataclass(frozen=True)
class Failure:
    reason: str  # "dead_letter", or the kind of error Graph refused with
    code: int | None = None
    http_status: int | None = None
    notify: bool = True  # whether a notice could reach the user at all

    @classmethod
    def refused(cls, exc: GraphError) -> Failure:
        # Only a refusal of this message's content leaves the user reachable by a plain text.
        return cls(str(exc.kind), exc.code, exc.http_status, notify=exc.kind == ErrorKind.permanent)


class Undelivered:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        person: Callable[[str], str],
        maxlen: int,
        mark_ttl_s: int,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._person = person
        self._maxlen = maxlen
        self._mark_ttl = mark_ttl_s

    async def report(
        self,
        sender: Sender | None,
        *,
        phone_number_id: str,
        wa_id: str,
        turn_id: str,
        messages: Sequence[InboundMessage],
        failure: Failure,
    ) -> OpsEvent:
        """Tell the user (where a notice can arrive) and the operator; returns the event written."""
        notified = False
        if failure.notify and sender is not None:
            notified = await self._notify(sender, phone_number_id, wa_id, turn_id, messages)
        event = OpsEvent(
            kind="delivery_failed",
            conv=f"{phone_number_id}:{self._person(wa_id)}",
            trace_id=trace_id(messages[-1].id) if messages else "",
            turn_id=turn_id,
            code=failure.code,
            http_status=failure.http_status,
            reason=failure.reason,
            notified=notified,
        )
        await self._redis.xadd(self._keys.ops, event.to_fields(), maxlen=self._maxlen, approximate=True)
        metrics.UNDELIVERED.labels(reason=failure.reason).inc()
        log.error("reply undeliverable; operator event written", **event.model_dump(exclude={"kind", "ts"}))
        return event

    async def _notify(
        self,
        sender: Sender,
        phone_number_id: str,
        wa_id: str,
        turn_id: str,
        messages: Sequence[InboundMessage],
    ) -> bool:
        if not window_open(messages, time.time()):
            metrics.DELIVERY_NOTICES.labels(outcome="window_closed").inc()
            return False
        # Marked before sending: a retry, a second refused part or a crash never sends it twice.
        mark = self._keys.seen(f"undelivered:{turn_id}")
        if not await self._redis.set(mark, 1, nx=True, ex=self._mark_ttl):
            return False
        text = t("pipeline.undelivered", notice_language(" ".join(m.text for m in messages)))
        try:
            await sender.send_part(phone_number_id, wa_id, TextPart(text=text))
        except Exception as exc:  # told once, never retried: the operator event says it was not
            metrics.DELIVERY_NOTICES.labels(outcome="failed").inc()
            log.warning("undelivered-reply notice failed too", turn_id=turn_id, error=str(exc))
            return False
        metrics.DELIVERY_NOTICES.labels(outcome="sent").inc()
        return True
