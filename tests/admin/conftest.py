"""A served app with the dashboard, and a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hudhud.app import create_app
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
