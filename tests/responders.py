"""Responders that worker subprocesses load through HUDHUD_RESPONDER in the crash tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

import redis.asyncio as aioredis

from base.settings import Settings
from base.turn import ReplyPart, TextPart, Turn


class Slow:
    """Notes in Redis that a turn started, then takes SLOW_TURN_S seconds to answer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        client = aioredis.from_url(self.settings.queue.redis_url or "")
        await client.rpush(f"{self.settings.queue.redis_prefix}:test:started", turn.turn_id)
        await client.aclose()
        await asyncio.sleep(float(os.environ.get("SLOW_TURN_S", "60")))
        return [TextPart(text=f"slow answer pid {os.getpid()}")]


def slow(settings: Settings) -> Slow:
    return Slow(settings)
