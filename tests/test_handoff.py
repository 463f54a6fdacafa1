"""Handoff (hudhud/handoff.py) through the real pipeline and the fake Graph: a paused user's messages are
recorded (once each) and never reach the agent; a person's reply is delivered once however often it is
submitted; after the 24-hour window the fallback template goes instead; given back, the bot answers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence

import pytest

from base.responder import Responder
from base.turn import ReplyPart, TextPart, Turn
from hudhud.aggregates import Aggregates
from hudhud.handoff import Handoff, HandoffRefused, send_human_reply
from tests.helpers import envelope, message, wait_for
from tests.pipeline import Pipeline, running_pipeline
from tests.test_delivery import live_settings, texts

USER = "966500000007"


class Counting(Responder):
    """Answers every turn with its text, and counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        self.calls += 1
        return [TextPart(text=f"bot: {turn.text}")]


async def statuses(p: Pipeline) -> list[str]:
    return [t["status"] for t in await p.turns()]


async def handed_over(p: Pipeline) -> float:
    """The overview's count of turns handed to a person (the per-minute aggregates, last hour)."""
    now = time.time()
    rows = await Aggregates(p.redis, p.keys, ttl_s=0).minutes(now - 3600, now)
    return sum(counts.get("outcome:handoff", 0.0) for _, counts in rows)


async def reply(p: Pipeline, text: str, token: str, **kwargs: object):
    return await send_human_reply(
        p.container,
        wa_id=USER,
        text=text,
        token=token,
        fallback_template=kwargs.get("template"),  # type: ignore[arg-type]
        fallback_language="ar",
    )


async def test_paused_turns_are_recorded_and_a_human_reply_is_sent_once(settings_factory, fake_graph) -> None:
    bot = Counting()
    async with running_pipeline(live_settings(settings_factory, fake_graph), responder=bot) as p:
        handoff = Handoff(p.redis, p.keys)
        await handoff.pause(USER, "alice")
        first = envelope([message("wamid.h1", USER, "I need a person")])
        await p.deliver(first)
        await p.deliver(first)  # Meta's redelivery: deduplicated as always
        await wait_for(lambda: statuses(p))
        await asyncio.sleep(0.3)
        assert await statuses(p) == ["paused"]
        assert bot.calls == 0 and fake_graph.sends == []

        token = uuid.uuid4().hex
        sent = await reply(p, "مرحبا، أنا سارة من الفريق", token)
        again = await reply(p, "مرحبا، أنا سارة من الفريق", token)  # the form submitted twice
        assert (sent.state, again.repeated) == ("sent", True)
        assert texts(fake_graph) == ["مرحبا، أنا سارة من الفريق"]
        log = await p.container.interactions.query(wa_id=USER)
        assert [(e.status, e.reply) for e in log] == [("human", "مرحبا، أنا سارة من الفريق"), ("paused", "")]
        # Neither is the bot's answer: both counted apart from `ok`, and on the overview (issue 15).
        assert [e.outcome for e in log] == ["handoff", "handoff"]
        assert await handed_over(p) == 1  # the paused turn (a person's reply is not a turn of the worker)

        assert await handoff.resume(USER)
        await p.deliver(envelope([message("wamid.h2", USER, "thanks")]))
        await wait_for(lambda: _async(len(texts(fake_graph)) == 2))
        assert bot.calls == 1 and texts(fake_graph)[-1] == "bot: thanks"

        async def answered() -> list[str]:
            return [e.outcome for e in await p.container.interactions.query(wa_id=USER) if e.status == "ok"]

        assert await wait_for(answered) == ["ok"] and await handed_over(p) == 1


async def test_outside_the_window_the_fallback_template_is_sent(settings_factory, fake_graph) -> None:
    old = message("wamid.old", USER, "hello?")
    old["timestamp"] = str(int(time.time()) - 25 * 3600)
    async with running_pipeline(live_settings(settings_factory, fake_graph), responder=Counting()) as p:
        await Handoff(p.redis, p.keys).pause(USER, "alice")
        await p.deliver(envelope([old]))
        await wait_for(lambda: statuses(p))
        with pytest.raises(HandoffRefused, match="window is closed"):
            await reply(p, "sorry for the wait", uuid.uuid4().hex)  # no template configured
        sent = await reply(p, "sorry for the wait", uuid.uuid4().hex, template="hudhud_followup")
        assert (sent.part.kind, sent.state) == ("template", "sent")
        templates = [m for m in fake_graph.delivered if m.get("type") == "template"]
        assert [(m["template"]["name"], m["template"]["language"]["code"]) for m in templates] == [
            ("hudhud_followup", "ar")
        ]
        assert texts(fake_graph) == []


async def test_a_reply_needs_a_conversation_and_a_fresh_form(settings_factory, fake_graph) -> None:
    async with running_pipeline(live_settings(settings_factory, fake_graph), responder=Counting()) as p:
        with pytest.raises(HandoffRefused, match="stale"):
            await reply(p, "hi", "not-a-token")
        with pytest.raises(HandoffRefused, match="has not written"):
            await reply(p, "hi", uuid.uuid4().hex)
        assert fake_graph.sends == []


async def _async(value):
    return value
