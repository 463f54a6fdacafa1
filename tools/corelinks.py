"""The core API's word on a WhatsApp number, asked with the service token: is the cached link still good
(memory/links.py re-checks it every HUDHUD_LINK_RECHECK_S), and forget the number there too (`forget`,
memory/privacy.py)."""

from __future__ import annotations

from typing import Any

import httpx

from memory.links import Link, LinkUnverified
from tools.client import CoreApiClient, CoreApiError

# What the core API answers when it no longer lets the number act as anyone: refused (401/403: a bad
# service token, a deactivated user), or it holds no such link or user (404).
REFUSED = frozenset({401, 403, 404})


class CoreLinkCheck:
    """A `LinkCheck`: the mirrored link (blocked? still this user?) then the user's own record (active?
    role?), as the user, so a deactivated account fails at the token exchange."""

    def __init__(self, client: CoreApiClient) -> None:
        self._client = client

    async def __call__(self, link: Link) -> Link | None:
        try:
            mirrored = await self._client.service("GET", f"/links/{link.wa_id}")
            if mirrored.get("blocked") or mirrored.get("user_id") is None:
                return None
            user_id = int(mirrored["user_id"])
            me: dict[str, Any] = await self._client.as_user(user_id, "GET", "/users/me")
        except CoreApiError as exc:
            if exc.status in REFUSED:
                return None
            raise LinkUnverified(str(exc)) from None
        except httpx.HTTPError as exc:
            raise LinkUnverified(str(exc)) from None
        if me.get("active") is False:
            return None
        return link.model_copy(
            update={
                "user_id": user_id,
                "role": me.get("role") or link.role,
                "display_name": me.get("display_name") or link.display_name,
            }
        )


class CoreNumberRecords:
    """A `CoreRecords` (memory/privacy.py): the number's link row, and forgetting the number there
    (POST /links/{wa_id}/forget drops the row and failed attempts, strips it from used codes and the
    audit log)."""

    def __init__(self, client: CoreApiClient) -> None:
        self._client = client

    async def export(self, wa_id: str) -> dict[str, Any] | None:
        try:
            return await self._client.service("GET", f"/links/{wa_id}")  # type: ignore[no-any-return]
        except CoreApiError as exc:
            if exc.status == 404:
                return None
            raise

    async def forget(self, wa_id: str) -> dict[str, int]:
        body = await self._client.service("POST", f"/links/{wa_id}/forget")
        return {k: int(v) for k, v in body.items() if k != "wa_id"}
