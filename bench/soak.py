"""Soak benchmark: `hudhud up` under steady mixed traffic for `--minutes` (30), does any process grow?
Not part of `make test`; prints one JSON line last.

What runs, each in its own process on loopback: a dedicated redis-server (redis_server.py), the model
stand-in answering after `--model-latency-ms` and the fake Graph API (standins.py; `--fail-ratio` of
its calls fail, 0 by default), and `hudhud up` (the API, a worker and the embedded core API in one
process; the agent on the stub model with the shipped English knowledge base).

The traffic, `--rate` messages a second from `--users` numbers, signed: texts (Arabic and English),
button taps, slash commands (/ping, /help), and every tenth one a delivery of an earlier message again
(Meta's retries: answered once). The fake Graph's records are drained every few seconds, so the stand-in
itself holds nothing that grows.

Each minute the RSS of every process is sampled (psutil): `hudhud up` and anything it started, and
redis-server (the service), the stand-ins (reported, not judged). The baseline is the sample at
`--baseline-minute` (5; a third of the run when it is shorter than 10 minutes). `pass`: every Hudhud
process's RSS at the end is at most its baseline + 5%, and the webhook never answered 5xx. Redis's
growth is reported with its key count, not judged: it grows with the data it is told to keep (dedupe
marks, outboxes and history live for days).
Usage: `python bench/soak.py [--minutes 30] [--rate 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import psutil
from benchkit import BenchError, log
from redis_server import RedisServer
from service import PREFIX, SECRET, Process, Surroundings, hudhud, surroundings
from traffic import PATH, Deliveries, button_message, deliver, envelope, signed_headers, text_message, wa_id

GROWTH = 0.05  # the end's RSS may exceed the baseline's by this share
TEXTS = (
    "the shipment left the warehouse this morning",
    "وصلت الشحنة إلى المستودع اليوم",
    "How do I link my WhatsApp number?",
    "كيف أربط رقمي؟",
    "the client meeting is in the afternoon",
    "شكراً جزيلاً",
)
BUTTONS = (("confirm", "Confirm"), ("cancel", "Cancel"), ("تأكيد", "تأكيد"))
COMMANDS = ("/ping", "/help")


def mixed_message(n: int, users: int, rng: random.Random) -> tuple[str, dict[str, Any]]:
    sender = wa_id(n % users)
    wamid = f"wamid.soak.{n}"
    roll = rng.random()
    if roll < 0.2:
        button_id, title = rng.choice(BUTTONS)
        return "button", button_message(wamid, sender, button_id, title)
    if roll < 0.4:
        return "command", text_message(wamid, sender, rng.choice(COMMANDS))
    return "text", text_message(wamid, sender, f"{rng.choice(TEXTS)} #{n}")


async def traffic(
    args: argparse.Namespace, url: str, until: float, kinds: Counter[str], seen: Deliveries
) -> None:
    rng = random.Random(args.seed)
    earlier: list[bytes] = []
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        tasks: set[asyncio.Task[Any]] = set()
        started, n = time.monotonic(), 0
        while time.monotonic() < until:
            if earlier and n % 10 == 9:
                kind, body = "duplicate", rng.choice(earlier)
            else:
                kind, message = mixed_message(n, args.users, rng)
                body = envelope(message)
                earlier = [*earlier[-200:], body]
            kinds[kind] += 1
            task = asyncio.create_task(
                deliver(client, url, body, signed_headers(SECRET, body), seen, give_up_s=60)
            )
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
            await asyncio.sleep(max(0.0, started + n / args.rate - time.monotonic()))
        await asyncio.gather(*tasks)


def service_processes(up: Process, redis: RedisServer) -> dict[str, psutil.Process]:
    """The service's processes now: `hudhud up`, whatever it started, redis-server."""
    found = {"hudhud up": psutil.Process(up.pid), "redis-server": psutil.Process(redis.process.pid)}
    for child in found["hudhud up"].children(recursive=True):
        found[f"hudhud up > {child.name()} {child.pid}"] = child
    return found


def redis_keys(redis: RedisServer) -> int:
    with redis.client() as c:
        return int(c.dbsize())


def rss_mb(process: psutil.Process) -> float | None:
    try:
        return round(process.memory_info().rss / 2**20, 1)
    except psutil.Error:
        return None


def sample(up: Process, redis: RedisServer, standins: dict[str, int]) -> dict[str, float | None]:
    out = {name: rss_mb(p) for name, p in service_processes(up, redis).items()}
    for name, pid in standins.items():
        out[f"stand-in {name}"] = rss_mb(psutil.Process(pid))
    return out


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    with surroundings(
        work, model_latency_ms=args.model_latency_ms, fail_ratio=args.fail_ratio, seed=args.seed
    ) as world:
        up = hudhud("up", "up", world.env(), world.logs, work / "data")
        try:
            up.start()
            up.wait_listening(timeout_s=300)
            return soak(args, up, world)
        finally:
            up.stop()


def soak(args: argparse.Namespace, up: Process, world: Surroundings) -> dict[str, Any]:
    redis, model, graph = world.redis, world.model, world.graph
    standins = {"model": model.process.pid, "graph": graph.process.pid}
    log(
        f"[soak] {args.minutes:g} minutes of mixed traffic at {args.rate:g}/s;"
        f" baseline at minute {args.baseline:g}"
    )
    kinds: Counter[str] = Counter()
    seen = Deliveries()
    series: list[dict[str, Any]] = []
    delivered = 0
    began = time.monotonic()
    until = began + args.minutes * 60

    async def drive() -> None:
        nonlocal delivered
        url = f"http://127.0.0.1:{up.port}{PATH}"
        load = asyncio.create_task(traffic(args, url, until, kinds, seen))
        next_sample = 60.0
        while not load.done():
            await asyncio.sleep(5)
            delivered += len((await asyncio.to_thread(graph.drain))["delivered"])
            elapsed = time.monotonic() - began
            if elapsed >= next_sample or load.done():
                rss = await asyncio.to_thread(sample, up, redis, standins)
                keys = await asyncio.to_thread(redis_keys, redis)
                series.append({"minute": round(elapsed / 60, 2), "rss_mb": rss, "redis_keys": keys})
                log(f"[soak] minute {elapsed / 60:.1f}: {rss}")
                next_sample += 60.0
        await load

    asyncio.run(drive())
    time.sleep(5)
    delivered += len(graph.drain()["delivered"])
    end = sample(up, redis, standins)
    minute = round((time.monotonic() - began) / 60, 2)
    series.append({"minute": minute, "rss_mb": end, "redis_keys": redis_keys(redis)})
    base = min(series, key=lambda s: abs(s["minute"] - args.baseline))
    service = {n: (base["rss_mb"].get(n), mb) for n, mb in end.items() if not n.startswith("stand-in")}
    growth = {n: None if not b or e is None else round(e / b - 1, 4) for n, (b, e) in service.items()}
    # Redis grows with what it is asked to keep (dedupe marks, outboxes and history live for days):
    # its growth is reported beside its key count, and the verdict is on Hudhud's processes.
    judged = {n: g for n, g in growth.items() if n != "redis-server"}
    server_errors = sum(n for status, n in seen.statuses.items() if status.startswith("5"))
    ok = up.alive() and server_errors == 0 and all(g is not None and g <= GROWTH for g in judged.values())
    with redis.client() as c:
        turns, dead = int(c.xlen(f"{PREFIX}:turns")), int(c.xlen(f"{PREFIX}:dead"))
    return {
        "bench": "soak",
        "minutes": args.minutes,
        "rate_per_s": args.rate,
        "users": args.users,
        "sent": dict(kinds),
        "webhook_statuses": seen.statuses,
        "replies_delivered": delivered,
        "turns_recorded": turns,
        "dead_letters": dead,
        "baseline_minute": base["minute"],
        "rss_mb_baseline": base["rss_mb"],
        "rss_mb_end": end,
        "growth": growth,
        "judged": sorted(judged),
        "redis_keys_baseline": base["redis_keys"],
        "redis_keys_end": series[-1]["redis_keys"],
        "series": series,
        "pass": ok,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument(
        "--baseline-minute",
        dest="baseline",
        type=float,
        default=None,
        help="the sample compared with the end (5; a third of a run under 10 minutes)",
    )
    p.add_argument("--rate", type=float, default=5.0, help="messages per second (5)")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--fail-ratio", type=float, default=0.0, help="share of Graph calls failed (0)")
    p.add_argument("--model-latency-ms", type=float, default=20.0)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.baseline is None:
        args.baseline = 5.0 if args.minutes >= 10 else args.minutes / 3
    if args.minutes <= 0 or args.rate <= 0 or not 0 < args.baseline < args.minutes:
        p.error("need --minutes > 0, --rate > 0 and 0 < --baseline-minute < --minutes")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    with tempfile.TemporaryDirectory(prefix="hudhud-soak-") as work:
        try:
            figures = run(args, Path(work))
        except BenchError as exc:
            log(f"soak failed: {exc}")
            return 1
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))
    return 0 if figures["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
