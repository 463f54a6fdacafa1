"""A running pipeline in the test's event loop: container, workers, and ways to feed and read it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from base.responder import Responder
from base.sealing import open_entry
from base.settings import Settings
from channels.whatsapp.models import parse_envelope
from hudhud.container import Container
from hudhud.worker import Worker
from tests.helpers import body_of


class Pipeline:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.workers: list[tuple[Worker, asyncio.Task[None]]] = []

    @property
    def redis(self):
        return self.container.redis

    @property
    def keys(self):
        return self.container.keys

    def start_worker(self, **kwargs: Any) -> Worker:
        worker = self.container.worker(**kwargs)
        self.workers.append((worker, asyncio.create_task(worker.run())))
        return worker

    async def stop_workers(self) -> None:
        for worker, _ in self.workers:
            worker.stop()
        await asyncio.gather(*(t for _, t in self.workers), return_exceptions=True)
        self.workers.clear()

    async def deliver(self, env: dict[str, Any]) -> Any:
        return await self.container.accept(parse_envelope(body_of(env)))

    async def replies(self, to: str | None = None) -> list[dict[str, Any]]:
        """Sandbox outbound, oldest first."""
        return list(reversed(await self.container.messengers.sandbox.recent(limit=1000, to=to)))

    async def reply_texts(self, to: str | None = None) -> list[str]:
        out = []
        for r in await self.replies(to):
            payload = r.get("payload", {})
            if payload.get("type") == "text":
                out.append(payload["text"]["body"])
        return out

    async def turns(self) -> list[dict[str, str]]:
        rows = await self.redis.xrange(self.keys.turns)
        return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in rows]

    async def dead(self) -> list[dict[str, str]]:
        """Dead letters as written, their messages and errors decrypted."""
        rows = await self.redis.xrange(self.keys.dead)
        opened = [open_entry(self.container.cipher, "dead", fields) for _, fields in rows]
        return [{k.decode(): v.decode() for k, v in fields.items()} for fields in opened]


@asynccontextmanager
async def running_pipeline(
    settings: Settings, responder: Responder | None = None, workers: int = 1
) -> AsyncIterator[Pipeline]:
    container = await Container.open(settings, responder=responder)
    pipeline = Pipeline(container)
    try:
        for _ in range(workers):
            pipeline.start_worker()
        yield pipeline
    finally:
        await pipeline.stop_workers()
        await container.aclose()
