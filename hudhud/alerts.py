"""Alerts: rules over the per-minute aggregates and the events stream, evaluated by one process at a
time, sent to a webhook (the required channel) and optionally on WhatsApp to admin numbers.

Every HUDHUD_ALERT_INTERVAL_S the evaluator of each service process tries the lease (`Keys.alert("lease")`);
the one holding it samples the queue (depth, oldest age) and the dead letters into the aggregates and
the gauges, sums the last HUDHUD_ALERT_WINDOW_MIN minutes, reads the events stream since its cursor, and
fires each rule whose threshold is crossed:

| rule | fires when |
|---|---|
| `command_p95` | p95 reply latency of commands over HUDHUD_ALERT_COMMAND_P95_S (3 s) |
| `knowledge_p95` | p95 latency of knowledge-base answers over HUDHUD_ALERT_KNOWLEDGE_P95_S (8 s) |
| `error_rate` | failed turn attempts over HUDHUD_ALERT_ERROR_RATE of all |
| `queue_age` | the oldest waiting message older than HUDHUD_ALERT_QUEUE_AGE_S |
| `dead_letters` | HUDHUD_ALERT_DEAD_LETTERS or more new dead letters in the window |
| `redis_data_lost` | Redis was found emptied (hudhud/redis_watch.py's event) |
| `graph_quality` | Graph refused for spam or quality (131048, 131049, 368, 131031, 130497), or a quality |
| | or account update arrived |
| `graph_auth` | Graph refused the access token or permission (190, 0, 3, 10, 200-299) |

Latency and error rate are judged only over HUDHUD_ALERT_MIN_TURNS turns or more. Operator events that
other parts raise (a reply that could not be delivered: `delivery_failed`) go through `AlertSender.event`.

A rule that fired is quiet for HUDHUD_ALERT_COOLDOWN_S (a key with that TTL, shared by every process);
when no channel took the alert, the cool-down is lifted so the next evaluation tries again.

The webhook gets a JSON POST, retried with backoff, signed like Meta signs its own: `X-Hudhud-Signature-256:
sha256=<HMAC-SHA256 of the body under HUDHUD_ALERT_WEBHOOK_SECRET>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Mapping
from typing import Any, Literal

import httpx
import orjson
import redis.asyncio as aioredis
import structlog
from pydantic import BaseModel, Field
from redis.exceptions import RedisError, ResponseError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from base.keys import Keys
from base.ops_events import OpsEvent
from base.settings import ObservabilitySettings
from channels.whatsapp.errors import AUTH_CODES, REENGAGEMENT_CODE, GraphError
from channels.whatsapp.messenger import Messenger
from channels.whatsapp.signature import sign
from hudhud import metrics
from hudhud.aggregates import Aggregates, derived
from hudhud.leases import Leases

log = structlog.get_logger(__name__)

# Graph codes that say Meta is holding the number back for spam or quality: 131048 spam rate limit,
# 131049 not delivered to keep the ecosystem healthy, 368 blocked for policy violations, 131031 account
# locked, 130497 restricted from messaging users in that country.
QUALITY_CODES = frozenset({131048, 131049, 368, 131031, 130497})
AUTH_ALERT_CODES = frozenset({0, *AUTH_CODES})
QUALITY_EVENTS = frozenset({"phone_number_quality_update", "account_update", "account_review_update"})
SIGNATURE_HEADER = "X-Hudhud-Signature-256"

Severity = Literal["warning", "critical"]


class Alert(BaseModel):
    rule: str
    severity: Severity = "warning"
    summary: str  # one line for a person on call
    value: float | None = None
    threshold: float | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    at: float = Field(default_factory=time.time)


class WebhookFailed(RuntimeError):
    pass


class AlertSender:
    """Sends an alert once per cool-down: the webhook, and WhatsApp to admin numbers when configured."""

    def __init__(
        self,
        settings: ObservabilitySettings,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        environment: str = "dev",
        messenger: Messenger | None = None,
        phone_number_id: str | None = None,
        http: httpx.AsyncClient | None = None,
        attempts: int = 4,
        backoff_s: float = 0.5,
    ) -> None:
        self.settings = settings
        self._redis = redis
        self._keys = keys
        self._environment = environment
        self._messenger = messenger
        self._pnid = phone_number_id
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self._own_http = http is None
        self._attempts = attempts
        self._backoff_s = backoff_s

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def event(self, kind: str, data: Mapping[str, Any], *, severity: Severity = "warning") -> bool:
        """An operator event raised elsewhere (`delivery_failed`, say) as an alert of its own rule."""
        summary = str(data.get("summary") or kind.replace("_", " "))
        return await self.send(Alert(rule=kind, severity=severity, summary=summary, details=dict(data)))

    async def send(self, alert: Alert) -> bool:
        """True when some channel took it; False when cooling down or nothing took it."""
        cool = self._keys.alert(f"cool:{alert.rule}")
        cooldown = self.settings.alert_cooldown_s
        if cooldown and not await self._redis.set(cool, repr(alert.at), nx=True, ex=cooldown):
            metrics.ALERTS.labels(rule=alert.rule, result="cooling").inc()
            return False
        body = orjson.dumps({"source": "hudhud", "environment": self._environment, **alert.model_dump()})
        delivered = await self._webhook(alert, body)
        delivered = await self._whatsapp(alert) or delivered
        if not self.settings.alert_webhook_url and not self.settings.alert_numbers:
            # No channel configured (dev, staging): the log is where it goes.
            log.warning("alert", rule=alert.rule, summary=alert.summary, value=alert.value)
            delivered = True
        metrics.ALERTS.labels(rule=alert.rule, result="sent" if delivered else "failed").inc()
        if not delivered and cooldown:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.delete(cool)  # try again at the next evaluation
        return delivered

    async def _webhook(self, alert: Alert, body: bytes) -> bool:
        url = self.settings.alert_webhook_url
        if not url:
            return False
        headers = {"content-type": "application/json"}
        secret = self.settings.alert_webhook_secret
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret.get_secret_value().encode(), body)
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._attempts),
                wait=wait_exponential(multiplier=self._backoff_s, max=10),
                retry=retry_if_exception_type((httpx.HTTPError, WebhookFailed)),
                reraise=True,
            ):
                with attempt:
                    reply = await self._http.post(url, content=body, headers=headers)
                    if reply.status_code >= 300:
                        raise WebhookFailed(f"HTTP {reply.status_code}")
        except (httpx.HTTPError, WebhookFailed) as exc:
            log.error("alert webhook failed", rule=alert.rule, error=str(exc))
            return False
        log.info("alert sent", rule=alert.rule, channel="webhook")
        return True

    async def _whatsapp(self, alert: Alert) -> bool:
        """Each admin number gets the alert as text; outside its 24-hour window (131047), the approved
        template with the alert as its one body parameter."""
        numbers = self.settings.alert_numbers
        if not numbers or self._messenger is None or not self._pnid:
            return False
        text = f"Hudhud alert ({alert.severity}): {alert.summary}"
        sent = False
        for number in numbers:
            try:
                await self._messenger.send_text(self._pnid, number, text)
                sent = True
            except GraphError as exc:
                template = self.settings.alert_template
                if exc.code != REENGAGEMENT_CODE or not template:
                    log.warning("alert on whatsapp refused", code=exc.code)
                    continue
                params = [{"type": "body", "parameters": [{"type": "text", "text": alert.summary[:1000]}]}]
                try:
                    await self._messenger.send_template(
                        self._pnid, number, template, self.settings.alert_template_lang, params
                    )
                    sent = True
                except GraphError as again:
                    log.warning("alert template refused", code=again.code)
        return sent


class AlertRules:
    """Which rules a window of aggregates and the events since the last look fire."""

    def __init__(self, settings: ObservabilitySettings) -> None:
        self.s = settings

    def evaluate(
        self,
        window: Mapping[str, float],
        *,
        queue_age_s: float | None = None,
        events: list[dict[str, Any]] = (),  # type: ignore[assignment]
    ) -> list[Alert]:
        s, out = self.s, []
        minutes = s.alert_window_min
        for path, limit in (("command", s.alert_command_p95_s), ("knowledge", s.alert_knowledge_p95_s)):
            turns = window.get(f"turns:{path}", 0)
            p95 = derived(window, f"p95:{path}")
            if turns >= s.alert_min_turns and p95 is not None and p95 > limit:
                out.append(
                    Alert(
                        rule=f"{path}_p95",
                        summary=f"{path} replies slow: p95 {p95:.1f} s over {int(turns)} turns in the last"
                        f" {minutes} min (threshold {limit:g} s)",
                        value=round(p95, 3),
                        threshold=limit,
                        details={"turns": turns},
                    )
                )
        turns, rate = window.get("turns", 0), derived(window, "error_rate")
        if turns >= s.alert_min_turns and rate is not None and rate > s.alert_error_rate:
            out.append(
                Alert(
                    rule="error_rate",
                    severity="critical",
                    summary=f"{rate:.0%} of {int(turns)} turn attempts failed in the last {minutes} min"
                    f" (threshold {s.alert_error_rate:.0%})",
                    value=round(rate, 4),
                    threshold=s.alert_error_rate,
                    details={"turns": turns},
                )
            )
        if queue_age_s is not None and queue_age_s > s.alert_queue_age_s:
            out.append(
                Alert(
                    rule="queue_age",
                    severity="critical",
                    summary=f"the oldest waiting message has waited {queue_age_s:.0f} s"
                    f" (threshold {s.alert_queue_age_s:g} s): workers are down or overwhelmed",
                    value=round(queue_age_s, 1),
                    threshold=s.alert_queue_age_s,
                )
            )
        dead = window.get("dead", 0)
        if dead >= s.alert_dead_letters:
            out.append(
                Alert(
                    rule="dead_letters",
                    summary=f"{int(dead)} turns or jobs dead-lettered in the last {minutes} min"
                    " (`hudhud dead list`)",
                    value=dead,
                    threshold=s.alert_dead_letters,
                )
            )
        out.extend(self._graph(window, events))
        if any(e.get("type") == "redis_data_lost" for e in events):
            out.append(
                Alert(
                    rule="redis_data_lost",
                    severity="critical",
                    summary="Redis lost its data (restarted without persistence, or flushed): messages queued"
                    " before were lost; new ones are answered",
                )
            )
        return out

    def _graph(self, window: Mapping[str, float], events: list[dict[str, Any]]) -> list[Alert]:
        out = []
        codes = {
            int(k.split(":")[1]): v
            for k, v in window.items()
            if k.startswith("graph_error:") and k[12:].isdigit()
        }
        quality = {c: n for c, n in codes.items() if c in QUALITY_CODES}
        updates = [e for e in events if e.get("type") in QUALITY_EVENTS]
        if quality or updates:
            said = ", ".join(f"{c} ×{int(n)}" for c, n in sorted(quality.items()))
            out.append(
                Alert(
                    rule="graph_quality",
                    severity="critical",
                    summary="Meta is holding the number back for spam or quality"
                    + (f" (codes {said})" if said else "")
                    + (f"; {len(updates)} quality/account update(s) received" if updates else ""),
                    details={"codes": {str(c): n for c, n in quality.items()}, "updates": updates[:5]},
                )
            )
        auth = {c: n for c, n in codes.items() if c in AUTH_ALERT_CODES}
        if auth:
            said = ", ".join(f"{c} ×{int(n)}" for c, n in sorted(auth.items()))
            out.append(
                Alert(
                    rule="graph_auth",
                    severity="critical",
                    summary=f"Graph refused the access token or a permission (codes {said}): nothing is sent",
                    details={"codes": {str(c): n for c, n in auth.items()}},
                )
            )
        return out


class AlertEvaluator:
    """The periodic loop: one holder of the lease at a time evaluates and sends."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        aggregates: Aggregates,
        sender: AlertSender,
        settings: ObservabilitySettings,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._aggregates = aggregates
        self.sender = sender
        self.settings = settings
        self.rules = AlertRules(settings)
        self._leases = Leases(redis, int(settings.alert_interval_s * 3000))
        self._token = uuid.uuid4().hex
        self._held = False
        # Events older than this process's start, less a window, were someone else's to judge.
        # Where each stream was last read, when Redis holds no position yet: the window's start.
        start = f"{int((time.time() - settings.alert_window_min * 60) * 1000)}-0"
        self._cursors = {"cursor": start, "ops-cursor": start}

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except (RedisError, OSError) as exc:
                log.warning("alert evaluation failed", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.alert_interval_s)
        if self._held:
            with contextlib.suppress(RedisError, OSError):
                await self._leases.release(self._keys.alert("lease"), self._token)

    async def tick(self) -> list[Alert]:
        """One evaluation, if this process holds the lease; the alerts that fired (sent or not)."""
        lease = self._keys.alert("lease")
        if self._held:
            self._held = (await self._leases.renew({lease: self._token}))[lease]
        if not self._held:
            self._held = await self._leases.acquire(lease, self._token)
        if not self._held:
            return []
        age = await self.sample()
        window = await self._aggregates.window(self.settings.alert_window_min)
        alerts = self.rules.evaluate(window, queue_age_s=age, events=await self._events())
        for alert in alerts:
            await self.sender.send(alert)
        for kind, events in (await self._ops()).items():  # raised elsewhere: replies not delivered...
            latest = events[-1]
            summary = f"{len(events)} {kind.replace('_', ' ')} event(s) since the last look"
            details = {"summary": summary, "count": len(events), **latest.model_dump(exclude_none=True)}
            await self.sender.event(kind, details, severity="critical")
        return alerts

    async def _ops(self) -> dict[str, list[OpsEvent]]:
        """Operator events (base/ops_events.py) since the last look, by kind; the position kept in Redis."""
        out: dict[str, list[OpsEvent]] = {}
        for _, raw in await self._since(self._keys.ops, "ops-cursor"):
            event = OpsEvent.from_fields(raw)
            out.setdefault(str(event.kind), []).append(event)
        return out

    async def _since(self, stream: str, cursor: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """A stream's entries after the position kept under `alert:<cursor>` (so the next lease holder
        goes on from it), and that position moved past them."""
        stored = await self._redis.get(self._keys.alert(cursor))
        after = _text(stored) if stored else self._cursors[cursor]
        try:
            rows = await self._redis.xrange(stream, min=f"({after}", count=1000)
        except ResponseError:
            rows = []
        if rows:
            self._cursors[cursor] = _text(rows[-1][0])
            await self._redis.set(self._keys.alert(cursor), self._cursors[cursor])
        return rows

    async def sample(self) -> float | None:
        """Queue depth, oldest age and dead letters into the gauges and this minute's aggregates."""
        k = self._keys
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(k.inbound)
            pipe.xrange(k.inbound, count=1)
            pipe.xlen(k.dead)
            pipe.time()
            depth, oldest, dead, (seconds, micros) = await pipe.execute()
        age = None
        if oldest:
            queued_ms = int(_text(oldest[0][0]).split("-")[0])
            age = max(0.0, (seconds * 1000 + micros // 1000 - queued_ms) / 1000)
        metrics.QUEUE_DEPTH.set(depth)
        metrics.QUEUE_OLDEST_AGE.set(age or 0.0)
        metrics.DEAD_LETTERS_HELD.set(dead)
        await self._aggregates.sample({"queue_depth": depth, "queue_age_s": round(age or 0.0, 1)})
        return age

    async def _events(self) -> list[dict[str, Any]]:
        """The events stream since the last look (its position kept in Redis for the next holder)."""
        out = []
        for eid, raw in await self._since(self._keys.events, "cursor"):
            kind = _text(raw.get(b"type", b""))
            if kind == "redis_data_lost" or kind in QUALITY_EVENTS:
                out.append({"type": kind, "id": _text(eid)})
        return out


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
