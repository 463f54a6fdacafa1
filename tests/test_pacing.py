"""Outbound pacing under Meta's limits (channels/whatsapp/pacing.py): the shared Redis buckets on their
own, then through the real pipeline against the fake Graph — two workers under one rate, 131056 backed
off for that one user, no part lost or sent twice."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import REGISTRY

from base.keys import Keys
from channels.whatsapp.pacing import PaceLimits, Pacer, PacingTimeout
from tests.helpers import PNID, envelope, message, wait_for
from tests.pipeline import running_pipeline
from tests.test_delivery import live_settings

USER = "966500000001"
OTHER = "966500000002"


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _async(value):
    return value


# ---------------------------------------------------------------------- the buckets


async def test_a_burst_is_granted_then_the_next_send_is_told_to_wait(redis, redis_prefix) -> None:
    pacer = Pacer(redis, Keys(redis_prefix), PaceLimits(rate_per_s=10, burst=3, max_wait_s=5))
    deadline = time.monotonic() + 5
    for _ in range(3):
        assert await pacer.take(PNID, USER, deadline=deadline) == 0.0
    # The bucket is empty: the script names the number's bucket and a wait of about one refill (100 ms).
    keys = [pacer._keys.pace_number(PNID), pacer._keys.pace_pair(PNID, USER)]
    wait_ms, short = await pacer._script(keys=keys, args=["take", 10, 3, 1 / 6, 45])
    assert 0 < wait_ms <= 100 and short == 1
    assert await pacer.take(PNID, USER, deadline=deadline) > 0


async def test_the_pair_bucket_limits_one_user_and_not_the_others(redis, redis_prefix) -> None:
    limits = PaceLimits(rate_per_s=1000, burst=1000, pair_interval_s=60, pair_burst=2, max_wait_s=0.5)
    pacer = Pacer(redis, Keys(redis_prefix), limits)
    deadline = time.monotonic() + 0.5
    await pacer.take(PNID, USER, deadline=deadline)
    await pacer.take(PNID, USER, deadline=deadline)
    before = _sample("hudhud_pacing_timeouts_total")
    with pytest.raises(PacingTimeout) as info:  # the next token for USER is 60 s away: no waiting that out
        await pacer.take(PNID, USER, deadline=deadline)
    assert info.value.retryable and "pair" in str(info.value)
    assert _sample("hudhud_pacing_timeouts_total") == before + 1
    assert await pacer.take(PNID, OTHER, deadline=deadline) == 0.0
    # The state is shared: a second pacer (another worker) sees USER's bucket empty too.
    other_worker = Pacer(redis, Keys(redis_prefix), limits)
    with pytest.raises(PacingTimeout):
        await other_worker.take(PNID, USER, deadline=time.monotonic() + 0.5)


async def test_hold_backs_off_one_recipient_for_every_worker(redis, redis_prefix) -> None:
    limits = PaceLimits(max_wait_s=0.3)
    pacer, other_worker = (Pacer(redis, Keys(redis_prefix), limits) for _ in range(2))
    await pacer.hold(PNID, USER, 30)
    with pytest.raises(PacingTimeout):
        await other_worker.take(PNID, USER, deadline=time.monotonic() + 0.3)
    assert await other_worker.take(PNID, OTHER, deadline=time.monotonic() + 0.3) == 0.0
    ttl = await redis.pttl(pacer._keys.pace_pair(PNID, USER))
    assert ttl > 30_000  # kept until it is full again, then gone


# ---------------------------------------------------------------------- through the pipeline


async def test_two_workers_share_one_bucket_and_never_exceed_its_rate(settings_factory, fake_graph) -> None:
    rate, burst, users = 10, 2, 30
    settings = live_settings(
        settings_factory, fake_graph, hudhud_send_rate_per_s=rate, hudhud_send_burst=burst
    )
    waits_before = _sample("hudhud_pacing_waits_total", bucket="number")
    async with running_pipeline(settings, workers=2) as p:
        for i in range(users):
            await p.deliver(envelope([message(f"wamid.rate{i}", f"9665000010{i:02d}", "/ping")]))
        await wait_for(lambda: _async(len(fake_graph.delivered) >= users), timeout=20)
        await asyncio.sleep(0.2)
    sends = sorted(r.at for r in fake_graph.sends)
    assert len(sends) == users  # each reply once: waiting lost nothing and repeated nothing
    assert sorted(m["to"] for m in fake_graph.delivered) == sorted(f"9665000010{i:02d}" for i in range(users))
    # Sends per 1-second window, counted from Graph's log: at most the burst plus a second's refill (and
    # one send of slack for the network between the bucket and Graph). Unpaced, all 30 leave at once.
    busiest = max(sum(1 for t in sends if start <= t < start + 1.0) for start in sends)
    assert busiest <= burst + rate + 1, busiest
    assert _sample("hudhud_pacing_waits_total", bucket="number") > waits_before


async def test_pair_rate_limit_then_success_delivers_exactly_once(settings_factory, fake_graph) -> None:
    settings = live_settings(settings_factory, fake_graph, hudhud_pair_backoff_ms=50)
    hits_before = _sample("hudhud_graph_pair_rate_limited_total")
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(1, status=400, code=131056, to=USER)
        await p.deliver(envelope([message("wamid.pair", USER, "/ping")]))
        await wait_for(lambda: _async(fake_graph.delivered), timeout=10)
        turns = await wait_for(p.turns)
        await asyncio.sleep(0.3)
        assert len(fake_graph.sends) == 2  # refused once, then sent
        assert [m["text"]["body"][:4] for m in fake_graph.delivered] == ["pong"]
        assert [t["status"] for t in turns] == ["ok"]  # waited inside the turn: no retry of the turn
        assert await p.dead() == []
        assert await p.redis.xlen(p.keys.ops) == 0
    assert _sample("hudhud_graph_pair_rate_limited_total") == hits_before + 1


async def test_a_backed_off_user_does_not_hold_up_the_others(settings_factory, fake_graph) -> None:
    settings = live_settings(settings_factory, fake_graph, hudhud_pair_backoff_ms=500)
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(2, status=400, code=131056, to=USER)  # USER waits 0.5 s, then 2 s
        await p.deliver(envelope([message("wamid.slow", USER, "/ping")]))
        await wait_for(lambda: _async(fake_graph.sends), timeout=10)  # USER's first try was refused
        await p.deliver(envelope([message("wamid.fast", OTHER, "/ping")]))
        await wait_for(lambda: _async(len(fake_graph.delivered) >= 2), timeout=15)
        await asyncio.sleep(0.3)
    assert [m["to"] for m in fake_graph.delivered] == [OTHER, USER]
    assert [r.json["to"] for r in fake_graph.sends].count(USER) == 3


async def test_pair_back_off_past_the_wait_bound_retries_the_turn_without_loss(
    settings_factory, fake_graph
) -> None:
    settings = live_settings(
        settings_factory,
        fake_graph,
        hudhud_pair_backoff_ms=200,
        hudhud_pair_interval_s=0.1,  # after a back-off the bucket is empty: refilled fast here
        hudhud_pace_max_wait_s=0.5,
        hudhud_lease_ms=200,
    )
    async with running_pipeline(settings) as p:
        # 0.2 s after the first refusal fits the bound; 0.8 s after the second does not: the part stays
        # unsent, the turn is retried from it, and it is sent then.
        fake_graph.fail_next(2, status=400, code=131056, to=USER)
        await p.deliver(envelope([message("wamid.bound", USER, "/ping")]))
        await wait_for(lambda: _async(fake_graph.delivered), timeout=15)
        turns = await wait_for(lambda: _async_turns(p, 2), timeout=10)
        await asyncio.sleep(0.3)
        assert [t["status"] for t in turns] == ["retry", "ok"]
        assert len(fake_graph.delivered) == 1 and len(fake_graph.sends) == 3
        assert await p.dead() == []


async def _async_turns(p, n: int):
    turns = await p.turns()
    return turns if len(turns) >= n else None
