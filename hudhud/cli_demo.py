"""`hudhud demo seed`: the demo organization (hudhud/demo.py) in the embedded core API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from base.settings import Settings, SettingsError, load_settings
from hudhud.demo import DemoRefused, core_settings, is_empty, refusal, seed_demo

demo_app = typer.Typer(help="A demo organization to try Hudhud with (dev only).", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

IfEmptyOpt = Annotated[
    bool,
    typer.Option(
        "--if-empty", help="Only when the embedded core API has no people or tasks yet; quiet otherwise"
    ),
]


@demo_app.command("seed")
def demo_seed(if_empty: IfEmptyOpt = False) -> None:
    """Add people in two teams, a dozen tasks in Arabic and English, and link the chat number."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if if_empty and (refusal(settings) or not asyncio.run(is_empty(core_settings(settings).sqlalchemy_url))):
        return  # `make run` asks every time: only a fresh dev setup is seeded
    try:
        line = asyncio.run(_seed(settings))
    except DemoRefused as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(line, soft_wrap=True)


async def _seed(settings: Settings) -> str:
    from hudhud.redis_conn import connect

    handle = await connect(settings)
    try:
        result = await seed_demo(settings, handle.client)
    finally:
        await handle.aclose()
    return result.line(f"http://{settings.runtime.host}:{settings.runtime.port}")
