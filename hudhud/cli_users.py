"""`hudhud export WA_ID` and `hudhud forget WA_ID`: one user's data as JSON, or deleted.

Like `hudhud kb`, these go through the running service's admin API when one answers at
HUDHUD_SERVICE_URL (the embedded Chroma store has one owner); otherwise they open Redis and the
stores themselves.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import orjson
import typer

from base.keys import Keys
from base.settings import Settings, SettingsError
from hudhud.cli_kb import KbError, Service, _fail, via_service

if TYPE_CHECKING:
    from tools.client import CoreApiClient

API = "/admin/api/users"


_THROTTLE = {
    "unblock": ("POST", "unblock"),
    "exempt": ("PUT", "exempt?on=true"),
    "unexempt": ("PUT", "exempt?on=false"),
}


async def _direct(settings: Settings, wa_id: str, action: str) -> dict[str, Any]:
    from hudhud.redis_conn import connect

    if action in _THROTTLE:
        from memory.throttles import Throttles

        handle = await connect(settings)
        try:
            throttles = Throttles(handle.client, Keys(settings.queue.redis_prefix))
            if action == "unblock":
                lifted = await throttles.unblock(wa_id)
                return {**await throttles.state(wa_id), "unblocked": lifted}
            await throttles.exempt(wa_id, action == "exempt")
            return await throttles.state(wa_id)
        finally:
            await handle.aclose()
    from memory.crypto import Cipher
    from memory.history import ConversationHistory
    from memory.longterm import UserMemories
    from memory.privacy import UserData
    from memory.vectors import VectorStore, VectorStoreUnavailable
    from tools.corelinks import CoreNumberRecords

    try:
        store = await asyncio.to_thread(VectorStore.open, settings.memory, settings.runtime.data_dir)
    except (VectorStoreUnavailable, SettingsError) as exc:
        raise KbError(str(exc)) from None
    handle = await connect(settings)
    try:
        keys = Keys(settings.queue.redis_prefix)
        cipher = Cipher.from_settings(settings.memory, settings.runtime)
        core = _core_client(settings)
        data = UserData(
            handle.client,
            keys,
            history=ConversationHistory.from_settings(handle.client, keys, settings.memory, cipher),
            memories=UserMemories(store),
            core=CoreNumberRecords(core) if core is not None else None,
        )
        try:
            return await data.export(wa_id) if action == "export" else (await data.forget(wa_id)).as_dict()
        finally:
            if core is not None:
                await core.aclose()
    finally:
        await handle.aclose()
        store.close()


def _core_client(settings: Settings) -> CoreApiClient | None:
    """The core API with the service token, when one is configured: its link rows are the user's too."""
    if not settings.core.url or settings.core.token is None:
        return None
    from tools.client import CoreApiClient

    return CoreApiClient(settings.core.url, settings.core.token.get_secret_value())


async def _remote(service: Service, wa_id: str, action: str) -> dict[str, Any]:
    if action in _THROTTLE:
        method, tail = _THROTTLE[action]
        method, path = method, f"{API}/{wa_id}/{tail}"
    else:
        method, path = (
            ("GET", f"{API}/{wa_id}/export") if action == "export" else ("DELETE", f"{API}/{wa_id}")
        )
    try:
        response = await service.http.request(method, path)
    except httpx.HTTPError as exc:
        raise KbError(f"the service at {service.url} stopped answering: {exc}") from None
    if response.status_code == 401:
        raise KbError(f"the service at {service.url} refused the admin password (set HUDHUD_ADMIN_PASSWORD)")
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise KbError(f"HTTP {response.status_code}: {detail}")
    return response.json()


def _run(wa_id: str, action: str) -> dict[str, Any]:
    if not wa_id.isdigit():
        raise _fail(f"invalid WhatsApp id {wa_id!r}: digits only, with the country code", 2)
    return via_service(
        lambda service: _remote(service, wa_id, action), lambda settings: _direct(settings, wa_id, action)
    )


def export(
    wa_id: Annotated[str, typer.Argument(help="The user's WhatsApp id (digits, with country code)")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the JSON here (else stdout)")] = None,
) -> None:
    """Write all data Hudhud holds about one user as JSON."""
    body = orjson.dumps(_run(wa_id, "export"), option=orjson.OPT_INDENT_2)
    if out is None:
        sys.stdout.write(body.decode() + "\n")
    else:
        out.write_bytes(body)
        typer.echo(f"wrote {out}")


def forget(
    wa_id: Annotated[str, typer.Argument(help="The user's WhatsApp id (digits, with country code)")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete everything Hudhud (and the core API's link records) hold about a user; counts per place."""
    if not yes:
        typer.confirm(f"Delete everything Hudhud holds about {wa_id}?", abort=True)
    report = _run(wa_id, "forget")
    typer.echo(orjson.dumps(report).decode())


def unblock(
    wa_id: Annotated[str, typer.Argument(help="The user's WhatsApp id (digits, with country code)")],
) -> None:
    """Lift abuse control's temporary block on a number and reset its message counts."""
    typer.echo(orjson.dumps(_run(wa_id, "unblock")).decode())


def exempt(
    wa_id: Annotated[str, typer.Argument(help="The user's WhatsApp id (digits, with country code)")],
    off: Annotated[bool, typer.Option("--off", help="Apply the limits to this number again")] = False,
) -> None:
    """Exempt a number from the rate and flood limits (an admin's override), or undo it with --off."""
    typer.echo(orjson.dumps(_run(wa_id, "unexempt" if off else "exempt")).decode())
