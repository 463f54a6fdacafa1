"""GraphClient against the fake Graph server over real HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import structlog
from prometheus_client import REGISTRY

from base.turn import (
    Button,
    ButtonsPart,
    ListPart,
    ListRow,
    ListSection,
    MediaPart,
    TemplatePart,
    TextPart,
)
from channels.whatsapp import graph as graph_module
from channels.whatsapp.errors import ErrorKind, GraphError, PairRateLimited
from channels.whatsapp.graph import GraphClient
from channels.whatsapp.messenger import Messenger
from tests.fake_graph import FakeGraph

TOKEN = "EAAG-secret-token-never-logged"
PNID = "1234567890"
TO = "966500000001"


@pytest.fixture
async def client(fake_graph: FakeGraph) -> AsyncIterator[GraphClient]:
    async with GraphClient(fake_graph.base_url, TOKEN, retries=4, backoff_s=0.001, backoff_max_s=0.01) as c:
        yield c


def _envelope(type_: str, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": type_, **extra}


def _count(method: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("hudhud_graph_requests_total", {"method": method, "outcome": outcome})
    return value or 0.0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- payload shapes


async def test_send_text_payload_auth_and_wamid(client: GraphClient, fake_graph: FakeGraph) -> None:
    wamid = await client.send_text(PNID, TO, "hello", preview_url=True)
    assert wamid == "wamid.fake.1"
    [req] = fake_graph.requests
    assert req.method == "POST" and req.path == f"/v25.0/{PNID}/messages"
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.headers["content-type"].startswith("application/json")
    assert req.json == _envelope("text", text={"preview_url": True, "body": "hello"})


async def test_reply_context(client: GraphClient, fake_graph: FakeGraph) -> None:
    await client.send_text(PNID, TO, "yes", reply_to="wamid.IN1")
    assert fake_graph.messages[0]["context"] == {"message_id": "wamid.IN1"}
    assert fake_graph.messages[0]["text"] == {"preview_url": False, "body": "yes"}


async def test_send_buttons_payload(client: GraphClient, fake_graph: FakeGraph) -> None:
    buttons = [Button(id="yes", title="Yes"), Button(id="no", title="No")]
    await client.send_buttons(
        PNID, TO, "Confirm?", buttons, header="Order", footer="Reply", reply_to="wamid.X"
    )
    assert fake_graph.messages[0] == _envelope(
        "interactive",
        context={"message_id": "wamid.X"},
        interactive={
            "type": "button",
            "header": {"type": "text", "text": "Order"},
            "body": {"text": "Confirm?"},
            "footer": {"text": "Reply"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}},
                ]
            },
        },
    )


async def test_send_buttons_limits(client: GraphClient, fake_graph: FakeGraph) -> None:
    four = [Button(id=str(i), title=str(i)) for i in range(4)]
    with pytest.raises(ValueError, match="1 to 3"):
        await client.send_buttons(PNID, TO, "x", four)
    with pytest.raises(ValueError, match="1 to 3"):
        await client.send_buttons(PNID, TO, "x", [])
    assert fake_graph.requests == []


async def test_send_list_payload(client: GraphClient, fake_graph: FakeGraph) -> None:
    sections = [
        ListSection(
            title="Drinks",
            rows=[ListRow(id="tea", title="Tea", description="Hot"), ListRow(id="water", title="Water")],
        ),
        ListSection(rows=[ListRow(id="other", title="Other")]),
    ]
    await client.send_list(PNID, TO, "Pick one", "Menu", sections)
    assert fake_graph.messages[0] == _envelope(
        "interactive",
        interactive={
            "type": "list",
            "body": {"text": "Pick one"},
            "action": {
                "button": "Menu",
                "sections": [
                    {
                        "title": "Drinks",
                        "rows": [
                            {"id": "tea", "title": "Tea", "description": "Hot"},
                            {"id": "water", "title": "Water"},
                        ],
                    },
                    {"rows": [{"id": "other", "title": "Other"}]},
                ],
            },
        },
    )


async def test_send_list_row_limit(client: GraphClient) -> None:
    sections = [ListSection(rows=[ListRow(id=f"{s}{r}", title="r") for r in range(6)]) for s in range(2)]
    with pytest.raises(ValueError, match="1 to 10 rows"):
        await client.send_list(PNID, TO, "x", "Menu", sections)
    with pytest.raises(ValueError):
        await client.send_list(PNID, TO, "x", "Menu", [])


async def test_send_template_payload(client: GraphClient, fake_graph: FakeGraph) -> None:
    components = [{"type": "body", "parameters": [{"type": "text", "text": "Sara"}]}]
    await client.send_template(PNID, TO, "welcome_back", "ar", components)
    await client.send_template(PNID, TO, "hello_world", "en_US")
    first, second = fake_graph.messages
    assert first == _envelope(
        "template", template={"name": "welcome_back", "language": {"code": "ar"}, "components": components}
    )
    assert second["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


async def test_send_media_payloads(client: GraphClient, fake_graph: FakeGraph) -> None:
    await client.send_media(PNID, TO, "image", media_id="m1", caption="look", reply_to="wamid.Q")
    await client.send_media(
        PNID, TO, "document", link="https://x.test/a.pdf", filename="a.pdf", caption="pdf"
    )
    await client.send_media(PNID, TO, "audio", media_id="m2")
    img, doc, audio = fake_graph.messages
    assert img == _envelope("image", context={"message_id": "wamid.Q"}, image={"id": "m1", "caption": "look"})
    assert doc == _envelope(
        "document", document={"link": "https://x.test/a.pdf", "caption": "pdf", "filename": "a.pdf"}
    )
    assert audio == _envelope("audio", audio={"id": "m2"})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"media_type": "image"}, "exactly one"),
        ({"media_type": "image", "media_id": "m", "link": "https://x"}, "exactly one"),
        ({"media_type": "gif", "media_id": "m"}, "unknown media type"),
        ({"media_type": "audio", "media_id": "m", "caption": "c"}, "caption"),
        ({"media_type": "sticker", "media_id": "m", "caption": "c"}, "caption"),
        ({"media_type": "image", "media_id": "m", "filename": "f.png"}, "filename"),
    ],
)
async def test_send_media_invalid(
    client: GraphClient, fake_graph: FakeGraph, kwargs: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        await client.send_media(PNID, TO, **kwargs)
    assert fake_graph.requests == []


async def test_send_part_dispatch(client: GraphClient, fake_graph: FakeGraph) -> None:
    parts = [
        TextPart(text="hi"),
        ButtonsPart(text="ok?", buttons=[Button(id="y", title="Y")]),
        ListPart(text="pick", button="Open", sections=[ListSection(rows=[ListRow(id="a", title="A")])]),
        TemplatePart(name="hello_world"),
        MediaPart(media_type="video", link="https://x.test/v.mp4", caption="clip"),
    ]
    wamids = [await client.send_part(PNID, TO, p, reply_to="wamid.R") for p in parts]
    assert wamids == [f"wamid.fake.{i}" for i in range(1, 6)]
    text, buttons, list_, template, media = fake_graph.messages
    assert text["text"]["body"] == "hi" and text["context"] == {"message_id": "wamid.R"}
    assert buttons["interactive"]["type"] == "button"
    assert list_["interactive"]["action"]["button"] == "Open"
    assert template["template"] == {"name": "hello_world", "language": {"code": "en"}}
    assert "context" not in template
    assert media["video"] == {"link": "https://x.test/v.mp4", "caption": "clip"}
    assert _count("send_list", "ok") >= 1


async def test_send_part_rejects_non_part(client: GraphClient) -> None:
    with pytest.raises(TypeError):
        await client.send_part(PNID, TO, object())  # type: ignore[arg-type]


async def test_mark_read_with_and_without_typing(client: GraphClient, fake_graph: FakeGraph) -> None:
    assert await client.mark_read(PNID, "wamid.IN") is None
    await client.mark_read(PNID, "wamid.IN2", typing=False)
    first, second = fake_graph.messages
    assert first == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN",
        "typing_indicator": {"type": "text"},
    }
    assert second == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN2"}
    assert fake_graph.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


# ---------------------------------------------------------------- media


async def test_media_upload_download_round_trip(client: GraphClient, fake_graph: FakeGraph) -> None:
    data = bytes(range(256)) * 40 + b"\r\n--not-a-boundary\r\n"
    media_id = await client.upload_media(PNID, data, "image/png", "photo.png")
    upload = fake_graph.requests[0]
    assert upload.path == f"/v25.0/{PNID}/media"
    assert upload.headers["authorization"] == f"Bearer {TOKEN}"
    assert upload.form == {"messaging_product": "whatsapp", "type": "image/png"}
    assert upload.files["file"] == ("photo.png", "image/png", data)

    got, mime = await client.download_media(media_id)
    assert (got, mime) == (data, "image/png")
    meta, content = fake_graph.requests[1:]
    assert meta.path == f"/v25.0/{media_id}"
    assert content.path == f"/_media/{media_id}"
    assert content.headers["authorization"] == f"Bearer {TOKEN}"  # the CDN URL needs the token too


async def test_download_preloaded_media(client: GraphClient, fake_graph: FakeGraph) -> None:
    media_id = fake_graph.add_media(b"OggS...", "audio/ogg; codecs=opus")
    assert await client.download_media(media_id) == (b"OggS...", "audio/ogg; codecs=opus")


async def test_download_unknown_media_is_permanent(client: GraphClient, fake_graph: FakeGraph) -> None:
    with pytest.raises(GraphError) as info:
        await client.download_media("nope")
    assert info.value.code == 100 and info.value.kind is ErrorKind.permanent
    assert len(fake_graph.requests) == 1


async def test_download_media_without_url(fake_graph: FakeGraph) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "m", "mime_type": "image/png"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = GraphClient("https://graph.test/v25.0", TOKEN, http=http)
        with pytest.raises(GraphError, match="no download url"):
            await client.download_media("m")


async def test_download_media_mime_falls_back_to_content_type() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v25.0/m":
            return httpx.Response(200, json={"url": "https://cdn.test/m"})
        return httpx.Response(200, content=b"abc", headers={"content-type": "image/webp"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = GraphClient("https://graph.test/v25.0/", TOKEN, http=http)
        assert await client.download_media("m") == (b"abc", "image/webp")
        await client.aclose()  # does not close a client it was given
        assert not http.is_closed


# ---------------------------------------------------------------- retries


async def test_500_storm_then_success(client: GraphClient, fake_graph: FakeGraph) -> None:
    before = _count("send_text", "transient")
    fake_graph.fail_next(3, status=500)
    assert await client.send_text(PNID, TO, "eventually") == "wamid.fake.1"
    assert len(fake_graph.requests) == 4
    assert all(m["text"]["body"] == "eventually" for m in fake_graph.messages)
    assert _count("send_text", "transient") - before == 3


async def test_500_storm_longer_than_retries_raises(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(10, status=503, code=131016)
    with pytest.raises(GraphError) as info:
        await client.send_text(PNID, TO, "never")
    assert info.value.http_status == 503 and info.value.code == 131016
    assert info.value.kind is ErrorKind.transient
    assert info.value.fbtrace_id == "AfakeTrace123"
    assert len(fake_graph.requests) == 5  # 1 attempt + retries=4


async def test_zero_retries_means_one_attempt(fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(2, status=500)
    async with GraphClient(fake_graph.base_url, TOKEN, retries=0) as client:
        with pytest.raises(GraphError):
            await client.send_text(PNID, TO, "x")
    assert len(fake_graph.requests) == 1


async def test_429_retry_after_honoured(fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(1, status=429, retry_after=0.2)
    # A jittered delay would be at most backoff_s=1 ms, so waiting ≥ 0.2 s proves the header won.
    async with GraphClient(fake_graph.base_url, TOKEN, backoff_s=0.001, backoff_max_s=0.5) as client:
        started = time.monotonic()
        assert await client.send_text(PNID, TO, "x") == "wamid.fake.1"
        assert time.monotonic() - started >= 0.2
    assert len(fake_graph.requests) == 2


async def test_retry_after_longer_than_cap_raises_at_once(fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(1, status=429, code=130429, retry_after=120)
    async with GraphClient(fake_graph.base_url, TOKEN, backoff_s=0.001, backoff_max_s=1) as client:
        with pytest.raises(GraphError) as info:
            await client.send_text(PNID, TO, "x")
    assert info.value.retry_after == 120 and info.value.kind is ErrorKind.throttled
    assert len(fake_graph.requests) == 1


async def test_throttling_code_retried(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(2, status=400, code=130429, retry_after=0)
    fake_graph.fail_next(1, status=400, code=4)
    assert await client.send_text(PNID, TO, "x") == "wamid.fake.1"
    assert len(fake_graph.requests) == 4


async def test_pair_rate_limit_raised_at_once_for_the_pacer(
    client: GraphClient, fake_graph: FakeGraph
) -> None:
    # 131056 is waited out for that recipient by the pacer around the client (pacing.py), not here.
    fake_graph.fail_next(1, status=400, code=131056)
    with pytest.raises(PairRateLimited) as info:
        await client.send_text(PNID, TO, "x")
    assert info.value.kind is ErrorKind.pair_limited and info.value.retryable
    assert len(fake_graph.requests) == 1


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, 131026, ErrorKind.undeliverable),
        (400, 100, ErrorKind.permanent),
        (400, 131047, ErrorKind.reengagement),
        (401, 190, ErrorKind.auth),
        (404, None, ErrorKind.permanent),
    ],
)
async def test_permanent_errors_not_retried(
    client: GraphClient, fake_graph: FakeGraph, status: int, code: int | None, kind: ErrorKind
) -> None:
    fake_graph.fail_next(1, status=status, code=code)
    with pytest.raises(GraphError) as info:
        await client.send_text(PNID, TO, "x")
    assert info.value.kind is kind and info.value.code == code and info.value.http_status == status
    assert len(fake_graph.requests) == 1


async def test_error_body_fields_parsed(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(
        1, status=400, code=131026, subcode=2494010, message="(#131026) Message undeliverable"
    )
    with pytest.raises(GraphError) as info:
        await client.send_text(PNID, TO, "x")
    err = info.value
    assert err.message == "(#131026) Message undeliverable"
    assert err.subcode == 2494010 and err.title == "OAuthException" and err.details == "details of 131026"


async def test_non_json_error_body(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(5, status=502, body="<html>\n<body>Bad   Gateway</body></html>")
    with pytest.raises(GraphError) as info:
        await client.send_text(PNID, TO, "x")
    err = info.value
    assert err.http_status == 502 and err.code is None and err.kind is ErrorKind.transient
    assert err.message == "<html> <body>Bad Gateway</body></html>"
    assert len(fake_graph.requests) == 5


async def test_non_json_4xx_empty_body(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(1, status=403, body="")
    with pytest.raises(GraphError) as info:
        await client.send_text(PNID, TO, "x")
    assert info.value.message == "Forbidden" and info.value.kind is ErrorKind.permanent


async def test_network_error_retried_then_raised() -> None:
    port = _closed_port()
    logs: list[dict[str, Any]]
    with structlog.testing.capture_logs() as logs:
        async with GraphClient(f"http://127.0.0.1:{port}/v25.0", TOKEN, retries=2, backoff_s=0.001) as client:
            with pytest.raises(GraphError) as info:
                await client.send_text(PNID, TO, "x")
    err = info.value
    assert err.http_status is None and err.kind is ErrorKind.transient
    assert isinstance(err.__cause__, httpx.ConnectError)
    assert [e["event"] for e in logs] == ["graph_retry", "graph_retry", "graph_failed"]
    assert [e["attempt"] for e in logs] == [1, 2, 3]


async def test_timeout_retried_then_success(fake_graph: FakeGraph) -> None:
    fake_graph.slow_next(1, 0.5)
    async with GraphClient(fake_graph.base_url, TOKEN, timeout_s=0.1, backoff_s=0.001) as client:
        assert await client.send_text(PNID, TO, "x") == "wamid.fake.1"
    assert len(fake_graph.requests) == 2


async def test_unsupported_scheme_is_permanent() -> None:
    async with GraphClient("ftp://graph.test/v25.0", TOKEN, backoff_s=0.001) as client:
        with pytest.raises(GraphError) as info:
            await client.send_text(PNID, TO, "x")
    assert info.value.kind is ErrorKind.permanent


async def test_success_without_message_id() -> None:
    bodies = iter([{"messages": []}, {"contacts": []}, ["not", "an", "object"], "<html>ok</html>"])

    def handler(request: httpx.Request) -> httpx.Response:
        body = next(bodies)
        if isinstance(body, str):
            return httpx.Response(200, text=body)
        return httpx.Response(200, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = GraphClient("https://graph.test/v25.0", TOKEN, http=http, backoff_s=0.001)
        for _ in range(4):
            with pytest.raises(GraphError) as info:
                await client.send_text(PNID, TO, "x")
            assert info.value.kind is ErrorKind.permanent and info.value.http_status == 200


async def test_upload_failure_retried(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(1, status=500, code=2)
    media_id = await client.upload_media(PNID, b"abc", "text/plain", "a.txt")
    assert len(fake_graph.requests) == 2
    assert fake_graph.media[media_id].data == b"abc"


async def test_retry_after_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < graph_module._retry_after(when) <= 30  # type: ignore[operator]
    assert graph_module._retry_after(format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)) == 0
    assert graph_module._retry_after("soon") is None
    assert graph_module._retry_after("") is None
    assert graph_module._retry_after("-3") == 0


async def test_full_jitter_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    client = GraphClient("https://graph.test/v25.0", TOKEN, backoff_s=0.5, backoff_max_s=3)
    monkeypatch.setattr(graph_module.random, "uniform", lambda low, high: high)
    assert [client._delay(a, None) for a in range(1, 6)] == [0.5, 1, 2, 3, 3]
    assert client._delay(9, 0.25) == 0.25
    await client.aclose()


# ---------------------------------------------------------------- secrets, protocol, metrics


async def test_token_never_logged(client: GraphClient, fake_graph: FakeGraph) -> None:
    fake_graph.fail_next(2, status=500)
    with structlog.testing.capture_logs() as logs:
        await client.send_text(PNID, TO, "x")
        fake_graph.fail_next(1, status=400, code=100)
        with pytest.raises(GraphError) as info:
            await client.send_text(PNID, TO, "y")
    assert [e["event"] for e in logs] == ["graph_retry", "graph_retry", "graph_failed"]
    assert logs[-1]["code"] == 100 and logs[-1]["fbtrace_id"] == "AfakeTrace123"
    assert TOKEN not in repr(logs)
    assert TOKEN not in str(info.value) and TOKEN not in repr(client)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake_graph.requests)


async def test_metrics_count_attempts(client: GraphClient, fake_graph: FakeGraph) -> None:
    ok, throttled = _count("mark_read", "ok"), _count("mark_read", "throttled")
    fake_graph.fail_next(1, status=400, code=80007)
    await client.mark_read(PNID, "wamid.Z")
    assert _count("mark_read", "ok") == ok + 1
    assert _count("mark_read", "throttled") == throttled + 1
    assert REGISTRY.get_sample_value("hudhud_graph_request_seconds_count", {"method": "mark_read"})


async def test_satisfies_messenger_protocol(client: GraphClient) -> None:
    assert isinstance(client, Messenger)


async def test_owned_http_client_closed(fake_graph: FakeGraph) -> None:
    client = GraphClient(fake_graph.base_url, TOKEN)
    await client.aclose()
    assert client._http.is_closed
