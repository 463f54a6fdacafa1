"""Workers as real processes: a SIGKILLed worker's turn is reclaimed and answered once; a slow turn of
a live worker is never taken from it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from base.commands import CommandRouter
from tests.conftest import REDIS_TEST_URL
from tests.helpers import envelope, message, wait_for
from tests.pipeline import running_pipeline
from tests.test_pipeline import Recorder

USER = "966500000001"
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def worker_process(
    prefix: str, lease_ms: int, slow_s: float, data_dir: Path
) -> Iterator[subprocess.Popen[bytes]]:
    env = {  # the test's data directory: its dev encryption key reads what the test's pipeline queued
        **os.environ,
        "REDIS_URL": REDIS_TEST_URL,
        "HUDHUD_REDIS_PREFIX": prefix,
        "HUDHUD_LEASE_MS": str(lease_ms),
        "HUDHUD_BLOCK_MS": "50",
        "HUDHUD_RESPONDER": "tests.responders:slow",
        "HUDHUD_TURN_TIMEOUT_MS": "120000",
        "WHATSAPP_APP_SECRET": "x",
        "SLOW_TURN_S": str(slow_s),
        "HUDHUD_DATA_DIR": str(data_dir),
    }
    proc = subprocess.Popen([sys.executable, "-m", "hudhud", "worker"], cwd=ROOT, env=env)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


async def test_sigkilled_worker_turn_is_reclaimed_and_answered_once(settings_factory, redis_prefix) -> None:
    lease_ms = 400
    recorder = Recorder()
    settings = settings_factory(hudhud_lease_ms=lease_ms)
    async with running_pipeline(settings, responder=CommandRouter(recorder), workers=0) as p:
        await p.deliver(envelope([message("wamid.k", USER, "please answer")]))
        with worker_process(redis_prefix, lease_ms, 60, settings.runtime.data_dir) as proc:
            await wait_for(lambda: p.redis.llen(f"{redis_prefix}:test:started"), timeout=20)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        p.start_worker(name="survivor")
        texts = await wait_for(lambda: p.reply_texts(USER), timeout=10)
        await asyncio.sleep(3 * lease_ms / 1000)
        assert await p.reply_texts(USER) == texts == ["*got* please answer"]
        assert [t.message_ids for t in recorder.turns] == [["wamid.k"]]
        assert await p.redis.xlen(p.keys.inbound) == 0
        assert await p.redis.llen(p.keys.inbox(f"106540352242922:{USER}")) == 0


async def test_slow_turn_is_not_reclaimed_while_its_worker_lives(settings_factory, redis_prefix) -> None:
    lease_ms = 300
    recorder = Recorder()
    settings = settings_factory(hudhud_lease_ms=lease_ms)
    async with running_pipeline(settings, responder=CommandRouter(recorder), workers=0) as p:
        await p.deliver(envelope([message("wamid.slow", USER, "take your time")]))
        # The turn runs ten reclaim thresholds long while another worker keeps trying to reclaim.
        slow_s = 10 * 2 * lease_ms / 1000
        with worker_process(redis_prefix, lease_ms, slow_s, settings.runtime.data_dir) as proc:
            await wait_for(lambda: p.redis.llen(f"{redis_prefix}:test:started"), timeout=20)
            other = p.start_worker(name="other")
            texts = await wait_for(lambda: p.reply_texts(USER), timeout=30)
            await asyncio.sleep(2 * lease_ms / 1000)
            assert texts[0] == f"slow answer pid {proc.pid}"
            assert len(await p.reply_texts(USER)) == 1
            assert recorder.turns == []
            assert await other.reclaim() == 0
            assert await p.redis.llen(f"{redis_prefix}:test:started") == 1
