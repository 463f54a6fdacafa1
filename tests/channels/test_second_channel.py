"""A second channel through the same queue, workers and agent: a loopback JSON channel defined here
alone, proving the Channel seam (base/channel.py) needs nothing of WhatsApp."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

import httpx
import orjson

from base.channel import ChannelRejected, Job, degrade
from base.turn import ButtonsPart, ChannelLimits, InboundMessage, ReplyPart, TextPart
from hudhud.app import create_app
from tests.helpers import live, wait_for

SECRET = b"loop-secret"


class LoopSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, ReplyPart]] = []

    async def send_part(self, number: str, to: str, part: ReplyPart) -> str:
        self.sent.append((number, to, part))
        return f"loop-out-{len(self.sent)}"


class LoopChannel:
    """JSON in ({"id", "from", "text"}, signed with a shared secret), parts captured out."""

    name = "loop"
    webhook_path = "/webhook/loop"
    limits = ChannelLimits(text=200, buttons=2, button_title=8, list_rows=5, row_title=8)

    def __init__(self) -> None:
        self.out = LoopSender()
        self.seen_ids: list[str] = []

    def parse(self, raw: bytes, headers: Mapping[str, str]) -> list[Job]:
        expected = hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-loop-signature", ""), expected):
            raise ChannelRejected(401, "bad loop signature")
        try:
            body = orjson.loads(raw)
            inbound = InboundMessage(
                id=body["id"], wa_id=body["from"], phone_number_id="loopbot", channel=self.name,
                type="text", text=body["text"],
            )  # fmt: skip
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise ChannelRejected(400, f"not a loop message: {exc}") from None
        return [
            Job(f"loop:{inbound.id}", "message", f"loop:{inbound.wa_id}", inbound.model_dump_json().encode())
        ]

    def fit(self, parts: Sequence[ReplyPart]) -> list[ReplyPart]:
        return degrade(parts, self.limits)

    def sender(self, number: str) -> LoopSender:
        return self.out

    async def seen(self, number: str, message_id: str) -> None:
        self.seen_ids.append(message_id)


async def _post(url: str, body: dict[str, str] | bytes, secret: bytes = SECRET) -> httpx.Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    signature = hmac.new(secret, raw, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient() as http:
        return await http.post(url + "/webhook/loop", content=raw, headers={"x-loop-signature": signature})


class AsksWithButtons:
    """A responder that shows the channel's limits are the turn's: three buttons for a two-button channel."""

    def __init__(self) -> None:
        self.limits: list[ChannelLimits] = []

    async def respond(self, turn):
        self.limits.append(turn.limits)
        from base.turn import Button

        buttons = [Button(id=f"pick:{i}", title=f"Choice number {i}") for i in range(3)]
        return [ButtonsPart(text=f"{turn.channel}: which?", buttons=buttons)]


async def test_a_loop_message_is_answered_through_the_queue_and_workers(settings_factory) -> None:
    from base.commands import CommandRouter

    channel = LoopChannel()
    asking = AsksWithButtons()
    app = create_app(
        settings_factory(), workers=1, responder=CommandRouter(fallback=asking), channels=[channel]
    )
    with live(app) as server:
        ping = {"id": "m1", "from": "u7", "text": "/ping"}
        assert (await _post(server.url, ping)).status_code == 200
        assert (await _post(server.url, ping)).status_code == 200  # the same id again: deduped
        await wait_for(lambda: _async(len(channel.out.sent) >= 1))
        assert (await _post(server.url, {"id": "m2", "from": "u7", "text": "hello"})).status_code == 200
        await wait_for(lambda: _async(len(channel.out.sent) >= 2))
        bad = await _post(server.url, {"id": "m3", "from": "u7", "text": "x"}, secret=b"wrong")
        broken = await _post(server.url, b"[")
        huge = await _post(server.url, b"x" * (1_048_576 + 1))  # HUDHUD_MAX_BODY_BYTES, plus one
    (number, to, pong), (_, _, asked) = channel.out.sent
    assert (number, to) == ("loopbot", "u7") and isinstance(pong, TextPart) and pong.text.startswith("pong")
    # Three buttons do not fit a two-button channel: the channel made them a list it can show.
    assert asked.kind == "list" and [len(r.title) <= 8 for r in asked.sections[0].rows] == [True] * 3
    assert asked.text == "loop: which?" and asking.limits == [LoopChannel.limits]
    assert channel.seen_ids == ["m1", "m2"]
    assert (bad.status_code, bad.json()) == (401, {"error": "bad loop signature"})
    assert huge.status_code == 413 and huge.json()["error"] == "body larger than 1048576 bytes"
    assert broken.status_code == 400 and broken.json()["error"].startswith("not a loop message")


async def test_the_agent_answers_on_the_loop_channel(settings_factory, fake_openai) -> None:
    channel = LoopChannel()
    settings = settings_factory(
        hudhud_responder="agent", openai_base_url=fake_openai.base_url, openai_api_key="k",
        hudhud_model="gpt-test", hudhud_tool_mode="native",
    )  # fmt: skip
    fake_openai.reply_text("Hello from the agent")
    with live(create_app(settings, workers=1, channels=[channel])) as server:
        said = {"id": "a1", "from": "u8", "text": "thanks a lot"}  # a greeting would be answered in code
        assert (await _post(server.url, said)).status_code == 200
        await wait_for(lambda: _async(len(channel.out.sent) >= 1), timeout=20)
    [(_, to, reply)] = channel.out.sent
    assert to == "u8" and isinstance(reply, TextPart) and reply.text == "Hello from the agent"
    asked = fake_openai.requests[-1]["messages"][-1]["content"]
    assert "thanks a lot" in str(asked)


async def _async(value: bool) -> bool:
    return value
