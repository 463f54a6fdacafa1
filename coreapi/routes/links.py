"""WhatsApp identity linking: a signed-in person asks for a one-time code and sends it to the bot;
Hudhud (with the service token) redeems it for their user id. Hudhud keeps the link in Redis, the source
of truth; the `links` table mirrors it here, with admin blocks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi import audit, permissions
from coreapi.clock import utcnow
from coreapi.deps import Core, CoreDep, CurrentUser, ServiceChange, ServiceOnly, Session, UserChange
from coreapi.errors import ApiError, forbidden, not_found
from coreapi.models import Link, LinkAttempt, LinkCode, Role, User
from coreapi.schemas import (
    LinkCodeOut,
    LinkList,
    LinkOut,
    LinkUpsert,
    RedeemRequest,
    Unlinked,
    UserPublic,
)

router = APIRouter(tags=["links"])

WaIdPath = Annotated[str, Path(pattern=r"^\d{5,20}$", description="The WhatsApp id (phone number digits)")]


def code_hash(core: Core, code: str) -> str:
    # Keyed: six digits are a million guesses, so a plain hash of a leaked table would give codes away.
    return hmac.new(core.jwt_secret.encode(), code.encode(), hashlib.sha256).hexdigest()


async def link_out(session: AsyncSession, link: Link) -> LinkOut:
    user = await session.get(User, link.user_id) if link.user_id is not None else None
    out = LinkOut.model_validate(link)
    out.user = UserPublic.model_validate(user) if user is not None else None
    return out


@router.post("/link-codes", operation_id="create_link_code", status_code=201, response_model=LinkCodeOut)
async def create_link_code(ctx: UserChange, core: CoreDep) -> Response:
    """A one-time six-digit code for the caller, valid for COREAPI_LINK_CODE_TTL_S (10 minutes)."""
    user, session = ctx.user, ctx.session
    ttl = core.settings.coreapi_link_code_ttl_s

    async def op() -> LinkCodeOut:
        code = f"{secrets.randbelow(10**6):06d}"
        expires_at = utcnow() + timedelta(seconds=ttl)
        session.add(LinkCode(code_hash=code_hash(core, code), user_id=user.id, expires_at=expires_at))
        return LinkCodeOut(code=code, expires_at=expires_at, expires_in=ttl)

    return await ctx.idem.run(op, status_code=201)


@router.post("/link-codes/redeem", operation_id="redeem_link_code", response_model=LinkOut)
async def redeem_link_code(body: RedeemRequest, ctx: ServiceChange, core: CoreDep) -> Response:
    """Service token only. Links `wa_id` to the code's user. Wrong, expired and reused codes count as
    failed attempts; after COREAPI_LINK_MAX_ATTEMPTS of them per wa_id within COREAPI_LINK_WINDOW_S
    every attempt is a 429 until the window slides."""
    session, settings = ctx.session, core.settings

    async def fail(status: int, code: str, detail: str) -> ApiError:
        # The failed attempt must persist although the request fails, so it is committed on its own.
        session.add(LinkAttempt(wa_id=body.wa_id))
        await session.commit()
        return ApiError(status, code, detail)

    async def op() -> LinkOut:
        now = utcnow()
        window_start = now - timedelta(seconds=settings.coreapi_link_window_s)
        failures = await session.scalar(
            select(func.count(LinkAttempt.id)).where(
                LinkAttempt.wa_id == body.wa_id, LinkAttempt.created_at > window_start
            )
        )
        if (failures or 0) >= settings.coreapi_link_max_attempts:
            raise ApiError(
                429,
                "too_many_attempts",
                "too many wrong codes; wait a few minutes and ask for a new code",
                headers={"Retry-After": str(settings.coreapi_link_window_s)},
            )
        link = await session.get(Link, body.wa_id, with_for_update=True)
        if link is not None and link.blocked:
            raise forbidden("this WhatsApp number is blocked")
        found = await session.scalar(
            select(LinkCode).where(LinkCode.code_hash == code_hash(core, body.code)).with_for_update()
        )
        if found is None:
            raise await fail(400, "invalid_code", "that code is not valid; check it or ask for a new one")
        if found.used_at is not None:
            raise await fail(409, "code_used", "that code was already used; ask for a new one")
        if found.expires_at <= now:
            raise await fail(410, "code_expired", "that code has expired; ask for a new one")
        user = await session.get(User, found.user_id)
        if user is None or not user.active:
            raise forbidden("the code's user is deactivated")
        found.used_at = now
        found.used_by_wa_id = body.wa_id
        before = audit.link_state(link)
        if link is None:
            link = Link(wa_id=body.wa_id)
            session.add(link)
        link.user_id = user.id
        link.linked_at = now
        await session.flush()
        audit.record(
            session,
            user.id,
            "link",
            entity="link",
            subject=body.wa_id,
            before=before,
            after=audit.link_state(link),
        )
        return await link_out(session, link)

    return await ctx.idem.run(op)


@router.get("/links/{wa_id}", operation_id="get_link", response_model=LinkOut)
async def get_link(wa_id: WaIdPath, _service: ServiceOnly, session: Session) -> LinkOut:
    """Service token only. The mirrored link (or block) of a WhatsApp id."""
    link = await session.get(Link, wa_id)
    if link is None:
        raise not_found(f"{wa_id} is not linked")
    return await link_out(session, link)


@router.put("/links/{wa_id}", operation_id="put_link", response_model=LinkOut)
async def put_link(wa_id: WaIdPath, body: LinkUpsert, ctx: ServiceChange) -> Response:
    """Service token only. Mirror a link Hudhud made or changed (a PUT is idempotent by itself)."""
    session = ctx.session

    async def op() -> LinkOut:
        user = await session.get(User, body.user_id)
        if user is None:
            raise not_found(f"no user with id {body.user_id}")
        link = await session.get(Link, wa_id, with_for_update=True)
        if link is not None and link.blocked:
            raise forbidden("this WhatsApp number is blocked")
        before = audit.link_state(link)
        if link is None:
            link = Link(wa_id=wa_id)
            session.add(link)
        link.user_id = user.id
        link.linked_at = utcnow()
        await session.flush()
        audit.record(
            session, None, "link", entity="link", subject=wa_id, before=before, after=audit.link_state(link)
        )
        return await link_out(session, link)

    return await ctx.idem.run(op)


@router.delete("/links/{wa_id}", operation_id="delete_link", response_model=Unlinked)
async def delete_link(wa_id: WaIdPath, ctx: ServiceChange) -> Response:
    """Service token only. Forget the mirrored link; a block stays (only an admin lifts it)."""
    session = ctx.session

    async def op() -> Unlinked:
        link = await session.get(Link, wa_id, with_for_update=True)
        if link is None or link.user_id is None:
            return Unlinked(wa_id=wa_id, unlinked=False)
        before = audit.link_state(link)
        if link.blocked:
            link.user_id = None
            link.linked_at = None
        else:
            await session.delete(link)
        await session.flush()
        audit.record(
            session,
            None,
            "unlink",
            entity="link",
            subject=wa_id,
            before=before,
            after=audit.link_state(link) if link.blocked else None,
        )
        return Unlinked(wa_id=wa_id, unlinked=True)

    return await ctx.idem.run(op)


@router.get("/links", operation_id="list_links", response_model=LinkList)
async def list_links(user: CurrentUser, session: Session) -> LinkList:
    """Admins only. Every mirrored link and block."""
    permissions.ensure_role(user, Role.admin, action="list links")
    links = list(await session.scalars(select(Link).order_by(Link.wa_id)))
    return LinkList(items=[await link_out(session, link) for link in links])


@router.post("/links/{wa_id}/block", operation_id="block_wa_id", response_model=LinkOut)
async def block_wa_id(wa_id: WaIdPath, ctx: UserChange) -> Response:
    """Admins only. The number can no longer redeem codes; Hudhud reads `blocked` from GET /links."""
    return await _set_block(ctx, wa_id, blocked=True)


@router.post("/links/{wa_id}/unblock", operation_id="unblock_wa_id", response_model=LinkOut)
async def unblock_wa_id(wa_id: WaIdPath, ctx: UserChange) -> Response:
    """Admins only."""
    return await _set_block(ctx, wa_id, blocked=False)


async def _set_block(ctx: UserChange, wa_id: str, *, blocked: bool) -> Response:
    user, session = ctx.user, ctx.session
    permissions.ensure_role(user, Role.admin, action="block or unblock WhatsApp numbers")

    async def op() -> LinkOut:
        link = await session.get(Link, wa_id, with_for_update=True)
        before = audit.link_state(link)
        if link is None:
            link = Link(wa_id=wa_id)
            session.add(link)
        link.blocked = blocked
        await session.flush()
        action = "block" if blocked else "unblock"
        audit.record(
            session,
            user.id,
            action,
            entity="link",
            subject=wa_id,
            before=before,
            after=audit.link_state(link),
        )
        return await link_out(session, link)

    return await ctx.idem.run(op)
