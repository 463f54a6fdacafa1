"""Abuse control through the real pipeline: counted at enqueue, decided when a turn is assembled and
before the responder runs; one polite notice per block in the user's language; the admin's override
over HTTP and on the command line. Meta always gets its 200."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from base.catalog import t
from base.channel import Job
from base.keys import Keys
from base.turn import ReplyPart, TextPart, Turn
from hudhud.abuse import AbuseGuard, Limits
from hudhud.enqueue import Enqueuer
from memory.links import IdentityLinks
from memory.throttles import Throttles
from tests.agent.test_agent_recorded import turn_of
from tests.conftest import REDIS_TEST_URL
from tests.helpers import envelope, message, wait_for
from tests.pipeline import Pipeline, running_pipeline

USER = "966500000071"
OTHER = "966500000072"


class Echo:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        self.seen.append(turn.text)
        return [TextPart(text=f"echo {turn.text}")]


@pytest.fixture(autouse=True)
async def _inside_one_minute() -> None:
    """The per-minute counters are exact inside one clock minute: start early enough in one."""
    left = 60 - time.time() % 60
    if left < 20:
        await asyncio.sleep(left + 0.2)


async def say(p: Pipeline, n: int, text: str, user: str = USER) -> dict[str, str]:
    """One message, answered (or held back) before the next is sent: its turn record."""
    accepted = await p.deliver(envelope([message(f"wamid.abuse.{user}.{n}", user, text)]))
    assert accepted  # the webhook's answer to Meta does not depend on the limits
    turns = await wait_for(lambda: _turns_of(p, user, n))
    return turns[-1]


async def _turns_of(p: Pipeline, user: str, n: int) -> list[dict[str, str]] | None:
    mine = [r for r in await p.turns() if r["conv"].endswith(f":{user}")]
    return mine if len(mine) >= n else None


async def test_a_number_over_its_budget_is_blocked_and_told_once(settings_factory) -> None:
    echo = Echo()
    settings = settings_factory(hudhud_rate_per_min=4, hudhud_block_s=60)
    async with running_pipeline(settings, responder=echo) as p:
        statuses = [(await say(p, i, f"message number {i}"))["status"] for i in range(1, 8)]
        assert statuses == ["ok", "ok", "ok", "ok", "limited", "blocked", "blocked"]
        assert echo.seen == [f"message number {i}" for i in range(1, 5)]  # no model call after the 4th
        replies = await p.reply_texts(USER)
        assert replies.count(t("abuse.blocked", "en")) == 1 and len(replies) == 5
        assert await Throttles(p.redis, p.keys).blocked(USER) == "rate"
        # Someone else is not held back by it.
        assert (await say(p, 1, "hello there", OTHER))["status"] == "ok"
        # The admin lifts it: the number starts afresh.
        assert await Throttles(p.redis, p.keys).unblock(USER)
        assert (await say(p, 8, "sorry, one more"))["status"] == "ok"
        assert echo.seen[-1] == "sorry, one more"


async def test_the_same_text_repeated_is_a_flood(settings_factory) -> None:
    echo = Echo()
    async with running_pipeline(settings_factory(hudhud_flood_repeats=3), responder=echo) as p:
        statuses = [(await say(p, i, "ابغى اشوف مهامي"))["status"] for i in range(1, 5)]
        assert statuses == ["ok", "ok", "flood", "blocked"]
        assert len(echo.seen) == 2
        assert t("abuse.blocked", "ar") in await p.reply_texts(USER)  # in the user's language


async def test_a_text_too_long_is_answered_without_the_model_and_without_a_block(settings_factory) -> None:
    echo = Echo()
    async with running_pipeline(settings_factory(hudhud_max_text_chars=40), responder=echo) as p:
        assert (await say(p, 1, "x" * 41))["status"] == "too_long"
        assert (await say(p, 2, "short one"))["status"] == "ok"
        assert echo.seen == ["short one"]
        assert (await p.reply_texts(USER))[0] == t("abuse.too_long", "en")


async def test_everyone_together_over_the_global_budget_sheds_load(settings_factory) -> None:
    echo = Echo()
    async with running_pipeline(settings_factory(hudhud_rate_global_per_min=3), responder=echo) as p:
        assert [(await say(p, i, f"hi number {i}"))["status"] for i in (1, 2)] == ["ok", "ok"]
        assert (await say(p, 1, "hello from me", OTHER))["status"] == "ok"
        assert (await say(p, 2, "and again", OTHER))["status"] == "busy"
        assert t("abuse.busy", "en") in await p.reply_texts(OTHER)
        assert not await Throttles(p.redis, p.keys).blocked(OTHER)  # shedding blocks nobody


async def test_a_job_that_waited_too_long_gets_an_apology(settings_factory) -> None:
    echo = Echo()
    async with running_pipeline(settings_factory(hudhud_shed_after_s=1), responder=echo, workers=0) as p:
        await p.deliver(envelope([message("wamid.late.1", USER, "are you there?")]))
        await asyncio.sleep(1.3)
        p.start_worker()
        turns = await wait_for(p.turns)
        assert turns[0]["status"] == "late" and echo.seen == []
        assert await p.reply_texts(USER) == [t("abuse.late", "en")]


async def test_an_exempt_number_skips_the_limits(settings_factory) -> None:
    echo = Echo()
    async with running_pipeline(settings_factory(hudhud_rate_per_min=2), responder=echo) as p:
        await Throttles(p.redis, p.keys).exempt(USER)
        statuses = [(await say(p, i, f"status update {i}"))["status"] for i in range(1, 5)]
        assert statuses == ["ok"] * 4


async def test_unlinked_numbers_have_a_smaller_budget(redis, redis_prefix: str) -> None:
    keys = Keys(redis_prefix)
    links = IdentityLinks(redis, keys)
    await links.link(USER, 7, role="member")
    guard = AbuseGuard(redis, keys, Limits(per_min=5, unlinked_per_min=2), links)
    enqueuer = Enqueuer(redis, keys, dedupe_ttl_s=7 * 86400, events_maxlen=100)
    verdicts: dict[str, list[str | None]] = {USER: [], OTHER: []}
    for n in range(4):
        for user in (USER, OTHER):
            data = orjson.dumps({"id": f"w.{user}.{n}", "wa_id": user}).decode()
            await enqueuer.enqueue(
                [Job(kind="message", conv=f"p:{user}", dedupe_id=f"w.{user}.{n}", data=data)]
            )
            verdict = await guard.check(turn_of(f"text {n}", wa_id=user), f"p:{user}")
            verdicts[user].append(verdict.status if verdict else None)
    assert verdicts[USER] == [None] * 4
    assert verdicts[OTHER] == [None, None, "limited", "blocked"]


async def test_the_flood_is_counted_only_once_the_rate_has_passed(redis, redis_prefix: str) -> None:
    """The rates and the flood count share one script: a turn over its number's budget, or of an exempt
    number, adds nothing to the flood count; a turn within it does."""
    keys = Keys(redis_prefix)
    guard = AbuseGuard(redis, keys, Limits(per_min=2, repeats=9), None)
    enqueuer = Enqueuer(redis, keys, dedupe_ttl_s=7 * 86400, events_maxlen=100)
    statuses: list[str | None] = []
    counts: list[int] = []
    for n in range(4):
        data = orjson.dumps({"id": f"w.flood.{n}", "wa_id": USER}).decode()
        await enqueuer.enqueue([Job(kind="message", conv=f"p:{USER}", dedupe_id=f"w.flood.{n}", data=data)])
        verdict = await guard.check(turn_of("the same", wa_id=USER), f"p:{USER}")
        statuses.append(verdict.status if verdict else None)
        counts.append(sum(int(v) for v in (await redis.hgetall(keys.flood(f"p:{USER}"))).values()))
    assert statuses == [None, None, "limited", "blocked"]
    assert counts == [1, 2, 2, 2]  # counted while within the budget only
    assert await redis.ttl(keys.flood(f"p:{USER}")) > 0
    await redis.sadd(keys.unthrottled, OTHER)
    data = orjson.dumps({"id": "w.flood.other", "wa_id": OTHER}).decode()
    await enqueuer.enqueue([Job(kind="message", conv=f"p:{OTHER}", dedupe_id="w.flood.other", data=data)])
    assert await guard.check(turn_of("the same", wa_id=OTHER), f"p:{OTHER}") is None
    assert await redis.exists(keys.flood(f"p:{OTHER}")) == 0  # exempt: never counted


async def test_the_admin_api_and_the_cli_lift_and_waive_blocks(
    settings_factory, monkeypatch, redis, redis_prefix: str
) -> None:
    from hudhud.app import create_app
    from hudhud.cli import app as cli
    from tests.helpers import live

    settings = settings_factory(hudhud_admin_password="s3cret", hudhud_block_s=600)
    app = create_app(settings, workers=0)
    with live(app) as server:
        throttles = Throttles(redis, Keys(redis_prefix))  # the service's data, from this test's loop
        async with httpx.AsyncClient(base_url=server.url, auth=("admin", "s3cret")) as http:
            await throttles.block(USER, "rate", 600)
            state = (await http.get(f"/admin/api/users/{USER}/throttle")).json()
            assert state["blocked"] == "rate" and 590 <= state["blocked_for_s"] <= 600
            lifted = (await http.post(f"/admin/api/users/{USER}/unblock")).json()
            assert lifted["unblocked"] is True and lifted["blocked"] is None
            assert (await http.put(f"/admin/api/users/{USER}/exempt")).json()["exempt"] is True
            assert (await http.put(f"/admin/api/users/{USER}/exempt?on=false")).json()["exempt"] is False
            denied = await httpx.AsyncClient(base_url=server.url).post(f"/admin/api/users/{USER}/unblock")
            assert denied.status_code == 401
        # The CLI goes through the running service.
        monkeypatch.setenv("HUDHUD_SERVICE_URL", server.url)
        monkeypatch.setenv("HUDHUD_ADMIN_PASSWORD", "s3cret")
        monkeypatch.setenv("HUDHUD_REDIS_PREFIX", settings.queue.redis_prefix)
        await throttles.block(USER, "flood", 600)
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["unblock", USER])  # its own event loop
        assert result.exit_code == 0, result.output
        assert orjson.loads(result.output.splitlines()[-1])["unblocked"] is True
        assert await throttles.blocked(USER) is None
        result = await asyncio.to_thread(CliRunner().invoke, cli, ["exempt", USER])
        assert result.exit_code == 0 and await throttles.is_exempt(USER)


async def test_the_cli_unblocks_without_a_service(monkeypatch, redis, redis_prefix: str) -> None:
    from hudhud.cli import app as cli

    throttles = Throttles(redis, Keys(redis_prefix))
    await throttles.block(USER, "rate", 600)
    monkeypatch.setenv("HUDHUD_SERVICE_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("HUDHUD_REDIS_PREFIX", redis_prefix)
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["unblock", USER])
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output.splitlines()[-1])["unblocked"] is True
    assert await throttles.blocked(USER) is None
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["exempt", USER, "--off"])
    assert result.exit_code == 0 and orjson.loads(result.output.splitlines()[-1])["exempt"] is False
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["unblock", "abc"])
    assert result.exit_code == 2 and "digits only" in result.output
