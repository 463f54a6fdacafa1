"""A reply that cannot be delivered (hudhud/undelivered.py), through the real pipeline and the fake Graph:
the user gets one notice in their language while the 24-hour window is open, never more; the operator
gets exactly one event in the `ops` stream, naming no phone number."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import REGISTRY

from base.catalog import t
from base.ops_events import OpsEvent
from base.turn import trace_id
from tests.helpers import PNID, envelope, failed_status, message, wait_for
from tests.pipeline import running_pipeline
from tests.test_delivery import live_settings

USER = "966500000001"
ARABIC_HELLO = "مرحبا، كيف الحال؟"


async def _async(value):
    return value


async def ops_events(p) -> list[OpsEvent]:
    return [OpsEvent.from_fields(fields) for _, fields in await p.redis.xrange(p.keys.ops)]


def texts(fake_graph) -> list[str]:
    return [m["text"]["body"] for m in fake_graph.delivered if m.get("type") == "text"]


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_permanent_refusal_inside_the_window_tells_the_user_and_the_operator(
    settings_factory, fake_graph
) -> None:
    before = _sample("hudhud_replies_undelivered_total", reason="permanent")
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        fake_graph.fail_next(1, status=400, code=100, to=USER)  # the reply itself is refused for good
        await p.deliver(envelope([message("wamid.perm", USER, ARABIC_HELLO)]))
        events = await wait_for(lambda: ops_events(p), timeout=10)
        await asyncio.sleep(0.3)
        # One notice, in the language the user wrote in, and nothing else reached them.
        assert texts(fake_graph) == [t("pipeline.undelivered", "ar")]
        assert len(fake_graph.sends) == 2
        assert len(events) == 1
        event = events[0]
        assert event.kind == "delivery_failed" and event.reason == "permanent" and event.notified
        assert (event.code, event.http_status) == (100, 400)
        assert event.trace_id == trace_id("wamid.perm") and event.turn_id
        assert event.conv.startswith(f"{PNID}:u:") and USER not in event.conv
        raw = (await p.redis.xrange(p.keys.ops))[0][1]
        assert all(USER.encode() not in v for v in raw.values())
    assert _sample("hudhud_replies_undelivered_total", reason="permanent") == before + 1


async def test_permanent_refusal_outside_the_window_tells_only_the_operator(
    settings_factory, fake_graph
) -> None:
    old = message("wamid.old", USER, "/ping")
    old["timestamp"] = str(int(time.time()) - 25 * 3600)  # the user last wrote 25 hours ago
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        fake_graph.fail_next(1, status=400, code=100, to=USER)
        await p.deliver(envelope([old]))
        events = await wait_for(lambda: ops_events(p), timeout=10)
        await asyncio.sleep(0.3)
        assert fake_graph.delivered == [] and len(fake_graph.sends) == 1  # no notice attempted
        assert len(events) == 1 and not events[0].notified and events[0].code == 100


async def test_unreachable_recipient_gets_no_notice(settings_factory, fake_graph) -> None:
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        fake_graph.fail_next(1, status=400, code=131026, to=USER)  # not on WhatsApp / blocked us
        await p.deliver(envelope([message("wamid.unr", USER, "/ping")]))
        events = await wait_for(lambda: ops_events(p), timeout=10)
        await asyncio.sleep(0.3)
        assert len(fake_graph.sends) == 1
        assert [(e.reason, e.code, e.notified) for e in events] == [("undeliverable", 131026, False)]


async def test_dead_lettered_reply_sends_one_notice(settings_factory, fake_graph) -> None:
    settings = live_settings(
        settings_factory, fake_graph, hudhud_graph_retries=0, hudhud_lease_ms=100, hudhud_max_attempts=2
    )
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(2, status=500, sends_only=True)  # both attempts of the turn; then Graph is back
        await p.deliver(envelope([message("wamid.dl", USER, "/ping")]))
        events = await wait_for(lambda: ops_events(p), timeout=15)
        await asyncio.sleep(0.5)
        assert len(await p.dead()) == 1
        assert texts(fake_graph) == [t("pipeline.undelivered", "en")]  # the notice, not the lost reply
        assert [(e.reason, e.http_status, e.notified) for e in events] == [("dead_letter", 500, True)]
        assert events[0].trace_id == trace_id("wamid.dl")


async def test_a_failing_notice_is_not_retried(settings_factory, fake_graph) -> None:
    settings = live_settings(
        settings_factory, fake_graph, hudhud_graph_retries=0, hudhud_lease_ms=100, hudhud_max_attempts=2
    )
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(50, status=500, sends_only=True)  # Graph stays down
        await p.deliver(envelope([message("wamid.down", USER, "/ping")]))
        events = await wait_for(lambda: ops_events(p), timeout=15)
        await asyncio.sleep(1.0)  # several reclaim rounds: nothing more may be sent or reported
        assert fake_graph.delivered == []
        assert len(fake_graph.sends) == 3  # two attempts of the reply, one of the notice
        assert [(e.reason, e.notified) for e in events] == [("dead_letter", False)]
        assert await p.redis.xlen(p.keys.inbound) == 0


async def test_failed_status_of_a_sent_reply_is_an_operator_event(settings_factory, fake_graph) -> None:
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        await p.deliver(envelope([message("wamid.st", USER, "/ping")]))
        turn_id = (await wait_for(p.turns))[0]["turn_id"]
        records = await p.container.delivery.outbox.load(turn_id)
        assert records is not None
        await p.deliver(envelope(statuses=[failed_status(records[0].wamid, 131026, "Message undeliverable")]))
        events = await wait_for(lambda: ops_events(p), timeout=10)
        assert [(e.reason, e.code, e.turn_id, e.notified) for e in events] == [
            ("undeliverable", 131026, turn_id, False)
        ]
        assert len(fake_graph.sends) == 1  # the reply only: no notice to someone we cannot reach
