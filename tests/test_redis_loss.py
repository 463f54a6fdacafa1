"""A Redis that loses its data under a running service (FLUSHALL, or a restart without persistence):
the service notices, says so, and answers what arrives afterwards; /readyz tells operators the state.

These tests own a private redis-server (flushing or restarting the shared one would hit other tests)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis as sync_redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from hudhud import metrics
from hudhud.app import create_app
from tests.helpers import body_of, envelope, live, message, signed_headers, wait_for
from tests.pipeline import running_pipeline

USER = "966500000077"
PATH = "/webhook/whatsapp"


class PrivateRedis:
    """A redis-server without persistence on a free loopback port, restartable on the same port."""

    def __init__(self, workdir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _losses() -> float:
    return metrics.REDIS_DATA_LOSSES._value.get()


async def _events(client: aioredis.Redis, prefix: str) -> list[str]:
    return [f[b"type"].decode() for _, f in await client.xrange(f"{prefix}:events")]


async def test_flushall_under_a_running_service_then_a_message_is_answered(
    settings_factory, private_redis: PrivateRedis
) -> None:
    settings = settings_factory(redis_url=private_redis.url)
    before = _losses()
    async with running_pipeline(settings) as p:
        await p.deliver(envelope([message("wamid.before", USER, "/ping")]))
        assert await wait_for(lambda: p.reply_texts(USER))
        await p.redis.flushall()
        await p.deliver(envelope([message("wamid.after", USER, "/ping")]))
        # Before the fix the worker retried NOGROUP forever and this never came.
        assert await wait_for(lambda: p.reply_texts(USER), timeout=15)
        # The loss is recorded once, in the metric and in the events stream operators read.
        assert _losses() == before + 1
        assert await _events(p.redis, p.keys.prefix) == ["redis_data_lost"]
        assert await p.redis.exists(p.keys.sentinel)


async def test_restart_without_persistence_then_a_message_is_answered(
    settings_factory, private_redis: PrivateRedis
) -> None:
    settings = settings_factory(redis_url=private_redis.url)
    before = _losses()
    async with running_pipeline(settings) as p:
        await p.deliver(envelope([message("wamid.one", USER, "/ping")]))
        assert await wait_for(lambda: p.reply_texts(USER))
        private_redis.stop()
        # Down across several reclaim rounds (every half lease): a failed round must not keep the
        # worker's slots, or its reader waits for them forever.
        await asyncio.sleep(4 * settings.queue.lease_s)
        private_redis.start()
        await wait_for(lambda: _delivered(p, "wamid.two"), timeout=15)
        assert await wait_for(lambda: p.reply_texts(USER), timeout=15)
        assert _losses() == before + 1


async def _delivered(p, wamid: str) -> bool:
    try:
        await p.deliver(envelope([message(wamid, USER, "/ping")]))
    except Exception:  # Redis still coming back: Meta would retry the webhook the same way
        return False
    return True


def test_readyz_reports_redis_group_and_the_oldest_waiting_message(
    settings_factory, private_redis: PrivateRedis
) -> None:
    settings = settings_factory(redis_url=private_redis.url)
    with live(create_app(settings)) as server:  # the API alone: no worker has made the group yet
        ready = httpx.get(server.url + "/readyz")
        assert ready.status_code == 503
        assert ready.json()["redis"] is True and ready.json()["worker_group"] is False
        body = body_of(envelope([message("wamid.waiting", USER, "/ping")]))
        assert httpx.post(server.url + PATH, content=body, headers=signed_headers(body)).status_code == 200
        with sync_redis.Redis.from_url(private_redis.url) as client:  # as a starting worker does
            client.xgroup_create(f"{settings.queue.redis_prefix}:in", "workers", id="0")
        time.sleep(0.2)
        ready = httpx.get(server.url + "/readyz")
        report = ready.json()
        assert ready.status_code == 200 and report["ready"] is True
        assert report["queued"] == 1 and 0.1 <= report["oldest_waiting_s"] < 30
        assert report["redis_data_since"] is not None

        private_redis.stop()
        down = httpx.get(server.url + "/readyz", timeout=30)
        assert down.status_code == 503
        assert down.json()["redis"] is False and down.json()["problems"] == ["redis unavailable"]
        assert "Error" not in down.text and str(private_redis.port) not in down.text
        # Liveness is not readiness: restarting the process would not bring Redis back.
        assert httpx.get(server.url + "/healthz").status_code == 200


async def test_a_reclaim_round_that_meets_a_redis_error_gives_its_slots_back(
    settings_factory, private_redis: PrivateRedis
) -> None:
    async with running_pipeline(settings_factory(redis_url=private_redis.url), workers=0) as p:
        worker = p.container.worker(concurrency=4)
        await worker.ensure_group()
        private_redis.stop()
        with pytest.raises(RedisError):
            await worker.reclaim()
        private_redis.start()
        await p.redis.flushall()  # and then NOGROUP, the other error an emptied Redis gives
        with pytest.raises(RedisError):
            async with asyncio.timeout(10):  # slots kept by the first round: this one waits forever
                await worker.reclaim()
        # Kept slots would leave the reader waiting for them forever: nothing answered again.
        assert worker._slots._value == 4
