"""A tool switched off on the dashboard is off for the next turn through the real pipeline: the model is
not offered it, and a slash command that names it is refused; switched on, it works again. The user is
linked with a code the dashboard issued."""

from __future__ import annotations

import asyncio
import re

import httpx

from hudhud.app import create_app
from tests.admin.conftest import PASSWORD, csrf_of, sign_in
from tests.helpers import agent_settings, body_of, envelope, free_port, live, message, signed_headers
from tools.switches import ToolSwitches

WA = "966500000077"


async def test_a_tool_switched_off_cannot_be_used_by_the_next_turn(
    settings_factory, fake_openai, tmp_path
) -> None:
    port = free_port()
    data = tmp_path / "data"
    settings = agent_settings(settings_factory, fake_openai, port, PASSWORD, hudhud_data_dir=data)
    app = create_app(settings, workers=1, embed_core=True)
    with live(app, port=port) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            sent = 0

            async def say(wamid: str, text: str) -> str:
                nonlocal sent
                body = body_of(envelope([message(wamid, WA, text)]))
                assert (
                    await http.post("/webhook/whatsapp", content=body, headers=signed_headers(body))
                ).status_code == 200
                sent += 1
                for _ in range(300):
                    out = (
                        await http.get("/sandbox/messages", params={"to": WA}, auth=("admin", PASSWORD))
                    ).json()
                    texts = [m["payload"]["text"]["body"] for m in out if m["payload"].get("type") == "text"]
                    if len(texts) >= sent:
                        return texts[0]
                    await asyncio.sleep(0.05)
                raise AssertionError(f"no reply to {text!r}")

            assert (await sign_in(http)).status_code == 303
            user_page = await http.get(f"/admin/users/{WA}")
            csrf = csrf_of(user_page.text)
            issued = await http.post(f"/admin/users/{WA}/link-code", data={"csrf": csrf, "user_id": "1"})
            code = re.search(r'id="link-code">(\d{8})<', issued.text)
            assert code is not None, issued.text
            assert "Linked to" in await say("wamid.sw.1", f"/link {code[1]}")

            off = await http.post("/admin/bots/tools/create_task", data={"csrf": csrf, "on": "0"})
            assert off.status_code == 303
            bots = await http.get("/admin/bots")
            assert re.search(r'id="tool-create_task">.*?badge off', bots.text, re.S)

            fake_openai.requests.clear()
            fake_openai.reply_tool("create_task", {"title": "Book the meeting room"})
            reply = await say("wamid.sw.2", "add a task to book the meeting room")
            assert not reply.startswith("✅")
            offered = [t["function"]["name"] for t in fake_openai.requests[0].get("tools", [])]
            assert offered and "create_task" not in offered
            refused = await say("wamid.sw.3", "/new Buy milk")
            assert "switched off" in refused

            assert (
                await http.post("/admin/bots/tools/create_task", data={"csrf": csrf, "on": "1"})
            ).status_code == 303
            fake_openai.script.clear()
            fake_openai.reply_tool("create_task", {"title": "Book the meeting room"})
            assert (await say("wamid.sw.4", "add a task to book the meeting room")).startswith("✅ Task #")

            login = await http.post("/core/auth/login", json={"username": "admin", "password": PASSWORD})
            token = login.json()["access_token"]
            listed = (await http.get("/core/tasks", headers={"Authorization": f"Bearer {token}"})).json()
            titles = [t["title"] for t in listed["items"]]
            assert titles.count("Book the meeting room") == 1 and "Buy milk" not in titles
            audit = await http.get("/admin/audit")
            assert "tool_off" in audit.text and "tool_on" in audit.text and "link_code" in audit.text


async def test_switches_are_shared_through_redis(redis, redis_prefix) -> None:
    from base.keys import Keys

    one, other = ToolSwitches(redis, Keys(redis_prefix)), ToolSwitches(redis, Keys(redis_prefix))
    await one.switch("create_task", on=False)
    assert await other.off() == frozenset({"create_task"})
    await other.switch("create_task", on=True)
    assert await one.off() == frozenset()
