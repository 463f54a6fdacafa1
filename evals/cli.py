"""`hudhud eval run` and `hudhud eval compare` (registered on the `eval` group of hudhud/cli.py)."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

INTERRUPTED = 130


class SplitChoice(StrEnum):
    dev = "dev"
    test = "test"
    all = "all"


def register_eval_commands(eval_app: typer.Typer) -> None:
    eval_app.command("run")(eval_run)
    eval_app.command("compare")(eval_compare)
    eval_app.command("split-hash")(eval_split_hash)
    from evals.cli_rules import eval_rules

    eval_app.command("rules")(eval_rules)


class RichProgress:
    """A progress bar with the live pass rate on a terminal; one line per finished case otherwise (CI
    logs, pipes), where a redrawn bar is noise."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        # Output is not redirected through the bar: a finalizer that writes while the bar redraws
        # (asyncio or greenlet clean-up during garbage collection) would re-enter the console.
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("pass {task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.task: Any = None
        self.total = 0
        self.passed = 0
        self.finished = 0

    def start(self, total: int) -> None:
        self.total = total
        if self.live:
            self.progress.start()
            self.task = self.progress.add_task("eval", total=total, rate="—")

    def done(self, result: Any) -> None:
        self.finished += 1
        self.passed += bool(result.success)
        rate = f"{self.passed}/{self.finished} ({self.passed / self.finished:.0%})"
        name = f"{result.suite}/{result.case_id}"
        if self.live:
            self.progress.update(self.task, advance=1, rate=rate, description=name)
        else:
            mark = "✓" if result.success else "✗"
            self.console.print(f"[{self.finished}/{self.total}] {mark} {name} · pass {rate}", highlight=False)

    def stop(self) -> None:
        if self.live:
            self.progress.stop()


def eval_run(
    suites: Annotated[list[Path], typer.Argument(help="Suite YAML files, or webhook-replay directories")],
    model: Annotated[
        str | None, typer.Option(help="HUDHUD_MODEL of the endpoint, or the embedded model")
    ] = None,
    trials: Annotated[int, typer.Option(min=1, help="Trials per case (pass^k); one at temperature 0")] = 1,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Cases at once (default: 1 embedded, 4 endpoint)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default evals/results/<suite>-<time>)")
    ] = None,
    filter: Annotated[str | None, typer.Option("--filter", help="Only case ids matching this glob")] = None,
    split: Annotated[
        SplitChoice, typer.Option(help="Only the cases of this split: dev (tune on it), test (report only)")
    ] = SplitChoice.all,
    judge_model: Annotated[str | None, typer.Option(help="LLM-as-judge model (off by default)")] = None,
    judge_url: Annotated[
        str | None, typer.Option(help="Judge endpoint (default OPENAI_BASE_URL, else the run's model)")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Webhook replay: the running service (default HUDHUD_SERVICE_URL)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of trial 0 (trial i uses seed + i)")] = 0,
    keep: Annotated[bool, typer.Option("--keep", help="Keep each case's core API database")] = False,
    kb: Annotated[
        str | None,
        typer.Option(help="Knowledge base paths (default HUDHUD_KB_SEED, else docs/kb; '' = none)"),
    ] = None,
    turn_timeout: Annotated[
        float | None, typer.Option(min=1, help="Seconds a turn may take (default HUDHUD_TURN_TIMEOUT_MS)")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Shared data dir of the cases (default HUDHUD_DATA_DIR/eval)")
    ] = None,
) -> None:
    """Run suites through the real pipeline; write results.jsonl, summary.json and report.html."""
    from agent.local import LocalModelError
    from base.settings import SettingsError, load_settings
    from evals.runner import RunOptions, default_out, run_eval
    from evals.suite import SuiteError, load_suites

    skipped: list[str] = []
    try:
        settings = load_settings()
        loaded = load_suites(suites, skipped=skipped)
    except (SettingsError, SuiteError) as exc:
        _skipped(skipped)
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _skipped(skipped)
    from hudhud.logging import configure_logging

    configure_logging("ERROR")  # the progress bar and the summary are the output
    options = RunOptions(
        model=model,
        trials=trials,
        concurrency=concurrency,
        out=out or default_out(loaded),
        filter=filter,
        split=split.value,
        judge_model=judge_model,
        judge_url=judge_url,
        url=url,
        seed=seed,
        keep=keep,
        kb=kb,
        data_dir=data_dir,
        turn_timeout_s=turn_timeout,
    )
    from evals.runner import of_split, select
    from evals.suite import Suite

    if filter and not any(select(s, filter) for s in loaded if isinstance(s, Suite)):
        err_console.print(f"[red]error:[/red] no case id matches {filter!r}")
        raise typer.Exit(2)
    chosen = of_split(loaded, split.value)
    if not chosen or (
        filter and not any(select(s, filter, split.value) for s in chosen if isinstance(s, Suite))
    ):
        err_console.print(f"[red]error:[/red] no case of the {split.value} split in these suites")
        raise typer.Exit(2)
    if len(chosen) < len(loaded):
        options.out = out or default_out(chosen)
    loaded = chosen
    progress = RichProgress(console)
    try:
        outcome = asyncio.run(run_eval(loaded, options, settings, progress=progress))
    except KeyboardInterrupt:
        progress.stop()
        err_console.print(f"interrupted: the finished results are in {options.out}")
        raise typer.Exit(INTERRUPTED) from None
    except (SettingsError, LocalModelError) as exc:
        progress.stop()
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    progress.stop()
    raise typer.Exit(finish(outcome))


def finish(outcome: Any) -> int:
    """Print the figures, the failures and one JSON line; the exit code (130 when interrupted)."""
    print_summary(outcome.summary, outcome.results)
    console.print(f"results: {outcome.out}/results.jsonl  summary.json  report.html")
    print(
        orjson.dumps({"eval": "run", "out": str(outcome.out), "overall": outcome.summary["overall"]}).decode()
    )
    if outcome.interrupted:
        err_console.print("interrupted: the figures cover the finished cases only")
        return INTERRUPTED
    return 0


def _skipped(notes: list[str]) -> None:
    for note in notes:
        err_console.print(f"[dim]skipped {note}[/dim]", highlight=False, soft_wrap=True)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def print_summary(summary: dict[str, Any], results: list[Any]) -> None:
    table = Table(
        "suite",
        "cases",
        "success",
        "pass^k",
        "tool calls",
        "quality",
        "language",
        "p50/p95 ms",
        "tokens in/out",
    )
    rows = [*summary["suites"].items(), ("all", summary["overall"])]
    for name, m in rows:
        pass_k = " ".join(f"^{k} {_pct(v)}" for k, v in (m.get("pass_k") or {}).items())
        lat, tok = m.get("latency_ms") or {}, m.get("tokens_per_turn") or {}
        table.add_row(
            name,
            str(m.get("cases", 0)),
            _pct(m.get("command_success")),
            pass_k or "—",
            _pct(m.get("tool_call_accuracy")),
            _pct(m.get("quality")),
            _pct(m.get("language_match")),
            f"{lat.get('p50') or '—'}/{lat.get('p95') or '—'}",
            f"{tok.get('in') or '—'}/{tok.get('out') or '—'}",
        )
    console.print(table)
    by_split = summary.get("by_split") or {}
    if by_split:
        console.print(
            "by split: "
            + " · ".join(
                f"{name} {_pct(g.get('command_success'))} command success ({g.get('cases', 0)} cases)"
                for name, g in by_split.items()
            ),
            highlight=False,
        )
    failed = [r for r in results if not r.success]
    for r in failed[:25]:
        why = r.error or "; ".join(
            [
                *(f"turn {t.index}: {t.error}" for t in r.turns if t.error),
                *(d for s in r.scores.values() if s.passed is False for d in s.details[:2]),
            ]
        )
        console.print(f"[red]✗[/red] {r.suite}/{r.case_id}#{r.trial}: {why}", highlight=False, soft_wrap=True)
    if len(failed) > 25:
        console.print(f"… and {len(failed) - 25} more failures (report.html has them all)")


def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="Baseline run directory (or its results.jsonl)")],
    run_b: Annotated[Path, typer.Argument(help="New run directory (or its results.jsonl)")],
    max_drop: Annotated[
        float, typer.Option(min=0, max=1, help="Allowed drop of command success / quality")
    ] = 0.02,
) -> None:
    """Per-case regressions and fixes; exits 1 when command success or quality drops beyond --max-drop."""
    from pydantic import ValidationError

    from evals.compare import compare_runs

    try:
        result = compare_runs(run_a, run_b, max_drop=max_drop)
    except (OSError, ValueError, ValidationError) as exc:
        err_console.print(f"[red]error:[/red] cannot read the runs: {exc}", highlight=False)
        raise typer.Exit(2) from None
    table = Table("change", "case", "success A → B", "quality A → B")
    for label, items in (
        ("[red]regression[/red]", result.regressions),
        ("[green]fixed[/green]", result.fixes),
        ("[yellow]quality[/yellow]", result.quality_drops),
    ):
        for d in items:
            table.add_row(
                label,
                d.name,
                f"{d.success_a:.0%} → {d.success_b:.0%}",
                f"{_pct(d.quality_a)} → {_pct(d.quality_b)}",
            )
    if table.row_count:
        console.print(table)
    console.print(
        f"{result.common} common cases · "
        f"command success {_pct(result.success_a)} → {_pct(result.success_b)} · "
        f"quality {_pct(result.quality_a)} → {_pct(result.quality_b)} · "
        f"{len(result.regressions)} regressions, {len(result.fixes)} fixes"
        + (
            f" · false action claims {result.false_claims_a} → {result.false_claims_b}"
            if result.false_claims_a is not None or result.false_claims_b is not None
            else ""
        )
    )
    if len(result.by_split) > 1:
        for name, f in result.by_split.items():
            console.print(
                f"  {name}: {f['common']} cases · command success {_pct(f['success_a'])} → "
                f"{_pct(f['success_b'])} · quality {_pct(f['quality_a'])} → {_pct(f['quality_b'])}",
                highlight=False,
            )
    if result.only_a or result.only_b:
        console.print(
            f"[dim]only in A: {len(result.only_a)} · only in B: {len(result.only_b)} (not compared)[/dim]"
        )
    print(orjson.dumps({"eval": "compare", **result.as_dict()}).decode())
    for gate in result.failed_gates:
        err_console.print(f"[red]FAIL[/red] {gate}")
    if not result.ok:
        raise typer.Exit(1)


def eval_split_hash(
    directory: Annotated[
        Path | None, typer.Argument(help="The held-out suites (default evals/suites/test)")
    ] = None,
) -> None:
    """SHA-256 of the test split: every file under the directory, concatenated in path order."""
    from evals.splits import TEST_SUITES, split_files, split_hash

    where = directory or TEST_SUITES
    files = split_files(where)
    if not files:
        err_console.print(f"[red]error:[/red] no file under {where}")
        raise typer.Exit(2)
    print(f"{split_hash(where)}  {len(files)} files")
