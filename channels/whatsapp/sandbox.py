"""A Messenger that records to Redis instead of calling Graph; used when no access token is set.

Each send stores the exact Cloud API payload the GraphClient would have posted (built by the same
`payloads` functions), so a developer can run the whole pipeline offline and see what users would
get. Lists are capped at `keep` entries so a long-running sandbox does not grow without bound.

Keys (all under `prefix`):
  {prefix}:sandbox:outbox         every send, newest first
  {prefix}:sandbox:to:{to}        the sends to one recipient, newest first
  {prefix}:sandbox:reads          mark_read calls, newest first
  {prefix}:sandbox:media:{id}     uploaded media (hash: base64 data, mime_type, filename), expiring

A send's payload (the reply's text) is stored encrypted, bound to its recipient and message id
(base/sealing.py); the recipient, method and ids stay clear, so forget finds a user's sends.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import redis.asyncio as aioredis

from base.keys import Keys
from base.sealing import Sealer, UndecryptableError, aad_sandbox, seal_text, unseal
from base.turn import Button, ListSection, ReplyPart
from channels.whatsapp import payloads
from channels.whatsapp.errors import ErrorKind, GraphError
from channels.whatsapp.payloads import MediaType, Payload

MEDIA_TTL_S = 30 * 24 * 3600  # Graph keeps uploaded media for 30 days


class SandboxClient:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        keep: int = 1000,
        media_ttl_s: int = MEDIA_TTL_S,
        sealer: Sealer | None = None,
    ) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._redis = redis
        self._sealer = sealer
        self._keys = keys
        self._keep = keep
        self._media_ttl_s = media_ttl_s

    def _key(self, *parts: str) -> str:
        return self._keys.sandbox(*parts)

    async def aclose(self) -> None:
        """Nothing to release: the Redis client belongs to the caller."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ messages

    async def send_text(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        *,
        reply_to: str | None = None,
        preview_url: bool = False,
    ) -> str:
        payload = payloads.text_payload(to, text, reply_to=reply_to, preview_url=preview_url)
        return await self._record("send_text", phone_number_id, to, payload)

    async def send_buttons(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        buttons: Sequence[Button],
        *,
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        payload = payloads.buttons_payload(to, text, buttons, header=header, footer=footer, reply_to=reply_to)
        return await self._record("send_buttons", phone_number_id, to, payload)

    async def send_list(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        button: str,
        sections: Sequence[ListSection],
        *,
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        payload = payloads.list_payload(
            to, text, button, sections, header=header, footer=footer, reply_to=reply_to
        )
        return await self._record("send_list", phone_number_id, to, payload)

    async def send_template(
        self,
        phone_number_id: str,
        to: str,
        name: str,
        language: str,
        components: Sequence[dict[str, Any]] | None = None,
    ) -> str:
        payload = payloads.template_payload(to, name, language, components)
        return await self._record("send_template", phone_number_id, to, payload)

    async def send_media(
        self,
        phone_number_id: str,
        to: str,
        media_type: MediaType,
        *,
        media_id: str | None = None,
        link: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        payload = payloads.media_payload(
            to,
            media_type,
            media_id=media_id,
            link=link,
            caption=caption,
            filename=filename,
            reply_to=reply_to,
        )
        return await self._record("send_media", phone_number_id, to, payload)

    async def send_part(
        self, phone_number_id: str, to: str, part: ReplyPart, *, reply_to: str | None = None
    ) -> str:
        payload = payloads.part_payload(to, part, reply_to=reply_to)
        return await self._record(f"send_{part.kind}", phone_number_id, to, payload)

    async def mark_read(self, phone_number_id: str, message_id: str, *, typing: bool = True) -> None:
        entry = {
            "ts": time.time(),
            "phone_number_id": phone_number_id,
            "message_id": message_id,
            "payload": payloads.read_payload(message_id, typing=typing),
        }
        key = self._key("reads")
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, json.dumps(entry))
            pipe.ltrim(key, 0, self._keep - 1)
            await pipe.execute()

    # ------------------------------------------------------------------ media

    async def upload_media(self, phone_number_id: str, data: bytes, mime_type: str, filename: str) -> str:
        media_id = f"sandbox.media.{uuid.uuid4().hex}"
        key = self._key("media", media_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            # Base64 so that clients with decode_responses=True can read binary media back too.
            pipe.hset(
                key, mapping={"data": base64.b64encode(data), "mime_type": mime_type, "filename": filename}
            )
            pipe.expire(key, self._media_ttl_s)
            await pipe.execute()
        return media_id

    async def download_media(self, media_id: str) -> tuple[bytes, str]:
        data, mime_type = await self._redis.hmget(self._key("media", media_id), ["data", "mime_type"])
        if data is None:
            # What Graph answers for an id it does not know, so callers handle both clients alike.
            raise GraphError(
                f"Unsupported get request. Object with ID '{media_id}' does not exist",
                http_status=400,
                code=100,
                kind=ErrorKind.permanent,
            )
        return base64.b64decode(data), _as_str(mime_type or "application/octet-stream")

    # ------------------------------------------------------------------ reading back

    async def recent(self, limit: int = 50, to: str | None = None) -> list[dict[str, Any]]:
        """Recorded sends, newest first; only those to `to` when given."""
        key = self._key("to", to) if to is not None else self._key("outbox")
        return [self._opened(entry) for entry in await self._read(key, limit)]

    async def reads(self, limit: int = 50) -> list[dict[str, Any]]:
        """Recorded mark_read calls, newest first."""
        return await self._read(self._key("reads"), limit)

    async def _read(self, key: str, limit: int) -> list[dict[str, Any]]:
        if limit < 1:
            return []
        return [json.loads(raw) for raw in await self._redis.lrange(key, 0, limit - 1)]

    async def _record(self, method: str, phone_number_id: str, to: str, payload: Payload) -> str:
        wamid = f"wamid.sandbox.{uuid.uuid4().hex}"
        entry = json.dumps(
            {
                "ts": time.time(),
                "method": method,
                "phone_number_id": phone_number_id,
                "to": to,
                "wamid": wamid,
                "payload": seal_text(self._sealer, json.dumps(payload), aad_sandbox(to, wamid)),
            }
        )
        outbox, per_to = self._key("outbox"), self._key("to", to)
        # One transaction so the global and per-recipient views never disagree.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(outbox, entry)
            pipe.ltrim(outbox, 0, self._keep - 1)
            pipe.lpush(per_to, entry)
            pipe.ltrim(per_to, 0, self._keep - 1)
            await pipe.execute()
        return wamid

    def _opened(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A recorded send with its payload decrypted (one recorded before encryption at rest: as is);
        a payload no key opens is named as such, never shown."""
        payload = entry.get("payload")
        if isinstance(payload, str):
            aad = aad_sandbox(str(entry.get("to", "")), str(entry.get("wamid", "")))
            try:
                entry["payload"] = json.loads(unseal(self._sealer, payload, aad))
            except UndecryptableError as exc:
                entry["payload"] = {"undecryptable": str(exc)}
        return entry


def _as_str(value: bytes | str) -> str:
    # The caller's Redis client may or may not decode responses.
    return value.decode() if isinstance(value, bytes) else value
