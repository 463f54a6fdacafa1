"""Eval runs asked for on the dashboard: a Redis queue that every API process shares.

A request is a small JSON document (`Keys.eval_request`), listed by time (`Keys.eval_requests`) and
queued by id (`Keys.eval_queue`). The runner that holds the lease (eval_runner.py) moves the oldest id
to `Keys.eval_running` (LMOVE, one step) before it starts the run, and removes it from there when the run
has ended. A runner that dies in between leaves the id in `eval_running`: the next lease holder moves it
back to the front of the queue, so no request is lost, and a request tried `MAX_ATTEMPTS` times is marked
failed instead of run again.
"""

from __future__ import annotations

import secrets
import time
from typing import Literal

import redis.asyncio as aioredis
from pydantic import BaseModel, Field

from base.keys import Keys

Status = Literal["queued", "running", "done", "failed"]
KEEP_S = 30 * 24 * 3600  # how long a request's record is kept
LISTED = 200  # the newest requests kept in the list
MAX_ATTEMPTS = 3  # starts of one request (a runner that died mid-run counts one)


class DraftRun(BaseModel):
    """A run of the playground's drafts (hudhud/admin/playground_drafts.py): the copies the child reads."""

    prompts_dir: str  # a copy of the prompts folder with the drafted texts: HUDHUD_PROMPTS_DIR
    tool_descriptions: str | None = None  # the drafted tool descriptions: HUDHUD_TOOL_DESCRIPTIONS
    names: list[str] = Field(default_factory=list)  # what was drafted ("prompt:router", "tool:create_task")

    def env(self) -> dict[str, str]:
        """The child's environment on top of the service's."""
        env = {"HUDHUD_PROMPTS_DIR": self.prompts_dir}
        if self.tool_descriptions:
            env["HUDHUD_TOOL_DESCRIPTIONS"] = self.tool_descriptions
        return env


class EvalRequest(BaseModel):
    id: str
    suites: list[str]  # suite file names under evals/suites/
    filter: str = ""
    cases: int
    by: str
    status: Status = "queued"
    created: float = Field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    exit_code: int | None = None
    reason: str = ""  # why it failed, or what its exit code means
    attempts: int = 0
    draft: DraftRun | None = None  # run with the playground's drafts, not the saved prompts

    @staticmethod
    def new_id() -> str:
        """Also the run's directory name: sortable by time, unique across processes."""
        return time.strftime("web-%Y%m%d-%H%M%S", time.gmtime()) + f"-{secrets.token_hex(3)}"


class EvalQueue:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def submit(self, request: EvalRequest) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.eval_request(request.id), request.model_dump_json(), ex=KEEP_S)
            pipe.zadd(self._keys.eval_requests, {request.id: request.created})
            pipe.zremrangebyrank(self._keys.eval_requests, 0, -LISTED - 1)
            pipe.rpush(self._keys.eval_queue, request.id)
            await pipe.execute()

    async def save(self, request: EvalRequest) -> None:
        await self._redis.set(self._keys.eval_request(request.id), request.model_dump_json(), ex=KEEP_S)

    async def get(self, run_id: str) -> EvalRequest | None:
        raw = await self._redis.get(self._keys.eval_request(run_id))
        return EvalRequest.model_validate_json(raw) if raw else None

    async def recent(self, limit: int = 20) -> list[EvalRequest]:
        ids = await self._redis.zrevrange(self._keys.eval_requests, 0, limit - 1)
        if not ids:
            return []
        raws = await self._redis.mget([self._keys.eval_request(i.decode()) for i in ids])
        return [EvalRequest.model_validate_json(r) for r in raws if r]

    async def waiting(self) -> bool:
        """Whether a runner has anything to do: a request queued, or one left by a runner that died."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.llen(self._keys.eval_queue)
            pipe.llen(self._keys.eval_running)
            queued, running = await pipe.execute()
        return bool(queued or running)

    async def claim(self) -> EvalRequest | None:
        """The next request, moved to `eval_running`. Only the lease holder calls it: whatever is in
        `eval_running` then was left by a runner that died, and goes back to the front first."""
        while await self._redis.lmove(self._keys.eval_running, self._keys.eval_queue, "LEFT", "LEFT"):
            pass
        raw = await self._redis.lmove(self._keys.eval_queue, self._keys.eval_running, "LEFT", "RIGHT")
        if raw is None:
            return None
        run_id = raw.decode()
        request = await self.get(run_id)
        if request is None:  # its record expired or was removed: nothing to run
            await self._redis.lrem(self._keys.eval_running, 0, run_id)
            return None
        return request

    async def release(self, request: EvalRequest, *, again: bool = False) -> None:
        """The run has ended (its status saved first), or, `again`, goes back to the front of the queue
        (the API process is stopping)."""
        await self.save(request)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrem(self._keys.eval_running, 0, request.id)
            if again:
                pipe.lpush(self._keys.eval_queue, request.id)
            await pipe.execute()

    async def position(self, run_id: str) -> int | None:
        """1 for the next to run; None when not queued."""
        found = await self._redis.lpos(self._keys.eval_queue, run_id)
        return None if found is None else int(found) + 1
