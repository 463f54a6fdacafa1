"""Reading the audit log: admins see everything, managers what their team did or what touched its tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import or_, select

from coreapi import permissions
from coreapi.deps import CurrentUser, Session
from coreapi.models import AuditEntry, Role, Task, User
from coreapi.routes.tasks import team_clause
from coreapi.schemas import MAX_ID, AuditList, AuditOut

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", operation_id="list_audit", response_model=AuditList)
async def list_audit(
    user: CurrentUser,
    session: Session,
    task_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> AuditList:
    """Newest first."""
    permissions.ensure_role(user, Role.admin, Role.manager, action="read the audit log")
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if user.role == Role.manager:
        # What they did, and — when they lead a team — what its people did and what touched its tasks.
        visible = [AuditEntry.actor_id == user.id]
        if user.team is not None:
            visible.append(AuditEntry.actor_id.in_(select(User.id).where(User.team == user.team)))
            visible.append(AuditEntry.task_id.in_(select(Task.id).where(team_clause(user.team))))
        stmt = stmt.where(or_(*visible))
    if task_id is not None:
        stmt = stmt.where(AuditEntry.task_id == task_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    entries = await session.scalars(stmt)
    return AuditList(items=[AuditOut.model_validate(e) for e in entries], limit=limit, offset=offset)
