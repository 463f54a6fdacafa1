"""The playground's drafts in Redis: one hash (`Keys.playground_drafts`) that every worker and API
process reads, so a draft saved on the page applies to the next playground turn, whichever worker
takes it. The worker loads them for playground turns only (hudhud/worker.py) and puts them in effect
around that turn's responder (base/drafts.py). A field is "prompt:<file stem>" or "tool:<name>"; its value
the draft's text, who wrote it and when — prompt and tool wording, never a user's words.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis
from pydantic import BaseModel, Field

from base.drafts import DraftKind, Drafts
from base.keys import Keys

MAX_CHARS = 20_000  # a prompt file is a few thousand characters; a tool description one line


class Draft(BaseModel):
    kind: DraftKind
    name: str  # a prompt's file stem ("persona.exec.en") or a tool's name
    text: str = Field(min_length=1, max_length=MAX_CHARS)
    by: str  # the admin who saved it
    at: float = Field(default_factory=time.time)

    @property
    def field(self) -> str:
        return field_of(self.kind, self.name)


def field_of(kind: DraftKind, name: str) -> str:
    return f"{kind}:{name}"


class DraftStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.playground_drafts

    async def all(self) -> list[Draft]:
        """Every draft, prompts first, each kind by name."""
        raw = await self._redis.hvals(self._key)
        return sorted((Draft.model_validate_json(v) for v in raw), key=lambda d: (d.kind, d.name))

    async def load(self) -> Drafts:
        """What a playground turn runs with (one HVALS: read afresh for every turn, no cache to go stale)."""
        drafts = await self.all()
        return Drafts(
            prompts={d.name: d.text for d in drafts if d.kind == "prompt"},
            tools={d.name: d.text for d in drafts if d.kind == "tool"},
        )

    async def get(self, kind: DraftKind, name: str) -> Draft | None:
        raw = await self._redis.hget(self._key, field_of(kind, name))
        return Draft.model_validate_json(raw) if raw else None

    async def put(self, draft: Draft) -> None:
        await self._redis.hset(self._key, draft.field, draft.model_dump_json())

    async def discard(self, kind: DraftKind, name: str) -> bool:
        """Whether there was such a draft."""
        return bool(await self._redis.hdel(self._key, field_of(kind, name)))
