"""What /readyz reports: can this service take a message now and will it be answered?

Redis answers, the workers' consumer group exists (without it nothing is ever read), and how long the
oldest job not yet done has waited. Acknowledged jobs are deleted from the stream, so its first entry
is the oldest one waiting, and its id is the time it was queued (Redis's clock, read with TIME).
Problems are named, never echoed from an exception: the text of an internal error is no one's business
outside the logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from pydantic import BaseModel
from redis.exceptions import RedisError, ResponseError

from hudhud import metrics

if TYPE_CHECKING:
    from hudhud.container import Container

log = structlog.get_logger(__name__)

NO_GROUP = "no worker group: no worker has started since Redis was set up or emptied"


class Readiness(BaseModel):
    ready: bool
    redis: bool
    worker_group: bool
    queued: int | None = None
    oldest_waiting_s: float | None = None
    redis_data_since: float | None = None  # when the sentinel was written (see hudhud/redis_watch.py)
    problems: list[str] = []


async def readiness(container: Container) -> Readiness:
    redis, keys = container.redis, container.keys
    try:
        await container.watch.check()
        await redis.ping()
    except (RedisError, OSError) as exc:
        log.warning("readiness: redis unavailable", error=str(exc))
        return Readiness(ready=False, redis=False, worker_group=False, problems=["redis unavailable"])
    try:
        groups = await redis.xinfo_groups(keys.inbound)
    except ResponseError:  # no stream yet: no worker has started (or Redis lost its data)
        groups = []
    has_group = any(_text(g.get("name")) == keys.group for g in groups)
    queued = await redis.xlen(keys.inbound)
    oldest = await redis.xrange(keys.inbound, count=1)
    age = None
    if oldest:
        seconds, micros = await redis.time()
        queued_ms = int(_text(oldest[0][0]).split("-")[0])
        age = max(0.0, (seconds * 1000 + micros // 1000 - queued_ms) / 1000)
    metrics.QUEUE_DEPTH.set(queued)
    metrics.QUEUE_OLDEST_AGE.set(age or 0.0)
    problems = [] if has_group else [NO_GROUP]
    return Readiness(
        ready=has_group,
        redis=True,
        worker_group=has_group,
        queued=queued,
        oldest_waiting_s=None if age is None else round(age, 3),
        redis_data_since=await container.watch.data_since(),
        problems=problems,
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
