"""Only the lease holder changes a conversation, and a turn's reply is recorded in one atomic step.

A worker that stalled past its lease must not trim the inbox, drop the current turn or rewrite its
record: the new holder may not have answered those messages yet. A crash while recording a reply must
never leave a record that breaks every retry."""

from __future__ import annotations

import orjson
import pytest

from base.turn import TextPart, make_turn_id
from hudhud.leases import LeaseLost
from hudhud.outbox import Outbox
from tests.helpers import PNID, envelope, message, wait_for
from tests.pipeline import running_pipeline

USER = "966500000051"
CONV = f"{PNID}:{USER}"


async def _conversation(p, token: str) -> tuple[list[bytes], bytes | None]:
    k = p.keys
    await p.redis.rpush(k.inbox(CONV), b'{"id": "wamid.1"}', b'{"id": "wamid.2"}')
    record = orjson.dumps({"turn_id": "t-new", "count": 2, "attempts": 1, "errors": []})
    await p.redis.set(k.current_turn(CONV), record)
    await p.redis.set(k.lease(CONV), token, px=60_000)
    return await p.redis.lrange(k.inbox(CONV), 0, -1), record


async def test_a_stale_workers_finish_changes_nothing(settings_factory) -> None:
    async with running_pipeline(settings_factory(), workers=0) as p:
        worker = p.container.worker()
        k = p.keys
        inbox, record = await _conversation(p, token="new-holder")
        with pytest.raises(LeaseLost):
            await worker._finish_turn(CONV, "stale", covered=1)
        assert await p.redis.lrange(k.inbox(CONV), 0, -1) == inbox
        assert await p.redis.get(k.current_turn(CONV)) == record
        assert await p.redis.get(k.lease(CONV)) == b"new-holder"
        # The holder's own finish still works: it drops what it covered and keeps the lease for more.
        assert await worker._finish_turn(CONV, "new-holder", covered=1) is True
        assert await p.redis.lrange(k.inbox(CONV), 0, -1) == inbox[1:]


async def test_a_stale_finish_after_the_lease_expired_changes_nothing(settings_factory) -> None:
    async with running_pipeline(settings_factory(), workers=0) as p:
        worker = p.container.worker()
        inbox, _ = await _conversation(p, token="stale")
        await p.redis.delete(p.keys.lease(CONV))  # expired; nobody has taken it yet
        with pytest.raises(LeaseLost):
            await worker._finish_turn(CONV, "stale", covered=2)
        assert await p.redis.lrange(p.keys.inbox(CONV), 0, -1) == inbox


async def test_a_stale_worker_cannot_rewrite_the_turn_record(settings_factory) -> None:
    async with running_pipeline(settings_factory(), workers=0) as p:
        worker = p.container.worker()
        k = p.keys
        _, record = await _conversation(p, token="new-holder")
        with pytest.raises(LeaseLost):
            await worker.leases.write(k.lease(CONV), "stale", k.current_turn(CONV), b'{"turn_id": "t-old"}')
        assert await p.redis.get(k.current_turn(CONV)) == record


async def test_the_first_recording_of_a_reply_wins_and_expires(settings_factory) -> None:
    async with running_pipeline(settings_factory(), workers=0) as p:
        outbox: Outbox = p.container.delivery.outbox
        first = await outbox.record("t-1", [TextPart(text="one"), TextPart(text="two")], conv=CONV)
        again = await outbox.record("t-1", [TextPart(text="other")], conv=CONV)
        assert [r.part.text for r in again] == ["one", "two"] == [r.part.text for r in first]
        assert [r.part.text for r in await outbox.load("t-1")] == ["one", "two"]
        assert 0 < await p.redis.ttl(p.keys.outbox("t-1")) <= p.container.settings.queue.dedupe_ttl_s


async def test_a_record_half_written_by_a_crash_completes_on_retry(settings_factory) -> None:
    """What the two-step record left when a worker died between its steps: a count, no parts, no
    expiry. Every retry used to fail on it until the turn was dead-lettered."""
    async with running_pipeline(settings_factory(), workers=0) as p:
        turn_id = make_turn_id(["wamid.half"])
        await p.redis.hsetnx(p.keys.outbox(turn_id), "n", 1)
        await p.deliver(envelope([message("wamid.half", USER, "/ping")]))
        p.start_worker()
        replies = await wait_for(lambda: p.reply_texts(USER))
        assert replies[0].startswith("pong")
        assert await p.dead() == []
        assert await p.redis.ttl(p.keys.outbox(turn_id)) > 0
        records = await p.container.delivery.outbox.load(turn_id)
        assert records is not None and records[0].done
