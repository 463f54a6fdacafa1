"""From a verified webhook envelope to queued jobs: one job per message, status and other change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from channels.whatsapp.models import WebhookEnvelope
from channels.whatsapp.normalize import outcome_of, to_inbound
from hudhud import metrics
from hudhud.bots import BotRegistry
from hudhud.enqueue import Enqueuer, Job
from hudhud.keys import conversation_id


@dataclass
class Accepted:
    queued: int = 0
    duplicates: int = 0


class Ingress:
    def __init__(self, enqueuer: Enqueuer, bots: BotRegistry) -> None:
        self._enqueuer = enqueuer
        self._bots = bots

    def jobs(self, envelope: WebhookEnvelope) -> list[Job]:
        jobs: list[Job] = []
        for metadata, contact, message in envelope.iter_messages():
            inbound = to_inbound(metadata, contact, message)
            outcome = outcome_of(inbound.type)
            if self._bots.get(inbound.phone_number_id) is None:
                # A number this deployment does not serve: kept for operators, never answered.
                jobs.append(_event(f"{inbound.id}", "unknown_number", inbound.model_dump_json().encode()))
            elif outcome == "record":
                jobs.append(_event(inbound.id, f"message.{inbound.type}", inbound.model_dump_json().encode()))
            else:
                inbound = inbound.model_copy(update={"extra": {**inbound.extra, "outcome": outcome}})
                conv = conversation_id(inbound.phone_number_id, inbound.wa_id)
                jobs.append(Job(inbound.id, "message", conv, inbound.model_dump_json().encode()))
        for metadata, status in envelope.iter_statuses():
            data = status.model_dump(mode="json", by_alias=True, exclude_none=True)
            data["phone_number_id"] = metadata.phone_number_id
            conv = conversation_id(metadata.phone_number_id, str(data.get("recipient_id", "")))
            dedupe = f"st:{data.get('id')}:{data.get('status')}"
            jobs.append(Job(dedupe, "status", conv, orjson.dumps(data)))
        for field, value in envelope.iter_other():
            body = orjson.dumps({"field": field, "value": value}, option=orjson.OPT_SORT_KEYS)
            jobs.append(_event(f"ev:{hashlib.sha1(body).hexdigest()}", field, body))
        return jobs

    async def accept(self, envelope: WebhookEnvelope) -> Accepted:
        jobs = self.jobs(envelope)
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


def _event(dedupe_id: str, field: str, data: bytes) -> Job:
    return Job(dedupe_id if dedupe_id.startswith("ev:") else f"ev:{dedupe_id}", "event", field, data)
