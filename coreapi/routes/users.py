"""People: the directory every user may read (for name matching), and admin management."""

from __future__ import annotations

import asyncio
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlalchemy import select

from coreapi import audit, permissions
from coreapi.deps import CoreDep, CurrentUser, Session, UserChange
from coreapi.errors import ApiError, forbidden, invalid, not_found
from coreapi.models import Role, User
from coreapi.passwords import hash_password
from coreapi.people import normalize
from coreapi.schemas import MAX_ID, UserCreate, UserList, UserOut, UserPublic, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
_SELF_FIELDS = {"display_name", "timezone", "language", "password"}


def _check_zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(
            "unknown_timezone", f"invalid request: timezone: unknown time zone {zone!r}", zone=zone
        ) from None
    return zone


@router.get("", operation_id="list_users", response_model=UserList)
async def list_users(
    user: CurrentUser,
    session: Session,
    team: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name or username")] = None,
    include_inactive: bool = False,
) -> UserList:
    """Active people (id, username, display name, team), for matching the names users type."""
    stmt = select(User).order_by(User.id)
    if team is not None:
        stmt = stmt.where(User.team == team)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
    people = list(await session.scalars(stmt))
    if q:
        needle = normalize(q)
        people = [p for p in people if needle in normalize(p.display_name) or needle in p.username]
    return UserList(items=[UserPublic.model_validate(p) for p in people])


@router.get("/me", operation_id="get_me", response_model=UserOut)
async def get_me(user: CurrentUser) -> UserOut:
    """The caller's profile: role, team, time zone and language."""
    return UserOut.model_validate(user)


@router.get("/{user_id}", operation_id="get_user", response_model=UserPublic)
async def get_user(user_id: UserId, user: CurrentUser, session: Session) -> UserPublic:
    found = await session.get(User, user_id)
    if found is None:
        raise not_found("user_not_found", f"no user with id {user_id}", user_id=user_id)
    return UserPublic.model_validate(found)


@router.post("", operation_id="create_user", status_code=201, response_model=UserOut)
async def create_user(body: UserCreate, ctx: UserChange, core: CoreDep) -> Response:
    """Admins only."""
    user, session = ctx.user, ctx.session
    permissions.ensure_role(user, Role.admin, action="create users")
    zone = _check_zone(body.timezone or core.settings.coreapi_timezone)

    async def op() -> UserOut:
        if await session.scalar(select(User.id).where(User.username == body.username)) is not None:
            raise ApiError(
                409, "username_taken", f"username {body.username!r} is taken", username=body.username
            )
        created = User(
            username=body.username,
            display_name=body.display_name,
            role=body.role.value,
            team=body.team,
            timezone=zone,
            language=body.language.value,
            password_hash=await asyncio.to_thread(hash_password, body.password) if body.password else None,
            active=body.active,
        )
        session.add(created)
        await session.flush()
        audit.record(
            session,
            user.id,
            "create",
            entity="user",
            subject=str(created.id),
            after=audit.user_state(created),
        )
        return UserOut.model_validate(created)

    return await ctx.idem.run(op, status_code=201)


@router.patch("/{user_id}", operation_id="update_user", response_model=UserOut)
async def update_user(user_id: UserId, body: UserUpdate, ctx: UserChange) -> Response:
    """Admins change anyone; people change their own display name, time zone, language and password."""
    user, session = ctx.user, ctx.session
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise invalid("nothing_to_change", "invalid request: nothing to change; send at least one field")
    if user.role != Role.admin:
        if user_id != user.id:
            raise forbidden("admin_only_other_users", "only admins can change other people")
        if not set(changes) <= _SELF_FIELDS:
            denied = ", ".join(sorted(set(changes) - _SELF_FIELDS))
            raise forbidden("admin_only_fields", f"only admins can change {denied}", fields=denied)
    for name in ("display_name", "role", "timezone", "language", "active"):
        if name in changes and changes[name] is None:
            raise invalid("field_null", f"invalid request: {name}: cannot be null", field=name)
    if changes.get("timezone"):
        _check_zone(changes["timezone"])

    async def op() -> UserOut:
        target = await session.get(User, user_id, with_for_update=True)
        if target is None:
            raise not_found("user_not_found", f"no user with id {user_id}", user_id=user_id)
        before = audit.user_state(target)
        password = changes.pop("password", None)
        if password:
            target.password_hash = await asyncio.to_thread(hash_password, password)  # off the loop
        for name, value in changes.items():
            setattr(target, name, value.value if hasattr(value, "value") else value)
        await session.flush()
        after = {**audit.user_state(target), **({"password_changed": True} if password else {})}
        audit.record(
            session, user.id, "update", entity="user", subject=str(user_id), before=before, after=after
        )
        return UserOut.model_validate(target)

    return await ctx.idem.run(op)
