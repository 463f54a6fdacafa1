"""Getting a user JWT: the Hudhud service exchanges its own token for one (acting as the linked user),
people log in with a password. Neither takes an Idempotency-Key: they change nothing, and a replay table
must not keep live bearer tokens at rest."""

from __future__ import annotations

import asyncio
import math

from fastapi import APIRouter, Request
from sqlalchemy import select

from coreapi.deps import CoreDep, ServiceOnly, Session
from coreapi.errors import ApiError, forbidden, not_found, unauthorized
from coreapi.models import User
from coreapi.passwords import verify_password
from coreapi.schemas import LoginRequest, TokenOut, TokenRequest

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", operation_id="exchange_token", response_model=TokenOut)
async def exchange_token(
    body: TokenRequest, _service: ServiceOnly, session: Session, core: CoreDep
) -> TokenOut:
    """Service token in, a short-lived JWT for `user_id` out: commands then run with that user's rights."""
    user = await session.get(User, body.user_id)
    if user is None:
        raise not_found("user_not_found", f"no user with id {body.user_id}", user_id=body.user_id)
    if not user.active:
        raise forbidden("user_deactivated", f"user {body.user_id} is deactivated", user_id=body.user_id)
    issued = core.tokens.issue(user.id)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post("/login", operation_id="login", response_model=TokenOut)
async def login(body: LoginRequest, request: Request, session: Session, core: CoreDep) -> TokenOut:
    """Username and password in, a short-lived JWT out (the dashboard and the link-code flow use it).
    Failed logins are throttled per account and address, per address and in all (coreapi/login_throttle.py):
    429 with Retry-After. The password hash is checked off the event loop (scrypt takes tens of ms)."""
    account = body.username.strip().lower()
    client = request.client.host if request.client is not None else "unknown"
    wait = core.logins.refused(account, client)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_logins",
            "too many failed logins; wait and try again",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    user = await session.scalar(select(User).where(User.username == account))
    found = (user.id, user.password_hash, user.active) if user is not None else None
    # End the transaction before the slow check: on SQLite it holds the write lock (BEGIN IMMEDIATE),
    # and other requests would wait behind every password being hashed.
    await session.rollback()
    ok = await asyncio.to_thread(verify_password, body.password, found[1] if found else None)
    if found is None or not ok or not found[2]:
        core.logins.failed(account, client)
        raise unauthorized("invalid username or password")
    core.logins.succeeded(account, client)
    issued = core.tokens.issue(found[0])
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)
