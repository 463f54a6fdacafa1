"""Responders loaded through HUDHUD_RESPONDER: by worker subprocesses in the crash tests, and by the
playground page's browser test (buttons to press)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

import redis.asyncio as aioredis

from base.settings import Settings
from base.turn import Button, ButtonsPart, ListPart, ListRow, ListSection, ReplyPart, TextPart, Turn


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


class Choices:
    """Offers two buttons and a list, and says which one was pressed (no model)."""

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        pressed = turn.messages[-1].payload
        if pressed:
            return [TextPart(text=f"اخترت {pressed}")]
        return [
            ButtonsPart(
                text="هل أنشئ المهمة؟", buttons=[Button(id="yes", title="نعم"), Button(id="no", title="لا")]
            ),
            ListPart(
                text="Or pick a task",
                button="Tasks",
                sections=[ListSection(rows=[ListRow(id="task:7", title="Q3 report")])],
            ),
        ]


def choices(settings: Settings) -> Choices:
    return Choices()
