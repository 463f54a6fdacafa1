"""The exec bot end to end through WhatsApp: a signed webhook in, the agent's tool call executed on
the reference core API that `hudhud up` serves under /core, acting as the user linked with /link."""

from __future__ import annotations

import httpx

from hudhud.app import create_app
from tests.helpers import agent_service, body_of, envelope, free_port, live, message, signed_headers

WA = "966500000042"


async def test_link_then_command_through_the_pipeline(settings_factory, fake_openai, tmp_path) -> None:
    port = free_port()
    settings = agent_service(settings_factory, fake_openai, port=port, hudhud_data_dir=tmp_path / "data")
    app = create_app(settings, workers=1, embed_core=True)
    with live(app, port=port) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            login = await http.post(
                "/core/auth/login", json={"username": "admin", "password": "admin-pass-123"}
            )
            token = login.json()["access_token"]
            code = (await http.post("/core/link-codes", headers={"Authorization": f"Bearer {token}"})).json()[
                "code"
            ]

            async def say(wamid: str, text: str) -> str:
                body = body_of(envelope([message(wamid, WA, text)]))
                assert (
                    await http.post("/webhook/whatsapp", content=body, headers=signed_headers(body))
                ).status_code == 200
                for _ in range(200):
                    sent = (
                        await http.get(
                            "/sandbox/messages", params={"to": WA}, auth=("admin", "admin-pass-123")
                        )
                    ).json()
                    texts = [m["payload"]["text"]["body"] for m in sent if m["payload"].get("type") == "text"]
                    if len(texts) >= int(wamid.rsplit(".", 1)[1]):
                        return texts[0]
                    import asyncio

                    await asyncio.sleep(0.05)
                raise AssertionError(f"no reply to {text!r}")

            assert "Linked to" in await say("wamid.e2e.1", f"/link {code}")
            fake_openai.reply_tool("create_task", {"title": "Book the meeting room", "due_date": "tomorrow"})
            reply = await say("wamid.e2e.2", "add a task to book the meeting room tomorrow")
            assert reply.startswith("✅ Task #") and "Book the meeting room" in reply
            listed = (await http.get("/core/tasks", headers={"Authorization": f"Bearer {token}"})).json()
            assert any(t["title"] == "Book the meeting room" for t in listed["items"])
