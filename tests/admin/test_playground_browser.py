"""The playground page in a real browser (as tests/admin/test_admin_browser.py): a turn sent from the
chat is answered through the pipeline; its buttons and list rows are pressed like WhatsApp's, and the
trace shows beside the chat. Outside dev the page says the playground is not served."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from hudhud.app import create_app
from memory.crypto import Cipher
from tests.admin.conftest import PASSWORD, PHONE, Site, no_sideways_scroll, snap
from tests.admin.conftest import browser_sign_in as sign_in
from tests.helpers import live

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def served(settings_factory, redis_prefix) -> Iterator[Site]:
    from base.keys import Keys

    settings = settings_factory(hudhud_admin_password=PASSWORD, hudhud_responder="tests.responders:choices")
    with live(create_app(settings, workers=1)) as server:
        yield Site(server, Keys(redis_prefix), Cipher.from_settings(settings.memory, settings.runtime))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_send_press_a_button_and_a_list_row(served: Site, chromium: Any, viewport: dict[str, int]) -> None:
    page = chromium.new_context(viewport=viewport).new_page()
    page.set_default_timeout(20_000)
    sign_in(page, served)
    page.click("nav >> text=Playground")
    page.wait_for_url(re.compile("/admin/playground$"))
    page.select_option("select[name=profile]", "exec")
    page.fill("#pg-send input[name=text]", "أنشئ مهمة")
    page.click("#pg-send button[type=submit]")
    question = page.locator(".bubble.in", has_text="هل أنشئ المهمة؟")
    question.wait_for()
    assert question.evaluate("e => getComputedStyle(e).direction") == "rtl"  # dir="auto" bubbles
    assert '"status": "ok"' in page.inner_text("#trace")
    if viewport is PHONE:
        no_sideways_scroll(page)
    page.click(".choice:has-text('نعم')")
    page.locator(".bubble.in", has_text="اخترت yes").wait_for()
    page.click(".choice:has-text('Q3 report')")
    page.locator(".bubble.in", has_text="اخترت task:7").wait_for()
    assert page.locator(".bubble.out").all_inner_texts() == ["أنشئ مهمة", "نعم", "Q3 report"]
    if viewport is PHONE:
        snap(page, "playground")
    page.context.close()


def test_outside_dev_the_page_says_so(settings_factory, chromium: Any, redis_prefix) -> None:
    from base.keys import Keys

    settings = settings_factory(
        hudhud_admin_password=PASSWORD, hudhud_env="staging", hudhud_encryption_key="k" * 43 + "="
    )
    with live(create_app(settings)) as server:
        site = Site(server, Keys(redis_prefix), Cipher.from_settings(settings.memory, settings.runtime))
        page = chromium.new_context(viewport=PHONE).new_page()
        sign_in(page, site)
        page.goto(server.url + "/admin/playground")
        assert "only in dev" in page.inner_text("#not-dev")
        assert page.locator("#chat").count() == 0
        page.context.close()


def test_a_draft_is_edited_from_the_saved_text_listed_and_discarded(served: Site, chromium: Any) -> None:
    """The drafts section below the chat (hudhud/admin/playground_drafts.py): the editor starts from the
    saved description, the saved draft is listed with its draft version, and Discard removes it."""
    page = chromium.new_context(viewport=PHONE).new_page()
    page.set_default_timeout(20_000)
    sign_in(page, served)
    page.goto(served.server.url + "/admin/playground")
    page.select_option("#draft-pick select[name=edit]", "tool:create_task")
    page.click("#draft-pick button[type=submit]")
    editor = page.locator("#draft-edit textarea[name=text]")
    assert editor.input_value() == "add a new task or reminder."
    editor.fill("add a task, a reminder or a to-do.")
    page.click("#draft-edit button[type=submit]")
    row = page.locator('#draft-list tr[data-target="tool:create_task"]')
    assert re.search(r"draft-[0-9a-f]{8}", row.inner_text())
    assert (
        page.locator("#draft-edit textarea[name=text]").input_value() == "add a task, a reminder or a to-do."
    )
    no_sideways_scroll(page)
    row.locator("button:has-text('Discard')").click()
    page.locator("#draft-list", has_text="No draft.").wait_for()
    assert "discarded" in page.inner_text("body")
    page.context.close()
