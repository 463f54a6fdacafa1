"""SandboxClient against the real Redis: it records what GraphClient would have sent."""

from __future__ import annotations

import time

import pytest
import redis.asyncio as aioredis

from base.keys import Keys
from base.turn import Button, ButtonsPart, ListPart, ListRow, ListSection, MediaPart, TemplatePart, TextPart
from channels.whatsapp import payloads
from channels.whatsapp.errors import ErrorKind, GraphError
from channels.whatsapp.graph import GraphClient
from channels.whatsapp.messenger import Messenger
from channels.whatsapp.sandbox import SandboxClient
from tests.conftest import REDIS_TEST_URL
from tests.fake_graph import FakeGraph

PNID = "1234567890"
TO = "966500000001"
OTHER = "966500000002"


@pytest.fixture
def sandbox(redis: aioredis.Redis, redis_prefix: str) -> SandboxClient:
    return SandboxClient(redis, Keys(redis_prefix), keep=5)


async def test_send_text_recorded(sandbox: SandboxClient, redis_prefix: str) -> None:
    before = time.time()
    wamid = await sandbox.send_text(PNID, TO, "hello", reply_to="wamid.IN", preview_url=True)
    assert wamid.startswith("wamid.sandbox.") and len(wamid) == len("wamid.sandbox.") + 32
    [entry] = await sandbox.recent()
    assert entry["wamid"] == wamid and entry["to"] == TO and entry["phone_number_id"] == PNID
    assert entry["method"] == "send_text"
    assert before <= entry["ts"] <= time.time()
    assert entry["payload"] == payloads.text_payload(TO, "hello", reply_to="wamid.IN", preview_url=True)
    assert entry["payload"]["context"] == {"message_id": "wamid.IN"}


async def test_all_sends_match_graph_payloads(sandbox: SandboxClient, fake_graph: FakeGraph) -> None:
    """The sandbox records exactly the bodies GraphClient posts, for every method."""
    buttons = [Button(id="y", title="Yes")]
    sections = [ListSection(title="S", rows=[ListRow(id="a", title="A", description="d")])]
    parts = [
        TextPart(text="p"),
        ButtonsPart(text="b", buttons=buttons),
        ListPart(text="l", button="Open", sections=sections),
        TemplatePart(name="hello_world", language="en_US"),
        MediaPart(media_type="document", media_id="m9", filename="f.pdf"),
    ]

    async def send_all(client: Messenger) -> None:
        await client.send_text(PNID, TO, "t", reply_to="wamid.1")
        await client.send_buttons(PNID, TO, "b", buttons, header="H", footer="F", reply_to="wamid.2")
        await client.send_list(PNID, TO, "l", "Menu", sections, header="H", footer="F", reply_to="wamid.3")
        await client.send_template(PNID, TO, "welcome", "ar", [{"type": "body", "parameters": []}])
        await client.send_media(
            PNID, TO, "image", link="https://x.test/i.png", caption="c", reply_to="wamid.4"
        )
        for part in parts:
            await client.send_part(PNID, TO, part, reply_to="wamid.5")

    await send_all(sandbox)
    async with GraphClient(fake_graph.base_url, "token", backoff_s=0.001) as graph:
        await send_all(graph)

    recorded = [e["payload"] for e in reversed(await sandbox.recent(limit=50, to=TO))]
    # keep=5 trims the sandbox; compare the newest five with what Graph received last.
    assert recorded == fake_graph.messages[-5:]
    assert [e["method"] for e in await sandbox.recent()] == [
        "send_media",
        "send_template",
        "send_list",
        "send_buttons",
        "send_text",
    ]


async def test_all_sends_match_graph_payloads_untrimmed(
    redis: aioredis.Redis, redis_prefix: str, fake_graph: FakeGraph
) -> None:
    sandbox = SandboxClient(redis, Keys(redis_prefix))
    async with GraphClient(fake_graph.base_url, "token", backoff_s=0.001) as graph:
        for client in (sandbox, graph):
            await client.send_text(PNID, TO, "t")
            await client.send_buttons(PNID, TO, "b", [Button(id="y", title="Yes")], footer="F")
            await client.send_media(PNID, TO, "sticker", media_id="s1")
            await client.send_template(PNID, TO, "hello_world", "en")
    assert [e["payload"] for e in reversed(await sandbox.recent())] == fake_graph.messages


async def test_per_recipient_lists(sandbox: SandboxClient) -> None:
    await sandbox.send_text(PNID, TO, "one")
    await sandbox.send_text(PNID, OTHER, "two")
    await sandbox.send_text(PNID, TO, "three")
    assert [e["payload"]["text"]["body"] for e in await sandbox.recent()] == ["three", "two", "one"]
    assert [e["payload"]["text"]["body"] for e in await sandbox.recent(to=TO)] == ["three", "one"]
    assert [e["payload"]["text"]["body"] for e in await sandbox.recent(to=OTHER)] == ["two"]
    assert await sandbox.recent(to="nobody") == []
    assert [e["payload"]["text"]["body"] for e in await sandbox.recent(limit=1)] == ["three"]
    assert await sandbox.recent(limit=0) == []


async def test_trimming(sandbox: SandboxClient, redis: aioredis.Redis, redis_prefix: str) -> None:
    for i in range(8):
        await sandbox.send_text(PNID, TO, f"m{i}")
        await sandbox.mark_read(PNID, f"wamid.{i}")
    assert await redis.llen(f"{redis_prefix}:sandbox:outbox") == 5
    assert await redis.llen(f"{redis_prefix}:sandbox:to:{TO}") == 5
    assert await redis.llen(f"{redis_prefix}:sandbox:reads") == 5
    assert [e["payload"]["text"]["body"] for e in await sandbox.recent(limit=50)] == [
        f"m{i}" for i in range(7, 2, -1)
    ]


async def test_keys_under_prefix(sandbox: SandboxClient, redis: aioredis.Redis, redis_prefix: str) -> None:
    await sandbox.send_text(PNID, TO, "x")
    await sandbox.mark_read(PNID, "wamid.1")
    media_id = await sandbox.upload_media(PNID, b"x", "text/plain", "x.txt")
    keys = sorted([k.decode() async for k in redis.scan_iter(match=f"{redis_prefix}:*")])
    assert keys == [
        f"{redis_prefix}:sandbox:media:{media_id}",
        f"{redis_prefix}:sandbox:outbox",
        f"{redis_prefix}:sandbox:reads",
        f"{redis_prefix}:sandbox:to:{TO}",
    ]
    assert 0 < await redis.ttl(f"{redis_prefix}:sandbox:media:{media_id}") <= 30 * 24 * 3600


async def test_mark_read_recorded(sandbox: SandboxClient) -> None:
    assert await sandbox.mark_read(PNID, "wamid.A") is None
    await sandbox.mark_read(PNID, "wamid.B", typing=False)
    newest, oldest = await sandbox.reads()
    assert newest["message_id"] == "wamid.B" and newest["phone_number_id"] == PNID
    assert newest["payload"] == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.B"}
    assert oldest["payload"]["typing_indicator"] == {"type": "text"}
    assert await sandbox.recent() == []  # reads are not sends
    assert await sandbox.reads(limit=0) == []


async def test_media_round_trip(sandbox: SandboxClient) -> None:
    data = bytes(range(256)) * 4
    media_id = await sandbox.upload_media(PNID, data, "image/png", "p.png")
    assert media_id.startswith("sandbox.media.")
    assert await sandbox.download_media(media_id) == (data, "image/png")


async def test_media_round_trip_with_decoding_client(redis_prefix: str, redis: aioredis.Redis) -> None:
    decoding = aioredis.from_url(REDIS_TEST_URL, decode_responses=True)
    try:
        sandbox = SandboxClient(decoding, Keys(redis_prefix))
        media_id = await sandbox.upload_media(PNID, b"\xff\x00\xfe", "application/octet-stream", "b.bin")
        assert await sandbox.download_media(media_id) == (b"\xff\x00\xfe", "application/octet-stream")
        await sandbox.send_text(PNID, TO, "ok")
        assert (await sandbox.recent())[0]["payload"]["text"]["body"] == "ok"
    finally:
        await decoding.aclose()


async def test_unknown_media_like_graph(sandbox: SandboxClient) -> None:
    with pytest.raises(GraphError) as info:
        await sandbox.download_media("sandbox.media.missing")
    assert info.value.code == 100 and info.value.kind is ErrorKind.permanent


async def test_invalid_sends_raise_like_graph(sandbox: SandboxClient) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await sandbox.send_media(PNID, TO, "image")
    with pytest.raises(ValueError, match="1 to 3"):
        await sandbox.send_buttons(PNID, TO, "x", [])
    assert await sandbox.recent() == []


async def test_protocol_context_manager_and_keep(redis: aioredis.Redis, redis_prefix: str) -> None:
    async with SandboxClient(redis, Keys(redis_prefix)) as sandbox:
        assert isinstance(sandbox, Messenger)
    assert await redis.ping()  # the caller's client stays open
    with pytest.raises(ValueError):
        SandboxClient(redis, Keys(redis_prefix), keep=0)
