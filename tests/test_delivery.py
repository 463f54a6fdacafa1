"""Outbound through the real Graph client against the fake Graph server: storms, refusals, crashes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from base.commands import CommandRouter
from base.turn import ReplyPart, TextPart, Turn
from channels.whatsapp.messenger import Messenger
from hudhud.deadletters import DeadLetters
from hudhud.outbox import PartState
from tests.helpers import PNID, envelope, failed_status, message, wait_for
from tests.pipeline import running_pipeline

USER = "966500000001"


class TwoParts:
    def __init__(self) -> None:
        self.calls = 0

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        self.calls += 1
        return [TextPart(text=f"first {self.calls}"), TextPart(text=f"second {self.calls}")]


def live_settings(settings_factory, fake_graph, **overrides):
    values = {
        "whatsapp_access_token": "test-token",
        "whatsapp_phone_number_id": PNID,
        "whatsapp_api_base": fake_graph.base_url,
        "hudhud_graph_retries": 6,
    }
    values.update(overrides)
    return settings_factory(**values)


def texts(fake_graph) -> list[str]:
    """Texts Graph accepted (failed attempts excluded), oldest first."""
    return [m["text"]["body"] for m in fake_graph.delivered if m.get("type") == "text"]


async def test_reply_goes_to_graph_with_the_bots_token(settings_factory, fake_graph) -> None:
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        await p.deliver(envelope([message("wamid.1", USER, "/ping")]))
        await wait_for(lambda: _async(texts(fake_graph)))
        sent = [r for r in fake_graph.requests if r.path.endswith("/messages")]
        assert all(r.headers["authorization"] == "Bearer test-token" for r in sent)
        read = [m for m in fake_graph.messages if m.get("status") == "read"]
        assert read and read[0]["typing_indicator"] == {"type": "text"}
        assert await p.replies() == []  # nothing went to the sandbox


async def test_500_and_429_storms_are_delivered_once_after_retries(settings_factory, fake_graph) -> None:
    async with running_pipeline(
        live_settings(settings_factory, fake_graph), responder=CommandRouter(TwoParts())
    ) as p:
        fake_graph.fail_next(3, status=500)
        fake_graph.fail_next(2, status=429, code=130429, retry_after=0)
        await p.deliver(envelope([message("wamid.s", USER, "hi")]))
        await wait_for(lambda: _async(len(texts(fake_graph)) >= 2))
        await asyncio.sleep(0.3)
        assert texts(fake_graph) == ["first 1", "second 1"]


async def test_transient_failure_beyond_retries_resumes_at_the_unsent_part(
    settings_factory, fake_graph
) -> None:
    responder = TwoParts()
    settings = live_settings(settings_factory, fake_graph, hudhud_graph_retries=0, hudhud_lease_ms=200)
    async with running_pipeline(settings, responder=CommandRouter(responder)) as p:
        # mark_read and the first part succeed; the second part fails once, with no retries in the client.
        original = p.container.messengers.for_number(PNID).send_part
        calls = {"n": 0}

        async def flaky(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                fake_graph.fail_next(1, status=503)
            return await original(*args, **kwargs)

        p.container.messengers.for_number(PNID).send_part = flaky  # type: ignore[method-assign]
        await p.deliver(envelope([message("wamid.r", USER, "hi")]))
        await wait_for(lambda: _async(len(texts(fake_graph)) >= 2), timeout=10)
        await asyncio.sleep(0.3)
        # The reply was recorded once: the retry sent the recorded second part, not a new reply.
        assert texts(fake_graph) == ["first 1", "second 1"]
        assert responder.calls == 1
        turns = await p.turns()
        assert [t["status"] for t in turns] == ["retry", "ok"]


async def test_permanent_refusal_is_recorded_not_retried(settings_factory, fake_graph) -> None:
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        # mark_read goes first; then the reply is refused as undeliverable.
        fake_graph.fail_next(1, status=400, code=100)
        fake_graph.fail_next(1, status=400, code=131026)
        await p.deliver(envelope([message("wamid.p", USER, "/ping")]))
        turns = await wait_for(p.turns)
        assert turns[0]["status"] == "ok"
        records = await p.container.delivery.outbox.load(turns[0]["turn_id"])
        assert records is not None and records[0].state == PartState.undeliverable
        assert texts(fake_graph) == []


async def test_reengagement_status_sends_the_fallback_template(settings_factory, fake_graph) -> None:
    settings = live_settings(settings_factory, fake_graph, whatsapp_fallback_template="hudhud_followup")
    async with running_pipeline(settings) as p:
        await p.deliver(envelope([message("wamid.q", USER, "/ping")]))
        await wait_for(lambda: _async(texts(fake_graph)))
        turn_id = (await wait_for(p.turns))[0]["turn_id"]
        records = await p.container.delivery.outbox.load(turn_id)
        assert records is not None
        sent_id = records[0].wamid
        failed = failed_status(sent_id, 131047, "Re-engagement message", USER)
        await p.deliver(envelope(statuses=[failed]))
        templates = await wait_for(
            lambda: _async([m for m in fake_graph.messages if m.get("type") == "template"])
        )
        assert templates[0]["template"]["name"] == "hudhud_followup"
        assert templates[0]["to"] == USER

        async def fell_back() -> bool:
            recs = await p.container.delivery.outbox.load(turn_id)
            return bool(recs and recs[0].state == PartState.fallback)

        await wait_for(fell_back)
        # The same failure delivered again (Meta retries) sends nothing more.
        await p.deliver(envelope(statuses=[failed]))
        await asyncio.sleep(0.3)
        assert len([m for m in fake_graph.messages if m.get("type") == "template"]) == 1
        assert await p.redis.hget(p.keys.stats, "error:131047") == b"1"


async def test_undeliverable_status_marks_the_part(settings_factory, fake_graph) -> None:
    async with running_pipeline(live_settings(settings_factory, fake_graph)) as p:
        await p.deliver(envelope([message("wamid.v", USER, "/ping")]))
        turn_id = (await wait_for(p.turns))[0]["turn_id"]
        records = await p.container.delivery.outbox.load(turn_id)
        assert records is not None
        await p.deliver(envelope(statuses=[failed_status(records[0].wamid, 131026, "Message undeliverable")]))

        async def marked() -> bool:
            recs = await p.container.delivery.outbox.load(turn_id)
            return bool(recs and recs[0].state == PartState.undeliverable)

        await wait_for(marked)


class Crash(BaseException):
    """Stands for the process dying at this point: nothing after it runs, no handler catches it."""


class CrashingMessenger:
    """Wraps a messenger and dies once, before or after the real Graph call of the first reply part."""

    def __init__(self, inner: Messenger, when: str) -> None:
        self.inner = inner
        self.when = when
        self.crashed = False

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    async def send_part(self, *args, **kwargs) -> str:
        if not self.crashed and self.when == "before":
            self.crashed = True
            raise Crash
        wamid = await self.inner.send_part(*args, **kwargs)
        if not self.crashed and self.when == "after":
            self.crashed = True
            raise Crash
        return wamid


async def _crash_then_recover(settings_factory, fake_graph, when: str) -> tuple[list[str], int]:
    responder = TwoParts()
    settings = live_settings(settings_factory, fake_graph, hudhud_lease_ms=200)
    async with running_pipeline(settings, responder=CommandRouter(responder), workers=0) as p:
        pool = p.container.messengers
        real = pool.for_number(PNID)
        crashing = CrashingMessenger(real, when)
        pool.for_number = lambda pnid: crashing  # type: ignore[method-assign]
        await p.deliver(envelope([message(f"wamid.c{when}", USER, "hi")]))
        first = p.start_worker(name="doomed")
        await wait_for(lambda: _async(crashing.crashed))
        await asyncio.sleep(0.05)
        # The doomed worker "died": stop its loops without letting it touch Redis again.
        for task in asyncio.all_tasks():
            if task.get_name().startswith(("read", "renew", "reclaim")) or task.get_name()[:1].isdigit():
                task.cancel()
        first.stop()
        await asyncio.sleep(0.05)
        p.workers.clear()
        p.start_worker(name="survivor")
        await wait_for(lambda: _async(len(texts(fake_graph)) >= 2), timeout=10)
        await wait_for(lambda: _async_len(p.redis.xlen(p.keys.inbound), 0), timeout=10)
        await asyncio.sleep(0.2)
        return texts(fake_graph), responder.calls


async def test_crash_before_the_graph_call_sends_each_part_once(settings_factory, fake_graph) -> None:
    sent, calls = await _crash_then_recover(settings_factory, fake_graph, "before")
    assert sent == ["first 1", "second 1"]
    assert calls == 1  # the recorded reply was sent, not regenerated


async def test_crash_after_graph_accepted_resends_only_that_part(settings_factory, fake_graph) -> None:
    # The documented window: Graph took the part but the worker died before marking it sent.
    sent, calls = await _crash_then_recover(settings_factory, fake_graph, "after")
    assert sent == ["first 1", "first 1", "second 1"]
    assert calls == 1


async def test_turn_failing_too_often_is_dead_lettered_then_retried(settings_factory, fake_graph) -> None:
    settings = live_settings(
        settings_factory, fake_graph, hudhud_graph_retries=0, hudhud_lease_ms=100, hudhud_max_attempts=2
    )
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(50, status=500)
        await p.deliver(envelope([message("wamid.d", USER, "/ping")]))
        dead = await wait_for(p.dead, timeout=15)
        assert dead[0]["kind"] == "turn" and "wamid.d" in dead[0]["messages"]
        assert await p.redis.llen(p.keys.inbox(f"{PNID}:{USER}")) == 0
        # The operator was told (and the user's notice was tried while Graph still failed).
        await wait_for(lambda: _async_len(p.redis.xlen(p.keys.ops), 1), timeout=10)
        fake_graph.reset()
        letters = DeadLetters(p.redis, p.keys, p.container.cipher)
        listed = await letters.list()
        assert listed[0].kind == "turn"
        assert await letters.retry(listed[0].id)
        assert not await letters.retry(listed[0].id)
        replies = await wait_for(lambda: _async(texts(fake_graph)), timeout=10)
        assert replies[0].startswith("pong")


async def _async(value):
    return value


async def _async_len(coro, n: int) -> bool:
    return (await coro) == n


class Says:
    """Answers every turn with one fixed text (its language is the user's, as the agent's would be)."""

    def __init__(self, text: str) -> None:
        self.text = text

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        return [TextPart(text=self.text)]


def bot_with_templates(settings_factory, fake_graph, tmp_path, templates: str, **overrides):
    path = tmp_path / "bots.yaml"
    path.write_text(
        f"bots:\n  - phone_number_id: '{PNID}'\n    access_token: test-token\n"
        f"    fallback_templates: {templates}\n"
    )
    return settings_factory(hudhud_bots=path, whatsapp_api_base=fake_graph.base_url, **overrides)


def sent_templates(fake_graph) -> list[tuple[str, str]]:
    return [
        (m["template"]["name"], m["template"]["language"]["code"])
        for m in fake_graph.messages
        if m.get("type") == "template"
    ]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("تم، سأرد عليك قريبا", ("waiting_ar", "ar")), ("Done, talk soon", ("waiting_en", "en_US"))],
)
async def test_a_bots_fallback_template_is_chosen_by_the_users_language(
    settings_factory, fake_graph, tmp_path, reply: str, expected: tuple[str, str]
) -> None:
    templates = "{ar: waiting_ar, en_US: waiting_en}"
    settings = bot_with_templates(
        settings_factory, fake_graph, tmp_path, templates, whatsapp_fallback_template="global_followup"
    )
    async with running_pipeline(settings, responder=Says(reply)) as p:
        # The reply itself is refused at send time: the window closed (the read receipt passes).
        fake_graph.fail_next(1, status=400, code=131047, sends_only=True)
        await p.deliver(envelope([message("wamid.t", USER, "hi")]))
        assert await wait_for(lambda: _async(sent_templates(fake_graph))) == [expected]
        turn_id = (await wait_for(p.turns))[0]["turn_id"]
        records = await p.container.delivery.outbox.load(turn_id)
        assert records is not None and records[0].state == PartState.fallback


async def test_without_a_template_in_the_users_language_the_global_one_is_sent(
    settings_factory, fake_graph, tmp_path
) -> None:
    settings = bot_with_templates(
        settings_factory, fake_graph, tmp_path, "{ar: waiting_ar}",
        whatsapp_fallback_template="global_followup", whatsapp_fallback_template_lang="en",
    )  # fmt: skip
    async with running_pipeline(settings, responder=Says("Done, talk soon")) as p:
        await p.deliver(envelope([message("wamid.g", USER, "hi")]))
        await wait_for(lambda: _async(texts(fake_graph)))
        turn_id = (await wait_for(p.turns))[0]["turn_id"]
        records = await p.container.delivery.outbox.load(turn_id)
        assert records is not None
        failed = failed_status(records[0].wamid, 131047, "Re-engagement message", USER)
        failed["phone_number_id"] = PNID
        await p.deliver(envelope(statuses=[failed]))
        assert await wait_for(lambda: _async(sent_templates(fake_graph))) == [("global_followup", "en")]
