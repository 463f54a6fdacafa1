"""Webhook replay: raw WhatsApp webhook bodies posted signed to a running service, each checked for
its HTTP status and the number of replies the sandbox messenger captured (GET /sandbox/messages).

Message ids get a per-run suffix, so a replay can run again (the service drops wamids it has seen).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import orjson

from base.settings import Settings
from evals import webhook
from evals.harness import reply_of
from evals.results import CaseResult, Score, TurnRecord
from evals.suite import ReplayBody, ReplaySuite

WEBHOOK_PATH = "/webhook/whatsapp"


async def replay_suite(
    suite: ReplaySuite,
    url: str | None,
    settings: Settings,
    *,
    timeout_s: float = 60.0,
    settle_s: float = 1.0,
) -> list[CaseResult]:
    base = (url or settings.admin.service_url).rstrip("/")
    secret = (
        settings.whatsapp.app_secret.get_secret_value().encode() if settings.whatsapp.app_secret else None
    )
    suffix = uuid.uuid4().hex[:8]
    results = []
    # The sandbox outbox is behind the admin guard (dev only): the password when one is set.
    password = settings.admin.password
    auth = ("admin", password.get_secret_value()) if password else None
    async with httpx.AsyncClient(base_url=base, timeout=30, auth=auth) as http:
        for body in suite.bodies:
            results.append(await _replay_one(http, suite, body, secret, suffix, timeout_s, settle_s))
    return results


async def _replay_one(
    http: httpx.AsyncClient,
    suite: ReplaySuite,
    body: ReplayBody,
    secret: bytes | None,
    suffix: str,
    timeout_s: float,
    settle_s: float,
) -> CaseResult:
    fresh = webhook.with_fresh_ids(body.body, suffix)
    raw = orjson.dumps(fresh)
    messages = webhook.messages_of(fresh)
    turn = TurnRecord(index=0, user=_describe(messages))
    result = CaseResult(suite=suite.name, case_id=body.name, tags=["replay"], model="service", turns=[turn])
    started = time.perf_counter()
    try:
        to = webhook.recipients(fresh)
        before = {wa: len(await _sent(http, wa)) for wa in to}
        headers = {"content-type": "application/json"}
        if (signature := webhook.signature_of(raw, secret)) is not None:
            headers["x-hub-signature-256"] = signature
        response = await http.post(WEBHOOK_PATH, content=raw, headers=headers)
        http_status = response.status_code
        deadline = time.monotonic() + (timeout_s if body.replies else settle_s)
        replies = await _new(http, to, before)
        while len(replies) < max(body.replies, 1) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            replies = await _new(http, to, before)
        if body.replies and len(replies) >= body.replies:
            await asyncio.sleep(settle_s)  # an extra reply would come right after the expected ones
            replies = await _new(http, to, before)
        turn.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        turn.replies = [reply_of(m.get("payload") or {}) for m in reversed(replies)]
    except httpx.HTTPError as exc:
        result.error = f"{type(exc).__name__}: {exc} (is the service running at {http.base_url}?)"
        http_status = 0
    details = []
    if result.error is None and http_status != body.status:
        details.append(f"HTTP {http_status}, expected {body.status}")
    if result.error is None and len(turn.replies) != body.replies:
        details.append(f"{len(turn.replies)} replies, expected {body.replies}")
    if result.error:
        details.append(result.error)
    turn.status = "ok" if result.error is None and http_status == body.status else f"http_{http_status}"
    result.scores["replay"] = Score(
        name="replay", passed=not details, value=0.0 if details else 1.0, details=details
    )
    result.success = not details
    result.duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


async def _new(http: httpx.AsyncClient, to: list[str], before: dict[str, int]) -> list[dict[str, Any]]:
    """Messages sent to these numbers since `before` (newest first)."""
    out: list[dict[str, Any]] = []
    for wa in to:
        sent = await _sent(http, wa)
        out.extend(sent[: max(0, len(sent) - before[wa])])
    return out


async def _sent(http: httpx.AsyncClient, wa_id: str) -> list[dict[str, Any]]:
    response = await http.get("/sandbox/messages", params={"to": wa_id, "limit": 1000})
    response.raise_for_status()
    return list(response.json())


def _describe(messages: list[dict[str, Any]]) -> str:
    if not messages:
        return "[no messages: statuses or other fields]"
    parts = []
    for m in messages:
        kind = m.get("type", "?")
        text = (m.get("text") or {}).get("body") if kind == "text" else None
        parts.append(text if text else f"[{kind}]")
    return "\n".join(parts)
