"""`hudhud eval run`: every case of the suites through the real pipeline, scored, written as it finishes.

The model is set up once per run (the embedded model is started and warmed once; a configured
endpoint is used as is), Redis once (REDIS_URL or an embedded redis-server), and each suite runs under
its fixed clock. Cases of a suite run `concurrency` at a time (1 for the embedded model). Ctrl-C stops
the run and keeps what finished: results.jsonl is appended case by case and summary.json and
report.html are written from the finished results.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fnmatch
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from base.settings import Settings, SettingsError
from evals.clock import frozen_core_clock
from evals.harness import CaseEnv, find_agent, run_case
from evals.pricing import Pricing, models_of
from evals.provenance import provenance
from evals.results import CaseResult, ResultsWriter
from evals.scorers import (
    JudgeScorer,
    Scorer,
    ScorerPluginError,
    default_scorers,
    plugin_scorers,
    score_case,
)
from evals.scorers.judge import JudgeCache
from evals.suite import Case, ReplaySuite, Split, Suite
from evals.summary import summarize

RESULTS_DIR = Path("evals/results")
DEFAULT_KB = Path(__file__).resolve().parent.parent / "docs" / "kb"
REMOTE_CONCURRENCY = 4


class RunOptions(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: str | None = None  # HUDHUD_MODEL for an endpoint, HUDHUD_LOCAL_MODEL for the embedded model
    trials: int = Field(1, ge=1)
    concurrency: int | None = Field(None, ge=1)
    out: Path | None = None
    filter: str | None = None  # glob over case ids (or suite/case)
    split: Split | Literal["all"] = "all"  # only the cases of this split (docs/evals.md)
    judge_model: str | None = None  # default: HUDHUD_EVAL_JUDGE_MODEL; none: no judge
    judge_url: str | None = None  # default: HUDHUD_EVAL_JUDGE_URL, else OPENAI_BASE_URL
    allow_self_judge: bool = False  # let the model under test judge its own replies
    judge_cache: Path | None = None  # default: HUDHUD_DATA_DIR/judge-cache
    url: str | None = None  # webhook replay: the running service
    seed: int = 0
    keep: bool = False  # keep the work directory (databases, data dirs) of each case
    endpoint: Any = None  # a ModelEndpoint to use as is (tests: recorded cassettes)
    data_dir: Path | None = None  # shared by the cases and kept (default: HUDHUD_DATA_DIR/eval)
    kb: str | None = None  # knowledge base paths (default: HUDHUD_KB_SEED, else docs/kb); "" = none
    turn_timeout_s: float | None = Field(None, gt=0)  # overrides HUDHUD_TURN_TIMEOUT_MS for the run


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def done(self, result: CaseResult) -> None: ...


@dataclass
class RunOutcome:
    out: Path
    summary: dict[str, Any]
    results: list[CaseResult] = field(default_factory=list)
    interrupted: bool = False


@dataclass
class _Backend:
    settings: Settings  # what every case's settings start from
    model_name: str
    concurrency: int
    base_url: str | None = None  # of the model, for the judge's default
    api_key: str = "none"
    server: Any = None  # the embedded model's server, warmed on the first container
    tool_mode: str = ""
    weights_sha256: str | None = None  # the embedded model's, from its catalog entry
    warmed: bool = False

    async def warm(self, container: Any) -> None:
        if self.server is None or self.warmed:
            return
        self.warmed = True
        agent = find_agent(container.responder)
        if agent is not None:
            for prompt in [*agent.persona_prompts(), agent.warmup_prompt()]:
                await self.server.warm(prompt)


@contextlib.asynccontextmanager
async def model_backend(settings: Settings, options: RunOptions) -> AsyncIterator[_Backend]:
    """The model every case talks to: `options.endpoint`, the configured endpoint, or the embedded
    model started here once (the cases then reach it as an endpoint, in router mode like the embedded
    agent)."""
    from agent.model import endpoint_from_settings

    if options.model and (settings.model.base_url or settings.model.api_key):
        settings = settings.replace(hudhud_model=options.model)
    elif options.model:
        settings = settings.replace(hudhud_local_model=options.model)
    endpoint = options.endpoint or endpoint_from_settings(settings.model)
    server = None
    if endpoint is None:
        from agent.factory import start_local

        endpoint, server = await start_local(settings)
    try:
        from agent.probe import choose_tool_mode

        local = bool(endpoint.local)
        # Decided once for the run (a remote endpoint is probed once, not once per case).
        choice = await choose_tool_mode(settings, endpoint)
        update: dict[str, Any] = {
            "openai_base_url": endpoint.base_url,
            "openai_api_key": SecretStr(endpoint.api_key),
            "hudhud_model": endpoint.model,
            "hudhud_tool_mode": choice.mode,
            "hudhud_responder": "agent",
        }
        if local:
            update["hudhud_context_window"] = settings.model.local_ctx
        name = f"local:{settings.model.local_model}" if local and server is not None else endpoint.model
        weights = None
        if local and server is not None:
            from agent.local.catalog import resolve

            weights = resolve(settings.model.local_model).sha256
        yield _Backend(
            settings=settings.replace(**update),
            model_name=name,
            concurrency=options.concurrency or (1 if local else REMOTE_CONCURRENCY),
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            server=server,
            tool_mode=choice.mode,
            weights_sha256=weights,
        )
    finally:
        if server is not None:
            server.stop()


@contextlib.asynccontextmanager
async def redis_url(settings: Settings, workdir: Path) -> AsyncIterator[str]:
    """REDIS_URL, or an embedded redis-server for the run (each case gets its own key prefix)."""
    if settings.queue.redis_url:
        yield settings.queue.redis_url
        return
    from hudhud.redis_conn import start_embedded, watch_parent

    server = await asyncio.to_thread(start_embedded, workdir / "redis")
    watchdog = watch_parent(server.socket_file)  # a killed eval run leaves no redis-server behind
    try:
        yield f"unix://{server.socket_file}"
    finally:
        watchdog.kill()
        await asyncio.to_thread(watchdog.wait)
        await asyncio.to_thread(server._cleanup)


def select(suite: Suite, pattern: str | None, split: str = "all") -> list[Case]:
    """The cases of the suite whose id matches the glob (all without one; several globs separated by
    commas) and of the split."""
    globs = [g.strip() for g in (pattern or "").split(",") if g.strip()]
    return [
        c
        for c in suite.cases
        if (split == "all" or suite.split_of(c) == split)
        and (
            not globs
            or any(fnmatch.fnmatch(c.id, g) or fnmatch.fnmatch(f"{suite.name}/{c.id}", g) for g in globs)
        )
    ]


def of_split(suites: list[Suite | ReplaySuite], split: str) -> list[Suite | ReplaySuite]:
    """The suites that have cases of the split (`all`: every suite); replay suites are dev."""
    if split == "all":
        return list(suites)
    return [s for s in suites if (select(s, None, split) if isinstance(s, Suite) else s.split == split)]


def trials_of(suite: Suite, options: RunOptions) -> int:
    """At temperature 0 every trial is the same run: one is made and pass^k = pass^1."""
    return 1 if suite.temperature == 0 else options.trials


def default_out(suites: list[Suite | ReplaySuite]) -> Path:
    names = [s.name for s in suites]
    label = "+".join(names) if len(names) <= 3 else f"{names[0]}+{len(names) - 1}-more"
    return RESULTS_DIR / f"{label}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def suite_meta(suite: Suite | ReplaySuite, options: RunOptions) -> dict[str, Any]:
    if isinstance(suite, ReplaySuite):
        return {
            "kind": "webhook-replay",
            "split": suite.split,
            "path": str(suite.path),
            "bodies": len(suite.bodies),
            "url": options.url,
        }
    trials = trials_of(suite, options)
    note = None
    if suite.temperature == 0:
        note = "temperature 0: trials are identical, one was run and pass^k = pass^1"
    return {
        "kind": "cases",
        "split": suite.split,
        "path": str(suite.path) if suite.path else None,
        "clock": suite.clock.isoformat(),
        "timezone": suite.timezone,
        "temperature": suite.temperature,
        "trials": trials,
        "trials_asked": options.trials,
        "pass_k_note": note,
        "selected": len(select(suite, options.filter, options.split)),
    }


async def run_eval(
    suites: list[Suite | ReplaySuite],
    options: RunOptions,
    settings: Settings,
    *,
    progress: Progress | None = None,
    scorers: list[Scorer] | None = None,
) -> RunOutcome:
    out = options.out or default_out(suites)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.jsonl").unlink(missing_ok=True)
    writer = ResultsWriter(out / "results.jsonl")
    outcome = RunOutcome(out=out, summary={})
    started = datetime.now(UTC)
    clock = time.perf_counter()
    judge = judge_model_of(options, settings)
    run_meta: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "suites": [s.name for s in suites],
        "trials": options.trials,
        "filter": options.filter,
        "split": options.split,
        "splits": _splits(suites, options),
        "judge_model": judge,
        "judge": judge or "no judge",
    }
    fingerprint = provenance(settings, suites, model=options.model, weights_sha256=None, judge_model=judge)
    run_meta.update(git=fingerprint["git"]["commit"], git_dirty=fingerprint["git"]["dirty"])
    pricing = Pricing(settings.model.eval_prices)
    cases = [s for s in suites if isinstance(s, Suite)]
    replays = [s for s in suites if isinstance(s, ReplaySuite) and options.split in ("all", s.split)]
    total = sum(len(select(s, options.filter, options.split)) * trials_of(s, options) for s in cases)
    total += sum(len(s.bodies) for s in replays)
    if progress is not None:
        progress.start(total)

    def keep(result: CaseResult) -> None:
        writer.write(result)
        outcome.results.append(result)
        if progress is not None:
            progress.done(result)

    workdir = Path(tempfile.mkdtemp(prefix="hudhud-eval-"))
    judges: list[JudgeScorer] = []
    try:
        for replay in replays:
            from evals.replay import replay_suite

            for result in await replay_suite(replay, options.url, settings):
                keep(result)
        if cases:
            async with contextlib.AsyncExitStack() as stack:
                backend = await stack.enter_async_context(model_backend(settings, options))
                url = await stack.enter_async_context(redis_url(settings, workdir))
                run_meta.update(
                    model=backend.model_name, tool_mode=backend.tool_mode, concurrency=backend.concurrency
                )
                fingerprint["model"] = {"name": backend.model_name, "weights_sha256": backend.weights_sha256}
                kb = options.kb if options.kb is not None else settings.memory.kb_seed
                if kb is None and DEFAULT_KB.is_dir():
                    # The shipped documents, not the folder's README about them.
                    folders = [str(p) for p in sorted(DEFAULT_KB.iterdir()) if p.is_dir()]
                    kb = ",".join(folders) or str(DEFAULT_KB)
                kb = kb or None  # "" = no knowledge base
                run_meta.update(kb=kb)
                update: dict[str, Any] = {"hudhud_kb_seed": kb}
                if options.turn_timeout_s:
                    update["hudhud_turn_timeout_ms"] = int(options.turn_timeout_s * 1000)
                run_meta.update(
                    turn_timeout_s=update.get("hudhud_turn_timeout_ms", settings.queue.turn_timeout_ms) / 1000
                )
                env = CaseEnv(
                    settings=backend.settings.replace(**update),
                    workdir=workdir,
                    data_dir=options.data_dir or settings.runtime.data_dir / "eval",
                    redis_url=url,
                    model_name=backend.model_name,
                    keep=options.keep,
                    on_container=backend.warm,
                )
                active = scorers if scorers is not None else _scorers(options, settings, backend)
                judges.extend(s for s in active if isinstance(s, JudgeScorer))
                for suite in cases:
                    with frozen_core_clock(suite.clock):
                        await _run_suite(env, suite, options, backend.concurrency, active, pricing, keep)
    except (KeyboardInterrupt, asyncio.CancelledError):
        outcome.interrupted = True
    finally:
        writer.close()
        run_meta.update(
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            duration_s=round(time.perf_counter() - clock, 1),
            interrupted=outcome.interrupted,
            out=str(out),
        )
        if judges:  # what the judge cost: calls that missed its cache
            run_meta.update(judge_calls=sum(j.requests for j in judges))
        fingerprint["prices"] = {
            m: p.model_dump() for m in models_of(outcome.results) if (p := pricing.of(m)) is not None
        }
        fingerprint["unpriced_models"] = pricing.unpriced(outcome.results)
        outcome.summary = write_outputs(
            out, outcome.results, {s.name: suite_meta(s, options) for s in suites}, run_meta, fingerprint
        )
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return outcome


async def _run_suite(
    env: CaseEnv,
    suite: Suite,
    options: RunOptions,
    concurrency: int,
    scorers: list[Scorer],
    pricing: Pricing,
    keep: Any,
) -> None:
    trials = trials_of(suite, options)
    jobs = [(case, trial) for case in select(suite, options.filter, options.split) for trial in range(trials)]
    if suite.knowledge:
        # The suite's own documents beside the run's, in a data directory of its own (the knowledge base
        # lives there), so they reach this suite's cases and no other.
        seed = ",".join([*filter(None, [env.settings.memory.kb_seed]), *map(str, suite.knowledge_paths())])
        env = dataclasses.replace(
            env,
            data_dir=env.data_dir / f"suite-{suite.name}",
            settings=env.settings.replace(hudhud_kb_seed=seed),
        )
    # One number's cases never overlap: they share its long-term memories in the run's store.
    numbers: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def work() -> None:
        while jobs:
            case, trial = jobs.pop(0)
            seed = options.seed + trial if suite.temperature > 0 else None
            async with numbers[case.user.wa_id]:
                result = await run_case(env, suite, case, trial=trial, seed=seed)
            # Priced before scoring: a case's `max_cost` is scored on it.
            keep(await score_case(scorers, suite, case, pricing.price(result)))

    if concurrency <= 1:
        await work()
        return
    tasks = [asyncio.create_task(work(), name=f"eval-{i}") for i in range(min(concurrency, len(jobs)))]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _splits(suites: list[Suite | ReplaySuite], options: RunOptions) -> list[str]:
    """The splits of the cases this run selects."""
    found = {s.split for s in suites if isinstance(s, ReplaySuite) and options.split in ("all", s.split)}
    for suite in suites:
        if isinstance(suite, Suite):
            found.update(suite.split_of(c) for c in select(suite, options.filter, options.split))
    return sorted(found)


def judge_model_of(options: RunOptions, settings: Settings) -> str | None:
    """The run's judge: `--judge-model`, else HUDHUD_EVAL_JUDGE_MODEL; None: no judge (never silently the
    model under test)."""
    return options.judge_model or settings.model.eval_judge_model or None


def _scorers(options: RunOptions, settings: Settings, backend: _Backend) -> list[Scorer]:
    try:
        scorers = [*default_scorers(), *plugin_scorers(settings.model.eval_scorers)]
    except ScorerPluginError as exc:
        raise SettingsError(str(exc)) from None
    judge = judge_model_of(options, settings)
    if judge is None:
        return scorers
    if judge == backend.model_name and not options.allow_self_judge:
        raise SettingsError(
            f"the judge is the model under test ({judge}): it would grade its own replies; configure "
            "another model (HUDHUD_EVAL_JUDGE_MODEL, --judge-model) or pass --allow-self-judge"
        )
    url = options.judge_url or settings.model.eval_judge_url or settings.model.base_url or backend.base_url
    key = settings.model.api_key.get_secret_value() if settings.model.api_key else backend.api_key
    cache = JudgeCache(options.judge_cache or settings.runtime.data_dir / "judge-cache")
    scorers.append(JudgeScorer(url or "", judge, key, cache=cache))
    return scorers


def write_outputs(
    out: Path,
    results: list[CaseResult],
    suites: dict[str, dict[str, Any]],
    run: dict[str, Any],
    fingerprint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from evals.report import render_report

    summary = summarize(results, suites, run, fingerprint)
    (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    (out / "report.html").write_text(render_report(summary, results), encoding="utf-8")
    return summary
