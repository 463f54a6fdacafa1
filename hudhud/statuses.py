"""Status webhooks: count them, classify delivery errors, and act on the ones that need it.

Many delivery failures arrive only here, after Graph accepted the message: 131047 (the user's
24-hour window closed) gets the configured template instead, 131026 marks the reply undeliverable.
Every failure of a reply of ours that no template replaced is an operator event (hudhud/undelivered.py);
no notice goes to the user: these failures are about reaching them.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import redis.asyncio as aioredis
import structlog

from base.keys import Keys
from channels.whatsapp.errors import ErrorKind, classify
from channels.whatsapp.messenger import Messenger
from hudhud import metrics
from hudhud.aggregates import Aggregates
from hudhud.delivery import Delivery
from hudhud.outbox import PartState
from hudhud.undelivered import Failure

log = structlog.get_logger(__name__)

_STATES = frozenset({"sent", "delivered", "read", "failed", "deleted", "warning"})  # a label's only values


class StatusHandler:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        delivery: Delivery,
        *,
        events_maxlen: int,
        aggregates: Aggregates | None = None,
    ) -> None:
        self._redis = redis
        self._aggregates = aggregates
        self._keys = keys
        self._delivery = delivery
        self._maxlen = events_maxlen

    async def handle(self, status: dict[str, Any], messenger: Messenger) -> None:
        wamid = str(status.get("id", ""))
        state = str(status.get("status", "unknown"))
        errors = status.get("errors") or []
        kinds = [classify(_code(e)) for e in errors]
        metrics.DELIVERY_STATUSES.labels(status=state if state in _STATES else "other").inc()
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(self._keys.stats, f"status:{state}", 1)
            for err, kind in zip(errors, kinds, strict=True):
                pipe.hincrby(self._keys.stats, f"error:{_code(err)}", 1)
                pipe.hincrby(self._keys.stats, f"error_kind:{kind}", 1)
            pipe.xadd(
                self._keys.events,
                {"type": "status", "status": state, "data": orjson.dumps(status), "ts": time.time()},
                maxlen=self._maxlen,
                approximate=True,
            )
            if self._aggregates is not None and state == "failed":
                self._aggregates.queue(pipe, {"msg_out_failed": 1})
            await pipe.execute()
        if errors:
            await self._delivery.graph_errors([_code(e) for e in errors])
        if state != "failed" or not errors:
            return
        trace = await self._delivery.outbox.trace(wamid)
        if trace is None:
            return  # not a reply of ours (or too old): counted and recorded, nothing to fix
        new_state: PartState | None = None
        records = await self._delivery.outbox.load(str(trace["turn_id"]))
        if ErrorKind.reengagement in kinds:
            # Deduped on the failed wamid: a retried status job never sends the template twice.
            if await self._redis.set(self._keys.seen(f"reengage:{wamid}"), 1, nx=True, ex=8 * 86400):
                pnid = str(status.get("phone_number_id", ""))
                to = str(status.get("recipient_id", ""))
                new_state = await self._delivery.reengage(messenger, pnid, to, records or [])
        elif ErrorKind.undeliverable in kinds:
            new_state = PartState.undeliverable
        if new_state is not None:
            if records is not None:
                record = records[int(str(trace["part"]))]
                record.state = new_state
                record.error = f"{_code(errors[0])}: {errors[0].get('title') or errors[0].get('message')}"
                await self._delivery.outbox.mark(str(trace["turn_id"]), record, conv=str(trace["conv"]))
            log.info("delivery failure handled", wamid=wamid, state=str(new_state))
        if new_state != PartState.fallback and self._delivery.undelivered is not None:
            await self._delivery.undelivered.report(
                None,
                phone_number_id=str(status.get("phone_number_id", "")),
                wa_id=str(status.get("recipient_id", "")),
                turn_id=str(trace["turn_id"]),
                messages=[],
                failure=Failure(str(kinds[0]), _code(errors[0]), notify=False),
            )


def _code(error: dict[str, Any]) -> int | None:
    try:
        return int(error.get("code"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
