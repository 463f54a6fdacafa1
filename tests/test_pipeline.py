"""The message pipeline end to end in process: real Redis, real workers, sandbox outbound."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from base.commands import CommandRouter
from base.responder import FAILURE_REPLY, NO_AGENT_REPLY, TIMEOUT_REPLY, UNSUPPORTED_REPLY
from base.turn import ReplyPart, TextPart, Turn
from channels.whatsapp.formatting import split_message
from tests.helpers import envelope, message, wait_for
from tests.pipeline import running_pipeline

USER = "966500000001"
OTHER = "966500000002"


class Recorder:
    """A responder that records its turns and can be held until released."""

    def __init__(self, hold: bool = False) -> None:
        self.turns: list[Turn] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        if not hold:
            self.release.set()
        self.active = 0
        self.max_active = 0

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        self.turns.append(turn)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self.started.set()
        try:
            await self.release.wait()
        finally:
            self.active -= 1
        return [TextPart(text=f"**got** {turn.text}")]


async def test_ping_is_answered_without_a_model(settings_factory) -> None:
    async with running_pipeline(settings_factory()) as p:
        accepted = await p.deliver(envelope([message("wamid.1", USER, "/ping")]))
        assert accepted.queued == 1
        texts = await wait_for(lambda: p.reply_texts(USER))
        assert texts[0].startswith("pong")
        reads = await p.container.messengers.sandbox.reads()
        assert reads and reads[0]["payload"]["message_id"] == "wamid.1"


async def test_help_lists_commands_and_plain_text_gets_the_default_reply(settings_factory) -> None:
    async with running_pipeline(settings_factory()) as p:
        await p.deliver(envelope([message("wamid.h", USER, "/help")]))
        texts = await wait_for(lambda: p.reply_texts(USER))
        assert "/ping" in texts[0] and "/help" in texts[0]
        await p.deliver(envelope([message("wamid.t", OTHER, "مرحبا")]))
        texts = await wait_for(lambda: p.reply_texts(OTHER))
        assert texts == [NO_AGENT_REPLY]


async def test_markdown_is_converted_for_whatsapp(settings_factory) -> None:
    async with running_pipeline(settings_factory(), responder=CommandRouter(Recorder())) as p:
        await p.deliver(envelope([message("wamid.md", USER, "hi")]))
        texts = await wait_for(lambda: p.reply_texts(USER))
        assert texts == ["*got* hi"]


async def test_duplicate_delivery_is_answered_once(settings_factory) -> None:
    async with running_pipeline(settings_factory()) as p:
        env = envelope([message("wamid.dup", USER, "/ping")])
        first = await p.deliver(env)
        second = await p.deliver(env)
        assert (first.queued, second.queued, second.duplicates) == (1, 0, 1)
        await wait_for(lambda: p.reply_texts(USER))
        await asyncio.sleep(0.3)
        assert len(await p.reply_texts(USER)) == 1


async def test_unsupported_message_gets_a_polite_reply(settings_factory) -> None:
    async with running_pipeline(settings_factory()) as p:
        odd = message("wamid.u", USER, type="unsupported", errors=[{"code": 131051, "title": "Unsupported"}])
        await p.deliver(envelope([odd]))
        texts = await wait_for(lambda: p.reply_texts(USER))
        assert texts == [UNSUPPORTED_REPLY]


async def test_reaction_is_recorded_not_answered(settings_factory) -> None:
    async with running_pipeline(settings_factory()) as p:
        reaction = message(
            "wamid.r", USER, type="reaction", reaction={"message_id": "wamid.x", "emoji": "👍"}
        )
        accepted = await p.deliver(envelope([reaction]))
        assert accepted.queued == 1
        events = await p.redis.xrange(p.keys.events)
        assert [f[b"type"] for _, f in events] == [b"message.reaction"]
        await asyncio.sleep(0.3)
        assert await p.replies(USER) == []


async def test_other_fields_and_statuses_are_recorded(settings_factory) -> None:
    async with running_pipeline(settings_factory()) as p:
        account = envelope(field="account_update", value={"event": "VERIFIED_ACCOUNT"})
        assert (await p.deliver(account)).queued == 1
        status = {"id": "wamid.out", "status": "delivered", "timestamp": "1", "recipient_id": USER}
        assert (await p.deliver(envelope(statuses=[status]))).queued == 1

        async def counted() -> bool:
            return (await p.redis.hget(p.keys.stats, "status:delivered")) == b"1"

        await wait_for(counted)
        kinds = [f[b"type"] for _, f in await p.redis.xrange(p.keys.events)]
        assert b"account_update" in kinds


async def test_messages_during_a_turn_are_merged_into_the_next(settings_factory) -> None:
    recorder = Recorder(hold=True)
    async with running_pipeline(settings_factory(), responder=CommandRouter(recorder)) as p:
        await p.deliver(envelope([message("wamid.a", USER, "one")]))
        await asyncio.wait_for(recorder.started.wait(), 5)
        await p.deliver(envelope([message("wamid.b", USER, "two")]))
        await p.deliver(envelope([message("wamid.c", USER, "three")]))
        await asyncio.sleep(0.2)
        assert len(recorder.turns) == 1  # the user's next turn waits for this one
        recorder.release.set()
        await wait_for(lambda: _count(p.reply_texts(USER), 2))
        assert [t.message_ids for t in recorder.turns] == [["wamid.a"], ["wamid.b", "wamid.c"]]
        assert await p.reply_texts(USER) == ["*got* one", "*got* two\nthree"]
        await asyncio.sleep(0.2)
        assert len(await p.reply_texts(USER)) == 2


async def test_different_users_run_concurrently(settings_factory) -> None:
    recorder = Recorder(hold=True)
    async with running_pipeline(settings_factory(), responder=CommandRouter(recorder)) as p:
        await p.deliver(envelope([message("wamid.1", USER, "a")]))
        await p.deliver(envelope([message("wamid.2", OTHER, "b")]))
        await wait_for(lambda: _true(recorder.active == 2))
        recorder.release.set()
        await wait_for(lambda: p.reply_texts(OTHER))
        await wait_for(lambda: p.reply_texts(USER))
        assert recorder.max_active == 2


async def test_slow_responder_gets_the_timeout_reply(settings_factory) -> None:
    recorder = Recorder(hold=True)
    settings = settings_factory(hudhud_turn_timeout_ms=200)
    async with running_pipeline(settings, responder=CommandRouter(recorder)) as p:
        await p.deliver(envelope([message("wamid.s", USER, "slow")]))
        assert await wait_for(lambda: p.reply_texts(USER)) == [TIMEOUT_REPLY]
        turns = await wait_for(p.turns)
        assert turns[0]["status"] == "timeout"


async def test_failing_responder_gets_an_honest_reply(settings_factory) -> None:
    class Broken:
        async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
            raise RuntimeError("model exploded")

    async with running_pipeline(settings_factory(), responder=CommandRouter(Broken())) as p:
        await p.deliver(envelope([message("wamid.f", USER, "hi")]))
        texts = await wait_for(lambda: p.reply_texts(USER))
        assert texts == [FAILURE_REPLY]
        assert "Traceback" not in texts[0]
        assert (await wait_for(p.turns))[0]["status"] == "failed"


async def test_long_reply_is_split_into_parts(settings_factory) -> None:
    body = "\n\n".join(["جملة عربية طويلة للتجربة. " * 20] * 30)

    class Long:
        async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
            return [TextPart(text=body)]

    expected_parts = len(split_message(body))
    assert expected_parts > 1

    async with running_pipeline(settings_factory(), responder=CommandRouter(Long())) as p:
        await p.deliver(envelope([message("wamid.l", USER, "hi")]))
        # Parts are sent one after another: wait for all of them, not the first two.
        texts = await wait_for(lambda: _count(p.reply_texts(USER), expected_parts))
        assert len(texts) == expected_parts
        assert all(len(t) <= 4096 for t in texts)
        assert sum(t.count("جملة") for t in texts) == 600


async def _count(coro, n: int):
    items = await coro
    return items if len(items) >= n else None


async def _true(value: bool) -> bool:
    return value
