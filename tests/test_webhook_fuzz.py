"""Generated deliveries to the webhook over loopback (tests/webhook_strategies.py): envelopes with
every field fuzzed, arbitrary JSON and bytes, signed right or wrong. Never a 5xx; without a valid
signature a 401 and nothing queued. bench/fuzz_webhook.py runs the same with 10,000 examples."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis as sync_redis
from hypothesis import HealthCheck, given, settings

from hudhud.app import create_app
from tests.conftest import REDIS_TEST_URL
from tests.helpers import APP_SECRET, live
from tests.webhook_strategies import deliveries

PATH = "/webhook/whatsapp"


@pytest.fixture
def server(settings_factory) -> Iterator[str]:
    with live(create_app(settings_factory())) as s:
        yield s.url


@pytest.fixture
def streams(redis_prefix: str) -> Iterator[Streams]:
    with sync_redis.Redis.from_url(REDIS_TEST_URL) as client:
        yield Streams(client, redis_prefix)


class Streams:
    """What a delivery can add to Redis: jobs, events (statuses, reactions, other fields), stats."""

    def __init__(self, client: sync_redis.Redis, prefix: str) -> None:
        self.client, self.prefix = client, prefix

    def lengths(self) -> tuple[int, int, int]:
        p = self.prefix
        pipe = self.client.pipeline()
        pipe.xlen(f"{p}:in").xlen(f"{p}:events").hlen(f"{p}:stats")
        return tuple(pipe.execute())  # type: ignore[return-value]


@settings(
    deadline=None,
    max_examples=200,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(delivery=deliveries(APP_SECRET))
def test_generated_deliveries_never_get_a_5xx_and_unsigned_ones_queue_nothing(
    server: str, streams: Streams, delivery: tuple[bytes, dict[str, str], bool]
) -> None:
    body, headers, signed = delivery
    before = streams.lengths()
    r = httpx.post(server + PATH, content=body, headers=headers)
    assert r.status_code < 500, r.text
    if signed:
        assert r.status_code in (200, 400), r.text
    else:
        assert r.status_code == 401, r.text
        assert streams.lengths() == before
