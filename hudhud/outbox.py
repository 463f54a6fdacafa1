"""The outbox: a turn's reply parts are recorded before anything is sent, and each is marked sent
with Graph's message id right after Graph accepts it.

A retried turn (worker crash, transient Graph failure) finds its parts recorded and sends only those
not yet marked, so the reply is never regenerated differently and no part is sent twice — except in
the one window the Graph API leaves open: it takes no idempotency key, so a crash after Graph's 200
and before the mark (a single Redis write) resends that one part. docs/architecture.md states this.

Each part is stored encrypted, bound to its turn and index (base/sealing.py); the count and the
conversation stay clear.
"""

from __future__ import annotations

import time
from enum import StrEnum
from importlib import resources

import orjson
import redis.asyncio as aioredis
from pydantic import BaseModel, TypeAdapter

from base.keys import Keys
from base.sealing import Sealer, aad_outbox, seal, unseal
from base.turn import ReplyPart

_PARTS = TypeAdapter(ReplyPart)
_RECORD = resources.files("hudhud").joinpath("outbox.lua").read_text()


class PartState(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # Graph refused it for good (permanent error); not retried
    fallback = "fallback"  # outside the 24-hour window: the fallback template was sent instead
    undeliverable = "undeliverable"


class PartRecord(BaseModel):
    index: int
    part: ReplyPart
    state: PartState = PartState.pending
    wamid: str | None = None
    error: str | None = None
    ts: float = 0.0

    @property
    def done(self) -> bool:
        return self.state != PartState.pending


class Outbox:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, ttl_s: int, sealer: Sealer | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_s
        self._sealer = sealer
        self._record = redis.register_script(_RECORD)

    async def load(self, turn_id: str) -> list[PartRecord] | None:
        return self._records(turn_id, await self._redis.hgetall(self._keys.outbox(turn_id)))

    def loaded(self, turn_id: str, raw: dict[bytes, bytes]) -> list[PartRecord] | None:
        """`load`, from the outbox's HGETALL the caller took in its own round trip."""
        return self._records(turn_id, raw)

    async def record(self, turn_id: str, parts: list[ReplyPart], *, conv: str) -> list[PartRecord]:
        """Record the parts of a turn, once, atomically (outbox.lua); the first recording wins."""
        now = time.time()
        records = [PartRecord(index=i, part=p, ts=now) for i, p in enumerate(parts)]
        fields: list[str | int] = ["n", len(records), "conv", conv]
        for r in records:
            fields += [f"p:{r.index}", self._sealed(turn_id, r)]
        existing = await self._record(keys=[self._keys.outbox(turn_id)], args=[self._ttl, *fields])
        if existing:  # recorded before (a stale worker, or a retry racing us): that one is the reply
            stored = self._records(turn_id, dict(zip(existing[::2], existing[1::2], strict=True)))
            assert stored is not None
            return stored
        return records

    async def mark(self, turn_id: str, record: PartRecord, *, conv: str) -> None:
        """Store a part's final state (and where a sent message came from, for status webhooks)."""
        record.ts = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._keys.outbox(turn_id), f"p:{record.index}", self._sealed(turn_id, record))
            if record.wamid:
                trace = orjson.dumps({"turn_id": turn_id, "part": record.index, "conv": conv})
                pipe.set(self._keys.sent(record.wamid), trace, ex=self._ttl)
            await pipe.execute()

    async def trace(self, wamid: str) -> dict[str, object] | None:
        raw = await self._redis.get(self._keys.sent(wamid))
        return orjson.loads(raw) if raw else None

    def _sealed(self, turn_id: str, record: PartRecord) -> str | bytes:
        return seal(self._sealer, record.model_dump_json(), aad_outbox(turn_id, record.index))

    def _records(self, turn_id: str, raw: dict[bytes, bytes]) -> list[PartRecord] | None:
        """The parts of a whole record; None when nothing (or only a half-written record) is stored."""
        if b"conv" not in raw:
            return None
        return [
            PartRecord.model_validate_json(
                unseal(self._sealer, raw[f"p:{i}".encode()], aad_outbox(turn_id, i))
            )
            for i in range(int(raw[b"n"]))
        ]


def part_from_json(data: bytes | str) -> ReplyPart:
    return _PARTS.validate_json(data)
