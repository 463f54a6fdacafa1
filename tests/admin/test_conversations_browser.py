"""Conversations and handoff in a real browser (as tests/admin/test_admin_browser.py): find a user's
turns, search their text and open the thread (a viewer sees the figures, never the texts), then pause the
bot, answer as a person and give the conversation back from the thread view."""

from __future__ import annotations

import re
import time
from typing import Any

import redis.asyncio as aioredis

from base.turn import InboundMessage, TextPart
from channels.whatsapp.sandbox import SandboxClient
from hudhud.admin.accounts import Accounts
from hudhud.handoff import Handoff
from hudhud.interactions import InteractionLog
from tests.admin.conftest import PASSWORD, PHONE, Site, no_sideways_scroll, snap
from tests.admin.conftest import browser_sign_in as sign_in

WA = "966500000041"
PNID = "1065"
ASKED = "ذكّرني بتقرير Q3 غداً"
ANSWERED = "تم: أضفت مهمة «تقرير Q3» لغدٍ"


def _turns(settings: Any) -> Any:
    async def add(r: aioredis.Redis) -> list[str]:
        log = InteractionLog.from_settings(r, settings)
        now = int(time.time())
        ids = []
        for n, (text, reply, status) in enumerate(
            [("hello", "Hi! How can I help?", "ok"), (ASKED, ANSWERED, "ok"), ("and then?", "", "failed")]
        ):
            message = InboundMessage(id=f"wamid.c{n}", wa_id=WA, phone_number_id=PNID, type="text", text=text,
                                     timestamp=now)  # fmt: skip
            entry = await log.record(
                conv=f"{PNID}:{WA}", turn_id=f"t_{n}", attempt=1, messages=[message], status=status,
                seconds=0.4, parts=[TextPart(text=reply)] if reply else [], trace_id=f"trace{n}",
                error="boom: and then?" if status == "failed" else "",
            )  # fmt: skip
            ids.append(entry)
        return ids

    return add


def test_find_search_and_open_a_thread_a_viewer_sees_no_text(
    site: Site, chromium: Any, settings_factory
) -> None:
    site.run(_turns(settings_factory(hudhud_admin_password=PASSWORD)))
    site.run(lambda r: Accounts(r, site.keys).create("watcher", "watcher-pass-1234", "viewer"))

    admin = chromium.new_context(viewport=PHONE).new_page()
    sign_in(admin, site)
    admin.click("nav >> text=Conversations")
    admin.fill("input[name=wa_id]", WA)
    admin.select_option("select[name=outcome]", "error")
    admin.click("button:has-text('Find')")
    rows = admin.locator("#turns tbody tr")
    assert rows.count() == 1 and "trace2" in rows.inner_text()
    admin.click(f"#turns a:has-text('{WA}')")
    admin.wait_for_url(re.compile(f"/admin/conversations/{WA}$"))
    assert admin.locator("section.turn").count() == 3
    admin.fill("input[name=q]", "q3")  # case-insensitive, in the decrypted texts
    admin.click("button:has-text('Filter')")
    assert admin.locator("section.turn").count() == 1
    inbound = admin.locator(".message.inbound")
    assert inbound.inner_text() == ASKED
    assert inbound.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert admin.locator(".message.outbound").inner_text() == ANSWERED
    assert "trace1" in admin.content()
    no_sideways_scroll(admin)
    admin.goto(site.server.url + f"/admin/conversations?wa_id={WA}")
    snap(admin, "conversations")
    admin.context.close()

    viewer = chromium.new_context(viewport=PHONE).new_page()
    sign_in(viewer, site, "watcher", "watcher-pass-1234")
    answer = viewer.goto(site.server.url + f"/admin/conversations/{WA}")
    assert answer is not None and answer.status == 200
    html = viewer.content()
    assert viewer.locator("section.turn").count() == 3 and "trace2" in html  # figures and traces
    for text in (ASKED, ANSWERED, "Hi! How can I help?", "boom"):
        assert text not in html
    assert viewer.is_visible("#texts-hidden") and viewer.locator("input[name=q]").count() == 0
    assert viewer.locator("#human-reply").count() == 0
    refused = viewer.goto(site.server.url + f"/admin/conversations/{WA}?q=Q3")
    assert refused is not None and refused.status == 403
    viewer.context.close()

    audit = site.run(lambda r: r.xrange(site.keys.admin_audit))
    opened = [f for _, f in audit if f[b"action"] == b"open_conversation"]
    assert {f[b"who"] for f in opened} == {b"admin", b"watcher"}


def test_pause_answer_as_a_person_and_give_back(site: Site, phone: Any, settings_factory) -> None:
    site.run(_turns(settings_factory(hudhud_admin_password=PASSWORD)))
    sign_in(phone, site)
    phone.goto(site.server.url + f"/admin/conversations/{WA}")
    assert phone.inner_text("#handoff-state") == "bot answering"
    phone.click("button:has-text('Pause the bot')")
    assert "paused" in phone.inner_text("[role=status]")
    assert site.run(lambda r: Handoff(r, site.keys).paused(WA)).by == "admin"

    phone.fill("textarea[name=text]", "أهلاً، معك سارة من الفريق")
    again = phone.eval_on_selector("#human-reply", "f => new URLSearchParams(new FormData(f)).toString()")
    phone.click("#human-reply button[type=submit]")
    assert "Reply sent" in phone.inner_text("[role=status]")
    # The same form (its one-time token) submitted again, as a double click or a resent page would.
    landed = phone.evaluate(
        f"fetch('/admin/conversations/{WA}/reply', {{method: 'POST', headers: {{'content-type':"
        f" 'application/x-www-form-urlencoded'}}, body: {again!r}}}).then(r => r.url)"
    )
    assert "Already+sent" in landed

    sent = site.run(lambda r: SandboxClient(r, site.keys, sealer=site.cipher).recent(to=WA))
    bodies = [e["payload"]["text"]["body"] for e in sent]
    assert bodies == ["أهلاً، معك سارة من الفريق"]  # once, through the outbox and the sandbox
    assert phone.locator(".message.human").inner_text() == "أهلاً، معك سارة من الفريق"
    no_sideways_scroll(phone)
    snap(phone, "thread")

    phone.click("button:has-text('Give back to the bot')")
    assert "The bot answers again" in phone.inner_text("[role=status]")
    assert site.run(lambda r: Handoff(r, site.keys).paused(WA)) is None
