"""Runs the queued eval requests (eval_queue.py), one at a time across every API process.

Each API process runs `EvalRunner.run` as a background task. It looks every `poll_s` whether anything
waits; if so it takes the Redis lease (hudhud/leases.py) — only one process holds it — claims the oldest
request and runs `python -m hudhud eval run SUITES --split dev [--filter F] --out RUNS_DIR/<id>` as a
child process under `nice` (HUDHUD_EVAL_NICE), so the webhook and the workers keep their cores. The
child's output goes to `<out>/run.log`, which the page shows the end of. The lease is renewed while the
child runs; a child that exits 0 (or 1: a gate such as a false action claim failed, the figures are
there) is `done`, any other exit code, a run past HUDHUD_EVAL_TIMEOUT_S or a lost lease is `failed`.
When the API process stops, the child is stopped and its request goes back to the front of the queue;
when it dies, the lease expires and the next holder puts the request back (eval_queue.py).

The child uses the service's own environment (.env, model, Redis): it is the CLI run by the service. A
draft run (queued from the playground) also gets HUDHUD_PROMPTS_DIR and HUDHUD_TOOL_DESCRIPTIONS naming
the drafts' copies in its run folder (`EvalRequest.draft`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Literal

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from base.keys import Keys
from base.settings import AdminSettings
from hudhud.admin.eval_files import EvalFiles
from hudhud.admin.eval_queue import MAX_ATTEMPTS, EvalQueue, EvalRequest
from hudhud.leases import Leases

log = structlog.get_logger(__name__)

LEASE_MS = 30_000
STOP_GRACE_S = 5.0
LOST = "lost its lease"  # this runner stalled past its lease: another one owns the request now
EXIT_MEANS = {  # `hudhud eval run`'s exit codes (evals/gate.py)
    0: "",
    1: "a gate failed (a false action claim): the figures are in the report",
    2: "usage or configuration error (see the log)",
    3: "a case could not run (harness errors in the log)",
    130: "interrupted",
}


def hudhud_command(nice: int, *args: str) -> list[str]:
    """`python -m hudhud ARGS` at CPU priority `nice` (lower priority the higher it is)."""
    command = [sys.executable, "-m", "hudhud", *args]
    runner = shutil.which("nice")
    return [runner, "-n", str(nice), *command] if nice and runner else command


def run_arguments(request: EvalRequest, files: EvalFiles, out: Path) -> list[str]:
    suites = [str(files.suite(name)[0]) for name in request.suites]
    filtered = ["--filter", request.filter] if request.filter else []
    return ["eval", "run", *suites, "--split", "dev", *filtered, "--out", str(out)]


async def stop_child(child: asyncio.subprocess.Process) -> None:
    """SIGTERM to the child's process group, SIGKILL after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if child.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(child.wait(), STOP_GRACE_S)


class EvalRunner:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        settings: AdminSettings,
        *,
        files: EvalFiles | None = None,
        poll_s: float = 2.0,
        lease_ms: int = LEASE_MS,
    ) -> None:
        self.queue = EvalQueue(redis, keys)
        self.files = files or EvalFiles(settings.eval_runs_dir)
        self.settings = settings
        self.poll_s = poll_s
        self._leases = Leases(redis, lease_ms)
        self._lease_key = keys.eval_lease

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.step()
            except (RedisError, OSError) as exc:  # Redis away: the next poll tries again
                log.warning("eval_runner_error", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_s)

    async def step(self) -> bool:
        """Run the next request if one waits and this process gets the lease; whether one ran."""
        if not await self.queue.waiting():
            return False
        token = secrets.token_hex(8)
        if not await self._leases.acquire(self._lease_key, token):
            return False  # another API process runs one
        try:
            request = await self.queue.claim()
            if request is None:
                return False
            request.attempts += 1
            if request.attempts > MAX_ATTEMPTS:
                await self._end(request, "failed", None, f"its runner stopped {MAX_ATTEMPTS} times")
                return True
            await self._run(request, token)
            return True
        finally:
            await self._leases.release(self._lease_key, token)

    async def _end(
        self, request: EvalRequest, status: Literal["done", "failed"], code: int | None, reason: str
    ) -> None:
        request.status = status
        request.exit_code, request.reason, request.finished = code, reason, time.time()
        await self.queue.release(request)
        log.info("eval_run_ended", run=request.id, status=request.status, exit_code=code)

    async def _run(self, request: EvalRequest, token: str) -> None:
        out = self.files.runs_dir.resolve() / request.id
        try:
            await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
            arguments = await asyncio.to_thread(run_arguments, request, self.files, out)
        except LookupError:
            await self._end(request, "failed", None, "a suite of this request is no longer there")
            return
        except OSError as exc:  # the runs dir cannot be written
            await self._end(request, "failed", None, f"cannot write {out}: {exc}")
            return
        request.status, request.started = "running", time.time()
        await self.queue.save(request)
        try:
            with (out / "run.log").open("ab") as output:
                child = await asyncio.create_subprocess_exec(
                    *hudhud_command(self.settings.eval_nice, *arguments),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=output,
                    stderr=asyncio.subprocess.STDOUT,
                    env={
                        **os.environ,
                        "PYTHONUNBUFFERED": "1",
                        **(request.draft.env() if request.draft else {}),
                    },
                    start_new_session=True,  # its own process group: stopped with everything it started
                )
        except OSError as exc:
            await self._end(request, "failed", None, f"could not start: {exc}")
            return
        except asyncio.CancelledError:  # stopped while the child starts (it is already "running")
            await self._put_back(request)
            raise
        log.info("eval_run_started", run=request.id, pid=child.pid, suites=request.suites)
        try:
            verdict = await self._watch(child, token)
        except asyncio.CancelledError:  # the API process stops: the request waits for the next one
            await stop_child(child)
            await self._put_back(request)
            raise
        if verdict is not None:
            await stop_child(child)
            if verdict is not LOST:  # else the lease's new holder has put the request back
                await self._end(request, "failed", child.returncode, verdict)
            return
        code = child.returncode
        reason = EXIT_MEANS.get(code or 0, f"stopped by signal {-code}" if code and code < 0 else "")
        await self._end(request, "done" if code in (0, 1) else "failed", code, reason)

    async def _put_back(self, request: EvalRequest) -> None:
        """The request first in the queue again, for the next process: this one is stopping."""
        request.status, request.started = "queued", None
        with contextlib.suppress(RedisError, OSError):
            await asyncio.shield(self.queue.release(request, again=True))

    async def _watch(self, child: asyncio.subprocess.Process, token: str) -> str | None:
        """Wait for the child, renewing the lease; why it must be stopped, or None when it ended."""
        deadline = time.monotonic() + self.settings.eval_timeout_s
        tick = self._leases.lease_ms / 3000
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(child.wait(), min(tick, max(0.0, deadline - time.monotonic())))
                return None
            if time.monotonic() >= deadline:
                return f"took longer than {self.settings.eval_timeout_s} s (HUDHUD_EVAL_TIMEOUT_S)"
            held = await self._leases.renew({self._lease_key: token})
            if not held.get(self._lease_key):
                log.warning("eval_runner_lost_lease")
                return LOST
