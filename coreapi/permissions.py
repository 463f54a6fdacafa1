"""Who may do what, in one place. Each check raises a 403 whose reason a WhatsApp user can read.

- member: sees tasks they created or are assigned to, and their team's tasks (read-only); edits,
  completes, reopens and comments on tasks they created or are assigned to; assigns, unassigns, deletes
  and restores (from the trash) tasks they created (assigning only to themselves or people of their team).
- manager: the same, plus everything on their team's tasks; assigns within their team.
- admin: everything, across teams.

A task belongs to a team when its creator or its assignee is in that team.
"""

from __future__ import annotations

from coreapi.errors import forbidden
from coreapi.models import Role, Task, User


def is_admin(user: User) -> bool:
    return user.role == Role.admin


def is_party(user: User, task: Task) -> bool:
    """Created it or is assigned to it."""
    return user.id in (task.created_by, task.assignee_id)


def in_team(user: User, task: Task) -> bool:
    if user.team is None:
        return False
    return task.creator.team == user.team or (task.assignee is not None and task.assignee.team == user.team)


def can_view(user: User, task: Task) -> bool:
    return is_admin(user) or is_party(user, task) or in_team(user, task)


def _manages(user: User, task: Task) -> bool:
    return user.role == Role.manager and in_team(user, task)


def ensure_modify(user: User, task: Task, verb: str) -> None:
    """Edit, complete, reopen, comment."""
    if is_admin(user) or is_party(user, task) or _manages(user, task):
        return
    # Only members get here: a manager sees exactly the tasks they may change (their own and their team's).
    raise forbidden(
        "task_not_yours", f"you can only {verb} tasks you created or are assigned to", action=verb
    )


def ensure_delete(user: User, task: Task) -> None:
    if is_admin(user) or task.created_by == user.id or _manages(user, task):
        return
    if user.role == Role.manager:
        raise forbidden("delete_not_team", "you can only delete tasks of your team or tasks you created")
    raise forbidden("delete_not_yours", "you can only delete tasks you created")


def ensure_assign(user: User, task: Task | None, target: User) -> None:
    """`task` is None while creating: the creator owns a task they are creating."""
    if is_admin(user):
        return
    owns = task is None or task.created_by == user.id or _manages(user, task)
    if not owns:
        if target.id == user.id and task is not None and is_party(user, task):
            return  # taking a task one already works on is harmless
        if user.role == Role.manager:
            raise forbidden("assign_not_team", "you can only assign tasks of your team or tasks you created")
        raise forbidden(
            "assign_not_yours", "you can only assign tasks you created; ask its creator or a manager"
        )
    if target.id != user.id and (user.team is None or target.team != user.team):
        raise forbidden(
            "assignee_other_team",
            f"{target.display_name} is not in your team; only an admin can assign across teams",
            name=target.display_name,
        )


def ensure_unassign(user: User, task: Task) -> None:
    """Who may give the task to someone may also leave it with nobody."""
    if is_admin(user) or task.created_by == user.id or _manages(user, task):
        return
    if user.role == Role.manager:
        raise forbidden("assign_not_team", "you can only assign tasks of your team or tasks you created")
    raise forbidden("assign_not_yours", "you can only assign tasks you created; ask its creator or a manager")


def ensure_role(user: User, *roles: Role, action: str) -> None:
    if user.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise forbidden("role_required", f"only {allowed} users can {action}", roles=allowed, action=action)
