"""`forget` and `export` against everything a real run leaves: two users talk to the agent through the
pipeline (fake Graph, the real core API over loopback, embedded Chroma), each with a dead-lettered turn, a
sandbox send, statuses, a reaction, an abuse block, waiting questions and messages still queued. Export of
one holds an entry from every place; after forgetting them no key, value, stream entry or core API row
names them (number, conversation id, the logs' keyed hash), and the other user's data is as it was."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable
from typing import Any

import orjson
import pytest

from agent.readings import Readings
from base.keys import conversation_id
from channels.whatsapp.sandbox import SandboxClient
from hudhud.log_privacy import Redactor, hash_key
from hudhud.outbox import Outbox
from memory.privacy import ELSEWHERE, PLACES, UserData
from memory.throttles import Throttles
from tests.coreapi.conftest import SERVICE_TOKEN, Api
from tests.coreapi.test_links import _rows_naming
from tests.helpers import PNID, envelope, message, wait_for
from tests.pipeline import Pipeline, running_pipeline
from tools.base import ToolCall
from tools.naming import Choices, Option

SARA, SAMIR = "966500000031", "966500000032"


@pytest.fixture
def database_url(tmp_path) -> str:  # SQLite only: the link tables' forget is tested on both in test_links
    return f"sqlite+aiosqlite:///{tmp_path / 'coreapi.db'}"


def _sent_to(fake_graph, wa_id: str) -> int:
    return sum(1 for m in fake_graph.delivered if m.get("to") == wa_id and m.get("type") != "template")


async def _say(p: Pipeline, fake_graph, wa_id: str, wamid: str, text: str) -> None:
    before = _sent_to(fake_graph, wa_id)
    await p.deliver(envelope([message(wamid, wa_id, text)]))
    await wait_for(lambda: _now(_sent_to(fake_graph, wa_id) > before), timeout=20)


async def _now(value: Any) -> Any:
    return value


async def _fill(p: Pipeline, fake_graph, fake_openai, api: Api, wa_id: str, username: str) -> None:
    """Every place, through the code paths that fill it in a real run."""
    n = wa_id[-2:]
    code = (await api.client(username).post("/link-codes")).json()["code"]
    await _say(p, fake_graph, wa_id, f"wamid.in.{n}.1", f"/link {code}")
    fake_openai.reply_tool("create_task", {"title": f"Plan of {username}"})
    await _say(p, fake_graph, wa_id, f"wamid.in.{n}.2", "add a task: my plan")
    await _say(p, fake_graph, wa_id, f"wamid.in.{n}.3", "/remember I take my tea without sugar")
    await _say(p, fake_graph, wa_id, f"wamid.in.{n}.4", "/lang en")
    # What was sent to the user: statuses come back for it, one failed outside the 24-hour window.
    turns = [t for t in await p.turns() if t["conv"] == conversation_id(PNID, wa_id)]
    records = await Outbox(p.redis, p.keys, ttl_s=60).load(turns[0]["turn_id"])
    wamid = records[0].wamid  # type: ignore[index]
    failed = {"code": 131047, "title": "Re-engagement message"}
    statuses = [
        {"id": wamid, "status": "delivered", "timestamp": str(int(time.time())), "recipient_id": wa_id},
        {"id": wamid, "status": "failed", "timestamp": str(int(time.time())), "recipient_id": wa_id,
         "errors": [failed]},
    ]  # fmt: skip
    await p.deliver(envelope(statuses=statuses))
    reaction = {"type": "reaction", "reaction": {"message_id": f"wamid.in.{n}.1", "emoji": "👍"}}
    await p.deliver(envelope([message(f"wamid.in.{n}.6", wa_id, **reaction)]))
    seen = p.keys.seen(f"reengage:{wamid}")
    await wait_for(lambda: p.redis.exists(seen), timeout=20)
    # A turn Graph keeps refusing: dead-lettered with its message.
    events = await p.redis.xlen(p.keys.ops)
    fake_graph.fail_next(200, status=500)
    await p.deliver(envelope([message(f"wamid.in.{n}.7", wa_id, "/ping")]))
    await wait_for(lambda: _dead_of(p, wa_id), timeout=30)
    # ... and the operator told (hudhud/undelivered.py), after the turn's lease is released.
    await wait_for(lambda: _more(p.redis.xlen(p.keys.ops), events), timeout=30)
    fake_graph.stop_failing()  # the message ids it gives stay unique
    # Questions waiting for the user's answer: a confirmation asked in a turn, a list and readings offered.
    task = (await api.fetch("SELECT id FROM tasks WHERE title = :t", t=f"Plan of {username}"))[0][0]
    fake_openai.reply_tool("delete_task", {"task_id": task})
    await _say(p, fake_graph, wa_id, f"wamid.in.{n}.5", f"delete task {task}")
    call = ToolCall(name="complete_task", args={"task_id": task})
    await Choices(p.redis, p.keys).offer(wa_id, call, "task_id", [Option(id=task, title="x")], "t_pick", "?")
    await Readings(p.redis, p.keys).offer(wa_id, [call], "t_mean")
    sandbox = SandboxClient(p.redis, p.keys)
    await sandbox.send_text(PNID, wa_id, "hello from the sandbox")
    await sandbox.mark_read(PNID, f"wamid.in.{n}.1")
    throttles = Throttles(p.redis, p.keys)
    await throttles.block(wa_id, "flood", 600)
    await throttles.first_notice(wa_id, 600)
    await throttles.exempt(wa_id)


async def _more(count: Awaitable[int], than: int) -> bool:
    return await count > than


async def _dead_of(p: Pipeline, wa_id: str) -> bool:
    return any(d.get("conv") == conversation_id(PNID, wa_id) for d in await p.dead())


async def _queue(p: Pipeline, wa_id: str) -> None:
    """Messages and a status still waiting when the user asks to be forgotten (no worker runs)."""
    n = wa_id[-2:]
    await p.deliver(envelope([message(f"wamid.in.{n}.8", wa_id, "are you there?")]))
    status = {"id": f"wamid.out.{n}", "status": "read", "timestamp": "1", "recipient_id": wa_id}
    await p.deliver(envelope(statuses=[status]))


def _forms(settings, wa_id: str) -> list[bytes]:
    """How the user can be named: the number, the conversation, the logs' keyed hash, a plain hash."""
    person = Redactor(hash_key(settings)).person(wa_id).removeprefix("u:")
    return [f.encode() for f in (wa_id, conversation_id(PNID, wa_id), person,
                                  hashlib.sha256(wa_id.encode()).hexdigest())]  # fmt: skip


async def _naming(p: Pipeline, forms: list[bytes]) -> list[str]:
    """Every key under the test's prefix whose name or any value, field, member or stream entry holds
    one of `forms`."""
    found = []
    async for key in p.redis.scan_iter(match=p.keys.everything, count=1000):
        kind = (await p.redis.type(key)).decode()
        if kind == "string":
            blobs = [await p.redis.get(key) or b""]
        elif kind == "list":
            blobs = await p.redis.lrange(key, 0, -1)
        elif kind == "hash":
            blobs = [b for pair in (await p.redis.hgetall(key)).items() for b in pair]
        elif kind == "set":
            blobs = list(await p.redis.smembers(key))
        elif kind == "zset":
            blobs = [m for m, _ in await p.redis.zrange(key, 0, -1, withscores=True)]
        else:
            blobs = [b for _, f in await p.redis.xrange(key) for pair in f.items() for b in pair]
        for blob in [key, *blobs]:
            if any(form in blob for form in forms):
                found.append(f"{kind} {key.decode()}: {blob[:120]!r}")
                break
    return found


def _sizes(exported: dict[str, Any]) -> dict[str, int]:
    """How much each place holds (stable across an export: no timestamps or TTLs)."""
    history = exported["history"].get("conversations") or {}
    sizes = {place: len(value) for place, value in exported.items() if isinstance(value, list | dict)}
    sizes["history"] = sum(len(c["messages"]) for c in history.values())
    return sizes


async def test_forget_leaves_nothing_naming_the_user_and_export_held_every_place(
    settings_factory, fake_graph, fake_openai, api: Api
) -> None:
    settings = settings_factory(
        whatsapp_access_token="test-token", whatsapp_phone_number_id=PNID,
        whatsapp_api_base=fake_graph.base_url, hudhud_graph_retries=0, hudhud_max_attempts=2,
        hudhud_lease_ms=300, hudhud_responder="agent", openai_base_url=fake_openai.base_url,
        openai_api_key="k", hudhud_model="m", hudhud_tool_mode="native",
        core_api_url=api.url, hudhud_core_api_token=SERVICE_TOKEN,
    )  # fmt: skip
    async with running_pipeline(settings) as p:
        for wa_id, username in ((SARA, "sara"), (SAMIR, "samir")):
            await _fill(p, fake_graph, fake_openai, api, wa_id, username)
        await p.stop_workers()
        for wa_id in (SARA, SAMIR):
            await _queue(p, wa_id)
        data = p.container.user_data
        assert isinstance(data, UserData) and data.core is not None
        samir_before = _sizes(await data.export(SAMIR))

        exported = await data.export(SARA)
        body = orjson.dumps(exported)
        assert [k for k, v in exported.items() if SAMIR in orjson.dumps(v).decode()] == []
        places = set(PLACES.values()) | set(ELSEWHERE)
        empty = [place for place in sorted(places) if not _holds(exported, place)]
        assert empty == [], f"the export has nothing from {empty}"
        assert b"I take my tea without sugar" in body  # readable: decrypted where stored encrypted

        forms = _forms(settings, SARA)
        assert await _naming(p, forms)
        report = await data.forget(SARA)
        assert report.core_error is None and report.core["links"] == 1
        unreported = [place for place in sorted(set(PLACES.values()) | {"memories"})
                      if not report.places.get(place)]  # fmt: skip
        assert unreported == [], f"forget deleted nothing from {unreported}"

        assert await _naming(p, forms) == []
        assert await data.memories.list(SARA) == []  # type: ignore[union-attr]
        assert await _rows_naming(api, SARA) == []
        assert _sizes(await data.export(SAMIR)) == samir_before
        assert await _naming(p, _forms(settings, SAMIR))
        assert await _rows_naming(api, SAMIR)


def _holds(exported: dict[str, Any], place: str) -> bool:
    value = exported.get(place)
    if place == "history":
        return any(c["messages"] for c in (value or {}).get("conversations", {}).values())
    if place in ("awaiting", "sandbox"):
        return all(value.values())  # type: ignore[union-attr]
    if place == "abuse":
        return bool(value["blocked"] and value["exempt"] and value["counters"])  # type: ignore[index]
    return bool(value)
