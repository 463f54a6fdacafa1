"""A conversation as the thread view shows it: the interaction log's turns of one user (oldest first),
each with the agent's trace and the tool calls recorded under its turn id, decrypted (base/sealing.py).

What people wrote — messages, replies, errors, tool arguments, the rendered prompts — is kept only for
a reader who may see texts (`texts=True`, admins); a viewer gets the figures and the trace's names:
path, outcome, timings, tokens, prompt versions, tools and their status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import redis.asyncio as aioredis

from base.keys import Keys
from base.sealing import Sealer, open_entry
from hudhud.interactions import Interaction

MARGIN_MS = 10 * 60 * 1000  # a trace is written during its turn, before the turn's log entry
AGENT_FIGURES = ("profile", "model", "mode", "lang", "prompts", "action", "routed_action", "outcome", "rules")
AGENT_FIGURES += (
    "sources",
    "memories",
    "history",
    "ms",
    "model_ms",
    "model_calls",
    "tokens_in",
    "tokens_out",
)
AGENT_TEXTS = ("args", "raw_args", "withheld_claim", "more", "rendered")
TOOL_TEXTS = ("args",)


@dataclass
class ThreadTurn:
    entry: Interaction
    agent: list[dict[str, Any]] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)


def matches(entry: Interaction, words: str) -> bool:
    """A case-insensitive search of a turn's message and reply."""
    needle = words.casefold()
    return needle in entry.text.casefold() or needle in entry.reply.casefold()


async def thread(
    redis: aioredis.Redis,
    keys: Keys,
    sealer: Sealer | None,
    wa_id: str,
    entries: Sequence[Interaction],
    *,
    texts: bool,
) -> list[ThreadTurn]:
    """`entries` (newest first, as the log answers) as a thread, oldest first, with their traces."""
    turns = [ThreadTurn(e if texts else _without_texts(e)) for e in reversed(entries)]
    if not turns:
        return []
    by_id = {t.entry.turn_id: t for t in turns}
    low = int(turns[0].entry.ts * 1000) - MARGIN_MS
    high = int(turns[-1].entry.ts * 1000) + MARGIN_MS
    for _, raw in await redis.xrange(keys.agent_traces, min=f"{max(low, 0)}-0", max=f"{high}-0"):
        if raw.get(b"wa_id", b"").decode() != wa_id:
            continue
        fields = open_entry(sealer, "agent", raw)
        turn = by_id.get(fields.get(b"turn_id", b"").decode())
        if turn is not None and b"trace" in fields:
            trace = orjson.loads(fields[b"trace"])
            turn.agent.append(trace if texts else {k: trace.get(k) for k in AGENT_FIGURES if k in trace})
    for _, raw in await redis.xrange(keys.tool_calls, min=f"{max(low, 0)}-0", max=f"{high}-0"):
        if raw.get(b"wa_id", b"").decode() != wa_id:
            continue
        call = {k.decode(): v.decode(errors="replace") for k, v in open_entry(sealer, "tools", raw).items()}
        turn = by_id.get(call.get("turn_id", ""))
        if turn is not None:
            if texts:
                call["args"] = orjson.loads(call.get("args") or "{}")
            else:
                call = {k: v for k, v in call.items() if k not in TOOL_TEXTS}
            turn.tools.append(call)
    return turns


def _without_texts(entry: Interaction) -> Interaction:
    hidden = "(hidden)" if entry.error else ""
    return entry.model_copy(update={"text": "", "reply": "", "error": hidden})
