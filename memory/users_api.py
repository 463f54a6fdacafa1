"""Admin HTTP for one user's data: export it as JSON, delete it (the admin side of /forget), and lift or
waive abuse control's hold on the number (hudhud/abuse.py).

Under /admin/api/users, guarded like the knowledge-base API (HTTP Basic with HUDHUD_ADMIN_PASSWORD,
loopback only while it is unset). The data comes from the service's own UserData (container), so the
embedded Chroma store keeps its single owner.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from base.settings import Settings
from memory.kb_api import admin_guard
from memory.privacy import UserData
from memory.throttles import Throttles

PREFIX = "/admin/api/users"
_WA_ID = re.compile(r"^\d{6,20}$")


def _user_data(request: Request) -> UserData:
    container = getattr(request.app.state, "container", None)
    found = getattr(container, "user_data", None)
    if found is None:
        raise HTTPException(503, "the service is starting: user data is not available yet")
    return found


def checked_wa_id(wa_id: str) -> str:
    if not _WA_ID.match(wa_id):
        raise HTTPException(422, f"invalid WhatsApp id {wa_id!r}: digits only, with the country code")
    return wa_id


def users_router(settings: Settings, guard: Any = None) -> APIRouter:
    """`guard`: as memory/kb_api.kb_router's."""
    router = APIRouter(
        prefix=PREFIX, tags=["admin: users"], dependencies=[Depends(guard or admin_guard(settings))]
    )

    @router.get("/{wa_id}/export", summary="Everything Hudhud holds about one user, as JSON")
    async def export(wa_id: str, data: UserData = Depends(_user_data)) -> dict[str, Any]:
        return await data.export(checked_wa_id(wa_id))

    @router.delete("/{wa_id}", summary="Delete a user's history, memories, link and stored message bodies")
    async def forget(wa_id: str, data: UserData = Depends(_user_data)) -> dict[str, Any]:
        return (await data.forget(checked_wa_id(wa_id))).as_dict()

    @router.get("/{wa_id}/throttle", summary="Whether abuse control holds a number back, and for how long")
    async def throttle(wa_id: str, data: UserData = Depends(_user_data)) -> dict[str, object]:
        return await Throttles(data.redis, data.keys).state(checked_wa_id(wa_id))

    @router.post("/{wa_id}/unblock", summary="Lift a number's temporary block and reset its counts")
    async def unblock(wa_id: str, data: UserData = Depends(_user_data)) -> dict[str, object]:
        throttles = Throttles(data.redis, data.keys)
        lifted = await throttles.unblock(checked_wa_id(wa_id))
        return {**await throttles.state(wa_id), "unblocked": lifted}

    @router.put("/{wa_id}/exempt", summary="Exempt a number from the rate and flood limits (on=false: undo)")
    async def exempt(wa_id: str, on: bool = True, data: UserData = Depends(_user_data)) -> dict[str, object]:
        throttles = Throttles(data.redis, data.keys)
        await throttles.exempt(checked_wa_id(wa_id), on)
        return await throttles.state(wa_id)

    return router
