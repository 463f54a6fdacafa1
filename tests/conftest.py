"""Shared fixtures: the real Redis server on loopback, isolated per test by a key prefix."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis

pytest_plugins = ["tests.fake_graph", "tests.fake_openai"]

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_prefix() -> str:
    return f"test:{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis(redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    """A client of the real Redis; every key the test made under its prefix is deleted afterwards."""
    client = aioredis.from_url(REDIS_TEST_URL)
    await client.ping()
    try:
        yield client
    finally:
        keys = [k async for k in client.scan_iter(match=f"{redis_prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
def settings_factory(redis_prefix: str, tmp_path):
    """Settings for a test: the real Redis under the test's prefix, fast leases and no .env file."""
    from base.settings import Settings
    from tests.helpers import APP_SECRET, VERIFY_TOKEN

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "redis_url": REDIS_TEST_URL,
            "hudhud_redis_prefix": redis_prefix,
            "whatsapp_app_secret": APP_SECRET.decode(),
            "whatsapp_verify_token": VERIFY_TOKEN,
            "hudhud_data_dir": tmp_path / "data",
            "hudhud_lease_ms": 600,
            "hudhud_block_ms": 50,
            "hudhud_graph_backoff_ms": 1,
            "hudhud_graph_backoff_max_ms": 20,
            "hudhud_turn_timeout_ms": 5_000,
            "hudhud_responder": "none",
            "hudhud_alerts": False,  # the tests of alerts switch them on (tests/test_alerts.py)
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture(autouse=True)
def _structlog_config_restored() -> Iterator[None]:
    """A test that runs a CLI command (which configures logging, e.g. `hudhud eval` at ERROR) must not
    change what later tests log."""
    import logging

    import structlog

    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    structlog.configure(**saved)
    root.handlers, root.level = handlers, level


@pytest.fixture(autouse=True, scope="session")
def _no_heap_freeze() -> Iterator[None]:
    """Apps started in tests run their lifespan on the test's main thread (ASGI transport) while server
    threads of other fixtures run: `gc.freeze()` there can re-link the lists another thread's collection
    is walking (hudhud/app.py, freeze_startup_objects), and that collection never ends. Freezing the
    heap is a start-up optimization of a served process, not behaviour a test observes."""
    import gc

    freeze, thresholds = gc.freeze, gc.get_threshold()
    gc.freeze = lambda: None  # type: ignore[assignment]
    # Full runs still stalled now and then in a collection that never ended inside a weakref callback,
    # with server threads alive (not root-caused yet: see the session notes); far fewer collections
    # make it far rarer while it is looked into.
    gc.set_threshold(50_000, 50, 50)
    yield
    gc.freeze = freeze  # type: ignore[assignment]
    gc.set_threshold(*thresholds)
