"""WhatsApp identity linking: a signed-in person asks for a one-time code and sends it to the bot;
Hudhud (with the service token) redeems it for their user id. Hudhud keeps the link in Redis, the source
of truth; the `links` table mirrors it here, with admin blocks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import delete, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi import audit, permissions, trash
from coreapi.clock import utcnow
from coreapi.config import CoreSettings
from coreapi.deps import Core, CoreDep, CurrentUser, ServiceChange, ServiceOnly, Session, UserChange
from coreapi.errors import ApiError, forbidden, not_found
from coreapi.models import AuditEntry, IdempotencyRecord, Link, LinkAttempt, LinkCode, Role, User
from coreapi.schemas import (
    Forgotten,
    LinkCodeOut,
    LinkList,
    LinkOut,
    LinkUpsert,
    RedeemRequest,
    Unlinked,
    UserPublic,
)

router = APIRouter(tags=["links"])

# Draws before issuing gives up: a clash is one in a million per live code, twenty in a row means the
# code space is crowded and the caller should rather try again later.
ISSUE_TRIES = 20
CODE_DIGITS = 8  # a hundred million codes: guessing one within its 10 minutes and 5 tries is hopeless
UNKNOWN_CLIENT = "unknown"  # an ASGI server that does not say who connected

WaIdPath = Annotated[str, Path(pattern=r"^\d{5,20}$", description="The WhatsApp id (phone number digits)")]


def code_hash(core: Core, code: str) -> str:
    # Keyed: eight digits are 10^8 guesses, so a plain hash of a leaked table would give codes away.
    return hmac.new(core.jwt_secret.encode(), code.encode(), hashlib.sha256).hexdigest()


async def link_out(session: AsyncSession, link: Link) -> LinkOut:
    user = await session.get(User, link.user_id) if link.user_id is not None else None
    out = LinkOut.model_validate(link)
    out.user = UserPublic.model_validate(user) if user is not None else None
    return out


@router.post("/link-codes", operation_id="create_link_code", status_code=201, response_model=LinkCodeOut)
async def create_link_code(ctx: UserChange, core: CoreDep) -> Response:
    """A one-time eight-digit code for the caller, valid for COREAPI_LINK_CODE_TTL_S (10 minutes). No other
    unused code has the same digits: a code names exactly one person."""
    user, session, settings = ctx.user, ctx.session, core.settings
    ttl = settings.coreapi_link_code_ttl_s

    async def op() -> LinkCodeOut:
        now = utcnow()
        await _purge_codes(session, now - timedelta(seconds=settings.coreapi_link_code_retention_s))
        await trash.purge(session, settings.coreapi_trash_retention_s)
        expires_at = now + timedelta(seconds=ttl)
        for _ in range(ISSUE_TRIES):
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            row = LinkCode(code_hash=code_hash(core, code), user_id=user.id, expires_at=expires_at)
            if await _claim(session, row, now):
                return LinkCodeOut(code=code, expires_at=expires_at, expires_in=ttl)
        # Only reachable when live codes crowd the code space (or the generator is broken).
        raise ApiError(503, "no_code_available", "could not issue a link code; try again")

    return await ctx.idem.run(op, status_code=201)


async def _purge_codes(session: AsyncSession, cutoff: datetime) -> None:
    # Kept a while after expiry only so a late try is told "expired" or "used" rather than "invalid".
    await session.execute(delete(LinkCode).where(LinkCode.expires_at < cutoff))


async def _claim(session: AsyncSession, row: LinkCode, now: datetime) -> bool:
    """Insert `row` unless a live code holds its hash. False means: draw another code."""
    holder = await session.scalar(
        select(LinkCode)
        .where(LinkCode.code_hash == row.code_hash, LinkCode.used_at.is_(None))
        .with_for_update()
    )
    if holder is not None:
        if holder.expires_at > now:
            return False
        await session.delete(holder)  # expired and unused: dead, but it would block the unique index
    try:
        # A savepoint: a concurrent issuer that took the same hash first fails only this insert.
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


@router.post("/link-codes/redeem", operation_id="redeem_link_code", response_model=LinkOut)
async def redeem_link_code(
    body: RedeemRequest, request: Request, ctx: ServiceChange, core: CoreDep
) -> Response:
    """Service token only. Links `wa_id` to the user of the live (unused, unexpired) code. Wrong, expired
    and reused codes count as failed attempts; after COREAPI_LINK_MAX_ATTEMPTS of them per wa_id,
    COREAPI_LINK_MAX_ATTEMPTS_PER_CLIENT per calling address or COREAPI_LINK_MAX_ATTEMPTS_GLOBAL in all
    within COREAPI_LINK_WINDOW_S, every attempt is a 429 until the window slides."""
    session, settings = ctx.session, core.settings
    client = request.client.host if request.client is not None else UNKNOWN_CLIENT

    async def fail(error: ApiError) -> ApiError:
        # The failed attempt must persist although the request fails, so it is committed on its own.
        session.add(LinkAttempt(wa_id=body.wa_id, client=client))
        await session.commit()
        return error

    async def op() -> LinkOut:
        now = utcnow()
        window_start = now - timedelta(seconds=settings.coreapi_link_window_s)
        await session.execute(delete(LinkAttempt).where(LinkAttempt.created_at <= window_start))
        await _throttle(session, settings, window_start, wa_id=body.wa_id, client=client)
        link = await session.get(Link, body.wa_id, with_for_update=True)
        if link is not None and link.blocked:
            raise forbidden("number_blocked", "this WhatsApp number is blocked")
        digest = code_hash(core, body.code)
        found = await session.scalar(
            select(LinkCode)
            .where(LinkCode.code_hash == digest, LinkCode.used_at.is_(None), LinkCode.expires_at > now)
            .with_for_update()
        )
        if found is None:
            raise await fail(await _dead_code_error(session, digest))
        user = await session.get(User, found.user_id)
        if user is None or not user.active:
            raise forbidden("user_deactivated", "the code's user is deactivated")
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


async def _throttle(
    session: AsyncSession, settings: CoreSettings, window_start: datetime, *, wa_id: str, client: str
) -> None:
    """429 once any limit on failed attempts in the window is reached: per number, per caller, in all."""
    limits = (
        (LinkAttempt.wa_id == wa_id, settings.coreapi_link_max_attempts),
        (LinkAttempt.client == client, settings.coreapi_link_max_attempts_per_client),
        (true(), settings.coreapi_link_max_attempts_global),
    )
    for scope, limit in limits:
        failures = await session.scalar(
            select(func.count(LinkAttempt.id)).where(scope, LinkAttempt.created_at > window_start)
        )
        if (failures or 0) >= limit:
            raise ApiError(
                429,
                "too_many_attempts",
                "too many wrong codes; wait a few minutes and ask for a new code",
                headers={"Retry-After": str(settings.coreapi_link_window_s)},
            )


async def _dead_code_error(session: AsyncSession, digest: str) -> ApiError:
    """Why no live code matched, worded from the newest row with this hash. Only words the error: such a
    row is never linked to."""
    newest = await session.scalar(
        select(LinkCode).where(LinkCode.code_hash == digest).order_by(LinkCode.id.desc()).limit(1)
    )
    if newest is None:
        return ApiError(400, "invalid_code", "that code is not valid; check it or ask for a new one")
    if newest.used_at is not None:
        return ApiError(409, "code_used", "that code was already used; ask for a new one")
    return ApiError(410, "code_expired", "that code has expired; ask for a new one")


@router.get("/links/{wa_id}", operation_id="get_link", response_model=LinkOut)
async def get_link(wa_id: WaIdPath, _service: ServiceOnly, session: Session) -> LinkOut:
    """Service token only. The mirrored link (or block) of a WhatsApp id."""
    link = await session.get(Link, wa_id)
    if link is None:
        raise not_found("link_not_found", f"{wa_id} is not linked", wa_id=wa_id)
    return await link_out(session, link)


@router.put("/links/{wa_id}", operation_id="put_link", response_model=LinkOut)
async def put_link(wa_id: WaIdPath, body: LinkUpsert, ctx: ServiceChange) -> Response:
    """Service token only. Mirror a link Hudhud made or changed (a PUT is idempotent by itself)."""
    session = ctx.session

    async def op() -> LinkOut:
        user = await session.get(User, body.user_id)
        if user is None:
            raise not_found("user_not_found", f"no user with id {body.user_id}", user_id=body.user_id)
        link = await session.get(Link, wa_id, with_for_update=True)
        if link is not None and link.blocked:
            raise forbidden("number_blocked", "this WhatsApp number is blocked")
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


@router.post("/links/{wa_id}/forget", operation_id="forget_wa_id", response_model=Forgotten)
async def forget_wa_id(wa_id: WaIdPath, _service: ServiceOnly, session: Session) -> Forgotten:
    """Service token only: the number asked to be forgotten (Hudhud's `forget`). Its link row goes, a block
    with it; its failed link attempts go; used codes and the audit log's link entries are kept (the
    organization's record that a link happened, by whom) without the number. Takes no Idempotency-Key:
    a stored response would name the number again, and a second call simply finds nothing."""
    links = await session.execute(delete(Link).where(Link.wa_id == wa_id))
    attempts = await session.execute(delete(LinkAttempt).where(LinkAttempt.wa_id == wa_id))
    codes = await session.execute(
        update(LinkCode).where(LinkCode.used_by_wa_id == wa_id).values(used_by_wa_id=None)
    )
    mentions = select(AuditEntry).where(AuditEntry.entity == "link", AuditEntry.subject == wa_id)
    entries = list(await session.scalars(mentions))
    for entry in entries:
        entry.subject = None
        entry.before = _without_number(entry.before)
        entry.after = _without_number(entry.after)
    # Service responses replayed by key (a mirrored link, a redemption) carry the number in their body.
    replays = await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.actor == "service", IdempotencyRecord.body.contains(f'"wa_id":"{wa_id}"')
        )
    )
    if links.rowcount or entries:
        audit.record(session, None, "forget", entity="link")
    await session.commit()
    return Forgotten(
        wa_id=wa_id,
        links=links.rowcount or 0,
        link_attempts=attempts.rowcount or 0,
        link_codes=codes.rowcount or 0,
        audit_entries=len(entries),
        idempotency_records=replays.rowcount or 0,
    )


def _without_number(state: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if state is None else {**state, "wa_id": None}


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
