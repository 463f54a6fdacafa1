"""The interaction log and the per-minute aggregates, filled by real pipeline runs against the fake Graph:
queries by user, time and outcome, retention, the admin API, the CLI and the Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
import pytest
from prometheus_client import generate_latest
from typer.testing import CliRunner

from base.commands import CommandRouter
from base.notes import note_model, note_path, note_tool, taking_notes
from base.turn import ReplyPart, TextPart, Turn
from hudhud.aggregates import Aggregates, derived, latency_fields, percentile
from hudhud.app import create_app
from hudhud.cli import app as cli
from hudhud.interactions import InteractionLog, outcome_of, parse_when
from tests.conftest import REDIS_TEST_URL
from tests.helpers import PNID, envelope, message, wait_for

SARA, OMAR = "966500000101", "966500000202"


class Scripted:
    """Stands in for the agent: notes what the agent notes (path, model, tools) by what the text says."""

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        text = turn.text
        if "boom" in text:
            raise RuntimeError("the model fell over")
        if "kb" in text:
            note_path("knowledge", action="answer", outcome="answered")
            note_model(tokens_in=120, tokens_out=30, ms=250.0)
            return [TextPart(text="from the handbook")]
        if "create" in text:
            note_path("command", action="create_task", outcome="failed")
            note_tool("create_task", "error", 500, 12.0)
            return [TextPart(text="could not create it")]
        if "delete" in text:
            note_path("command", action="delete_task", outcome="failed")
            note_tool("delete_task", "error", 403, 8.0)
            return [TextPart(text="not allowed")]
        note_path("small_talk", action="answer", outcome="answered")
        return [TextPart(text="hello to you")]


def live_settings(settings_factory, fake_graph, **overrides):
    values = {
        "whatsapp_access_token": "test-token",
        "whatsapp_phone_number_id": PNID,
        "whatsapp_api_base": fake_graph.base_url,
    }
    values.update(overrides)
    return settings_factory(**values)


async def _run(p, texts: list[tuple[str, str, str]]) -> None:
    for wamid, user, text in texts:
        await p.deliver(envelope([message(wamid, user, text)]))
        await wait_for(lambda w=wamid: _logged(p, w), timeout=15)


async def _logged(p, wamid: str) -> bool:
    entries = await p.container.interactions.query(limit=100)
    return any(wamid in e.message_ids and e.status != "retry" for e in entries)


async def test_a_pipeline_run_fills_the_log_and_the_aggregates(settings_factory, fake_graph) -> None:
    from tests.pipeline import running_pipeline

    # One attempt (the failing turn is logged as failed, not retried), and a lease long enough that a
    # turn slowed by a busy machine is not reclaimed from under its worker.
    settings = live_settings(settings_factory, fake_graph, hudhud_max_attempts=1, hudhud_lease_ms=5000)
    async with running_pipeline(settings, responder=CommandRouter(Scripted())) as p:
        started = time.time()
        await _run(
            p,
            [
                ("wamid.a1", SARA, "/ping"),
                ("wamid.a2", SARA, "what does the kb say about leave?"),
                ("wamid.a3", SARA, "create a task"),
                ("wamid.b1", OMAR, "hi"),
                ("wamid.b2", OMAR, "delete task 4"),
                ("wamid.b3", OMAR, "boom"),
            ],
        )
        log = p.container.interactions
        sara = await log.query(wa_id=SARA)
        assert [e.message_ids for e in sara] == [["wamid.a3"], ["wamid.a2"], ["wamid.a1"]]  # newest first
        assert {e.wa_id for e in sara} == {SARA}
        ping, kb, create = sara[2], sara[1], sara[0]
        assert (ping.path, ping.action, ping.outcome, ping.text) == ("command", "/ping", "ok", "/ping")
        assert ping.reply and ping.trace_id.startswith("tr_") and ping.types == ["text"]
        assert (kb.path, kb.outcome, kb.reply, kb.tokens_in, kb.model_ms) == (
            "knowledge", "ok", "from the handbook", 120, 250.0,
        )  # fmt: skip
        assert (create.path, create.outcome) == ("command", "tool_failed")
        assert [(t.tool, t.outcome, t.status) for t in create.tools] == [("create_task", "error", 500)]

        omar = await log.query(wa_id=OMAR)
        assert [e.outcome for e in omar] == ["error", "refused", "ok"]
        assert omar[0].status == "failed" and omar[0].reply  # the apology was sent and logged
        assert omar[2].path == "small_talk"

        assert [e.message_ids for e in await log.query(outcome="tool_failed")] == [["wamid.a3"]]
        assert [e.wa_id for e in await log.query(outcome=["refused", "error"])] == [OMAR, OMAR]
        assert await log.query(wa_id=OMAR, outcome="tool_failed") == []
        assert len(await log.query(since=started - 1)) == 6
        assert await log.query(until=started - 60) == []
        mid = sara[1].ts  # Redis's clock: the time the range is read by
        assert [e.message_ids for e in await log.query(wa_id=SARA, until=mid)] == [["wamid.a2"], ["wamid.a1"]]
        assert len(await log.query(limit=2)) == 2

        window = await p.container.aggregates.window(5)
        assert window["msg_in"] == 6 and window["msg_in:text"] == 6
        assert window["msg_out"] == 6  # every reply reached Graph
        assert window["turns"] == 6 and window["turns:command"] == 3
        # the turn whose responder raised noted no path: "other"
        assert (window["turns:knowledge"], window["turns:small_talk"], window["turns:other"]) == (1, 1, 1)
        assert (window["outcome:ok"], window["outcome:tool_failed"], window["outcome:refused"]) == (3, 1, 1)
        assert window["errors"] == window["outcome:error"] == 1
        assert window["tool:create_task:failed"] == 1 and window["tool:delete_task:failed"] == 1
        assert (window["tokens_in"], window["tokens_out"], window["model_calls"]) == (120, 30, 1)
        assert sum(v for k, v in window.items() if k.startswith("lat:command:")) == 3
        assert percentile(window, "command", 0.95) is not None
        series = await p.container.aggregates.series("turns", started - 60, time.time())
        assert sum(pt.value or 0 for pt in series) == 6 and all(pt.ts % 60 == 0 for pt in series)


async def test_metrics_carry_paths_tools_and_graph_codes_but_no_number(settings_factory, fake_graph) -> None:
    from tests.pipeline import running_pipeline

    settings = live_settings(settings_factory, fake_graph, hudhud_graph_retries=0)
    async with running_pipeline(settings, responder=CommandRouter(Scripted())) as p:
        # The knowledge path of its own turn: the turn retried below is counted as "other" (its reply is
        # sent again, its responder not asked again), and without this turn the line below was found only
        # when an earlier test in the same process had answered from the knowledge base.
        await _run(p, [("wamid.m0", SARA, "what does the kb say first")])
        await _run(p, [("wamid.m1", SARA, "/ping"), ("wamid.m2", SARA, "create a task")])
        # the first refusal meets the read receipt, the second the reply: sent again with the turn's retry
        fake_graph.fail_next(2, status=400, code=131048)  # spam rate limit
        await p.deliver(envelope([message("wamid.m3", SARA, "what does the kb say")]))
        await wait_for(lambda: _logged(p, "wamid.m3"), timeout=15)
        fake_graph.fail_next(2, status=400, code=131026)  # undeliverable: recorded, not retried
        await p.deliver(envelope([message("wamid.m4", SARA, "hello")]))
        await wait_for(lambda: _logged(p, "wamid.m4"), timeout=15)
        window = await p.container.aggregates.window(5)
        assert window["graph_error:131048"] == 1 and window["graph_error:131026"] == 1
        assert window["msg_out_failed"] == 1 and window["errors"] == 1  # the attempt 131048 cut short
        assert [e.outcome for e in await p.container.interactions.query(wa_id=SARA, limit=2)] == ["ok", "ok"]

        app = create_app(settings)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hudhud") as http:
            text = (await http.get("/metrics")).text
    assert 'hudhud_reply_seconds_count{path="command"}' in text
    assert 'hudhud_reply_seconds_count{path="knowledge"}' in text
    assert 'hudhud_messages_in_total{status="queued",type="text"}' in text
    assert 'hudhud_messages_out_total{status="sent",type="text"}' in text
    assert 'hudhud_messages_out_total{status="undeliverable",type="text"}' in text
    assert 'hudhud_messages_out_total{status="error",type="text"}' in text
    assert 'hudhud_tool_calls_total{result="failed",tool="create_task"}' in text
    assert 'hudhud_graph_errors_total{code="131048"}' in text
    assert 'hudhud_graph_errors_total{code="131026"}' in text
    assert 'hudhud_model_tokens_total{direction="in"}' in text
    for name in ("hudhud_queue_depth", "hudhud_queue_oldest_age_seconds", "hudhud_dead_letters_total",
                 "hudhud_turns_limited_total", "hudhud_model_seconds_bucket"):  # fmt: skip
        assert name in text
    assert SARA not in text and SARA not in generate_latest().decode()


async def test_retention_trims_the_log_and_the_detail_streams(redis, redis_prefix) -> None:
    from base.keys import Keys
    from base.turn import InboundMessage

    keys = Keys(redis_prefix)
    log = InteractionLog(redis, keys, retention_s=3600)
    msg = InboundMessage(id="wamid.r", wa_id=SARA, phone_number_id=PNID, type="text", text="hello")
    await log.record(
        conv=f"{PNID}:{SARA}", turn_id="t_1", attempt=1, messages=[msg], status="ok", seconds=0.2
    )
    await redis.xadd(keys.tool_calls, {"tool": "x"})
    await redis.xadd(keys.agent_traces, {"trace": "{}"})
    assert len(await log.query(wa_id=SARA)) == 1
    assert await log.trim() == 0  # nothing is an hour old yet
    assert await redis.ttl(keys.turns_of(SARA)) > 3500  # the index expires with the retention
    assert await log.trim(now=time.time() + 3601) == 3
    assert await log.query(wa_id=SARA) == [] and await log.query() == []
    assert await redis.xlen(keys.tool_calls) == 0 and await redis.xlen(keys.agent_traces) == 0


async def test_texts_go_in_and_out_through_the_one_seal(redis, redis_prefix) -> None:
    from base.keys import Keys
    from base.turn import InboundMessage

    keys = Keys(redis_prefix)
    log = InteractionLog(
        redis, keys, retention_s=3600,
        seal=lambda text, conv, field: f"sealed[{conv}:{field}]{text[::-1]}",
        unseal=lambda stored, conv, field: stored.removeprefix(f"sealed[{conv}:{field}]")[::-1],
    )  # fmt: skip
    msg = InboundMessage(id="wamid.s", wa_id=SARA, phone_number_id=PNID, type="text", text="my secret plan")
    conv = f"{PNID}:{SARA}"
    await log.record(
        conv=conv, turn_id="t_2", attempt=1, messages=[msg], status="ok", seconds=0.1,
        parts=[TextPart(text="noted")],
    )  # fmt: skip
    raw = (await redis.xrange(keys.turns))[0][1]
    assert b"my secret plan" not in b"".join(raw.values()) and b"noted" not in b"".join(raw.values())
    [entry] = await log.query(wa_id=SARA)
    assert (entry.text, entry.reply) == ("my secret plan", "noted")


async def test_the_admin_api_and_the_cli_query_the_log(settings_factory, monkeypatch, tmp_path) -> None:
    from tests.pipeline import running_pipeline

    settings = settings_factory()
    async with running_pipeline(settings, responder=CommandRouter(Scripted())) as p:
        await _run(p, [("wamid.c1", SARA, "hi"), ("wamid.c2", OMAR, "create a task")])
        app = create_app(settings)
        app.state.container = p.container
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hudhud") as http:
            mine = (await http.get("/admin/api/log", params={"user": OMAR, "since": "10m"})).json()
            failed = (await http.get("/admin/api/log", params={"outcome": "tool_failed"})).json()
            bad_time = await http.get("/admin/api/log", params={"since": "yesterday-ish"})
            bad_outcome = await http.get("/admin/api/log", params={"outcome": "meh"})
            bad_user = await http.get("/admin/api/log", params={"user": "+966 50"})
            series = (
                await http.get("/admin/api/aggregates", params={"metric": "turns", "since": "5m"})
            ).json()
            p95 = (await http.get("/admin/api/aggregates", params={"metric": "p95:small_talk"})).json()
            bad_metric = await http.get("/admin/api/aggregates", params={"metric": "x y"})
        outside = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=outside, base_url="http://hudhud") as http:
            assert (await http.get("/admin/api/log")).status_code == 403

        assert [e["message_ids"] for e in mine["entries"]] == [["wamid.c2"]]
        assert [e["wa_id"] for e in failed["entries"]] == [OMAR]
        assert bad_time.status_code == 422 and "15m" in bad_time.json()["detail"]
        assert bad_outcome.status_code == 422 and "tool_failed" in bad_outcome.json()["detail"]
        assert bad_user.status_code == 422 and bad_metric.status_code == 422
        assert sum(pt["value"] or 0 for pt in series["points"]) == 2
        assert any(pt["value"] for pt in p95["points"])

        monkeypatch.chdir(tmp_path)
        env = {"REDIS_URL": REDIS_TEST_URL, "HUDHUD_REDIS_PREFIX": settings.queue.redis_prefix,
               "WHATSAPP_APP_SECRET": "s", "HUDHUD_DATA_DIR": str(tmp_path), "COLUMNS": "200"}  # fmt: skip
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        runner = CliRunner()
        as_json = await asyncio.to_thread(
            runner.invoke, cli, ["log", "--user", OMAR, "--outcome", "tool_failed", "--json"]
        )
        assert as_json.exit_code == 0, as_json.output
        assert '"wamid.c2"' in as_json.output and SARA not in as_json.output
        table = await asyncio.to_thread(runner.invoke, cli, ["log", "--since", "1h"])
        assert table.exit_code == 0 and "small_talk" in table.output and "tool_failed" in table.output
        wrong = await asyncio.to_thread(runner.invoke, cli, ["log", "--since", "soon"])
        assert wrong.exit_code == 2 and "not a time" in wrong.output


def test_outcomes_and_times_are_read_as_documented() -> None:
    with taking_notes() as notes:
        note_tool("create_task", "ok", 200, 3)
        assert outcome_of("ok", notes) == "ok"
        note_tool("assign_task", "unavailable", 0, 3)
        assert outcome_of("ok", notes) == "tool_failed"
        note_tool("undo", "declined:nothing", 200, 1)
        assert outcome_of("ok", notes) == "refused"
    note_tool("outside", "error", 500, 1)  # no turn: dropped, no error
    statuses = ("timeout", "dead", "flood", "busy", "unsupported", "paused", "human")
    assert [outcome_of(s, None) for s in statuses] == [
        "error", "error", "limited", "limited", "refused", "handoff", "handoff",
    ]  # fmt: skip
    now = 1_800_000_000.0
    assert parse_when("15m", now=now) == now - 900 and parse_when("2d", now=now) == now - 172_800
    assert parse_when("2026-05-01", now=now) == 1_777_593_600.0
    assert parse_when("1700000000") == 1_700_000_000.0
    with pytest.raises(ValueError, match="not a time"):
        parse_when("next week")


def test_percentiles_come_from_the_histogram() -> None:
    counts: dict[str, float] = {}
    for seconds in [0.4] * 90 + [6.0] * 10:
        for k, v in latency_fields("command", seconds).items():
            counts[k] = counts.get(k, 0) + v
    assert percentile(counts, "command", 0.5) == pytest.approx(0.3889, abs=1e-3)  # inside (0.25, 0.5]
    assert 5 < percentile(counts, "command", 0.95) <= 8  # type: ignore[operator]
    assert percentile(counts, "knowledge", 0.95) is None
    assert derived({"turns": 4, "errors": 1}, "error_rate") == 0.25 and derived({}, "error_rate") is None


async def test_aggregates_expire_and_read_by_minute(redis, redis_prefix) -> None:
    from base.keys import Keys

    store = Aggregates(redis, Keys(redis_prefix), ttl_s=7200)
    at = 1_800_000_030.0
    await store.add({"msg_in": 2, "lat_ms:command": 12.5}, now=at)
    await store.add({"msg_in": 1}, now=at + 60)
    await store.sample({"queue_depth": 7}, now=at + 60)
    assert 7000 < await redis.ttl(Keys(redis_prefix).minute(int(at // 60))) <= 7200
    points = await store.series("msg_in", at - 60, at + 120)
    assert [(pt.ts - 1_800_000_000, pt.value) for pt in points] == [
        (-60, None),
        (0, 2.0),
        (60, 1.0),
        (120, None),
    ]
    window = await store.window(3, now=at + 60)
    assert window["msg_in"] == 3 and window["queue_depth"] == 7 and window["lat_ms:command"] == 12.5


def test_the_agent_names_its_path_by_what_it_did() -> None:
    from agent.agent import AgentTrace, turn_path

    def path(outcome: str, sources: list[str] | None = None) -> str:
        trace = AgentTrace(turn_id="t", profile="exec", model="m", mode="router", lang="en", outcome=outcome)
        trace.sources = sources or []
        return turn_path(trace)

    assert path("answered", ["handbook.md"]) == path("unknown") == "knowledge"
    assert path("answered") == path("capabilities") == "small_talk"
    assert path("executed") == path("failed") == path("confirm") == path("remembered") == "command"
