"""The dashboard's pages with data, over real HTTP: users' actions, dead letters, the overview's
figures."""

from __future__ import annotations

import time

import orjson

from base.keys import Keys
from hudhud.admin.audit import AuditLog
from hudhud.admin.figures import AggregateFigures, RedisFigures, read_all, sparkline
from hudhud.aggregates import Aggregates, latency_fields
from memory.links import IdentityLinks
from memory.throttles import Throttles
from tests.admin.conftest import client, csrf_of, sign_in

WA = "966500000055"


async def test_a_users_page_exempts_exports_and_forgets(admin_server, redis, redis_prefix) -> None:
    keys = Keys(redis_prefix)
    await IdentityLinks(redis, keys).link(WA, 9, display_name="Omar", role="manager")
    await redis.hset(keys.prefs(WA), mapping={"lang": "ar"})
    async with client(admin_server) as http:
        await sign_in(http)
        listing = await http.get("/admin/users")
        assert WA in listing.text and "manager" in listing.text and "user 9" in listing.text
        assert (await http.get("/admin/users/find", params={"wa_id": f"+{WA}"})).headers[
            "location"
        ] == f"/admin/users/{WA}"
        page = await http.get(f"/admin/users/{WA}")
        csrf = csrf_of(page.text)
        await http.post(f"/admin/users/{WA}/exempt", data={"csrf": csrf, "on": "1"})
        assert await Throttles(redis, keys).is_exempt(WA)
        bad = await http.post(f"/admin/users/{WA}/block", data={"csrf": csrf, "minutes": "5"})
        assert bad.status_code == 422 and not await Throttles(redis, keys).blocked(WA)

        exported = await http.get(f"/admin/users/{WA}/export")
        assert exported.headers["content-disposition"].startswith("attachment")
        assert exported.json()["link"]["user_id"] == 9 and exported.json()["preferences"] == {"lang": "ar"}

        unconfirmed = await http.post(f"/admin/users/{WA}/forget", data={"csrf": csrf, "confirm": "no"})
        assert "type the number to confirm" in (await http.get(unconfirmed.headers["location"])).text
        assert await IdentityLinks(redis, keys).get(WA) is not None
        gone = await http.post(f"/admin/users/{WA}/forget", data={"csrf": csrf, "confirm": WA})
        assert gone.headers["location"].startswith("/admin/users?note=Deleted")
        assert await IdentityLinks(redis, keys).get(WA) is None and not await redis.exists(keys.prefs(WA))

        # Without a core API there is no code to issue: said on the page, not a 500.
        no_core = await http.post(f"/admin/users/{WA}/link-code", data={"csrf": csrf, "user_id": "9"})
        assert no_core.status_code == 200 and "no core API is configured" in no_core.text
    changes = {"exempt", "export", "forget", "link_code"}
    actions = [e.action for e in reversed(await AuditLog(redis, keys).page()) if e.action in changes]
    assert actions == ["exempt", "export", "forget", "link_code"]


async def test_dead_letters_page_by_page_and_discarded(admin_server, redis, redis_prefix) -> None:
    keys = Keys(redis_prefix)
    ids = [
        (
            await redis.xadd(
                keys.dead, {"kind": "status", "conv": f"1:{i}", "error": f"error {i}", "data": "{}"}
            )
        ).decode()
        for i in range(55)
    ]
    async with client(admin_server) as http:
        await sign_in(http)
        first = await http.get("/admin/dead")
        assert "55 kept" in first.text and ids[-1] in first.text and ids[0] not in first.text
        older = await http.get("/admin/dead", params={"before": ids[5]})
        assert ids[0] in older.text and ids[5] not in older.text
        assert (await http.get("/admin/dead", params={"before": "x"})).status_code == 422
        assert (await http.get("/admin/dead/1-1")).status_code == 404
        csrf = csrf_of(first.text)
        done = await http.post(f"/admin/dead/{ids[0]}/discard", data={"csrf": csrf})
        assert "Discarded" in (await http.get(done.headers["location"])).text
        again = await http.post(f"/admin/dead/{ids[0]}/discard", data={"csrf": csrf})
        assert "already gone" in (await http.get(again.headers["location"])).text
    assert await redis.xlen(keys.dead) == 54


async def test_the_overview_reads_the_live_state_and_the_aggregates(redis, redis_prefix) -> None:
    keys = Keys(redis_prefix)
    for conv in ("1:966500000001", "1:966500000002", "2:966500000001"):
        await redis.xadd(keys.turns, {"conv": conv, "status": "ok", "ms": 100})
    await redis.xadd(keys.inbound, {"kind": "message", "conv": "1:2"})
    await redis.xadd(keys.dead, {"kind": "turn", "messages": orjson.dumps([])})
    aggregates = Aggregates(redis, keys, ttl_s=3600)
    now = time.time()
    await aggregates.add({"msg_in": 3, "msg_out": 3, "turns": 3, "turns:command": 3, "errors": 1,
                          "tool:create_task:ok": 1, "tool:create_task:failed": 1, "limited": 2,
                          "model_calls": 2, "model_ms": 900.0, "tokens_in": 100, "tokens_out": 20,
                          "outcome:ok": 1, "outcome:handoff": 2,
                          **latency_fields("command", 0.4)}, now=now - 120)  # fmt: skip
    await aggregates.add(
        {"msg_in": 1, "turns": 1, "turns:knowledge": 1, **latency_fields("knowledge", 2.5)}, now=now
    )

    reading = await read_all((RedisFigures(), AggregateFigures()), redis, keys)
    shown = {f.label: (f.value, f.hint, f.alert) for f in reading.figures}
    assert shown["Queue depth"][0] == "1" and shown["Dead letters"] == ("1", "kept for replay", True)
    assert shown["Active users"][0] == "2"  # two numbers, one of them on two bots
    assert shown["Messages, last hour"][:2] == ("4", "3 sent")
    assert shown["Turns, last hour"] == ("4", "25.0% errors", True)
    assert shown["Tool calls, last hour"][:2] == ("2", "50% succeeded")
    assert shown["Rate-limit hits"][0] == "2" and shown["Model"][0] == "450 ms"
    assert shown["Handed to a person"][0] == "2"  # paused turns, not counted as answered (`ok`)
    assert shown["Model"][1] == "per call · 100 in / 20 out tokens"
    assert shown["Reply p50 / p95 · command"][0].startswith("0.") and "Reply p50 / p95 · knowledge" in shown
    series = {s.label: s.points for s in reading.series}
    assert len(series["Messages per minute"]) == 60 and sum(series["Messages per minute"]) == 4
    assert series["Messages per minute"][-1] == 1 and series["Messages per minute"][-3] == 3
    assert 2 < series["p95 reply per minute"][-1] <= 3  # the knowledge answer of this minute


def test_sparklines() -> None:
    svg = sparkline([0, 5, 10])
    assert svg.startswith("<svg") and 'points="0.0,38.0 120.0,20.0 240.0,2.0"' in svg
    assert "<script" not in svg and "style=" not in svg
    assert 'points="0.0,38.0 240.0,38.0"' in sparkline([0, 0])  # flat at the bottom, no division by 0


async def test_the_bots_page_names_a_bad_pack_and_an_unknown_tool(settings_factory, admin_server) -> None:
    from hudhud.app import create_app
    from tests.admin.conftest import PASSWORD
    from tests.helpers import live

    async with client(admin_server) as http:
        await sign_in(http)
        page = await http.get("/admin/bots")
        assert "create_task" in page.text and "persona.exec.ar@" in page.text
        unknown = await http.post(
            "/admin/bots/tools/no_such_tool", data={"csrf": csrf_of(page.text), "on": "0"}
        )
        assert unknown.status_code == 404
    app = create_app(settings_factory(hudhud_admin_password=PASSWORD, hudhud_tool_packs="no.such.pack"))
    with live(app) as server:
        async with client(server) as http:
            await sign_in(http)
            broken = await http.get("/admin/bots", headers={"accept": "text/html"})
        assert broken.status_code == 503
        assert "HUDHUD_TOOL_PACKS" in broken.text and "<html" in broken.text
