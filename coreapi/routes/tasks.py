"""Tasks and their comments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coreapi import audit, permissions, trash
from coreapi.clock import today_in, utcnow
from coreapi.deps import CoreDep, CurrentUser, Session, UserChange
from coreapi.errors import ApiError, forbidden, invalid, not_found
from coreapi.models import AuditEntry, Comment, Priority, Role, Status, Task, User
from coreapi.people import resolve_user
from coreapi.schemas import (
    MAX_ID,
    AssignRequest,
    CommentCreate,
    CommentOut,
    CompleteTasksRequest,
    Deleted,
    TaskCreate,
    TaskList,
    TaskOut,
    TasksCompleted,
    TaskUpdate,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[int, Path(description="The task number", ge=1, le=MAX_ID)]
Scope = Literal["mine", "team", "all"]


def task_out(task: Task, today: date, *, with_comments: bool = False) -> TaskOut:
    overdue = task.due_date is not None and task.due_date < today and task.status != Status.done
    out = TaskOut.model_validate(
        {
            **{k: getattr(task, k) for k in TaskOut.model_fields if k not in ("overdue", "comments")},
            "overdue": overdue,
        }
    )
    if with_comments:
        out.comments = [CommentOut.model_validate(c) for c in task.comments]
    return out


def live_clause() -> ColumnElement[bool]:
    """Not in the trash: every read and change sees only these tasks."""
    return Task.deleted_at.is_(None)


def overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(Task.due_date.is_not(None), Task.due_date < today, Task.status != Status.done.value)


def team_clause(team: str) -> ColumnElement[bool]:
    """Tasks created by or assigned to someone of `team`."""
    members = select(User.id).where(User.team == team)
    return or_(Task.created_by.in_(members), Task.assignee_id.in_(members))


def mine_clause(user: User) -> ColumnElement[bool]:
    return or_(Task.created_by == user.id, Task.assignee_id == user.id)


def scope_clause(user: User, scope: Scope) -> ColumnElement[bool] | None:
    if scope == "mine":
        return mine_clause(user)
    if scope == "team":
        if user.team is None:
            scopes = "mine or all" if user.role == "admin" else "mine"
            raise invalid("no_team", f"you are not in a team; use scope={scopes}", scopes=scopes)
        return or_(mine_clause(user), team_clause(user.team))
    if user.role != Role.admin:
        raise forbidden("list_all_admin_only", "only admins can list all tasks; use scope=mine or scope=team")
    return None


async def load_task(
    session: AsyncSession, task_id: int, user: User, *, for_update: bool = False, comments: bool = False
) -> Task:
    stmt = select(Task).where(Task.id == task_id, live_clause())
    if comments:
        stmt = stmt.options(selectinload(Task.comments))
    if for_update:
        # Row lock on PostgreSQL so concurrent edits of one task serialise (SQLite locks at BEGIN anyway).
        stmt = stmt.with_for_update(of=Task)
    task = await session.scalar(stmt)
    if task is None:
        raise not_found("task_not_found", f"task {task_id} not found", task_id=task_id)
    if not permissions.can_view(user, task):
        raise forbidden(
            "task_not_visible", f"task {task_id} is neither yours nor your team's", task_id=task_id
        )
    return task


@router.post("", operation_id="create_task", status_code=201, response_model=TaskOut)
async def create_task(body: TaskCreate, ctx: UserChange) -> Response:
    """Create a task; the caller is its creator. `assignee` may be an id or a name."""
    user, session = ctx.user, ctx.session

    async def op() -> TaskOut:
        assignee = None
        if body.assignee is not None:
            assignee = await resolve_user(session, body.assignee)
            permissions.ensure_assign(user, None, assignee)
        task = Task(
            title=body.title,
            description=body.description,
            priority=body.priority.value,
            due_date=body.due_date,
            creator=user,
            assignee=assignee,
        )
        session.add(task)
        await session.flush()
        audit.record(session, user.id, "create", task_id=task.id, after=audit.task_state(task))
        return task_out(task, today_in(user.timezone))

    return await ctx.idem.run(op, status_code=201)


@router.get("", operation_id="list_tasks", response_model=TaskList)
async def list_tasks(
    user: CurrentUser,
    session: Session,
    scope: Annotated[
        Scope, Query(description="mine: created by or assigned to me; team; all (admins)")
    ] = "mine",
    status: Annotated[list[Status] | None, Query(description="Repeat for several")] = None,
    priority: Annotated[list[Priority] | None, Query(description="Repeat for several")] = None,
    overdue: Annotated[bool | None, Query(description="true: only overdue; false: none overdue")] = None,
    due_before: Annotated[date | None, Query(description="Due on or before this day")] = None,
    due_after: Annotated[date | None, Query(description="Due on or after this day")] = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    assignee: Annotated[str | None, Query(max_length=200, description="Assignee's name or username")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or description")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> TaskList:
    """Tasks the caller may see, filtered. Ordered by due date (undated last), then number."""
    today = today_in(user.timezone)
    conds: list[ColumnElement[bool]] = [live_clause()]
    scoped = scope_clause(user, scope)
    if scoped is not None:
        conds.append(scoped)
    if status:
        conds.append(Task.status.in_([s.value for s in status]))
    if priority:
        conds.append(Task.priority.in_([p.value for p in priority]))
    if overdue is not None:
        conds.append(overdue_clause(today) if overdue else not_(overdue_clause(today)))
    if due_before is not None:
        conds.append(Task.due_date <= due_before)
    if due_after is not None:
        conds.append(Task.due_date >= due_after)
    if assignee_id is not None:
        conds.append(Task.assignee_id == assignee_id)
    if assignee is not None:
        conds.append(Task.assignee_id == (await resolve_user(session, assignee)).id)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(
            or_(Task.title.ilike(pattern, escape="\\"), Task.description.ilike(pattern, escape="\\"))
        )

    total = await session.scalar(select(func.count(Task.id)).where(*conds)) or 0
    undated_last = case((Task.due_date.is_(None), 1), else_=0)
    rows = await session.scalars(
        select(Task).where(*conds).order_by(undated_last, Task.due_date, Task.id).limit(limit).offset(offset)
    )
    return TaskList(items=[task_out(t, today) for t in rows], total=total, limit=limit, offset=offset)


def numbered(ids: list[int]) -> str:
    """How a refusal names the tasks it is about: "task 7", "tasks 7 and 9", "tasks 3, 4 and 9"."""
    if len(ids) == 1:
        return f"task {ids[0]}"
    return "tasks " + ", ".join(str(i) for i in ids[:-1]) + f" and {ids[-1]}"


@router.post("/complete", operation_id="complete_tasks", response_model=TasksCompleted)
async def complete_tasks(body: CompleteTasksRequest, ctx: UserChange) -> Response:
    """Mark several tasks done in one call, all or none: 404 names the unknown tasks, 403 the first
    one the caller may not complete, 409 `already_done` those already done; then nothing changes."""
    user, session = ctx.user, ctx.session
    wanted = list(dict.fromkeys(body.task_ids))  # a repeated id is one task

    async def op() -> TasksCompleted:
        rows = await session.scalars(
            select(Task).where(Task.id.in_(wanted), live_clause()).order_by(Task.id).with_for_update(of=Task)
        )
        found = {task.id: task for task in rows}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise ApiError(404, "tasks_not_found", f"{numbered(missing)} not found", task_ids=missing)
        for task_id in wanted:
            task = found[task_id]
            if not permissions.can_view(user, task):
                raise ApiError(
                    403,
                    "task_not_visible",
                    f"task {task_id} is neither yours nor your team's",
                    task_id=task_id,
                    task_ids=[task_id],
                )
            try:
                permissions.ensure_modify(user, task, "complete")
            except ApiError as exc:
                raise ApiError(
                    403,
                    exc.code,
                    f"task {task_id}: {exc.detail}",
                    **exc.extra,
                    task_id=task_id,
                    task_ids=[task_id],
                ) from None
        done = [i for i in wanted if found[i].status == Status.done]
        if done:
            verb = "is" if len(done) == 1 else "are"
            raise ApiError(409, "already_done", f"{numbered(done)} {verb} already done", task_ids=done)
        tasks = [found[i] for i in wanted]
        before = [audit.task_state(task) for task in tasks]
        now = utcnow()
        for task in tasks:
            _set_status(task, Status.done)
            # Set here, not by the column's onupdate: in a batched UPDATE the objects would not all
            # carry the instant stored for them, and the response must say what is stored.
            task.updated_at = now
        await session.flush()
        for task, state in zip(tasks, before, strict=True):  # one entry per task, like single completes
            audit.record(
                session, user.id, "complete", task_id=task.id, before=state, after=audit.task_state(task)
            )
        today = today_in(user.timezone)
        return TasksCompleted(count=len(tasks), tasks=[task_out(task, today) for task in tasks])

    return await ctx.idem.run(op)


@router.get("/{task_id}", operation_id="get_task", response_model=TaskOut)
async def get_task(task_id: TaskId, user: CurrentUser, session: Session) -> TaskOut:
    """One task with its comments."""
    task = await load_task(session, task_id, user, comments=True)
    return task_out(task, today_in(user.timezone), with_comments=True)


_NOT_NULL = ("title", "priority", "status")


@router.patch("/{task_id}", operation_id="update_task", response_model=TaskOut)
async def update_task(task_id: TaskId, body: TaskUpdate, ctx: UserChange) -> Response:
    """Change title, description, due date (null clears it), priority or status. Assign with /assign."""
    user, session = ctx.user, ctx.session
    changes = body.model_dump(exclude_unset=True)
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise invalid("field_null", f"invalid request: {name}: cannot be null", field=name)
    if changes.get("description", "") is None:
        changes["description"] = ""
    if not changes:
        raise invalid("nothing_to_change", "invalid request: nothing to change; send at least one field")

    async def op() -> TaskOut:
        task = await load_task(session, task_id, user, for_update=True)
        permissions.ensure_modify(user, task, "edit")
        before = audit.task_state(task)
        if "status" in changes:
            _set_status(task, changes.pop("status"))
        for name, value in changes.items():
            setattr(task, name, value.value if hasattr(value, "value") else value)
        await session.flush()
        audit.record(session, user.id, "update", task_id=task.id, before=before, after=audit.task_state(task))
        return task_out(task, today_in(user.timezone))

    return await ctx.idem.run(op)


def _set_status(task: Task, status: Status) -> None:
    if status == Status.done and task.status != Status.done:
        task.completed_at = utcnow()
    elif status != Status.done:
        task.completed_at = None
    task.status = status.value


@router.post("/{task_id}/assign", operation_id="assign_task", response_model=TaskOut)
async def assign_task(task_id: TaskId, body: AssignRequest, ctx: UserChange) -> Response:
    """Give the task to a person named by id, username or display name (409 lists the people if
    the name fits several)."""
    user, session = ctx.user, ctx.session

    async def op() -> TaskOut:
        task = await load_task(session, task_id, user, for_update=True)
        target = await resolve_user(session, body.assignee)
        permissions.ensure_assign(user, task, target)
        before = audit.task_state(task)
        task.assignee = target
        await session.flush()
        audit.record(session, user.id, "assign", task_id=task.id, before=before, after=audit.task_state(task))
        return task_out(task, today_in(user.timezone))

    return await ctx.idem.run(op)


@router.delete("/{task_id}/assignee", operation_id="unassign_task", response_model=TaskOut)
async def unassign_task(task_id: TaskId, ctx: UserChange) -> Response:
    """Leave the task with nobody (who may assign it may unassign it); a task nobody holds is unchanged."""
    user, session = ctx.user, ctx.session

    async def op() -> TaskOut:
        task = await load_task(session, task_id, user, for_update=True)
        permissions.ensure_unassign(user, task)
        if task.assignee_id is not None:
            before = audit.task_state(task)
            task.assignee = None
            await session.flush()
            after = audit.task_state(task)
            audit.record(session, user.id, "unassign", task_id=task.id, before=before, after=after)
        return task_out(task, today_in(user.timezone))

    return await ctx.idem.run(op)


@router.post("/{task_id}/complete", operation_id="complete_task", response_model=TaskOut)
async def complete_task(task_id: TaskId, ctx: UserChange) -> Response:
    """Mark the task done (409 if it already is)."""
    return await _transition(ctx, task_id, Status.done)


@router.post("/{task_id}/reopen", operation_id="reopen_task", response_model=TaskOut)
async def reopen_task(task_id: TaskId, ctx: UserChange) -> Response:
    """Mark a done task open again (409 if it is not done)."""
    return await _transition(ctx, task_id, Status.open)


async def _transition(ctx: UserChange, task_id: int, status: Status) -> Response:
    user, session = ctx.user, ctx.session
    verb, action = ("complete", "complete") if status == Status.done else ("reopen", "reopen")

    async def op() -> TaskOut:
        task = await load_task(session, task_id, user, for_update=True)
        permissions.ensure_modify(user, task, verb)
        if status == Status.done and task.status == Status.done:
            raise ApiError(409, "already_done", f"task {task_id} is already done", task_ids=[task_id])
        if status == Status.open and task.status != Status.done:
            raise ApiError(
                409, "not_done", f"task {task_id} is not done, so it cannot be reopened", task_id=task_id
            )
        before = audit.task_state(task)
        _set_status(task, status)
        await session.flush()
        audit.record(session, user.id, action, task_id=task.id, before=before, after=audit.task_state(task))
        return task_out(task, today_in(user.timezone))

    return await ctx.idem.run(op)


@router.post("/{task_id}/comments", operation_id="add_comment", status_code=201, response_model=CommentOut)
async def add_comment(task_id: TaskId, body: CommentCreate, ctx: UserChange) -> Response:
    """Add a comment to the task."""
    user, session = ctx.user, ctx.session

    async def op() -> CommentOut:
        task = await load_task(session, task_id, user)
        permissions.ensure_modify(user, task, "comment on")
        comment = Comment(task_id=task.id, author_id=user.id, author=user, text=body.text)
        session.add(comment)
        await session.flush()
        audit.record(
            session, user.id, "comment", entity="comment", task_id=task.id, after=audit.comment_state(comment)
        )
        return CommentOut.model_validate(comment)

    return await ctx.idem.run(op, status_code=201)


@router.get("/{task_id}/comments", operation_id="list_comments", response_model=list[CommentOut])
async def list_comments(task_id: TaskId, user: CurrentUser, session: Session) -> list[CommentOut]:
    """The task's comments, oldest first."""
    task = await load_task(session, task_id, user, comments=True)
    return [CommentOut.model_validate(c) for c in task.comments]


@router.delete("/{task_id}", operation_id="delete_task", response_model=Deleted)
async def delete_task(task_id: TaskId, ctx: UserChange, core: CoreDep) -> Response:
    """Move the task (with its comments) to the trash: it disappears from every read and change, and
    `POST /tasks/{id}/restore` brings it back unchanged until it is purged, COREAPI_TRASH_RETENTION_S
    (7 days) after the delete."""
    user, session = ctx.user, ctx.session
    retention = core.settings.coreapi_trash_retention_s

    async def op() -> Deleted:
        task = await load_task(session, task_id, user, for_update=True)
        permissions.ensure_delete(user, task)
        before = audit.task_state(task)
        now = utcnow()
        await _mark(session, task_id, deleted_at=now, deleted_by=user.id)
        audit.record(session, user.id, "delete", task_id=task_id, before=before)
        await trash.purge(session, retention)
        return Deleted(id=task_id, restorable_until=now + timedelta(seconds=retention))

    return await ctx.idem.run(op)


@router.post("/{task_id}/restore", operation_id="restore_task", response_model=TaskOut)
async def restore_task(task_id: TaskId, ctx: UserChange, core: CoreDep) -> Response:
    """Bring a deleted task back from the trash, unchanged (who may delete it may restore it). 404
    `task_not_in_trash` when it is not deleted; 410 `trash_expired` once it was purged or has been in the
    trash longer than COREAPI_TRASH_RETENTION_S."""
    user, session = ctx.user, ctx.session
    retention = core.settings.coreapi_trash_retention_s

    async def op() -> TaskOut:
        task = await session.scalar(select(Task).where(Task.id == task_id).with_for_update(of=Task))
        expired = ApiError(
            410,
            "trash_expired",
            f"task {task_id} was deleted too long ago to be restored",
            task_id=task_id,
        )
        if task is None:
            if await _deleted_by_or_for(session, task_id, user):
                raise expired
            raise not_found("task_not_found", f"task {task_id} not found", task_id=task_id)
        if not permissions.can_view(user, task):
            raise forbidden(
                "task_not_visible", f"task {task_id} is neither yours nor your team's", task_id=task_id
            )
        if task.deleted_at is None:
            raise not_found("task_not_in_trash", f"task {task_id} is not in the trash", task_id=task_id)
        permissions.ensure_delete(user, task)
        if task.deleted_at <= trash.cutoff(retention):
            await trash.purge(session, retention)
            await session.commit()  # purged although the request fails
            raise expired
        await _mark(session, task_id, deleted_at=None, deleted_by=None)
        await session.refresh(task)
        audit.record(session, user.id, "restore", task_id=task_id, after=audit.task_state(task))
        return task_out(task, today_in(user.timezone))

    return await ctx.idem.run(op)


async def _mark(session: AsyncSession, task_id: int, **values: object) -> None:
    """Put a task in the trash or take it out. `updated_at` is kept as it was: the task itself is
    unchanged, and a restored task is exactly the one that was deleted."""
    await session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(**values, updated_at=Task.updated_at)
        .execution_options(synchronize_session=False)
    )


async def _deleted_by_or_for(session: AsyncSession, task_id: int, user: User) -> bool:
    """The task was deleted (its row purged since) and `user` had a part in it: deleted it, created or
    held it, or is an admin. Anyone else is told it does not exist, as before."""
    entry = await session.scalar(
        select(AuditEntry)
        .where(AuditEntry.task_id == task_id, AuditEntry.action == "delete")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return False
    state = entry.before or {}
    parties = (entry.actor_id, state.get("created_by"), state.get("assignee_id"))
    return user.role == Role.admin or user.id in parties
