"""Scale-out, measured: `hudhud serve` + N `hudhud worker` processes against one Redis, end to end.

What runs, each in its own process on 127.0.0.1 (this script is the load generator):
- a dedicated `redis-server` on a free port (no persistence), flushed before each phase;
- a stub OpenAI-compatible model (Starlette on uvicorn) that answers every chat completion with the
  text "ok" after a fixed latency (`--model-latency-ms`): the agent's free-text path, the model's
  wait without its compute;
- the fake Graph of the tests (tests/fake_graph.py), real HTTP on loopback, in a thread of this
  process: it records every reply with its arrival time;
- per phase: `--serves` `hudhud serve` processes (the webhook API) and W `hudhud worker` processes for
  W in `--workers` (default 1, 2, 4); then, unless `--skip-up`, one `hudhud up` (API and worker in one
  process) with a stub of 0 ms: the free-text turns/s of one process.

Load: `--users` users (default 1,000) send `--messages` messages in all (default 5,000; 5 each),
signed as Meta signs them, every text distinct (no cache answers a repeated question). Each user waits
for the reply to a message before sending the next (a conversation, so every message is one turn and
one reply); at most `--active` users are in flight at once. Messages go round-robin over the
`hudhud serve` processes (message i to server i mod n), as a TCP load balancer would spread them.

Measured per phase: turns per second (messages / time from the first send to the last reply),
end-to-end latency p50/p99 (the webhook's 200 received → the fake Graph received the reply), lost
replies (none within `--reply-timeout-s`) and duplicates (a reply to a user with no message waiting,
counted until 2 s after the last), each process's CPU seconds, and Redis commands per turn. The free-text
turns/s of one process is given twice: `turns_per_s` (wall clock, on a machine shared with the load
generator, Redis, the stub and whatever else runs) and `capacity_turns_per_s_per_process` (1000 / the CPU
milliseconds per turn of the process that ran it, `turn_process_cpu_ms_per_turn`: what one process
carries on a core of its own). Prints a table, then one JSON line.

Usage: `python bench/scale.py [--messages 5000] [--users 1000] [--workers 1,2,4] [--serves 2] [--warm-up 50]
[--model-latency-ms 100] [--skip-up] [--only-up] [--profile DIR]`. `--profile DIR` runs the `hudhud up`
phase under cProfile (the main thread's CPU clock) and writes DIR/up.prof (and the top functions to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchkit import (
    REPO,
    BenchError,
    Child,
    free_port,
    log,
    machine_busy,
    percentile,
    process_cpu,
    serve,
    start_child,
)

PHONE_NUMBER_ID = "106540352242922"
SECRET = b"bench-app-secret"
TOKEN = "bench-token"
TEXTS = (
    "Hello, how are you?",
    "السلام عليكم",
    "What is a good way to plan my week?",
    "كيف أنظم وقتي في العمل؟",
    "Thanks a lot for your help!",
    "شكراً جزيلاً",
    "How do I write a good meeting agenda?",
    "ما رأيك في العمل من البيت؟",
)
SELF = str(Path(__file__).resolve())
SETTLE_S = 2.0  # after the last reply, how long duplicates are still counted


# --------------------------------------------------------------------------------------------------
# The stub model (a child process: `scale.py --serve-stub PORT LATENCY_MS`)


def stub_app(latency_s: float) -> Any:
    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    reply = orjson.dumps(
        {
            "id": "chatcmpl-scale",
            "object": "chat.completion",
            "created": 1_764_054_000,
            "model": "bench-model",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
        }
    )
    calls = [0]

    async def completions(request: Request) -> Response:
        orjson.loads(await request.body())  # parsed, as any provider would
        calls[0] += 1
        if latency_s:
            await asyncio.sleep(latency_s)
        return Response(reply, media_type="application/json")

    async def count(request: Request) -> Response:
        return Response(str(calls[0]))

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/calls", count, methods=["GET"]),
        ]
    )


def start_stub(latency_ms: float, workdir: Path) -> Child:
    port = free_port()
    log_path = workdir / f"stub-{port}.log"
    with log_path.open("wb") as out:
        process = start_child(
            [sys.executable, SELF, "--serve-stub", str(port), str(latency_ms)],
            name="stub model",
            port=port,
            tail=lambda _: log_path.read_text(errors="replace")[-2000:],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Child(port, process)


def start_redis(workdir: Path) -> Child:
    if shutil.which("redis-server") is None:
        raise BenchError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(workdir)]
    process = start_child(
        argv,
        name="redis-server",
        port=port,
        tail=lambda _: "",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Child(port, process)


# --------------------------------------------------------------------------------------------------
# Hudhud processes


def hudhud_env(workdir: Path, redis_port: int, graph_base: str, stub_port: int) -> dict[str, str]:
    # The caller's own Hudhud/WhatsApp settings must not leak in (HUDHUD_BOTS, a token, another Redis).
    scrub = ("WHATSAPP_", "HUDHUD_", "REDIS_", "WEBHOOK_", "OPENAI_", "CORE_API_", "DATABASE_", "CHROMA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(scrub)}
    env.update(
        {
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "HUDHUD_ENV": "dev",
            "HUDHUD_DATA_DIR": str(workdir / "data"),
            "HUDHUD_LOG_LEVEL": "WARNING",
            "WHATSAPP_APP_SECRET": SECRET.decode(),
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_ACCESS_TOKEN": TOKEN,
            "WHATSAPP_API_BASE": graph_base,
            "OPENAI_BASE_URL": f"http://127.0.0.1:{stub_port}/v1",
            "OPENAI_API_KEY": "bench",
            "HUDHUD_MODEL": "bench-model",
            "HUDHUD_TOOL_MODE": "native",
            # Meta's per-number pace (80/s) and the global busy limit would measure the limits, not
            # the pipeline: lifted here (the per-user budgets stay on and are checked every turn).
            "HUDHUD_SEND_RATE_PER_S": "1000000",
            "HUDHUD_SEND_BURST": "1000000",
            "HUDHUD_RATE_GLOBAL_PER_MIN": "100000000",
            "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH")))),
        }
    )
    return env


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    cpu_s: float = 0.0

    def stop(self) -> None:
        self.cpu_s = process_cpu(self.process.pid) or self.cpu_s
        Child(0, self.process).stop()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def start_hudhud(
    name: str, args: list[str], env: dict[str, str], workdir: Path, prefix: list[str]
) -> tuple[Proc, int]:
    port = free_port() if args[0] in ("serve", "up") else 0
    argv = [*prefix, *args] + (["--port", str(port)] if port else [])
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as out:
        if port:
            process = start_child(
                argv, name=name, port=port, tail=lambda _: log_path.read_text(errors="replace")[-3000:],
                cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        else:
            process = subprocess.Popen(
                argv, start_new_session=True, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
            )
    return Proc(name, process, log_path), port


# --------------------------------------------------------------------------------------------------
# Load


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()


def envelope(wa_id: str, wamid: str, text: str) -> bytes:
    doc = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Bench"}, "wa_id": wa_id}],
            "messages": [{"from": wa_id, "id": wamid, "timestamp": str(int(time.time())),
                          "text": {"body": text}, "type": "text"}],
        }}]}],
    }  # fmt: skip
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass
class Phase:
    name: str
    workers: int
    serves: int
    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0
    non_200: int = 0
    elapsed_s: float = 0.0
    model_calls: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    other_pct: float | None = None
    redis_commands: int = 0

    def turn_cpu_ms(self) -> float:
        """CPU per turn of the processes that run turns (`hudhud up`, or the workers together)."""
        turning = sum(v for k, v in self.cpu.items() if k == "up" or k.startswith("worker"))
        return 1000 * turning / max(1, len(self.latencies_ms))

    def figures(self) -> dict[str, Any]:
        lat = self.latencies_ms or [0.0]
        turn_ms = self.turn_cpu_ms()
        turns = max(1, len(self.latencies_ms))
        return {
            "workers": self.workers,
            "serves": self.serves,
            "messages": self.sent,
            "turns_per_s": round(len(self.latencies_ms) / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(percentile(lat, 50), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "lost": self.lost,
            "duplicates": self.duplicates,
            "non_200": self.non_200,
            "model_calls": self.model_calls,
            "cpu_s": {k: round(v, 2) for k, v in self.cpu.items()},
            "cpu_ms_per_turn": round(1000 * sum(self.cpu.values()) / turns, 2),
            # What one process can carry, CPU-bound, whatever else the machine runs: the turns/s above
            # are the wall figure (the machine shared with the load, Redis, the stub and anything else).
            "turn_process_cpu_ms_per_turn": round(turn_ms, 2),
            "capacity_turns_per_s_per_process": round(1000 / turn_ms, 1) if turn_ms else None,
            "redis_commands_per_turn": round(self.redis_commands / turns, 1),
            "other_pct_of_machine": self.other_pct,
        }


class Replies:
    """Matches the replies the fake Graph received to the message each user is waiting on."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.seen = len(graph.requests)  # what came before (a warm-up) is not this run's
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.duplicates = 0

    def poll(self) -> None:
        requests = self.graph.requests
        end = len(requests)
        for recorded in requests[self.seen : end]:
            if not recorded.is_send or not isinstance(recorded.json, dict):
                continue
            future = self.waiting.pop(str(recorded.json.get("to", "")), None)
            if future is None or future.done():
                self.duplicates += 1
                if os.environ.get("SCALE_DEBUG"):
                    log(f"duplicate: {recorded.json}")
            else:
                future.set_result(recorded.at)
        self.seen = end

    async def run(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(0.002)


async def post(client: Any, url: str, body: bytes, attempts: int = 3) -> Any:
    """One signed webhook delivery. A keep-alive connection the server closed just as it was reused
    fails on the wire: sent again, as Meta redelivers (the message id dedupes it)."""
    import httpx

    headers = {"content-type": "application/json", "x-hub-signature-256": sign(body)}
    for _ in range(attempts - 1):
        with contextlib.suppress(httpx.ReadError, httpx.RemoteProtocolError, httpx.ConnectError):
            return await client.post(url, content=body, headers=headers)
    return await client.post(url, content=body, headers=headers)


async def drive(
    phase: Phase,
    graph: Any,
    urls: list[str],
    *,
    users: int,
    messages: int,
    active: int,
    timeout_s: float,
    tag: str,
    first_user: int = 0,
) -> None:
    import httpx

    replies = Replies(graph)
    poller = asyncio.create_task(replies.run())
    gate = asyncio.Semaphore(active)
    counter = [0]
    per_user = [messages // users + (1 if u < messages % users else 0) for u in range(users)]
    limits = httpx.Limits(max_connections=active, max_keepalive_connections=active)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def user(u: int) -> None:
            wa_id = f"9665{first_user + u:08d}"
            async with gate:
                for k in range(per_user[u]):
                    body = envelope(
                        wa_id, f"wamid.{tag}.{u}.{k}", f"{TEXTS[(u + k) % len(TEXTS)]} ({first_user + u}.{k})"
                    )
                    url = urls[counter[0] % len(urls)]
                    counter[0] += 1
                    future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
                    replies.waiting[wa_id] = future
                    response = await post(client, url, body)
                    accepted = time.monotonic()
                    phase.sent += 1
                    if response.status_code != 200:
                        phase.non_200 += 1
                        replies.waiting.pop(wa_id, None)
                        continue
                    try:
                        arrived = await asyncio.wait_for(asyncio.shield(future), timeout_s)
                    except TimeoutError:
                        phase.lost += 1
                        replies.waiting.pop(wa_id, None)
                        continue
                    phase.latencies_ms.append(max(0.0, arrived - accepted) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(user(u) for u in range(users)))
        phase.elapsed_s = time.monotonic() - started
    await asyncio.sleep(SETTLE_S)
    replies.poll()
    poller.cancel()
    phase.duplicates = replies.duplicates


# --------------------------------------------------------------------------------------------------
# Phases


async def run_phase(
    phase: Phase, args: argparse.Namespace, workdir: Path, graph: Any, redis: Child, stub: Child
) -> None:
    import redis as redis_sync

    redis_sync.Redis(port=redis.port).flushall()
    graph.reset()
    env = hudhud_env(workdir, redis.port, graph.base_url, stub.port)
    procs: list[Proc] = []
    urls: list[str] = []
    profile = args.profile and phase.name == "up"
    try:
        if phase.name == "up":
            prefix = [sys.executable, "-m", "hudhud"]
            if profile:
                prefix = [sys.executable, SELF, "--run-profiled", f"{args.profile}/up.prof"]
            proc, port = start_hudhud("up", ["up"], env, workdir, prefix)
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}/webhook/whatsapp")
        else:
            for i in range(phase.serves):
                proc, port = start_hudhud(
                    f"serve{i}", ["serve"], env, workdir, [sys.executable, "-m", "hudhud"]
                )
                procs.append(proc)
                urls.append(f"http://127.0.0.1:{port}/webhook/whatsapp")
            for i in range(phase.workers):
                procs.append(
                    start_hudhud(f"worker{i}", ["worker"], env, workdir, [sys.executable, "-m", "hudhud"])[0]
                )
        # Warm-up (not counted), from other users: every worker has started and run turns, and what a
        # process does once (imports on first use, the SDKs' TypedDicts compiled, pools opened) is
        # not charged to the measured turns (`--warm-up 8` is the warm-up of the passes before 2026-12-07).
        warm = Phase("warm-up", phase.workers, phase.serves)
        per_worker = max(1, args.warm_up)
        await drive(warm, graph, urls, users=max(1, per_worker // 2) * phase.workers,
                    messages=per_worker * phase.workers, active=64, timeout_s=60, tag=f"warm-{phase.name}",
                    first_user=args.users)  # fmt: skip
        if warm.lost or warm.non_200:
            raise BenchError(
                f"{phase.name}: the warm-up lost replies:\n" + "\n".join(p.tail() for p in procs)
            )
        calls_before = await stub_calls(stub)
        cpu_before = {p.name: process_cpu(p.process.pid) or 0.0 for p in procs}
        cpu_before["redis"] = process_cpu(redis.process.pid) or 0.0
        cpu_before["stub"] = process_cpu(stub.process.pid) or 0.0
        cpu_before["load+graph"] = _self_cpu()
        commands_before = redis_commands(redis.port)
        busy_before, wall_before = machine_busy(), time.monotonic()
        await drive(phase, graph, urls, users=args.users, messages=args.messages, active=args.active,
                    timeout_s=args.reply_timeout_s, tag=phase.name)  # fmt: skip
        busy = (machine_busy() or 0.0) - (busy_before or 0.0)
        wall = time.monotonic() - wall_before
        phase.model_calls = await stub_calls(stub) - calls_before
        phase.redis_commands = redis_commands(redis.port) - commands_before
        for p in procs:
            phase.cpu[p.name] = (process_cpu(p.process.pid) or 0.0) - cpu_before[p.name]
        phase.cpu["redis"] = (process_cpu(redis.process.pid) or 0.0) - cpu_before["redis"]
        phase.cpu["stub"] = (process_cpu(stub.process.pid) or 0.0) - cpu_before["stub"]
        phase.cpu["load+graph"] = _self_cpu() - cpu_before["load+graph"]
        cores = os.cpu_count() or 1
        if busy_before is not None and wall > 0:
            phase.other_pct = round(max(0.0, busy - sum(phase.cpu.values())) / (wall * cores) * 100, 1)
    finally:
        for p in procs:
            p.stop()


async def stub_calls(stub: Child) -> int:
    import httpx

    async with httpx.AsyncClient() as client:
        return int((await client.get(f"http://127.0.0.1:{stub.port}/calls")).text)


def redis_commands(port: int) -> int:
    """Commands Redis has run since it started (INFO's total, which counts a script as one)."""
    import redis as redis_sync

    return int(redis_sync.Redis(port=port).info("stats")["total_commands_processed"])


def _self_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def table(phases: list[Phase]) -> str:
    lines = [f"{'phase':<10} {'serve':>5} {'workers':>7} {'turns/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
             f"{'lost':>5} {'dup':>4} {'CPU ms/turn':>11} {'turn proc':>9} {'capacity':>8} "
             f"{'other %':>7}"]  # fmt: skip
    for p in phases:
        f = p.figures()
        lines.append(
            f"{p.name:<10} {f['serves']:>5} {f['workers']:>7} {f['turns_per_s']:>8} {f['p50_ms']:>8} "
            f"{f['p99_ms']:>8} {f['lost']:>5} {f['duplicates']:>4} {f['cpu_ms_per_turn']:>11} "
            f"{f['turn_process_cpu_ms_per_turn']:>9} {f['capacity_turns_per_s_per_process']!s:>8} "
            f"{f['other_pct_of_machine']!s:>7}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, one phase each (empty: none)")
    parser.add_argument("--serves", type=int, default=2, choices=(1, 2), help="`hudhud serve` processes")
    parser.add_argument("--active", type=int, default=200, help="users in flight at once")
    parser.add_argument("--model-latency-ms", type=float, default=100.0, help="the stub's latency (phases)")
    parser.add_argument("--reply-timeout-s", type=float, default=60.0)
    parser.add_argument(
        "--warm-up", type=int, default=50, metavar="N", help="uncounted messages per worker process first"
    )
    parser.add_argument("--skip-up", action="store_true", help="no `hudhud up` phase")
    parser.add_argument("--only-up", action="store_true", help="only the `hudhud up` phase")
    parser.add_argument("--profile", metavar="DIR", help="run the `hudhud up` phase under cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs (the path is printed)")
    parser.add_argument("--serve-stub", nargs=2, metavar=("PORT", "LATENCY_MS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.users < 1 or args.messages < args.users:
        parser.error("--messages must be at least --users, and --users at least 1")
    return args


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from tests.fake_graph import FakeGraph

    workdir = Path(tempfile.mkdtemp(prefix="hudhud-scale-"))
    graph = FakeGraph()
    graph.start()
    redis = start_redis(workdir)
    stubs: list[Child] = []
    phases: list[Phase] = []
    try:
        counts = [] if args.only_up else [int(w) for w in args.workers.split(",") if w.strip()]
        if counts:
            stubs.append(start_stub(args.model_latency_ms, workdir))
            for w in counts:
                phase = Phase(f"workers_{w}", w, args.serves)
                log(
                    f"phase {phase.name}: {args.serves} serve, {w} worker(s), stub {args.model_latency_ms} ms"
                )
                await run_phase(phase, args, workdir, graph, redis, stubs[-1])
                phases.append(phase)
        if not args.skip_up:
            stubs.append(start_stub(0, workdir))
            phase = Phase("up", 1, 1)
            log("phase up: one `hudhud up` process, model 0 ms")
            await run_phase(phase, args, workdir, graph, redis, stubs[-1])
            phases.append(phase)
    finally:
        for child in (*stubs, redis):
            child.stop()
        graph.stop()
        if args.keep:
            log(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(phases))
    figures = {p.name: p.figures() for p in phases}
    return {
        "bench": "scale",
        "messages": args.messages,
        "users": args.users,
        "active": args.active,
        "model_latency_ms": args.model_latency_ms,
        "warm_up_messages_per_worker": args.warm_up,
        "cpus": os.cpu_count(),
        "split": "round-robin over the serve processes, message by message",
        "phases": figures,
        "ok": all(f["lost"] == 0 and f["duplicates"] == 0 and f["non_200"] == 0 for f in figures.values()),
    }


def run_profiled(out: str, argv: list[str]) -> int:
    """`hudhud ARGV` under cProfile, the profile written to `out` when SIGTERM stops it (uvicorn runs its
    shutdown, then raises the signal again with the handler installed here)."""
    import cProfile
    import signal

    from hudhud.cli import app

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    # The main thread's CPU clock, not the wall clock: on a shared machine a socket write that wakes Redis
    # or the load generator is often preempted mid-call, and wall time would charge that wait to it.
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    try:
        app(argv, standalone_mode=False)
    except SystemExit:
        pass
    finally:
        profiler.disable()
        profiler.dump_stats(out)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--run-profiled"]:
        return run_profiled(argv[1], argv[2:])
    args = parse_args(argv)
    if args.serve_stub:
        serve(stub_app(float(args.serve_stub[1]) / 1000), int(args.serve_stub[0]), lifespan="off")
        return 0
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    try:
        result = asyncio.run(amain(args))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    if args.profile:  # the worker path's functions; code run in threads (embeddings, Chroma) is not seen
        stats = pstats.Stats(f"{args.profile}/up.prof", stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(40)
    print(json.dumps(result, ensure_ascii=False, separators=(",", ":")))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
