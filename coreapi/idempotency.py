"""`Idempotency-Key` on POST/PATCH/DELETE: a retried request replays the stored response.

The work and the key's record are committed in one transaction, and (actor, key) is unique, so two
copies of a request racing each other cannot both commit: the loser's insert fails, its work is rolled
back with it, and it answers with the winner's stored response. Only successful responses are stored —
a failed request changed nothing, so running it again is safe and may now succeed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coreapi.clock import utcnow
from coreapi.errors import ApiError
from coreapi.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

Operation = Callable[[], Awaitable[BaseModel | dict[str, Any]]]


def _dump(result: BaseModel | dict[str, Any]) -> bytes:
    data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


async def request_hash(request: Request) -> str:
    """Method, path and the JSON body with sorted keys: key order and spacing do not make a new request."""
    raw = await request.body()  # FastAPI has already read it; Starlette caches it on the request
    try:
        canonical = (
            json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
        )
    except ValueError:
        canonical = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), canonical):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


class Idempotency:
    def __init__(
        self, session: AsyncSession, actor: str, key: str | None, request: Request, ttl_s: int
    ) -> None:
        self.session = session
        self.actor = actor
        self.key = key
        self.request = request
        self.ttl_s = ttl_s

    async def run(self, op: Operation, status_code: int = 200) -> Response:
        """Run `op` and commit, or replay what the same key stored before."""
        if self.key is None:
            body = _dump(await op())
            await self.session.commit()
            return Response(body, status_code=status_code, media_type="application/json")

        digest = await request_hash(self.request)
        stored = await self._find()
        if stored is not None:
            if utcnow() - stored.created_at <= timedelta(seconds=self.ttl_s):
                return self._replay(stored, digest)
            await self.session.delete(stored)  # an expired key is free to be used again
            await self.session.flush()

        body = _dump(await op())
        self.session.add(
            IdempotencyRecord(
                actor=self.actor,
                key=self.key,
                request_hash=digest,
                status_code=status_code,
                body=body.decode(),
            )
        )
        try:
            await self.session.commit()
        except IntegrityError:
            # A concurrent copy of this request committed first: our work is rolled back, theirs stands.
            await self.session.rollback()
            stored = await self._find()
            if stored is None:  # pragma: no cover - the constraint that failed names this row
                raise
            return self._replay(stored, digest)
        return Response(body, status_code=status_code, media_type="application/json")

    async def _find(self) -> IdempotencyRecord | None:
        return await self.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.actor == self.actor, IdempotencyRecord.key == self.key
            )
        )

    def _replay(self, stored: IdempotencyRecord, digest: str) -> Response:
        if stored.request_hash != digest:
            raise ApiError(
                422,
                "idempotency_key_reused",
                f"{HEADER} {self.key!r} was already used for a different request; use a new key",
            )
        return Response(
            stored.body.encode(),
            status_code=stored.status_code,
            media_type="application/json",
            headers={REPLAYED_HEADER: "true"},
        )
