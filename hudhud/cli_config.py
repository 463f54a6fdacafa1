"""`hudhud config reference`: the configuration reference (hudhud/config_reference.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

config_app = typer.Typer(help="The settings: their reference page.", no_args_is_help=True)


@config_app.command("reference")
def reference(
    out: Annotated[Path | None, typer.Option(help="Write the page here (else print it)")] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when --out differs from the models, writing nothing")
    ] = False,
) -> None:
    """Every setting's variable, type, default, description and what staging and prod refuse, from the
    settings models and .env.example (docs/configuration.md)."""
    from hudhud.config_reference import render

    page = render()
    if out is None:
        if check:
            raise typer.BadParameter("--check needs --out")
        typer.echo(page, nl=False)
        return
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != page:
            typer.echo(
                f"{out} differs from the settings: run `hudhud config reference --out {out}`", err=True
            )
            raise typer.Exit(1)
        return
    out.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {out}")
