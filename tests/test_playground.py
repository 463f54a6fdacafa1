"""The admin's playground (hudhud/playground.py): one turn as a user through the pipeline, answered into
the sandbox whatever the bots' tokens, with its trace; only in dev, behind the admin guard."""

from __future__ import annotations

import httpx
import pytest

from base.keys import Keys
from channels.whatsapp.sandbox import SandboxClient
from hudhud import playground
from hudhud.app import create_app
from hudhud.playground import PREFIX, Press, TurnReport
from memory.crypto import Cipher
from tests.helpers import live

USER = "966500000032"
ADMIN = ("admin", "admin-pass-123")
TURN = f"{PREFIX}/turn"


@pytest.mark.parametrize(
    "overrides",
    [
        {"hudhud_env": "prod", "hudhud_encryption_key": "k" * 43 + "=", "hudhud_admin_password": ADMIN[1]},
        {"hudhud_env": "staging", "hudhud_admin_password": ADMIN[1]},
    ],
    ids=["prod", "staging"],
)
def test_the_playground_is_not_served_outside_dev(settings_factory, overrides) -> None:
    app = create_app(settings_factory(**overrides))
    assert TURN not in app.openapi()["paths"]


async def test_a_playground_turn_reaches_the_sandbox_never_graph(
    settings_factory, fake_graph, redis, redis_prefix: str
) -> None:
    """Dev with a live number: WhatsApp messages go to Graph, the playground's replies do not."""
    settings = settings_factory(
        hudhud_admin_password=ADMIN[1],
        whatsapp_access_token="live-token",
        whatsapp_phone_number_id="1065",
        whatsapp_api_base=fake_graph.base_url,
    )
    cipher = Cipher.from_settings(settings.memory, settings.runtime)  # the service's: captures are sealed
    with live(create_app(settings, workers=1)) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            assert (await http.post(TURN, json={"wa_id": USER, "text": "/ping"})).status_code == 401
            answer = await http.post(TURN, json={"wa_id": USER, "text": "/ping"}, auth=ADMIN)
            assert answer.status_code == 200, answer.text
            report = TurnReport.model_validate(answer.json())
            assert report.status == "ok" and report.parts[0].text.startswith("pong")  # type: ignore[union-attr]
            assert report.log is not None and report.log.phone_number_id == "playground"
            assert report.log.text == "/ping" and report.log.reply.startswith("pong")
    captured = await SandboxClient(redis, Keys(redis_prefix), sealer=cipher).recent(to=USER)
    assert captured[0]["payload"]["text"]["body"].startswith("pong")
    assert fake_graph.sends == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"wa_id": "12ab", "text": "hi"}, "wa_id"),
        ({"wa_id": USER}, "exactly one of text"),
        ({"wa_id": USER, "text": "hi", "press": Press(id="confirm:x").model_dump()}, "exactly one of text"),
        ({"wa_id": USER, "text": "hi", "profile": "admin"}, "profile"),
    ],
)
async def test_a_bad_turn_is_a_422_that_says_what_is_wrong(settings_factory, body, field) -> None:
    app = create_app(settings_factory())
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hudhud") as http,
    ):
        answer = await http.post(TURN, json=body)
    assert answer.status_code == 422 and field in answer.text


async def test_without_a_worker_the_turn_times_out_with_a_reason(settings_factory, monkeypatch) -> None:
    monkeypatch.setattr(playground, "MARGIN_S", 0.5)
    app = create_app(settings_factory(hudhud_turn_timeout_ms=1))  # no worker: nothing will answer
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hudhud", timeout=60) as http,
    ):
        answer = await http.post(TURN, json={"wa_id": USER, "text": "hi"})
    assert answer.status_code == 504 and "is a worker running" in answer.json()["detail"]
