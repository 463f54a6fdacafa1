"""Counts for the caller's scope: a member's own tasks, a manager's team, everything for an admin."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import ColumnElement, case, func, select

from coreapi.clock import today_in
from coreapi.deps import CurrentUser, Session
from coreapi.models import Role, Status, Task, User
from coreapi.routes.tasks import live_clause, mine_clause, overdue_clause, team_clause
from coreapi.schemas import AssigneeCount, Summary

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/summary", operation_id="summary_report", response_model=Summary)
async def summary_report(user: CurrentUser, session: Session) -> Summary:
    """Tasks by status and by assignee, and how many are overdue."""
    today = today_in(user.timezone)
    scope: ColumnElement[bool] | None
    if user.role == Role.admin:
        label, scope = "all", None
    elif user.role == Role.manager and user.team is not None:
        label, scope = "team", team_clause(user.team) | mine_clause(user)
    else:
        label, scope = "own", mine_clause(user)
    conds = [live_clause(), *([scope] if scope is not None else [])]

    overdue = func.sum(case((overdue_clause(today), 1), else_=0))
    rows = (
        await session.execute(
            select(Task.assignee_id, Task.status, func.count(Task.id), overdue)
            .where(*conds)
            .group_by(Task.assignee_id, Task.status)
        )
    ).all()
    by_status = dict.fromkeys(Status, 0)
    per_assignee: dict[int | None, dict[str, int]] = {}
    total_overdue = 0
    for assignee_id, status, count, late in rows:
        by_status[Status(status)] += count
        counts = per_assignee.setdefault(assignee_id, {s.value: 0 for s in Status} | {"overdue": 0})
        counts[status] += count
        counts["overdue"] += late or 0
        total_overdue += late or 0

    ids = [i for i in per_assignee if i is not None]
    names = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all())
    by_assignee = [
        AssigneeCount(
            assignee_id=assignee_id,
            display_name=names.get(assignee_id) if assignee_id is not None else None,
            total=sum(counts[s.value] for s in Status),
            open=counts["open"],
            in_progress=counts["in_progress"],
            done=counts["done"],
            overdue=counts["overdue"],
        )
        for assignee_id, counts in sorted(per_assignee.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]
    return Summary(
        scope=label,
        as_of=today,
        total=sum(by_status.values()),
        by_status=by_status,
        by_assignee=by_assignee,
        overdue=total_overdue,
    )
