"""From a channel's jobs to the queue: deduped and queued atomically (hudhud/enqueue.py), counted."""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from base.channel import Job
from hudhud import metrics
from hudhud.enqueue import Enqueuer


@dataclass
class Accepted:
    queued: int = 0
    duplicates: int = 0


class Ingress:
    def __init__(self, enqueuer: Enqueuer) -> None:
        self._enqueuer = enqueuer

    async def accept(self, jobs: list[Job]) -> Accepted:
        results = await self._enqueuer.enqueue(jobs)
        accepted = Accepted()
        for job, new in zip(jobs, results, strict=True):
            if new:
                accepted.queued += 1
                metrics.JOBS_QUEUED.labels(kind=job.kind).inc()
            else:
                accepted.duplicates += 1
                metrics.DUPLICATES.inc()
            if job.kind == "message":
                status = "queued" if new else "duplicate"
                metrics.MESSAGES_IN.labels(type=_type_of(job.data), status=status).inc()
        return accepted


_TYPES = frozenset(
    {"text", "image", "audio", "voice", "video", "document", "sticker", "location", "contacts", "interactive",
     "button", "order", "reaction", "system", "request_welcome", "unsupported", "unknown"}
)  # fmt: skip


def _type_of(data: bytes) -> str:
    """A message job's WhatsApp type, for a label (a closed set: anything else is `other`)."""
    try:
        kind = orjson.loads(data).get("type")
    except (orjson.JSONDecodeError, AttributeError):
        return "other"
    return kind if kind in _TYPES else "other"
