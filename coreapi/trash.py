"""The trash: a deleted task is only marked (`deleted_at`, `deleted_by`) and can be restored, unchanged,
until it has been in the trash for COREAPI_TRASH_RETENTION_S (7 days); then it is purged for good, with
its comments. The purge runs at start-up, on every delete and restore, and where old link codes are
purged (when a link code is issued)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi.clock import utcnow
from coreapi.models import Comment, Task

log = logging.getLogger("coreapi")


def cutoff(retention_s: int, now: datetime | None = None) -> datetime:
    """Tasks deleted at or before this instant are past restoring."""
    return (now or utcnow()) - timedelta(seconds=retention_s)


async def purge(session: AsyncSession, retention_s: int) -> int:
    """Remove the tasks (and their comments) in the trash for longer than `retention_s`; how many went.
    Runs inside the caller's transaction; the caller commits."""
    expired = select(Task.id).where(Task.deleted_at.is_not(None), Task.deleted_at <= cutoff(retention_s))
    await session.execute(
        delete(Comment).where(Comment.task_id.in_(expired)).execution_options(synchronize_session=False)
    )
    gone = await session.execute(
        delete(Task).where(Task.id.in_(expired)).execution_options(synchronize_session=False)
    )
    count = int(getattr(gone, "rowcount", 0) or 0)
    if count:
        log.info("purged %d tasks from the trash", count)
    return count
