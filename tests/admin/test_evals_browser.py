"""The Evals page in a real browser (Debian's chromium driven by Playwright, as test_admin_browser.py):
at 390 px, a run queued from the form and followed live to `done` (its child runs against the fake
OpenAI-compatible model), its report opened, two runs compared."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from base.keys import Keys
from hudhud.app import create_app
from memory.crypto import Cipher
from tests.admin.conftest import PASSWORD, Site, no_sideways_scroll, snap
from tests.admin.conftest import browser_sign_in as sign_in
from tests.admin.test_evals_page import child_env, write_run
from tests.helpers import live

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make install)")
if shutil.which("chromium") is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def evals_site(settings_factory, redis_prefix, tmp_path: Path) -> Iterator[Site]:
    runs = tmp_path / "runs"
    write_run(runs, "before", {"create-en", "delete-en"}, started="2026-12-01T10:00:00+00:00")
    write_run(runs, "after", {"create-en"}, started="2026-12-02T10:00:00+00:00")
    settings = settings_factory(hudhud_admin_password=PASSWORD, hudhud_eval_runs_dir=runs)
    with live(create_app(settings)) as server:
        yield Site(server, Keys(redis_prefix), Cipher.from_settings(settings.memory, settings.runtime))


def test_queue_a_run_follow_it_and_compare_two(
    evals_site: Site, phone: Any, fake_openai: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    child_env(monkeypatch, fake_openai, tmp_path)
    sign_in(phone, evals_site)
    phone.click("header nav a:has-text('Evals')")
    phone.wait_for_url("**/admin/evals")
    no_sideways_scroll(phone)
    assert phone.is_visible("a:has-text('after')") and phone.is_visible("text=ci-smoke")

    phone.check("input[name=suite][value='ci-smoke.yaml']")
    phone.fill("input[name=filter]", "create-task-en")
    phone.click("button:has-text('Queue the run')")
    assert "1 case" in phone.inner_text("[role=status]")
    # The list refreshes itself (htmx, every 5 s) until the background runner has finished the run.
    phone.wait_for_selector("tr.eval-request[data-status=done]", timeout=120_000)
    no_sideways_scroll(phone)
    snap(phone, "evals")
    phone.click("tr.eval-request[data-status=done] a")
    phone.wait_for_url("**/report.html")
    assert "create-task-en" in phone.content()

    phone.goto(evals_site.server.url + "/admin/evals")
    phone.select_option("select[name=a]", "run:before")
    phone.select_option("select[name=b]", "run:after")
    phone.click("button:has-text('Compare')")
    assert "The gate passed" in phone.inner_text("#verdict")
    assert phone.locator("#changes td", has_text="mini/delete-en").count() == 1
    no_sideways_scroll(phone)
    phone.click("text=Side by side, case by case")
    assert "delete-en" in phone.content()
