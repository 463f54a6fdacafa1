"""The dashboard's pages with data, over real HTTP: users' actions, dead letters, the overview's
figures."""

from __future__ import annotations

import time

import orjson

from base.keys import Keys
from hudhud.admin.audit import AuditLog
from hudhud.admin.figures import RedisFigures, percentile, sparkline
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


async def test_the_overview_reads_the_pipelines_streams(redis, redis_prefix) -> None:
    keys = Keys(redis_prefix)
    for ms, status in ((100, "ok"), (300, "ok"), (2000, "failed")):
        await redis.xadd(keys.turns, {"status": status, "ms": ms, "ts": time.time()})
    await redis.xadd(keys.tool_calls, {"tool": "create_task", "outcome": "ok"})
    await redis.xadd(keys.tool_calls, {"tool": "create_task", "outcome": "error"})
    await redis.xadd(keys.inbound, {"kind": "message", "conv": "1:2"})
    await redis.xadd(keys.dead, {"kind": "turn", "messages": orjson.dumps([])})
    reading = await RedisFigures().read(redis, keys)
    shown = {f.label: (f.value, f.hint, f.alert) for f in reading.figures}
    assert shown["Queue depth"][0] == "1" and shown["Dead letters"] == ("1", "kept for replay", True)
    assert shown["Turns, last hour"][:2] == ("3", "1 failed")
    assert shown["Tool calls, last hour"][:2] == ("2", "50% ok")
    assert shown["Reply p50 / p95"][0] == "300 / 1830 ms"
    turns = next(s for s in reading.series if s.label == "Turns per minute")
    assert len(turns.points) == 60 and turns.points[-1] == 3 and sum(turns.points) == 3


def test_sparklines_and_percentiles() -> None:
    assert percentile([], 0.5) is None and percentile([7.0], 0.95) == 7.0
    svg = sparkline([0, 5, 10])
    assert svg.startswith("<svg") and 'points="0.0,38.0 120.0,20.0 240.0,2.0"' in svg
    assert "<script" not in svg and "style=" not in svg


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
