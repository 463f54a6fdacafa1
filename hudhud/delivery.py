"""Sending a turn's reply parts through the outbox, with the WhatsApp error rules applied."""

from __future__ import annotations

import structlog

from agent.language import detect_language, reply_language
from base.bots import BotRegistry
from base.channel import Sender
from channels.whatsapp.errors import ErrorKind, GraphError, retryable
from channels.whatsapp.graph import GRAPH_ERRORS
from channels.whatsapp.messenger import Messenger
from hudhud import metrics
from hudhud.aggregates import Aggregates
from hudhud.outbox import Outbox, PartRecord, PartState
from hudhud.undelivered import Undelivered

log = structlog.get_logger(__name__)


class Delivery:
    def __init__(
        self,
        outbox: Outbox,
        *,
        fallback_template: str | None,
        fallback_language: str,
        aggregates: Aggregates | None = None,
        undelivered: Undelivered | None = None,
        bots: BotRegistry | None = None,
    ) -> None:
        self.outbox = outbox
        self.aggregates = aggregates
        self.fallback_template = fallback_template
        self.fallback_language = fallback_language
        self.undelivered = undelivered  # tells the operator (and the user) when a reply cannot arrive
        self.bots = bots  # a bot's own fallback templates, per language, come before the global one

    async def send(
        self,
        messenger: Sender,
        phone_number_id: str,
        to: str,
        turn_id: str,
        records: list[PartRecord],
        conv: str,
    ) -> list[GraphError]:
        """Send every part not yet done, in order. Raises when a failure outlasted the client's retries
        (a retryable GraphError, or any error of another channel): the turn is then retried later and
        resumes at the first unsent part. WhatsApp's permanent refusals are recorded, not retried, and
        returned: the refusals of parts that will never arrive (a template sent instead is not one)."""
        lost: list[GraphError] = []
        for record in records:
            if record.done:
                continue
            try:
                record.wamid = await messenger.send_part(phone_number_id, to, record.part)
                record.state = PartState.sent
            except GraphError as exc:  # only WhatsApp's messengers raise it
                await self.graph_errors([exc.code], counted=True)
                if retryable(exc.kind) or not isinstance(messenger, Messenger):
                    metrics.MESSAGES_OUT.labels(type=record.part.kind, status="error").inc()
                    raise
                refused = await self._refused(messenger, phone_number_id, to, records, record, exc)
                if refused != PartState.fallback:
                    lost.append(exc)
            metrics.MESSAGES_OUT.labels(type=record.part.kind, status=record.state.value).inc()
            await self.outbox.mark(turn_id, record, conv=conv)
        return lost

    async def graph_errors(self, codes: list[int | None], *, counted: bool = False) -> None:
        """Count Graph errors by code in this minute's aggregates (the alerts read them), and in
        Prometheus unless the Graph client `counted` them already (each failed attempt, retries too)."""
        counts: dict[str, float] = {}
        for code in codes:
            label = str(code) if code is not None else "none"
            if not counted:
                GRAPH_ERRORS.labels(code=label).inc()
            counts[f"graph_error:{label}"] = counts.get(f"graph_error:{label}", 0) + 1
        if self.aggregates is not None and counts:
            await self.aggregates.add(counts)

    async def _refused(
        self,
        messenger: Messenger,
        phone_number_id: str,
        to: str,
        records: list[PartRecord],
        record: PartRecord,
        exc: GraphError,
    ) -> PartState:
        record.error = f"{exc.code}: {exc.message}"
        if exc.kind == ErrorKind.reengagement:
            record.state = await self.reengage(messenger, phone_number_id, to, records)
        elif exc.kind == ErrorKind.undeliverable:
            record.state = PartState.undeliverable
        else:
            record.state = PartState.failed
        log.warning("reply part refused", to=to, code=exc.code, kind=str(exc.kind), state=str(record.state))
        return record.state

    def fallback_for(self, phone_number_id: str, language: str) -> tuple[str, str] | None:
        """(template, language code) to send a user of `language` ("ar", "en") on this number: the
        bot's own template in that language, else the global WHATSAPP_FALLBACK_TEMPLATE, else none."""
        bot = self.bots.get(phone_number_id) if self.bots is not None else None
        own = bot.fallback_template(language) if bot is not None else None
        if own is not None:
            return own
        if self.fallback_template:
            return self.fallback_template, self.fallback_language
        return None

    async def reengage(
        self, messenger: Messenger, phone_number_id: str, to: str, records: list[PartRecord]
    ) -> PartState:
        """Outside the 24-hour window only a template may be sent: send the configured one in the
        user's language (that of the reply that was refused, written in it), if there is one."""
        chosen = self.fallback_for(phone_number_id, reply_language_of(records))
        if chosen is None:
            return PartState.undeliverable
        try:
            await messenger.send_template(phone_number_id, to, *chosen)
        except GraphError as exc:
            log.warning("fallback template refused", to=to, code=exc.code)
            return PartState.undeliverable
        return PartState.fallback


def reply_language_of(records: list[PartRecord]) -> str:
    """The language a turn's reply was written in ("ar" or "en"), which is the user's."""
    text = " ".join(
        str(getattr(r.part, "text", None) or getattr(r.part, "caption", None) or "") for r in records
    )
    return reply_language(detect_language(text))
