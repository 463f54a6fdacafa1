"""One trace id per inbound message, through the queue, the agent's turn, the tools' HTTP calls and the
send: every log line of the turn carries it, the turns stream records it, the core API receives it."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import httpx
import structlog

from base.turn import ReplyPart, TextPart, Turn, trace_id
from hudhud.logging import configure_logging
from tests.helpers import envelope, message, uncache_loggers, wait_for
from tests.pipeline import running_pipeline
from tests.test_delivery import USER, live_settings
from tools.client import CoreApiClient


class Thinking:
    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        structlog.get_logger("test").info("thinking")
        return [TextPart(text="hello")]


async def test_every_line_of_a_turn_names_its_trace(settings_factory, fake_graph) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream, hash_key=b"k")
    uncache_loggers()
    try:
        settings = live_settings(settings_factory, fake_graph, hudhud_graph_retries=0)
        async with running_pipeline(settings, responder=Thinking()) as p:
            fake_graph.fail_next(1, status=400, code=100)  # mark-as-read refused
            fake_graph.fail_next(1, status=400, code=131026)  # the reply refused: logged in the turn
            await p.deliver(envelope([message("wamid.trace.1", USER, "hi there")]))
            turns = await wait_for(p.turns)
    finally:
        uncache_loggers()
    expected = trace_id("wamid.trace.1")
    assert turns[0]["trace_id"] == expected
    rows = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    in_turn = [r for r in rows if r["event"] in ("thinking", "graph_failed", "reply part refused")]
    assert {r["event"] for r in in_turn} == {"thinking", "graph_failed", "reply part refused"}
    assert [(r["event"], r.get("trace_id"), r.get("turn_id")) for r in in_turn] == [
        (r["event"], expected, turns[0]["turn_id"]) for r in in_turn
    ]
    assert not [r for r in rows if r["event"] == "worker started" and "trace_id" in r]  # only inside turns


async def test_the_core_api_receives_the_trace() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("X-Trace-Id"))
        return httpx.Response(200, json={"ok": True})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = CoreApiClient("http://core.invalid", "service-token-0123456789abcdef0123", http=http)
    with structlog.contextvars.bound_contextvars(trace_id="tr_0123456789abcdef"):
        await client.service("GET", "/links/x")
    await client.service("GET", "/links/y")
    assert seen == ["tr_0123456789abcdef", None]
    await http.aclose()


def test_a_trace_id_is_stable_short_and_opaque() -> None:
    assert trace_id("wamid.ABC") == trace_id("wamid.ABC") != trace_id("wamid.ABD")
    assert trace_id("wamid.ABC").startswith("tr_") and len(trace_id("wamid.ABC")) == 19
    assert "ABC" not in trace_id("wamid.ABC")
