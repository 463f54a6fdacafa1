"""The webhook over real HTTP on loopback: handshake, signatures, limits, dedupe, garbage."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from base.sealing import aad_inbox
from hudhud.app import create_app
from memory.crypto import Cipher, dev_key
from tests.helpers import APP_SECRET, VERIFY_TOKEN, body_of, envelope, live, message, signed_headers, wait_for
from tests.pipeline import running_pipeline
from tests.webhook_strategies import any_json

USER = "966500000001"
PATH = "/webhook/whatsapp"


@pytest.fixture
def server(settings_factory) -> Iterator[str]:
    with live(create_app(settings_factory(hudhud_max_body_bytes=64_000))) as s:
        yield s.url


def test_verification_handshake(server: str) -> None:
    ok = httpx.get(
        server + PATH,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert ok.headers["content-type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {},
    ):
        assert httpx.get(server + PATH, params=params).status_code == 403


async def queued(redis, redis_prefix: str, data_dir: Path) -> dict:
    """The first message in the test user's inbox: stored encrypted, read with the service's dev key."""
    conv = f"106540352242922:{USER}"
    raw = await redis.lindex(f"{redis_prefix}:inbox:{conv}", 0)
    assert raw.startswith(b"v1.")
    return orjson.loads(Cipher(dev_key(data_dir)).decrypt(raw, aad_inbox(conv)))


async def test_signed_delivery_is_queued(server: str, redis, redis_prefix: str, tmp_path: Path) -> None:
    body = body_of(envelope([message("wamid.ok", USER, "مرحبا")]))
    async with httpx.AsyncClient() as client:
        r = await client.post(server + PATH, content=body, headers=signed_headers(body))
    assert (r.status_code, r.text) == (200, "ok")
    assert await redis.xlen(f"{redis_prefix}:in") == 1
    stored = await queued(redis, redis_prefix, tmp_path / "data")
    assert stored["text"] == "مرحبا" and stored["id"] == "wamid.ok"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-hub-signature-256": "sha256=" + "0" * 64},
        {"x-hub-signature-256": "md5=abc"},
        "other-secret",
    ],
    ids=["missing", "wrong", "malformed", "other-secret"],
)
async def test_bad_signature_is_refused_and_nothing_stored(
    server: str, redis, redis_prefix: str, headers
) -> None:
    body = body_of(envelope([message("wamid.bad", USER)]))
    if headers == "other-secret":
        headers = signed_headers(body, secret=b"other-secret")
    async with httpx.AsyncClient() as client:
        r = await client.post(server + PATH, content=body, headers=headers)
    assert r.status_code == 401
    assert "signature" in r.json()["error"].lower()
    # Only what the service writes at start (hudhud/redis_watch.py, hudhud/migrations.py): no message,
    # no job.
    assert sorted([k async for k in redis.scan_iter(match=f"{redis_prefix}:*")]) == [
        f"{redis_prefix}:format".encode(),
        f"{redis_prefix}:sentinel".encode(),
    ]


async def test_signature_is_over_the_raw_bytes(server: str, redis, redis_prefix: str, tmp_path: Path) -> None:
    env = envelope([message("wamid.raw", USER, "أضف مهمة")])
    escaped = json.dumps(env, ensure_ascii=True).encode()
    unescaped = json.dumps(env, ensure_ascii=False).encode()
    assert escaped != unescaped
    async with httpx.AsyncClient() as client:
        # Each form verifies against its own bytes...
        r1 = await client.post(server + PATH, content=escaped, headers=signed_headers(escaped))
        # ...and a signature of one form does not verify the other, though the JSON is equal.
        r2 = await client.post(server + PATH, content=unescaped, headers=signed_headers(escaped))
        r3 = await client.post(server + PATH, content=unescaped, headers=signed_headers(unescaped))
    assert (r1.status_code, r2.status_code, r3.status_code) == (200, 401, 200)
    assert (await queued(redis, redis_prefix, tmp_path / "data"))["text"] == "أضف مهمة"
    assert await redis.xlen(f"{redis_prefix}:in") == 1  # the second good delivery was a duplicate


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", ""),
        (b'{"entry": "nope"}', ""),
    ],
)
def test_bad_payload_is_a_400_with_a_reason(server: str, body: bytes, reason: str) -> None:
    r = httpx.post(server + PATH, content=body, headers=signed_headers(body))
    assert r.status_code == 400
    assert reason in r.json()["error"]
    assert r.json()["error"]


def test_oversize_body_is_413(server: str) -> None:
    body = b'{"x": "' + b"a" * 70_000 + b'"}'
    r = httpx.post(server + PATH, content=body, headers=signed_headers(body))
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no content-length: the limit applies while streaming
        for _ in range(10):
            yield b"a" * 10_000

    r = httpx.post(server + PATH, content=chunks(), headers={"x-hub-signature-256": "sha256=00"})
    assert r.status_code == 413


def test_other_webhook_fields_are_acknowledged(server: str) -> None:
    for field, value in [
        ("account_update", {"event": "VERIFIED_ACCOUNT"}),
        ("message_template_status_update", {"event": "APPROVED", "message_template_id": 1}),
        ("calls", {"calls": [{"id": "c1"}]}),
    ]:
        body = body_of(envelope(field=field, value=value))
        assert httpx.post(server + PATH, content=body, headers=signed_headers(body)).status_code == 200


async def test_fifty_concurrent_deliveries_to_two_servers_make_one_reply(settings_factory) -> None:
    settings = settings_factory()
    body = body_of(envelope([message("wamid.storm", USER, "/ping")]))
    with live(create_app(settings)) as a, live(create_app(settings)) as b:
        async with httpx.AsyncClient() as client:
            results = await asyncio.gather(
                *(
                    client.post((a, b)[i % 2].url + PATH, content=body, headers=signed_headers(body))
                    for i in range(50)
                )
            )
    assert {r.status_code for r in results} == {200}
    async with running_pipeline(settings) as p:
        assert await p.redis.xlen(p.keys.inbound) == 1
        assert len(await wait_for(lambda: p.reply_texts(USER))) == 1
        await asyncio.sleep(0.3)
        assert len(await p.reply_texts(USER)) == 1


def test_health_metrics_and_sandbox_endpoints(server: str) -> None:
    assert httpx.get(server + "/healthz").json()["status"] == "ok"
    body = body_of(envelope([message("wamid.m", USER)]))
    httpx.post(server + PATH, content=body, headers=signed_headers(body))
    metrics = httpx.get(server + "/metrics").text
    assert 'hudhud_webhooks_total{result="ok"}' in metrics
    assert httpx.get(server + "/sandbox/messages", params={"limit": 5}).json() == []
    assert httpx.get(server + "/sandbox/messages", params={"limit": 0}).status_code == 422


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


keys = st.sampled_from(
    [
        "object",
        "entry",
        "changes",
        "field",
        "value",
        "messages",
        "statuses",
        "metadata",
        "from",
        "id",
        "type",
        "text",
        "body",
        "contacts",
        "errors",
        "interactive",
        "timestamp",
    ]
)
shaped = st.recursive(
    st.none()
    | st.integers()
    | st.text(max_size=10)
    | st.sampled_from(["messages", "text", "image", "whatsapp"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=200), any_json.map(_dumps), shaped.map(_dumps)))
def test_generated_bodies_never_get_a_5xx(server: str, body: bytes) -> None:
    r = httpx.post(server + PATH, content=body, headers=signed_headers(body))
    assert r.status_code < 500, r.text
    assert r.status_code in (200, 400)


def test_router_route_alone_gives_the_same_answers() -> None:
    """The POST route (what the OpenAPI spec documents) and the fast path share one receiver."""
    from fastapi import FastAPI

    from channels.whatsapp.webhook import SinkUnavailable, WebhookReceiver, webhook_router

    got: list[object] = []

    async def sink(envelope: object) -> None:
        if got:
            raise SinkUnavailable("redis down")
        got.append(envelope)

    app = FastAPI()
    receiver = WebhookReceiver(app_secret=APP_SECRET, max_body_bytes=1000, sink=sink)
    app.include_router(webhook_router(verify_token=None, receiver=receiver))
    body = body_of(envelope([message("wamid.r1", USER)]))
    with live(app) as server:
        ok = httpx.post(server.url + PATH, content=body, headers=signed_headers(body))
        down = httpx.post(server.url + PATH, content=body, headers=signed_headers(body))
        big = httpx.post(server.url + PATH, content=b"x" * 2000, headers=signed_headers(b"x" * 2000))
        refused = httpx.get(server.url + PATH, params={"hub.mode": "subscribe", "hub.verify_token": "x"})
    assert (ok.status_code, ok.text) == (200, "ok") and len(got) == 1
    # The cause stays in the logs: nothing internal is told to whoever posted the webhook.
    assert down.status_code == 503 and down.json()["error"] == "temporarily unavailable; deliver again later"
    assert "redis" not in down.text
    assert big.status_code == 413 and refused.status_code == 403


async def test_both_app_secrets_are_accepted_while_one_is_rotated(
    settings_factory, redis, redis_prefix: str
) -> None:
    from base.settings import SettingsError
    from hudhud.container import check_security

    settings = settings_factory(whatsapp_app_secret_old="the-previous-secret")
    assert any("WHATSAPP_APP_SECRET_OLD" in w for w in check_security(settings))
    answers = {}
    with live(create_app(settings)) as s:
        async with httpx.AsyncClient() as client:
            for name, secret in [("new", APP_SECRET), ("old", b"the-previous-secret"), ("other", b"x")]:
                body = body_of(envelope([message(f"wamid.rot.{name}", USER)]))
                r = await client.post(s.url + PATH, content=body, headers=signed_headers(body, secret=secret))
                answers[name] = r.status_code
    assert answers == {"new": 200, "old": 200, "other": 401}
    assert await redis.xlen(f"{redis_prefix}:in") == 2
    # Without the rotation, the previous secret is refused like any other.
    with live(create_app(settings_factory())) as s:
        body = body_of(envelope([message("wamid.rot.after", USER)]))
        headers = signed_headers(body, secret=b"the-previous-secret")
        async with httpx.AsyncClient() as client:
            assert (await client.post(s.url + PATH, content=body, headers=headers)).status_code == 401
    # The old secret alone is a mistake, not a rotation.
    with pytest.raises(SettingsError, match="WHATSAPP_APP_SECRET_OLD"):
        check_security(settings_factory(whatsapp_app_secret=None, whatsapp_app_secret_old="x"))
