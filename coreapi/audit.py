"""The audit log: who changed what, with the state before and after, written in the change's transaction
(so a rolled-back or replayed request leaves no entry)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coreapi.models import AuditEntry, Comment, Link, Task, User


def task_state(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority,
        "assignee_id": task.assignee_id,
        "created_by": task.created_by,
        "due_date": task.due_date.isoformat() if task.due_date else None,
    }


def comment_state(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "task_id": comment.task_id,
        "author_id": comment.author_id,
        "text": comment.text,
    }


def user_state(user: User) -> dict[str, Any]:
    # Never the password hash: the log is readable by managers.
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "team": user.team,
        "timezone": user.timezone,
        "language": user.language,
        "active": user.active,
    }


def link_state(link: Link | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {"wa_id": link.wa_id, "user_id": link.user_id, "blocked": link.blocked}


def record(
    session: AsyncSession,
    actor_id: int | None,
    action: str,
    *,
    entity: str = "task",
    task_id: int | None = None,
    subject: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            entity=entity,
            task_id=task_id,
            subject=subject,
            before=before,
            after=after,
        )
    )
