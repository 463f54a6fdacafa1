"""`hudhud eval run`, `compare`, `baseline save` and `split-hash` (on the `eval` group of hudhud/cli.py)."""

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

from evals.gate import GATE_FAILED, INTERRUPTED, PASSED, RUN_ERROR, USAGE

console = Console()
err_console = Console(stderr=True)


class SplitChoice(StrEnum):
    dev = "dev"
    test = "test"
    all = "all"


def register_eval_commands(eval_app: typer.Typer) -> None:
    eval_app.command("run")(eval_run)
    eval_app.command("compare")(eval_compare)
    eval_app.command("matrix")(eval_matrix)
    eval_app.command("capture")(eval_capture)
    eval_app.command("split-hash")(eval_split_hash)
    baseline = typer.Typer(
        help="Committed baselines (evals/baselines/) to gate runs on", no_args_is_help=True
    )
    baseline.command("save")(eval_baseline_save)
    eval_app.add_typer(baseline, name="baseline")
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
    judge_model: Annotated[
        str | None, typer.Option(help="LLM-as-judge model (default HUDHUD_EVAL_JUDGE_MODEL; none: no judge)")
    ] = None,
    judge_url: Annotated[
        str | None, typer.Option(help="Judge endpoint (default HUDHUD_EVAL_JUDGE_URL, else OPENAI_BASE_URL)")
    ] = None,
    allow_self_judge: Annotated[
        bool, typer.Option("--allow-self-judge", help="Let the model under test judge its own replies")
    ] = False,
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
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            help="Gate on command success: 0.95 overall, NAME=0.9 for a suite or tag "
            "(suite:NAME=, tag:NAME= to say which); repeatable"
        ),
    ] = None,
    allow_false_claims: Annotated[
        bool, typer.Option("--allow-false-claims", help="Do not fail the run on a false action claim")
    ] = False,
    junit: Annotated[Path | None, typer.Option(help="Also write the results as JUnit XML here")] = None,
) -> None:
    """Run suites through the real pipeline; write results.jsonl, summary.json and report.html.

    Exit code: 0 passed, 1 a gate failed (--fail-under, a false action claim), 2 usage or
    configuration, 3 a case could not run, 130 interrupted."""
    from agent.local import LocalModelError
    from agent.local.errors import ModelLoadError
    from base.settings import SettingsError, load_settings
    from evals.gate import GateError
    from evals.runner import RunOptions, default_out, run_eval
    from evals.suite import SuiteError, load_suites

    skipped: list[str] = []
    try:
        settings = load_settings()
        loaded = load_suites(suites, skipped=skipped)
    except (SettingsError, SuiteError) as exc:
        _skipped(skipped)
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
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
        allow_self_judge=allow_self_judge,
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
        raise typer.Exit(USAGE)
    chosen = of_split(loaded, split.value)
    if not chosen or (
        filter and not any(select(s, filter, split.value) for s in chosen if isinstance(s, Suite))
    ):
        err_console.print(f"[red]error:[/red] no case of the {split.value} split in these suites")
        raise typer.Exit(USAGE)
    if len(chosen) < len(loaded):
        options.out = out or default_out(chosen)
    loaded = chosen
    try:
        thresholds = _thresholds(fail_under or [], loaded, filter, split.value)
    except GateError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    progress = RichProgress(console)
    try:
        outcome = asyncio.run(run_eval(loaded, options, settings, progress=progress))
    except KeyboardInterrupt:
        progress.stop()
        err_console.print(f"interrupted: the finished results are in {options.out}")
        raise typer.Exit(INTERRUPTED) from None
    except SettingsError as exc:
        progress.stop()
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(USAGE) from None
    except LocalModelError as exc:  # nothing was measured: set-up (2) or the model failed to start (3)
        progress.stop()
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(RUN_ERROR if isinstance(exc, ModelLoadError) else USAGE) from None
    progress.stop()
    raise typer.Exit(finish(outcome, thresholds, allow_false_claims=allow_false_claims, junit=junit))


def _split_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def eval_matrix(
    suites: Annotated[list[Path], typer.Argument(help="Suite YAML files")],
    prompts: Annotated[
        str | None, typer.Option(help="Prompt folders, comma-separated (default: the configured prompts)")
    ] = None,
    models: Annotated[
        str | None, typer.Option(help="Models, comma-separated (default: the configured)")
    ] = None,
    temperatures: Annotated[
        str | None, typer.Option(help="Temperatures, comma-separated (default: each suite's own)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output directory (default evals/results/matrix-<time>)")
    ] = None,
    filter: Annotated[str | None, typer.Option("--filter", help="Only case ids matching this glob")] = None,
    trials: Annotated[int, typer.Option(min=1, help="Trials per case (pass^k)")] = 1,
    concurrency: Annotated[int | None, typer.Option(min=1, help="Cases at once")] = None,
    kb: Annotated[str | None, typer.Option(help="Knowledge base paths ('' = none)")] = None,
) -> None:
    """Run the suites once per prompts × model × temperature; write each run and one matrix.html.

    Exit code: 0 done, 2 usage or configuration, 3 a case could not run, 130 interrupted."""
    from datetime import UTC, datetime

    from base.settings import SettingsError, load_settings
    from evals.matrix import combinations, run_matrix
    from evals.runner import RESULTS_DIR, RunOptions
    from evals.suite import SuiteError, load_suites

    try:
        folders = [Path(p) for p in _split_list(prompts)]
        for folder in folders:
            if not folder.is_dir():
                raise SuiteError([f"--prompts: {folder} is not a folder"])
        temps = [float(t) for t in _split_list(temperatures)]
        if any(not 0 <= t <= 2 for t in temps):
            raise SuiteError(["--temperatures: each must be between 0 and 2"])
        settings = load_settings()
        loaded = load_suites(suites)
    except ValueError as exc:  # SuiteError, a temperature that is not a number
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    from hudhud.logging import configure_logging

    configure_logging("ERROR")
    where = out or RESULTS_DIR / f"matrix-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    combos = combinations(folders, _split_list(models), temps)
    options = RunOptions(trials=trials, concurrency=concurrency, filter=filter, kb=kb)
    try:
        runs = asyncio.run(run_matrix(loaded, combos, options, settings, where))
    except KeyboardInterrupt:
        err_console.print(f"interrupted: the finished runs are in {where}")
        raise typer.Exit(INTERRUPTED) from None
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    table = Table("combination", "success", "quality", "p95 ms", "run")
    for combo, outcome in runs:
        overall = outcome.summary.get("overall") or {}
        table.add_row(
            combo.label,
            _pct(overall.get("command_success")),
            _pct(overall.get("quality")),
            str((overall.get("latency_ms") or {}).get("p95") or "—"),
            str(outcome.out),
        )
    console.print(table)
    console.print(f"matrix: {where}/matrix.html", highlight=False)
    if any(o.interrupted for _, o in runs):
        raise typer.Exit(INTERRUPTED)
    if any(r.error is not None for _, o in runs for r in o.results):
        raise typer.Exit(RUN_ERROR)


def eval_capture(
    out: Annotated[Path, typer.Option(help="The suite file to write, e.g. evals/suites/captured-0042.yaml")],
    user: Annotated[
        str | None, typer.Option(help="The WhatsApp number (wa_id) whose turns to capture")
    ] = None,
    trace: Annotated[str | None, typer.Option(help="Capture the one turn with this trace id")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only turns since then: 2h, 30m, 1d or an ISO date (with --user)")
    ] = None,
    case_id: Annotated[
        str | None, typer.Option("--id", help="The case id (default captured-<number>-<time>)")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out")] = False,
) -> None:
    """Turn a stored conversation (the interaction log) into a suite case with its fixtures (the core API).

    Exit code: 0 written, 2 nothing to capture or a setting missing."""
    import yaml

    from base.settings import SettingsError, load_settings
    from evals.capture import CaptureError, capture
    from hudhud.interactions import parse_when

    if (user is None) == (trace is None):
        err_console.print("[red]error:[/red] give --user WA_ID or --trace TRACE_ID")
        raise typer.Exit(USAGE)
    if out.exists() and not force:
        err_console.print(f"[red]error:[/red] {out} exists (--force to overwrite)", highlight=False)
        raise typer.Exit(USAGE)
    try:
        settings = load_settings()
        when = parse_when(since) if since else None
        suite = asyncio.run(
            capture(settings, wa_id=user, trace_id=trace, since=when, case_id=case_id, name=out.stem)
        )
    except (SettingsError, CaptureError, ValueError) as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(suite, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    case = suite["cases"][0]
    console.print(f"wrote {out}: case {case['id']}, {len(case['turns'])} turns", highlight=False)


def _thresholds(values: list[str], suites: list[Any], pattern: str | None, split: str) -> list[Any]:
    """The --fail-under values, resolved against the suites and the tags of the cases that will run."""
    from evals.gate import parse_threshold
    from evals.runner import select
    from evals.suite import Suite

    names = {s.name for s in suites}
    tags = {t for s in suites if isinstance(s, Suite) for c in select(s, pattern, split) for t in c.tags}
    return [parse_threshold(v, suites=names, tags=tags) for v in values]


def finish(
    outcome: Any,
    thresholds: list[Any] | None = None,
    *,
    allow_false_claims: bool = False,
    junit: Path | None = None,
) -> int:
    """Print the figures, the failures, the gates and one JSON line; write the JUnit file; the exit
    code (evals/gate.py): 130 interrupted, 3 a case could not run, 1 a gate failed, else 0."""
    from evals.gate import gate_failures

    print_summary(outcome.summary, outcome.results)
    run = outcome.summary.get("run") or {}
    if run.get("judge_model"):
        console.print(f"judged by {run['judge_model']} ({run.get('judge_calls', 0)} calls, the rest cached)")
    else:
        console.print("[dim]no judge (HUDHUD_EVAL_JUDGE_MODEL unset): the judge scorer was skipped[/dim]")
    console.print(f"results: {outcome.out}/results.jsonl  summary.json  report.html")
    if junit is not None:
        from evals.junit import write_junit

        write_junit(junit, outcome.summary, outcome.results)
        console.print(f"junit: {junit}")
    failures = gate_failures(outcome.summary, thresholds or [], allow_false_claims=allow_false_claims)
    errors = [r for r in outcome.results if r.error is not None]
    for failure in failures:
        err_console.print(f"[red]FAIL[/red] {failure}", highlight=False)
    line = {"eval": "run", "out": str(outcome.out), "overall": outcome.summary["overall"], "gate": failures}
    print(orjson.dumps(line).decode())
    if outcome.interrupted:
        err_console.print("interrupted: the figures cover the finished cases only")
        return INTERRUPTED
    if errors:
        err_console.print(f"[red]error:[/red] {len(errors)} case(s) could not run (harness errors above)")
        return RUN_ERROR
    return GATE_FAILED if failures else PASSED


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
        why = "; ".join(r.reasons(per_score=2))
        console.print(f"[red]✗[/red] {r.suite}/{r.case_id}#{r.trial}: {why}", highlight=False, soft_wrap=True)
    if len(failed) > 25:
        console.print(f"… and {len(failed) - 25} more failures (report.html has them all)")


def eval_compare(
    run_a: Annotated[
        Path,
        typer.Argument(help="Baseline: a run directory, its results.jsonl, or evals/baselines/NAME.json"),
    ],
    run_b: Annotated[Path, typer.Argument(help="New run: a run directory, its results.jsonl, or a baseline")],
    max_drop: Annotated[
        float, typer.Option(min=0, max=1, help="Allowed drop of command success / quality")
    ] = 0.02,
    alpha: Annotated[
        float,
        typer.Option(
            min=0, max=1, help="A drop fails only when the sign test's p-value is at most this (1: any drop)"
        ),
    ] = 0.05,
    max_latency_increase: Annotated[
        float | None, typer.Option(min=0, help="Allowed rise of latency p95, a fraction (0.2 = 20%); off")
    ] = None,
    max_cost_increase: Annotated[
        float | None, typer.Option(min=0, help="Allowed rise of the total cost, a fraction")
    ] = 0.10,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the comparison as one JSON document only")
    ] = False,
    html: Annotated[
        Path | None,
        typer.Option(help="Also write a side-by-side report of both runs here (needs their results.jsonl)"),
    ] = None,
) -> None:
    """Per-case regressions and fixes, with a sign test that tells a real drop from noise.

    Exit code: 0 passed, 1 a gate failed (command success or quality beyond --max-drop and not noise,
    latency or cost beyond their limits, a new false action claim), 2 a run cannot be read."""
    from pydantic import ValidationError

    from evals.compare import Limits, compare_runs

    limits = Limits(
        max_drop=max_drop,
        alpha=alpha,
        max_latency_increase=max_latency_increase,
        max_cost_increase=max_cost_increase,
    )
    try:
        result = compare_runs(run_a, run_b, limits=limits)
    except (OSError, ValueError, ValidationError) as exc:
        err_console.print(f"[red]error:[/red] cannot read the runs: {exc}", highlight=False)
        raise typer.Exit(USAGE) from None
    if html is not None:
        _write_side_by_side(html, result, run_a, run_b)
    if json_out:
        print(orjson.dumps({"eval": "compare", **result.as_dict()}, option=orjson.OPT_INDENT_2).decode())
    else:
        print_comparison(result)
        print(orjson.dumps({"eval": "compare", **result.as_dict()}).decode())
    for gate in result.failed_gates:
        err_console.print(f"[red]FAIL[/red] {gate}", highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(GATE_FAILED)


def _write_side_by_side(html: Path, result: Any, run_a: Path, run_b: Path) -> None:
    from pydantic import ValidationError

    from evals.report.compare import render_comparison, transcripts

    try:
        page = render_comparison(
            result, transcripts(run_a), transcripts(run_b), label_a=str(run_a), label_b=str(run_b)
        )
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
    except (OSError, ValueError, ValidationError) as exc:
        err_console.print(f"[red]error:[/red] --html: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    err_console.print(f"side by side: {html}", highlight=False)


def print_comparison(result: Any) -> None:
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
    test = result.success_test
    console.print(
        f"{result.common} common cases · "
        f"command success {_pct(result.success_a)} → {_pct(result.success_b)} · "
        f"quality {_pct(result.quality_a)} → {_pct(result.quality_b)} · "
        f"{len(result.regressions)} regressions, {len(result.fixes)} fixes"
        + (f" (sign test p={test.p:.3g})" if test is not None and (test.worse or test.better) else "")
        + (
            f" · false action claims {result.false_claims_a} → {result.false_claims_b}"
            if result.false_claims_a is not None or result.false_claims_b is not None
            else ""
        ),
        highlight=False,
    )
    console.print(
        f"latency p95 {_ms(result.latency_p95_a)} → {_ms(result.latency_p95_b)} · "
        f"cost {_cost(result.cost_a)} → {_cost(result.cost_b)}",
        highlight=False,
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
    for note in result.noise:
        console.print(f"[yellow]noise[/yellow] {note}", highlight=False, soft_wrap=True)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def _cost(value: float | None) -> str:
    return "— (not priced)" if value is None else f"{value:.6g}"


def eval_baseline_save(
    run: Annotated[Path, typer.Argument(help="A finished run directory (with summary.json)")],
    name: Annotated[str, typer.Argument(help="The baseline's name: evals/baselines/NAME.json")],
    into: Annotated[
        Path | None, typer.Option("--dir", help="Where baselines live (default evals/baselines)")
    ] = None,
) -> None:
    """Keep a run's summary and per-case outcomes (no transcripts) as a baseline to commit and gate on."""
    from pydantic import ValidationError

    from evals.baseline import BASELINES, save_baseline

    try:
        path = save_baseline(run, name, root=into or BASELINES)
    except (OSError, ValueError, ValidationError) as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE) from None
    console.print(f"baseline: {path}", highlight=False)


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
        raise typer.Exit(USAGE)
    print(f"{split_hash(where)}  {len(files)} files")
