"""From a channel's jobs to the queue: deduped and queued atomically (hudhud/enqueue.py), counted."""

from __future__ import annotations

from dataclasses import dataclass

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
        return accepted
