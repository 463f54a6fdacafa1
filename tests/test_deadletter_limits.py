"""Dead letters hold people's messages: they are capped in number and removed after their retention,
when a new one is written and by the workers' housekeeping, with a real Redis and a running pipeline."""

from __future__ import annotations

import time

from hudhud.deadletters import DeadLetters
from tests.helpers import envelope, message, wait_for
from tests.pipeline import running_pipeline
from tests.test_delivery import USER, live_settings


async def test_dead_letters_are_capped(settings_factory, fake_graph) -> None:
    settings = live_settings(
        settings_factory, fake_graph, hudhud_graph_retries=0, hudhud_lease_ms=100, hudhud_max_attempts=1,
        hudhud_dead_maxlen=2,
    )  # fmt: skip
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(500, status=500)
        for n in range(4):  # one at a time: users' turns run side by side, so their deaths may not keep order
            await p.deliver(envelope([message(f"wamid.cap.{n}", f"{USER}{n}", "/ping")]))
            await wait_for(lambda n=n: _dead_turns(p, f"wamid.cap.{n}"), timeout=20)
        dead = await p.dead()
        assert len(dead) == 2  # the newest two; the older ones were dropped when these came
        assert "wamid.cap.2" in dead[0]["messages"] and "wamid.cap.3" in dead[-1]["messages"]


async def _dead_turns(p, wamid: str) -> bool:
    return any(wamid in d.get("messages", "") for d in await p.dead())


async def test_old_dead_letters_expire_in_housekeeping(settings_factory) -> None:
    settings = settings_factory(hudhud_dead_retention_s=3600)
    async with running_pipeline(settings) as p:
        two_hours_ago = int((time.time() - 7200) * 1000)
        await p.redis.xadd(p.keys.dead, {"kind": "turn", "conv": "x"}, id=f"{two_hours_ago}-0")
        await p.redis.xadd(p.keys.dead, {"kind": "turn", "conv": "recent"})
        await wait_for(lambda: _only_recent(p), timeout=10)  # housekeeping runs every half lease


async def _only_recent(p) -> bool:
    return [d["conv"] for d in await p.dead()] == ["recent"]


async def test_trim_reports_what_it_removed(redis, redis_prefix: str) -> None:
    from base.keys import Keys

    keys = Keys(redis_prefix)
    letters = DeadLetters(redis, keys)
    now = time.time()
    for age_s in (5000, 4000, 10, 5):
        await redis.xadd(keys.dead, {"kind": "job"}, id=f"{int((now - age_s) * 1000)}-0")
    assert await letters.trim(maxlen=10, retention_s=3600, now=now) == 2
    assert await letters.trim(maxlen=1, retention_s=3600, now=now) == 1
    assert await redis.xlen(keys.dead) == 1
