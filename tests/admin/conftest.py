"""A served app with the dashboard, and a signed-in client."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis as syncredis
import redis.asyncio as aioredis

from base.keys import Keys
from hudhud.app import create_app
from memory.crypto import Cipher
from tests.conftest import REDIS_TEST_URL
from tests.helpers import LiveServer, live

PASSWORD = "admin-pass-123456"


@pytest.fixture
def admin_server(settings_factory) -> Iterator[LiveServer]:
    app = create_app(settings_factory(hudhud_admin_password=PASSWORD))
    with live(app) as server:
        yield server


async def sign_in(
    http: httpx.AsyncClient, username: str = "admin", password: str = PASSWORD
) -> httpx.Response:
    """The login form's round trip: its CSRF token from the page (and cookie), then the post."""
    form = await http.get("/admin/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    return await http.post(
        "/admin/login",
        data={"csrf": token[1], "username": username, "password": password, "next": "/admin"},
    )


def csrf_of(html: str) -> str:
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found[1]


def client(server: LiveServer, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, timeout=30, **kwargs)


# The browser tests' own (tests/admin/test_*_browser.py): Debian's chromium driven by Playwright.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's chromium through Playwright; the tests that take it are skipped without either."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (make install)")
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            # No lookups beyond loopback: the pages must work offline.
            args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield browser
        browser.close()


class Site:
    def __init__(self, server: LiveServer, keys: Keys, cipher: Cipher) -> None:
        self.server = server
        self.keys = keys
        self.cipher = cipher  # the service's: what it stores is encrypted at rest (base/sealing.py)

    def run(self, work: Callable[[aioredis.Redis], Coroutine[Any, Any, Any]]) -> Any:
        """Some Redis work of the test's own, on a client of its own event loop (in a thread of its own:
        Playwright's sync API keeps a loop running on this one)."""

        async def go() -> Any:
            client = aioredis.from_url(REDIS_TEST_URL)
            try:
                return await work(client)
            finally:
                await client.aclose()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()


@pytest.fixture
def site(settings_factory, redis_prefix) -> Iterator[Site]:
    keys = Keys(redis_prefix)
    settings = settings_factory(hudhud_admin_password=PASSWORD)
    app = create_app(settings)
    with live(app) as server:
        yield Site(server, keys, Cipher.from_settings(settings.memory, settings.runtime))
    plain = syncredis.Redis.from_url(REDIS_TEST_URL)
    stale = list(plain.scan_iter(match=f"{redis_prefix}:*", count=500))
    if stale:
        plain.delete(*stale)
    plain.close()


@pytest.fixture
def phone(chromium) -> Iterator[Any]:
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def browser_sign_in(page: Any, site: Site, username: str = "admin", password: str = PASSWORD) -> None:
    page.goto(site.server.url + "/admin")
    assert "/admin/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin$"))


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def snap(page: Any, name: str) -> None:
    """With HUDHUD_SCREENSHOTS=docs/img, the page as docs/admin.md shows it (at 390 px and at 1280 px)."""
    folder = os.environ.get("HUDHUD_SCREENSHOTS")
    if not folder:
        return
    page.screenshot(path=f"{folder}/admin-{name}-{page.viewport_size['width']}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=f"{folder}/admin-{name}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
