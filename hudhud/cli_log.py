"""`hudhud log`: the interaction log from the command line (hudhud/interactions.py).

    hudhud log --user 966500000001 --since 2h --outcome error --outcome tool_failed
    hudhud log --since 2026-05-01 --until 2026-05-02 --json

Reads Redis directly (the log needs no other store), as `hudhud dead list` does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from base.settings import Settings, SettingsError, load_settings
from hudhud.interactions import OUTCOMES, Interaction, InteractionLog, parse_when

console = Console()
err_console = Console(stderr=True)


def log_command(
    user: Annotated[str | None, typer.Option("--user", help="WhatsApp id (digits, country code)")] = None,
    since: Annotated[
        str | None, typer.Option(help="15m, 2h, 7d ago; an ISO date or time; UNIX seconds")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Same forms as --since")] = None,
    outcome: Annotated[list[str] | None, typer.Option(help=f"Repeatable: {', '.join(OUTCOMES)}")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """The interaction log: each turn's messages, path, tool calls, reply, outcome and latency."""
    if user is not None and not (user.isdigit() and 6 <= len(user) <= 20):
        raise typer.BadParameter(f"{user!r}: digits only, with the country code", param_hint="--user")
    wanted = outcome or []
    for o in wanted:
        if o not in OUTCOMES:
            raise typer.BadParameter(f"{o!r}: one of {', '.join(OUTCOMES)}", param_hint="--outcome")
    start, end = _when(since, "--since"), _when(until, "--until")
    try:
        settings = load_settings()
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    entries = asyncio.run(_query(settings, user, start, end, wanted, limit))
    if as_json:
        for e in entries:
            typer.echo(orjson.dumps(e.model_dump(mode="json")).decode())
        return
    if not entries:
        console.print("no turns match")
        return
    table = Table("time (UTC)", "user", "path", "outcome", "ms", "message", "tools", "reply")
    for e in entries:
        tools = ", ".join(f"{t.tool}:{t.outcome}" for t in e.tools)
        table.add_row(
            datetime.fromtimestamp(e.ts, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.wa_id, e.path, e.outcome if e.outcome == e.status else f"{e.outcome} ({e.status})",
            f"{e.ms:.0f}", _short(e.text), tools, _short(e.reply or e.error),
        )  # fmt: skip
    console.print(table)


def _when(value: str | None, option: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def _short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


async def _query(
    settings: Settings,
    user: str | None,
    since: float | None,
    until: float | None,
    outcome: list[str],
    limit: int,
) -> list[Interaction]:
    from hudhud.redis_conn import connect

    handle = await connect(settings)
    try:
        log = InteractionLog.from_settings(handle.client, settings)
        return await log.query(wa_id=user, since=since, until=until, outcome=outcome or None, limit=limit)  # type: ignore[arg-type]
    finally:
        await handle.aclose()
