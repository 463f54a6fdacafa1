"""One sign-in for every admin route, pages and API alike.

- Browsers: a session cookie (HttpOnly, SameSite=Strict, Secure outside dev, path /admin) naming a
  session kept in Redis with its own CSRF token. Every unsafe method must carry that token, in the
  `X-CSRF-Token` header (htmx sends it from the page's `hx-headers`) or a form's `csrf` field.
- Scripts: HTTP Basic with an account's username and password (`admin` with HUDHUD_ADMIN_PASSWORD keeps
  working); and, for the admin API only, loopback clients while HUDHUD_ADMIN_PASSWORD is unset outside
  prod, as before (memory/kb_api.py). Browsers replay Basic credentials by themselves, so an unsafe
  request a browser marks as coming from another site (Sec-Fetch-Site, Origin) is refused.
- Failed sign-ins are throttled per account and client, and per client (login_throttle.py), for the
  login form and Basic alike.

The role is read from the account at each request: a removed account or a changed role takes effect
at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import redis.asyncio as aioredis
from fastapi import HTTPException, Request

from base.keys import Keys
from base.settings import Environment, Settings
from hudhud.admin.accounts import Account, Accounts, Role
from hudhud.admin.audit import AuditLog
from hudhud.admin.login_throttle import LoginThrottle
from memory.kb_api import LOOPBACK

COOKIE = "hudhud_admin"
LOGIN_COOKIE = "hudhud_admin_login"  # the login form's CSRF token (double submit: no session yet)
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 65_536
RANK = {"viewer": 0, "admin": 1}


Check = Callable[[Request], Awaitable["Principal"]]


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    csrf: str | None = None  # the session's token; None when signed in by Basic or loopback

    @property
    def reads_texts(self) -> bool:
        """Viewers see figures and traces, never what people wrote."""
        return self.role == "admin"


class Sessions:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s

    def _key(self, token: str) -> str:
        # Stored by digest: a read of Redis does not hand out live cookies.
        return self._keys.admin_session(hashlib.sha256(token.encode()).hexdigest())

    async def open(self, account: Account) -> tuple[str, str]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        key = self._key(token)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"user": account.username, "csrf": csrf})
            pipe.expire(key, self.ttl_s)
            await pipe.execute()
        return token, csrf

    async def get(self, token: str) -> tuple[str, str] | None:
        """(username, CSRF token) of a live session."""
        user, csrf = await self._redis.hmget(self._key(token), "user", "csrf")
        if not user or not csrf:
            return None
        return user.decode(), csrf.decode()

    async def close(self, token: str) -> None:
        await self._redis.delete(self._key(token))


class NotSignedIn(Exception):
    """A page asked for by someone not signed in: answered with the login page's address."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


@dataclass
class AdminAuth:
    settings: Settings

    def parts(self, request: Request) -> tuple[Accounts, Sessions, LoginThrottle, AuditLog]:
        container = getattr(request.app.state, "container", None)
        if container is None:
            raise HTTPException(503, "the service is starting")
        redis, keys = container.redis, container.keys
        return (
            Accounts(redis, keys),
            Sessions(redis, keys, self.settings.admin.session_s),
            LoginThrottle(redis, keys),
            AuditLog(redis, keys),
        )

    @property
    def secure_cookies(self) -> bool:
        return self.settings.runtime.env != Environment.dev

    def require(self, role: Role = "viewer", *, page: bool = False) -> Check:
        """A dependency: the signed-in principal with at least `role`. `page`: someone not signed in
        is sent to the login page instead of answered 401."""

        async def check(request: Request) -> Principal:
            principal = await self.principal(request, api=not page)
            if principal is None:
                if page and request.method in SAFE_METHODS:
                    raise NotSignedIn(request.url.path)
                raise self._refusal(request)
            if RANK[principal.role] < RANK[role]:
                raise HTTPException(403, f"this needs the {role} role (you are {principal.role})")
            request.state.principal = principal
            return principal

        return check

    def _refusal(self, request: Request) -> HTTPException:
        """Why someone without credentials is turned away (the admin API's words since before the
        dashboard: scripts and their operators rely on them)."""
        if self.settings.admin.password is None:
            if self.settings.runtime.env == Environment.prod:
                return HTTPException(403, "the admin API is disabled: set HUDHUD_ADMIN_PASSWORD")
            if _client(request) not in LOOPBACK:
                return HTTPException(
                    403, "the admin API only answers loopback clients while HUDHUD_ADMIN_PASSWORD is unset"
                )
        return HTTPException(
            401,
            "admin credentials required: sign in at /admin/login, or HTTP Basic with an account"
            " (user admin, password HUDHUD_ADMIN_PASSWORD)",
            headers={"WWW-Authenticate": 'Basic realm="hudhud-admin"'},
        )

    async def principal(self, request: Request, *, api: bool) -> Principal | None:
        unsafe = request.method not in SAFE_METHODS
        token = request.cookies.get(COOKIE)
        basic = _basic(request)
        if not token and basic is None:
            if api and self._loopback_allowed(request):
                if unsafe:
                    _same_site_only(request)
                return Principal("loopback", "admin")
            return None
        accounts, sessions, throttle, audit = self.parts(request)
        if token:
            found = await sessions.get(token)
            account = await accounts.get(found[0]) if found else None
            if found and account is not None:
                if unsafe and not await _csrf_matches(request, found[1]):
                    raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
                return Principal(account.username, account.role, found[1])
        if basic is not None:
            if unsafe:
                _same_site_only(request)
            username, password = basic
            client = _client(request)
            wait = await throttle.refused(username, client)
            if wait is not None:
                raise HTTPException(
                    429,
                    f"too many failed sign-ins: try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
            account = await accounts.verify(username, password)
            if account is None:
                await throttle.failed(username, client)
                await audit.record(username, "login_failed", detail=f"basic from {client}")
                return None
            await throttle.succeeded(username, client)
            return Principal(account.username, account.role)
        return None

    def _loopback_allowed(self, request: Request) -> bool:
        """Scripts on the service's own machine while no admin password is set (`hudhud kb`), never in
        prod: a reverse proxy on the same host would make every client look like loopback."""
        return (
            self.settings.admin.password is None
            and self.settings.runtime.env != Environment.prod
            and _client(request) in LOOPBACK
        )


async def form(request: Request) -> dict[str, str]:
    """The fields of a URL-encoded form (the dashboard's forms are small; multipart is not used)."""
    return dict(await form_pairs(request))


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The form's (name, value) pairs in order, a repeated field (checkboxes) once per value."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return []
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "form too large")
    return parse_qsl(body.decode(errors="replace"), keep_blank_values=True)


async def _csrf_matches(request: Request, expected: str) -> bool:
    offered = request.headers.get(CSRF_HEADER) or (await form(request)).get("csrf", "")
    return secrets.compare_digest(offered.encode(), expected.encode())


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        username, _, password = base64.b64decode(value).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return username, password


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _same_site_only(request: Request) -> None:
    """Credentials a browser adds by itself (Basic, loopback) must not let another site change things."""
    fetch_site = request.headers.get("sec-fetch-site", "")
    origin = request.headers.get("origin")
    foreign_origin = origin is not None and urlsplit(origin).netloc != request.headers.get("host", "")
    if fetch_site in ("cross-site", "same-site") or foreign_origin:
        raise HTTPException(403, "a change from another site is refused: use the dashboard's own pages")
