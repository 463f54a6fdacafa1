"""Who may read the service's own descriptions: metrics and the OpenAPI document.

On a developer's machine (HUDHUD_ENV=dev) both are open. Elsewhere they describe the deployment to
whoever asks, so `/metrics` needs the scraper's bearer token (HUDHUD_METRICS_TOKEN) or the admin's
password, the OpenAPI document needs the admin's password, and the interactive docs pages are off.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer

from base.settings import Environment, Settings
from memory.kb_api import admin_guard

_bearer = HTTPBearer(auto_error=False)
_basic = HTTPBasic(auto_error=False, realm="hudhud-admin")


def metrics_guard(settings: Settings) -> Callable[..., None]:
    admin = admin_guard(settings)
    token = settings.observability.metrics_token

    def check(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    ) -> None:
        if settings.runtime.env == Environment.dev:
            return
        offered = bearer.credentials if bearer is not None and bearer.scheme.lower() == "bearer" else ""
        expected = token.get_secret_value() if token is not None else ""
        if expected and secrets.compare_digest(offered.encode(), expected.encode()):
            return
        if basic is None:
            raise HTTPException(
                401,
                "metrics need HUDHUD_METRICS_TOKEN as a bearer token, or the admin password",
                headers={"WWW-Authenticate": 'Bearer, Basic realm="hudhud-admin"'},
            )
        admin(request, basic)

    return check
