"""Request dependencies: the session, who is calling (a user JWT or the service token), idempotency."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi.config import CoreSettings
from coreapi.db import Database
from coreapi.errors import ApiError, unauthorized
from coreapi.idempotency import HEADER, Idempotency
from coreapi.login_throttle import LoginThrottle
from coreapi.models import User
from coreapi.tokens import TokenIssuer


class Core:
    """Everything a request needs from the running app; kept on `app.state.core`."""

    def __init__(self, settings: CoreSettings) -> None:
        self.settings = settings
        self.db = Database(settings.sqlalchemy_url)
        jwt_secret = settings.coreapi_jwt_secret
        # A random key keeps a bare `python -m coreapi` safe; tokens then die with the process.
        self.jwt_secret = jwt_secret.get_secret_value() if jwt_secret else secrets.token_urlsafe(48)
        self.tokens = TokenIssuer(self.jwt_secret, settings.coreapi_token_ttl_s)
        service = settings.coreapi_service_token
        self.service_token = service.get_secret_value() if service else None
        self.logins = LoginThrottle(
            per_account_client=settings.coreapi_login_max_failures,
            per_client=settings.coreapi_login_max_failures_per_client,
            overall=settings.coreapi_login_max_failures_global,
            window_s=settings.coreapi_login_window_s,
        )


def get_core(request: Request) -> Core:
    return request.app.state.core  # type: ignore[no-any-return]


async def get_session(core: Annotated[Core, Depends(get_core)]) -> AsyncIterator[AsyncSession]:
    async with core.db.sessions() as session:
        yield session


user_bearer = HTTPBearer(auto_error=False, scheme_name="UserToken", description="A user JWT")
service_bearer = HTTPBearer(
    auto_error=False, scheme_name="ServiceToken", description="The Hudhud service's COREAPI_SERVICE_TOKEN"
)

Session = Annotated[AsyncSession, Depends(get_session)]
IdemKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        max_length=200,
        description="Retries with the same key replay the first response instead of acting twice",
    ),
]


async def current_user(
    session: Session,
    core: Annotated[Core, Depends(get_core)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(user_bearer)],
) -> User:
    if creds is None:
        raise unauthorized("missing bearer token")
    user_id = core.tokens.user_id(creds.credentials)
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise unauthorized("the token's user does not exist or is deactivated")
    return user


async def require_service(
    core: Annotated[Core, Depends(get_core)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(service_bearer)],
) -> None:
    if core.service_token is None:
        raise ApiError(503, "service_disabled", "COREAPI_SERVICE_TOKEN is not configured on the core API")
    if creds is None:
        raise unauthorized("missing service token")
    if not hmac.compare_digest(creds.credentials.encode(), core.service_token.encode()):
        raise unauthorized("invalid service token")


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass
class UserCtx:
    """A user's request: who, their session, and the idempotency wrapper for changes."""

    user: User
    session: AsyncSession
    idem: Idempotency


@dataclass
class ServiceCtx:
    session: AsyncSession
    idem: Idempotency


async def user_ctx(
    request: Request,
    user: CurrentUser,
    session: Session,
    core: Annotated[Core, Depends(get_core)],
    idempotency_key: IdemKey = None,
) -> UserCtx:
    idem = Idempotency(
        session, f"user:{user.id}", idempotency_key, request, core.settings.coreapi_idempotency_ttl_s
    )
    return UserCtx(user, session, idem)


async def service_ctx(
    request: Request,
    _service: Annotated[None, Depends(require_service)],
    session: Session,
    core: Annotated[Core, Depends(get_core)],
    idempotency_key: IdemKey = None,
) -> ServiceCtx:
    idem = Idempotency(session, "service", idempotency_key, request, core.settings.coreapi_idempotency_ttl_s)
    return ServiceCtx(session, idem)


UserChange = Annotated[UserCtx, Depends(user_ctx)]
ServiceChange = Annotated[ServiceCtx, Depends(service_ctx)]
ServiceOnly = Annotated[None, Depends(require_service)]
CoreDep = Annotated[Core, Depends(get_core)]
