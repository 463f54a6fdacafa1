"""The dashboard's accounts, in Redis: a username, a role, and an scrypt hash of the password (the core
API's own hashing, run off the event loop: each check costs tens of milliseconds on purpose).

Two roles: `admin` changes things; `viewer` sees figures and traces but never a message's text. The
first admin is `admin` with HUDHUD_ADMIN_PASSWORD (its hash follows the variable when it changes); on a
developer's machine without that variable, `hudhud up` makes one with a random password and prints it
once — never outside dev.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis

from base.keys import Keys
from base.settings import Environment, Settings
from coreapi.passwords import hash_password, verify_password

Role = Literal["admin", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "viewer")
FIRST_ADMIN = "admin"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 12


class AccountError(ValueError):
    """A username, role or password that cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    created_at: float


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


class Accounts:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, username: str) -> Account | None:
        found = await self._redis.hmget(self._keys.admin_account(username), "role", "created_at")
        role, created = (_text(v) for v in found)
        if role not in ROLES:
            return None
        return Account(username, role, float(created or 0))  # type: ignore[arg-type]

    async def all(self) -> list[Account]:
        names = sorted(_text(n) for n in await self._redis.smembers(self._keys.admin_accounts))
        found = [await self.get(n) for n in names]
        return [a for a in found if a is not None]

    async def create(self, username: str, password: str, role: Role) -> Account:
        if not USERNAME.match(username):
            raise AccountError("a username is 2 to 32 lowercase letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r} (admin or viewer)")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
        return await self._store(username, password, role)

    async def remove(self, username: str) -> bool:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._keys.admin_account(username))
            pipe.srem(self._keys.admin_accounts, username)
            removed, _ = await pipe.execute()
        return bool(removed)

    async def verify(self, username: str, password: str) -> Account | None:
        """The account when the password is its own. An unknown name costs the same time as a wrong
        password, so names cannot be told apart by timing."""
        stored = _text(await self._redis.hget(self._keys.admin_account(username), "password")) or None
        if not await asyncio.to_thread(verify_password, password, stored):
            return None
        return await self.get(username)

    async def ensure_first_admin(self, settings: Settings, *, make: bool = True) -> str | None:
        """Make sure an admin can sign in. Returns a password generated now (dev only, and only when
        `make`: someone is there to show it to, as `hudhud up` prints it once); None when
        HUDHUD_ADMIN_PASSWORD is the admin's or an account already exists."""
        password = settings.admin.password
        if password is not None:
            value = password.get_secret_value()
            current = await self.get(FIRST_ADMIN)
            if current is None or current.role != "admin" or await self.verify(FIRST_ADMIN, value) is None:
                await self._store(FIRST_ADMIN, value, "admin")  # as given: checked at start-up
            return None
        if not make or settings.runtime.env != Environment.dev:
            return None
        if await self._redis.scard(self._keys.admin_accounts):
            return None
        generated = secrets.token_urlsafe(12)
        await self._store(FIRST_ADMIN, generated, "admin")
        return generated

    async def _store(self, username: str, password: str, role: Role) -> Account:
        digest = await asyncio.to_thread(hash_password, password)
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._keys.admin_account(username),
                mapping={"role": role, "password": digest, "created_at": now},
            )
            pipe.sadd(self._keys.admin_accounts, username)
            await pipe.execute()
        return Account(username, role, now)
