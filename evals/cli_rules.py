"""`hudhud eval rules`: the rules that fired in a run; with `--measure`, what each is worth."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from evals.cli import RichProgress, console, err_console


@contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def eval_rules(
    run: Annotated[Path, typer.Argument(help="A run directory (results.jsonl) of the dev split")],
    suites: Annotated[
        list[Path] | None, typer.Argument(help="The run's suite files (needed with --measure)")
    ] = None,
    measure: Annotated[
        bool, typer.Option("--measure", help="Rerun each rule's cases with the rule off and compare")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Where the reruns go (default RUN/rules)")] = None,
    turn_timeout: Annotated[float | None, typer.Option(min=1, help="Seconds a turn may take")] = None,
) -> None:
    """The rules (pack corrections, agent rules) that changed turns of a run, per rule the dev cases
    where each fired; with --measure, each rule's benefit: those cases rerun with it switched off."""
    from agent.agent import AGENT_RULES
    from evals.results import read_results
    from evals.rules import benefit, fired, switched_off

    try:
        results = [r for r in read_results(run) if r.split == "dev"]  # never measured on test
    except OSError as exc:
        err_console.print(f"[red]error:[/red] no results in {run}: {exc}")
        raise typer.Exit(2) from None
    found = fired(results)
    if not measure:
        table = Table("rule", "cases", "where it fired")
        for rule, cases in found.items():
            table.add_row(rule, str(len(cases)), ", ".join(cases))
        console.print(table)
        print(orjson.dumps({"eval": "rules", "fired": found}).decode())
        return
    if not suites:
        err_console.print("[red]error:[/red] --measure needs the run's suite files")
        raise typer.Exit(2)
    from base.settings import SettingsError, load_settings
    from evals.runner import RunOptions, run_eval
    from evals.suite import SuiteError, load_suites
    from hudhud.logging import configure_logging

    configure_logging("ERROR")
    try:
        loaded = load_suites(suites)
    except SuiteError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    base = out or run / "rules"
    measured = []
    for rule, cases in found.items():
        if rule not in AGENT_RULES and "." not in rule:  # a fallback, not a rule: nothing to switch off
            console.print(f"{rule}: not a switchable rule, not measured")
            continue
        try:
            with _env(switched_off(rule)):
                settings = load_settings()
        except SettingsError as exc:
            err_console.print(f"[red]error:[/red] {rule}: {exc}")
            raise typer.Exit(2) from None
        options = RunOptions(
            out=base / rule, filter=",".join(cases), split="dev", turn_timeout_s=turn_timeout
        )
        console.print(f"{rule}: {len(cases)} cases with the rule off")
        outcome = asyncio.run(run_eval(loaded, options, settings, progress=RichProgress(console)))
        measured.append(benefit(rule, cases, results, outcome.results))
    table = Table("rule", "cases", "with", "without", "net", "fixes", "breaks")
    for b in measured:
        table.add_row(
            b.rule, str(len(b.cases)), str(b.with_rule), str(b.without), f"{b.net:+d}",
            ", ".join(b.fixes), ", ".join(b.breaks),
        )  # fmt: skip
    console.print(table)
    report = [b.as_dict() for b in measured]
    base.mkdir(parents=True, exist_ok=True)
    (base / "benefit.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(orjson.dumps({"eval": "rules", "out": str(base), "benefit": report}).decode())
