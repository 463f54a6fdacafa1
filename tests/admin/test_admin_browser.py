"""The dashboard in a real browser: Debian's chromium driven by Playwright (no browser is downloaded),
the app served over loopback with the real Redis. Skipped where chromium or Playwright is missing
(`make install` and .ci/run install both)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
import pytest
import redis.asyncio as aioredis

from base.keys import Keys
from base.sealing import aad_inbox, unseal
from hudhud.admin.accounts import Accounts
from memory.links import IdentityLinks
from memory.throttles import Throttles
from tests.admin.conftest import PHONE, Site, no_sideways_scroll
from tests.admin.conftest import browser_sign_in as sign_in
from tools.switches import ToolSwitches

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make install)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

WA = "966500000031"
ARABIC_NAME = "سارة الأحمد"


def test_sign_in_and_every_page_fits_a_390px_phone(site: Site, phone: Any) -> None:
    site.run(lambda r: IdentityLinks(r, site.keys).link(WA, 7, display_name=ARABIC_NAME, role="member"))
    phone.goto(site.server.url + "/admin")
    no_sideways_scroll(phone)  # the login page
    phone.fill("input[name=username]", "admin")
    phone.fill("input[name=password]", "wrong password")
    phone.click("button[type=submit]")
    assert "Wrong username or password" in phone.inner_text("[role=alert]")
    sign_in(phone, site)
    assert phone.is_visible("text=Queue depth") and phone.locator("svg.spark").count() >= 2
    for path in ("/admin", "/admin/users", f"/admin/users/{WA}", "/admin/dead", "/admin/bots",
                 "/admin/accounts", "/admin/audit"):  # fmt: skip
        answer = phone.goto(site.server.url + path)
        assert answer is not None and answer.status == 200, path
        no_sideways_scroll(phone)
    phone.click("text=Sign out")
    phone.wait_for_url(re.compile(r"/admin/login"))
    phone.goto(site.server.url + "/admin/users")
    assert "/admin/login" in phone.url


def test_a_change_without_the_csrf_token_is_refused(site: Site, phone: Any) -> None:
    sign_in(phone, site)
    phone.goto(site.server.url + f"/admin/users/{WA}")
    # A script on the page that forgets the token (the cookie goes along; the token does not).
    status = phone.evaluate(
        f"fetch('/admin/users/{WA}/block', {{method: 'POST', headers: {{'content-type':"
        " 'application/x-www-form-urlencoded'}, body: 'minutes=60'}).then(r => r.status)"
    )
    assert status == 403
    # A form whose token was tampered with.
    phone.eval_on_selector_all("input[name=csrf]", "els => els.forEach(e => e.value = 'forged')")
    phone.click("button:has-text('Block')")
    assert "CSRF" in phone.inner_text("[role=alert]")
    assert site.run(lambda r: Throttles(r, site.keys).blocked(WA)) is None


def test_block_and_unblock_a_user(site: Site, phone: Any) -> None:
    site.run(lambda r: IdentityLinks(r, site.keys).link(WA, 7, display_name=ARABIC_NAME, role="member"))
    sign_in(phone, site)
    phone.goto(site.server.url + "/admin/users")
    name = phone.locator("td[dir=auto]", has_text=ARABIC_NAME)
    assert name.evaluate("e => getComputedStyle(e).direction") == "rtl"  # Arabic reads right to left
    phone.click(f"a:has-text('{WA}')")
    phone.select_option("select[name=minutes]", "1440")
    phone.click("button:has-text('Block')")
    assert "Blocked for 1440 minutes" in phone.inner_text("[role=status]")
    assert site.run(lambda r: Throttles(r, site.keys).blocked(WA)) == "admin:admin"
    phone.click("button:has-text('Unblock')")
    assert "Unblocked" in phone.inner_text("[role=status]")
    assert site.run(lambda r: Throttles(r, site.keys).blocked(WA)) is None
    no_sideways_scroll(phone)


def _dead_turn(keys: Keys, text: str) -> Callable[[aioredis.Redis], Coroutine[Any, Any, Any]]:
    message = {"id": "wamid.dead1", "wa_id": WA, "phone_number_id": "1065", "type": "text", "text": text}
    fields = {"kind": "turn", "conv": f"1065:{WA}", "turn_id": "t_1", "error": "model timed out",
              "attempts": 5, "messages": orjson.dumps([message]), "ts": 1_764_000_000}  # fmt: skip

    async def add(r: aioredis.Redis) -> str:
        return (await r.xadd(keys.dead, fields)).decode()

    return add


def test_a_viewer_never_sees_message_texts_and_an_admin_replays(site: Site, chromium: Any) -> None:
    mixed = "ذكّرني بالاجتماع مع Ahmed at 3pm"
    entry = site.run(_dead_turn(site.keys, mixed))
    site.run(lambda r: Accounts(r, site.keys).create("watcher", "watcher-pass-1234", "viewer"))

    viewer = chromium.new_context(viewport=PHONE).new_page()
    sign_in(viewer, site, "watcher", "watcher-pass-1234")
    viewer.goto(site.server.url + f"/admin/dead/{entry}")
    assert "model timed out" in viewer.content()
    assert "Ahmed" not in viewer.content() and viewer.is_visible("#texts-hidden")
    assert viewer.locator("button:has-text('Replay')").count() == 0
    assert viewer.locator("nav >> text=Accounts").count() == 0
    viewer.context.close()

    admin = chromium.new_context(viewport=PHONE).new_page()
    sign_in(admin, site)
    admin.goto(site.server.url + f"/admin/dead/{entry}")
    shown = admin.locator(".message[dir=auto]")
    assert shown.inner_text() == mixed
    assert shown.evaluate("e => getComputedStyle(e).direction") == "rtl"  # first strong letter: Arabic
    no_sideways_scroll(admin)
    admin.click("button:has-text('Replay')")
    assert f"Replayed {entry}" in admin.inner_text("[role=status]")

    async def queued(r: aioredis.Redis) -> tuple[int, int, list[bytes]]:
        inbox = await r.lrange(site.keys.inbox(f"1065:{WA}"), 0, -1)
        return await r.xlen(site.keys.dead), await r.xlen(site.keys.inbound), inbox

    dead, inbound, inbox = site.run(queued)
    queued = orjson.loads(unseal(site.cipher, inbox[0], aad_inbox(f"1065:{WA}")))
    assert dead == 0 and inbound == 1 and queued["text"] == mixed
    admin.context.close()


def test_switch_a_tool_off_and_on(site: Site, phone: Any) -> None:
    sign_in(phone, site)
    phone.goto(site.server.url + "/admin/bots")
    row = phone.locator("#tool-create_task")
    row.locator("button:has-text('Switch off')").click()
    assert "create_task switched off" in phone.inner_text("[role=status]")
    assert site.run(lambda r: ToolSwitches(r, site.keys).off()) == frozenset({"create_task"})
    assert phone.locator("#tool-create_task .badge.off").count() == 1
    no_sideways_scroll(phone)
    phone.locator("#tool-create_task button:has-text('Switch on')").click()
    assert site.run(lambda r: ToolSwitches(r, site.keys).off()) == frozenset()
