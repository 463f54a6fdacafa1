"""Every stored text encrypted at rest, read back decrypted, and key rotation.

A real pipeline run plants a distinctive word — in a command the agent runs as a tool call and echoes in
its reply, a confirmation, a long-term memory, and a turn that fails until it is dead-lettered — then
scans every Redis key and stream entry under the prefix (and Chroma's files) for it in clear. The
readers (sandbox outbox, export, dead letters, agent traces) still show it. `hudhud memory rotate` then
moves everything to a new key, and with the old key gone every reader still shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from base.keys import Keys
from base.sealing import MARKER, open_entry
from hudhud.app import create_app
from hudhud.cli import app as cli
from hudhud.deadletters import DeadLetters
from hudhud.outbox import Outbox
from hudhud.rotation import KeyRotation
from memory.crypto import Cipher, generate_key
from memory.history import ConversationHistory
from memory.longterm import UserMemories
from memory.privacy import UserData
from memory.vectors import VectorStore
from tests.conftest import REDIS_TEST_URL
from tests.helpers import (
    agent_settings,
    body_of,
    envelope,
    free_port,
    live,
    message,
    signed_headers,
    wait_for,
)
from tests.pipeline import running_pipeline

WA = "966500000077"
WORD = "quokkazqx"  # the planted text: nowhere in clear at rest
PASSWORD = "admin-pass-123"
runner = CliRunner()


async def stored(redis: Any, prefix: str) -> AsyncIterator[tuple[str, list[bytes]]]:
    """Every key under `prefix` with everything it holds, whatever its type (field names included)."""
    async for raw_key in redis.scan_iter(match=f"{prefix}:*", count=500):
        kind = (await redis.type(raw_key)).decode()
        if kind == "none":  # gone since SCAN named it (a lease a running turn just released): holds nothing
            continue
        if kind == "string":
            values = [await redis.get(raw_key)]
        elif kind == "list":
            values = await redis.lrange(raw_key, 0, -1)
        elif kind == "hash":
            values = [b for pair in (await redis.hgetall(raw_key)).items() for b in pair]
        elif kind == "set":
            values = list(await redis.smembers(raw_key))
        elif kind == "zset":
            values = await redis.zrange(raw_key, 0, -1)
        elif kind == "stream":
            values = [b for _, f in await redis.xrange(raw_key) for pair in f.items() for b in pair]
        else:
            raise AssertionError(f"{raw_key!r}: a type this scan does not read ({kind})")
        yield raw_key.decode(), [v for v in values if v is not None]


async def clear_hits(redis: Any, prefix: str, word: str) -> tuple[list[str], int]:
    """Where `word` is stored in clear under `prefix` (key names and values, case folded), and how
    many values were looked at."""
    needle = word.lower().encode()
    hits: list[str] = []
    seen = 0
    async for key, values in stored(redis, prefix):
        seen += len(values)
        hits += [key for v in [key.encode(), *values] if needle in v.lower()]
    return hits, seen


async def sealed_key_ids(redis: Any, prefix: str) -> set[str]:
    """The key ids of every encrypted value stored under `prefix` (inside JSON too)."""
    found: set[str] = set()
    async for _, values in stored(redis, prefix):
        for value in values:
            found.update(piece[:8] for piece in value.decode(errors="replace").split(MARKER)[1:])
    return found


async def _run_the_agent(settings: Any, fake_openai: Any, port: int) -> list[str]:
    """Link, run a command whose title carries WORD, have a fact remembered, and ask to delete the task
    (a confirmation waits); returns the reply texts."""
    app = create_app(settings, workers=1, embed_core=True)
    with live(app, port=port) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            token = (
                await http.post("/core/auth/login", json={"username": "admin", "password": PASSWORD})
            ).json()["access_token"]
            code = (await http.post("/core/link-codes", headers={"Authorization": f"Bearer {token}"})).json()
            sent: list[dict[str, Any]] = []

            async def say(n: int, text: str) -> dict[str, Any]:
                body = body_of(envelope([message(f"wamid.enc.{n}", WA, text)]))
                response = await http.post("/webhook/whatsapp", content=body, headers=signed_headers(body))
                assert response.status_code == 200

                async def replied() -> list[dict[str, Any]] | None:
                    got = await http.get("/sandbox/messages", params={"to": WA}, auth=("admin", PASSWORD))
                    return got.json() if len(got.json()) >= n else None

                sent[:] = await wait_for(replied, timeout=30)
                return sent[0]["payload"]

            assert "Linked to" in (await say(1, f"/link {code['code']}"))["text"]["body"]
            fake_openai.reply_tool("create_task", {"title": f"Feed the {WORD}"})
            created = (await say(2, f"add a task to feed the {WORD}"))["text"]["body"]
            assert created.startswith("✅ Task #") and WORD in created
            task_id = int(created.split("#", 1)[1].split()[0].strip(":"))
            remembered = (await say(3, f"remember that my locker code is {WORD}"))["text"]["body"]
            assert "remember" in remembered.lower(), remembered
            fake_openai.reply_tool("delete_task", {"task_id": task_id})
            asked = await say(4, f"delete task {task_id}")
            assert asked["type"] == "interactive"  # Confirm / Cancel: the call waits, encrypted
            exported = await http.get(f"/admin/api/users/{WA}/export", auth=("admin", PASSWORD))
            assert exported.status_code == 200
            text = exported.text
            assert text.count(WORD) >= 4, "export shows history, tool calls and memories decrypted"
            assert "undecryptable" not in text
            return [m["payload"].get("text", {}).get("body", "") for m in sent]


async def _dead_letter_a_turn(settings_factory: Any, fake_graph: Any) -> None:
    """A turn whose reply Graph keeps refusing: dead-lettered with the user's message."""
    settings = settings_factory(
        whatsapp_access_token="test-token",
        whatsapp_phone_number_id="106540352242922",
        whatsapp_api_base=fake_graph.base_url,
        hudhud_graph_retries=0,
        hudhud_lease_ms=100,
        hudhud_max_attempts=2,
    )
    conv = f"106540352242922:{WA}"
    async with running_pipeline(settings) as p:
        fake_graph.fail_next(50, status=500)
        await p.deliver(envelope([message("wamid.enc.dead", WA, f"/ping {WORD} please")]))
        # A message to a number this deployment does not serve is kept as an event, not answered.
        await p.deliver(envelope([message("wamid.enc.other", WA, f"hello {WORD}")], pnid="999"))
        # While it fails, its message waits in the inbox and the turn in progress records its errors.
        await wait_for(lambda: p.redis.exists(p.keys.current_turn(conv)), timeout=10)
        assert await p.redis.llen(p.keys.inbox(conv)) == 1 and await p.redis.xlen(p.keys.events) == 1
        assert (await clear_hits(p.redis, p.keys.prefix, WORD))[0] == []
        event = open_entry(p.container.cipher, "events", (await p.redis.xrange(p.keys.events))[0][1])
        assert WORD.encode() in event[b"data"]
        dead = await wait_for(p.dead, timeout=20)
        assert WORD in dead[0]["messages"] and "HTTP 500" in dead[0]["error"]  # decrypted for the reader
        fake_graph.reset()


def _cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, prefix: str, key: str, old: str | None) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env
    monkeypatch.setenv("REDIS_URL", REDIS_TEST_URL)
    monkeypatch.setenv("HUDHUD_REDIS_PREFIX", prefix)
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUDHUD_SERVICE_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    monkeypatch.setenv("HUDHUD_ENCRYPTION_KEY", key)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CHROMA_URL", raising=False)
    if old is None:
        monkeypatch.delenv("HUDHUD_ENCRYPTION_OLD_KEYS", raising=False)
    else:
        monkeypatch.setenv("HUDHUD_ENCRYPTION_OLD_KEYS", old)


async def test_planted_text_is_nowhere_in_clear_and_survives_rotation(
    settings_factory, fake_openai, fake_graph, redis, redis_prefix, tmp_path, monkeypatch
) -> None:
    port = free_port()
    settings = agent_settings(settings_factory, fake_openai, port, PASSWORD)
    await _run_the_agent(settings, fake_openai, port)
    await _dead_letter_a_turn(settings_factory, fake_graph)
    keys = Keys(redis_prefix)

    # --- at rest: nowhere in clear, in Redis or in Chroma's files
    hits, seen = await clear_hits(redis, redis_prefix, WORD)
    assert hits == [] and seen > 50
    chroma = tmp_path / "data" / "chroma"
    assert chroma.is_dir()
    assert [p for p in chroma.rglob("*") if p.is_file() and WORD.encode() in p.read_bytes()] == []
    assert await redis.xlen(keys.tool_calls) and await redis.xlen(keys.agent_traces)
    assert await redis.xlen(keys.dead) and await redis.exists(keys.confirmation(WA))
    old_key = (tmp_path / "data" / "encryption.key").read_text().strip()
    old = Cipher(old_key)
    assert await sealed_key_ids(redis, redis_prefix) == {old.key_id}

    # the scan would see it: the same word planted in clear is found
    await redis.set(f"{redis_prefix}:probe", f"legacy {WORD}")
    assert (await clear_hits(redis, redis_prefix, WORD))[0] == [f"{redis_prefix}:probe"]
    await redis.delete(f"{redis_prefix}:probe")

    # --- the readers decrypt: agent traces and tool calls (what the evals harness reads)
    traces = [open_entry(old, "agent", f) for _, f in await redis.xrange(keys.agent_traces)]
    assert any(WORD.encode() in t[b"trace"] for t in traces)
    tools = [open_entry(old, "tools", f) for _, f in await redis.xrange(keys.tool_calls)]
    assert any(WORD.encode() in t[b"args"] for t in tools)

    # --- rotate: a new key, the old one among the old keys
    new_key = generate_key()
    _cli_env(monkeypatch, tmp_path, redis_prefix, new_key, old_key)
    rotated = await asyncio.to_thread(runner.invoke, cli, ["memory", "rotate"])  # the CLI runs its own loop
    assert rotated.exit_code == 0, rotated.output
    for place in ("stream agent", "stream tools", "stream dead", "outboxes", "confirmations", "long-term"):
        assert place in rotated.output
    assert "old keys can be removed" in rotated.output
    new = Cipher(new_key)
    assert await sealed_key_ids(redis, redis_prefix) == {new.key_id}
    store = VectorStore.embedded(chroma)
    try:
        memories = UserMemories(store, cipher=new)
        history = ConversationHistory(redis, keys, new, ttl_s=3600, max_messages=100)
        again = await KeyRotation(
            redis, keys, Cipher(new_key, [old_key]), history=history, memories=memories
        ).run()
        assert again.unreadable == [] and all(p.reencrypted == 0 for p in again.places.values())

        # --- the old key removed: everything still reads
        exported = await UserData(redis, keys, history=history, memories=memories, sealer=new).export(WA)
        text = orjson.dumps(exported).decode()
        assert text.count(WORD) >= 4 and "undecryptable" not in text
        assert any(WORD in m.text for m in await memories.list(WA))
    finally:
        store.close()
    letters = await DeadLetters(redis, keys, new).list()
    assert "HTTP 500" in letters[0].error and WORD in letters[0].fields["messages"]
    turn_ids = {t[b"turn_id"].decode() for t in tools}
    parts = [p for t in turn_ids for p in await Outbox(redis, keys, ttl_s=60, sealer=new).load(t) or []]
    assert any(WORD in str(p.part) for p in parts)
    _cli_env(monkeypatch, tmp_path, redis_prefix, new_key, None)
    listed = await asyncio.to_thread(runner.invoke, cli, ["dead", "list"])
    assert listed.exit_code == 0 and "HTTP 500" in listed.output, listed.output  # its sealed error, opened
    assert (await clear_hits(redis, redis_prefix, WORD))[0] == []


async def test_rotation_names_what_no_key_opens_and_exits_non_zero(
    redis, redis_prefix, tmp_path, monkeypatch
) -> None:
    keys = Keys(redis_prefix)
    lost, current = Cipher(generate_key()), generate_key()
    value = lost.encrypt(b'{"turn_id": "t_1", "count": 1, "attempts": 1, "errors": []}', "hudhud:turn:p:1")
    await redis.set(keys.current_turn("p:1"), value)
    _cli_env(monkeypatch, tmp_path, redis_prefix, current, None)
    result = await asyncio.to_thread(runner.invoke, cli, ["memory", "rotate"])
    assert result.exit_code == 1
    assert keys.current_turn("p:1") in result.output and "1 values no key opens" in result.output
    assert "errors" not in result.output  # named by key, never shown
    assert await redis.get(keys.current_turn("p:1")) == value.encode()  # left as it was


async def test_a_stream_rewrite_keeps_ids_and_the_last_id(redis, redis_prefix) -> None:
    keys = Keys(redis_prefix)
    old_key, new_key = generate_key(), generate_key()
    old = Cipher(old_key)
    ids = []
    for n in range(5):
        args = old.encrypt(orjson.dumps({"title": f"t{n}"}), f"hudhud:tools:{WA}:t{n}:args")
        ids.append(
            await redis.xadd(keys.tool_calls, {"tool": "x", "wa_id": WA, "turn_id": f"t{n}", "args": args})
        )
    await redis.xdel(keys.tool_calls, ids[-1])  # the last id outlives its entry
    report = await KeyRotation(redis, keys, Cipher(new_key, [old_key]), batch=2).run()
    assert report.places["stream tools"].reencrypted == 4
    rows = await redis.xrange(keys.tool_calls)
    assert [i for i, _ in rows] == ids[:4]
    new = Cipher(new_key)
    assert [orjson.loads(open_entry(new, "tools", f)[b"args"])["title"] for _, f in rows] == [
        "t0",
        "t1",
        "t2",
        "t3",
    ]
    after = await redis.xadd(keys.tool_calls, {"tool": "y"})
    assert after > ids[-1]


async def test_values_stored_in_clear_before_the_upgrade_still_read(settings_factory) -> None:
    """An inbox entry, a confirmation and an outbox written by a version without encryption at rest."""
    from base.commands import CommandRouter
    from base.turn import TextPart
    from hudhud.outbox import PartRecord, PartState
    from tools.base import ToolCall
    from tools.confirm import Confirmations, Pending

    settings = settings_factory()
    async with running_pipeline(settings, responder=CommandRouter(), workers=0) as p:
        conv = f"106540352242922:{WA}"
        legacy = message("wamid.legacy", WA, "/ping")
        inbound = {
            "id": "wamid.legacy", "wa_id": WA, "phone_number_id": "106540352242922", "type": "text",
            "text": legacy["text"]["body"], "timestamp": 1,
        }  # fmt: skip
        await p.redis.rpush(p.keys.inbox(conv), orjson.dumps(inbound))
        await p.redis.xadd(p.keys.inbound, {"kind": "message", "conv": conv})
        pending = Pending(
            token="abc", call=ToolCall(name="delete_task", args={"task_id": 3}), turn_id="t_old"
        )
        await p.redis.set(p.keys.confirmation(WA), pending.model_dump_json())
        p.start_worker()
        texts = await wait_for(lambda: p.reply_texts(WA), timeout=10)
        assert texts[0].startswith("pong")
        confirmations = Confirmations(p.redis, p.keys, sealer=p.container.cipher)
        assert await confirmations.peek(WA) == pending
        record = PartRecord(index=0, part=TextPart(text="an old reply"), state=PartState.sent)
        await p.redis.hset(
            p.keys.outbox("t_old"), mapping={"n": 1, "conv": conv, "p:0": record.model_dump_json()}
        )
        assert await Outbox(p.redis, p.keys, ttl_s=60, sealer=p.container.cipher).load("t_old") == [record]


async def test_the_service_rotates_through_its_admin_api(settings_factory, redis, redis_prefix) -> None:
    """What `hudhud memory rotate` calls when a service answers: the service's own keys and stores."""
    old_key, new_key = generate_key(), generate_key()
    settings = settings_factory(
        hudhud_admin_password=PASSWORD, hudhud_encryption_key=new_key, hudhud_encryption_old_keys=old_key
    )
    keys = Keys(redis_prefix)
    waiting = Cipher(old_key).encrypt('{"token": "t"}', f"hudhud:confirm:{WA}")
    await redis.set(keys.confirmation(WA), waiting, ex=300)
    with live(create_app(settings)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            assert (await http.post("/admin/api/memory/rotate")).status_code == 401
            done = await http.post("/admin/api/memory/rotate", auth=("admin", PASSWORD))
    assert done.status_code == 200
    report = done.json()
    assert report["key_id"] and {"inboxes", "outboxes", "stream dead"} <= set(report["places"])
    assert all(place["unreadable"] == [] for place in report["places"].values())
    assert report["places"]["confirmations"] == {"checked": 1, "reencrypted": 1, "unreadable": []}
    assert (
        Cipher(new_key).decrypt(await redis.get(keys.confirmation(WA)), f"hudhud:confirm:{WA}")
        == '{"token": "t"}'
    )
    assert 0 < await redis.ttl(keys.confirmation(WA)) <= 300
