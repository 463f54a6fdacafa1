"""`hudhud memory rotate`: re-encrypt every stored value under the current key (hudhud/rotation.py).

Through the running service's admin API when one answers at HUDHUD_SERVICE_URL (it owns the embedded
Chroma store, and its keys are the ones that count); otherwise directly against Redis and the store.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from base.keys import Keys
from base.settings import Settings, SettingsError
from hudhud.cli_kb import KbError, Service, open_store, via_service

memory_app = typer.Typer(help="Conversation memory: key rotation.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)


async def _remote(service: Service) -> dict[str, Any]:
    return await service.call("POST", "/rotate", api="/admin/api/memory")  # type: ignore[no-any-return]


async def _direct(settings: Settings) -> dict[str, Any]:
    from hudhud.redis_conn import connect
    from hudhud.rotation import KeyRotation, report_dict
    from memory.crypto import Cipher
    from memory.history import ConversationHistory
    from memory.longterm import UserMemories

    try:
        cipher = Cipher.from_settings(settings.memory, settings.runtime)
    except SettingsError as exc:
        raise KbError(str(exc)) from None
    store = await open_store(settings)
    handle = await connect(settings)
    try:
        keys = Keys(settings.queue.redis_prefix)
        rotation = KeyRotation(
            handle.client,
            keys,
            cipher,
            history=ConversationHistory.from_settings(handle.client, keys, settings.memory, cipher),
            memories=UserMemories(store, cipher=cipher),
        )
        return report_dict(await rotation.run())
    finally:
        await handle.aclose()
        store.close()


@memory_app.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored message, reply, trace and memory under HUDHUD_ENCRYPTION_KEY, so the keys
    in HUDHUD_ENCRYPTION_OLD_KEYS can be removed. Safe to run again; exits 1 naming what no key opens."""
    report = via_service(_remote, _direct)
    table = Table("place", "encrypted values", "re-encrypted", "unreadable", title=f"key {report['key_id']}")
    unreadable: list[str] = []
    for name, place in report["places"].items():
        table.add_row(name, str(place["checked"]), str(place["reencrypted"]), str(len(place["unreadable"])))
        unreadable += place["unreadable"]
    console.print(table)
    if unreadable:
        err_console.print(
            f"[red]error:[/red] {len(unreadable)} values no key opens (add their key to "
            "HUDHUD_ENCRYPTION_OLD_KEYS and run again):",
            highlight=False,
        )
        for where in unreadable:
            err_console.print(f"  {where}", highlight=False, markup=False)
        raise typer.Exit(1)
    console.print("everything is under the current key: the old keys can be removed")
