"""Fixtures in code: people and tasks for tests, evals and demos, and the first admin at start-up."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi.clock import today_in, utcnow
from coreapi.config import CoreSettings
from coreapi.models import Comment, Language, Priority, Role, Status, Task, User
from coreapi.passwords import hash_password

log = logging.getLogger("coreapi")


class UserSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    display_name: str | None = None  # defaults to the username
    role: Role = Role.member
    team: str | None = None
    timezone: str = "Asia/Riyadh"
    language: Language = Language.ar
    password: str | None = None
    active: bool = True


class CommentSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    author: str | int  # username or id
    text: str


class TaskSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    created_by: str | int  # username or id
    description: str = ""
    status: Status = Status.open
    priority: Priority = Priority.normal
    assignee: str | int | None = None
    due_date: date | None = None
    # Relative to the creator's today, so "overdue" fixtures stay overdue whenever they run.
    due_in_days: int | None = Field(None, description="-2: due two days ago")
    comments: list[CommentSeed] = Field(default_factory=list)


@dataclass
class SeedResult:
    users: dict[str, User] = field(default_factory=dict)  # by username
    tasks: list[Task] = field(default_factory=list)


def _person(ref: str | int, users: Mapping[str, User], by_id: Mapping[int, User]) -> User:
    found = by_id.get(ref) if isinstance(ref, int) else users.get(ref.lower())
    if found is None:
        raise ValueError(f"seed: unknown user {ref!r}")
    return found


async def seed(
    session: AsyncSession,
    users: Iterable[UserSeed | Mapping[str, Any]] = (),
    tasks: Iterable[TaskSeed | Mapping[str, Any]] = (),
    *,
    commit: bool = True,
) -> SeedResult:
    """Insert people, then tasks that name them by username (or id of someone already in the database)."""
    result = SeedResult()
    for raw in users:
        spec = raw if isinstance(raw, UserSeed) else UserSeed.model_validate(raw)
        user = User(
            username=spec.username.lower(),
            display_name=spec.display_name or spec.username,
            role=spec.role.value,
            team=spec.team,
            timezone=spec.timezone,
            language=spec.language.value,
            password_hash=hash_password(spec.password) if spec.password else None,
            active=spec.active,
        )
        session.add(user)
        result.users[user.username] = user
    await session.flush()

    known = {u.username: u for u in await session.scalars(select(User))} | result.users
    by_id = {u.id: u for u in known.values()}
    for raw in tasks:
        spec = raw if isinstance(raw, TaskSeed) else TaskSeed.model_validate(raw)
        creator = _person(spec.created_by, known, by_id)
        due = spec.due_date
        if spec.due_in_days is not None:
            due = today_in(creator.timezone) + timedelta(days=spec.due_in_days)
        task = Task(
            title=spec.title,
            description=spec.description,
            status=spec.status.value,
            priority=spec.priority.value,
            due_date=due,
            creator=creator,
            assignee=_person(spec.assignee, known, by_id) if spec.assignee is not None else None,
            completed_at=utcnow() if spec.status == Status.done else None,
        )
        session.add(task)
        for c in spec.comments:
            author = _person(c.author, known, by_id)
            session.add(Comment(task=task, author=author, text=c.text))
        result.tasks.append(task)
    await session.flush()
    if commit:
        await session.commit()
    return result


async def ensure_admin(session: AsyncSession, settings: CoreSettings) -> User | None:
    """Create the first admin from COREAPI_ADMIN_PASSWORD when there are no users at all."""
    if settings.coreapi_admin_password is None:
        return None
    if await session.scalar(select(func.count(User.id))):
        return None
    admin = User(
        username=settings.coreapi_admin_username.lower(),
        display_name="Administrator",
        role=Role.admin.value,
        timezone=settings.coreapi_timezone,
        language=Language.en.value,
        password_hash=hash_password(settings.coreapi_admin_password.get_secret_value()),
    )
    session.add(admin)
    try:
        await session.commit()
    except IntegrityError:  # another process started at the same moment and made it
        await session.rollback()
        return None
    log.info("created the first admin %r", admin.username)
    return admin
