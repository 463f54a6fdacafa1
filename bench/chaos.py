"""Chaos benchmark: the exactly-once pipeline under killed workers, a failing Graph API and a Redis
restart. Not part of `make test`; prints one JSON line last.

What runs, each in its own process on loopback:
- a dedicated redis-server (redis_server.py): append-only with fsync on every write, plus RDB;
- the model stand-in (standins.py): answers after `--model-latency-ms`, naming the message references
  it was given, so a delivered reply says which messages it answered;
- the Graph stand-in: the tests' fake Graph failing `--fail-ratio` of all calls at random with
  500/502/503/429 (nothing delivered on those); it records every delivered message and when;
- `hudhud serve` (the webhook) and `--workers` `hudhud worker` processes (the real agent on the stub
  model, the shipped English knowledge base).

The load: `--messages` messages from `--users` users (Arabic and English texts, each carrying its
reference, e.g. M000042), `--rate` messages per second, each delivered `--copies` times concurrently,
signed, and delivered again with back-off until it gets a 200 — as Meta does. Meanwhile a random live
worker is SIGKILLed about every `--kill-every` seconds and started again at once, and when half the
messages are in, Redis restarts once: `SHUTDOWN SAVE` (the default) or, with `--redis-restart-empty`,
`SHUTDOWN NOSAVE` with its files removed.

Then it waits until every expected message is answered and the queue is empty, and reports:
- sent (messages that got a 200), answered (named in a delivered reply), lost (sent, never answered;
  must be 0 — with `--redis-restart-empty`, only among the messages sent after the restart: what was
  queued before is gone by definition, and reported as lost_before_restart);
- duplicates (a reply the fake Graph delivered more than once), split by what explains them:
  `kill_window`: the first copy was delivered at most `--window-s` before a worker was killed — the
  documented window between Graph's 200 and the outbox mark (docs/architecture.md, "Answered once");
  `redis_window`: the first copy was delivered while Redis was restarting (the mark could not be
  written: the same window); `unexplained`: anything else (must be 0);
- the Redis data loss: found by the service (hudhud/redis_watch.py: `redis_data_lost` in the events
  stream) — expected with `--redis-restart-empty`, a false alarm otherwise;
- kills, unplanned worker exits, dead letters, webhook statuses, wall time; `pass`.

Usage: `python bench/chaos.py [--messages 1000] [--users 200] [--workers 3] [--redis-restart-empty]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from benchkit import BenchError, log
from redis_server import RedisServer
from service import PREFIX, SECRET, Process, Surroundings, hudhud, surroundings
from standins import REF, Graph, ref
from traffic import PATH, Deliveries, deliver, envelope, signed_headers, text_message, wa_id

# Statements that reach the model: no question, greeting, "remember/note" or task verb, each of which
# the agent answers in code (its knowledge-base "I don't know", capabilities, memories, commands).
TEXTS = (
    "{ref} the shipment left the warehouse this morning",
    "{ref} وصلت الشحنة إلى المستودع اليوم",
    "{ref} the quarterly report draft is attached",
    "{ref} مسودة التقرير الربعي مرفقة",
    "{ref} the client meeting is in the afternoon",
    "{ref} اجتماع العميل بعد الظهر",
)


@dataclass
class Chaos:
    """What happened to the service during the run, with times (time.time())."""

    kills: list[float] = field(default_factory=list)
    unplanned_exits: int = 0
    redis_down: tuple[float, float] | None = None  # from SHUTDOWN to answering again


class Fleet:
    """The API and the workers; the monkey kills workers and starts them again."""

    def __init__(self, api: Process, workers: list[Process], redis: RedisServer, seed: int) -> None:
        self.api = api
        self.workers = workers
        self.redis = redis
        self.chaos = Chaos()
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def monkey(self, every_s: float) -> None:
        """Every ~`every_s` (uniform 0.5x..1.5x) SIGKILL one random worker that has read from the queue,
        and start it again at once; restart any worker that died on its own."""
        while not self._stop.wait(self._rng.uniform(0.5, 1.5) * every_s):
            with self._lock:
                self._revive()
                ready = [w for w in self.workers if w.alive() and self.ready(w)]
                if ready:
                    victim = self._rng.choice(ready)
                    victim.kill()
                    self.chaos.kills.append(time.time())
                    victim.start()

    def keep_alive(self) -> None:
        with self._lock:
            self._revive()

    def _revive(self) -> None:
        for w in self.workers:
            if not w.alive():
                self.chaos.unplanned_exits += 1
                log(f"[chaos] {w.name} exited on its own:\n{w.log_tail(800)}")
                w.start()

    @staticmethod
    def ready(worker: Process) -> bool:
        """A worker is worth killing once it has started reading (its log says so)."""
        return worker.logged('"worker started"')

    def restart_redis(self, *, keep_data: bool) -> None:
        with self._lock:  # no kills while Redis is down: one fault at a time is easier to read
            began = time.time()
            down = self.redis.restart(keep_data=keep_data)
            self.chaos.redis_down = (began, began + down)
            log(f"[chaos] Redis restarted ({'with' if keep_data else 'WITHOUT'} its data), down {down:.1f}s")

    def stop(self) -> None:
        self._stop.set()


# --------------------------------------------------------------------------------------------------
# The load


@dataclass
class Sent:
    at: dict[str, float] = field(default_factory=dict)  # ref -> when its first 200 came
    deliveries: Deliveries = field(default_factory=Deliveries)
    given_up: list[str] = field(default_factory=list)


async def send_all(args: argparse.Namespace, url: str, fleet: Fleet, sent: Sent) -> None:
    restart_at = args.messages // 2
    restart: asyncio.Task[None] | None = None
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def one(n: int) -> None:
            r = ref(n)
            text = TEXTS[n % len(TEXTS)].format(ref=r)
            body = envelope(text_message(f"wamid.chaos.{n}", wa_id(n % args.users), text))
            headers = signed_headers(SECRET, body)
            times = await asyncio.gather(
                *(deliver(client, url, body, headers, sent.deliveries) for _ in range(args.copies))
            )
            ok = [t for t in times if t is not None]
            if ok:
                sent.at[r] = min(ok)
            else:
                sent.given_up.append(r)

        tasks = []
        started = time.monotonic()
        for n in range(args.messages):
            if n == restart_at:
                keep = not args.redis_restart_empty
                restart = asyncio.create_task(asyncio.to_thread(fleet.restart_redis, keep_data=keep))
            tasks.append(asyncio.create_task(one(n)))
            await asyncio.sleep(max(0.0, started + (n + 1) / args.rate - time.monotonic()))
        await asyncio.gather(*tasks)
        if restart is not None:
            await restart


# --------------------------------------------------------------------------------------------------
# Reading the outcome


@dataclass
class Replies:
    rows: list[tuple[float, str, str]] = field(default_factory=list)  # (time, to, text)
    graph_requests: int = 0
    failed_at_random: int = 0

    def take(self, graph: Graph) -> None:
        drained = graph.drain()
        self.rows.extend((float(t), to, text) for t, to, text in drained["delivered"])
        self.graph_requests += drained["requests"]
        self.failed_at_random += drained["failed_at_random"]

    def answered(self) -> set[str]:
        return {r for _, _, text in self.rows for r in REF.findall(text)}


def queue_empty(redis: RedisServer) -> bool:
    try:
        with redis.client() as c:
            return int(c.xlen(f"{PREFIX}:in")) == 0
    except Exception:
        return False


def wait_answered(
    expected: set[str], replies: Replies, graph: Graph, fleet: Fleet, timeout_s: float
) -> float:
    """Until every expected ref is answered and the queue is empty, or the timeout; returns when."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        replies.take(graph)
        fleet.keep_alive()
        if expected <= replies.answered() and queue_empty(fleet.redis):
            return time.time()
        time.sleep(1.0)
    return time.time()


def duplicates(replies: Replies, chaos: Chaos, window_s: float) -> dict[str, int]:
    first: dict[tuple[str, str], float] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for at, to, text in sorted(replies.rows):
        if not REF.search(text):
            continue  # not an answer to our messages (counted as unreferenced): no way to tell a repeat
        counts[(to, text)] += 1
        first.setdefault((to, text), at)
    out = {"total": 0, "kill_window": 0, "redis_window": 0, "unexplained": 0}
    for key, n in counts.items():
        if n < 2:
            continue
        extra, at = n - 1, first[key]
        out["total"] += extra
        if any(0 <= k - at <= window_s for k in chaos.kills):
            out["kill_window"] += extra
        elif chaos.redis_down and chaos.redis_down[0] - window_s <= at <= chaos.redis_down[1]:
            out["redis_window"] += extra
        else:
            out["unexplained"] += extra
    return out


def loss_events(redis: RedisServer) -> int:
    with redis.client() as c:
        return sum(1 for _, f in c.xrange(f"{PREFIX}:events") if f.get(b"type") == b"redis_data_lost")


def dead_letters(redis: RedisServer) -> int:
    with redis.client() as c:
        return int(c.xlen(f"{PREFIX}:dead"))


def metric(api: Process, name: str) -> float | None:
    try:
        text = httpx.get(f"http://127.0.0.1:{api.port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return None
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


# --------------------------------------------------------------------------------------------------
# Main


def wait_ready(worker: Process, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not Fleet.ready(worker):
        if not worker.alive() or time.monotonic() > deadline:
            raise BenchError(f"{worker.name} did not start:\n{worker.log_tail()}")
        time.sleep(0.2)


def seed_knowledge(workers: list[Process], work: Path) -> None:
    """Each worker has its own data dir (an embedded Chroma is one process's), all holding the knowledge
    base: the first seeds it once and its data dir is copied for the others, so no start re-embeds it."""
    import shutil

    log("[chaos] seeding the knowledge base once")
    first = workers[0]
    first.start()
    wait_ready(first)
    first.stop()
    for w in workers[1:]:
        shutil.copytree(work / first.name, work / w.name, dirs_exist_ok=True)


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    with surroundings(
        work, model_latency_ms=args.model_latency_ms, fail_ratio=args.fail_ratio, seed=args.seed
    ) as world:
        return outcome(args, work, world)


def outcome(args: argparse.Namespace, work: Path, world: Surroundings) -> dict[str, Any]:
    redis, graph, logs = world.redis, world.graph, world.logs
    env = world.env(
        HUDHUD_LEASE_MS=str(args.lease_ms), HUDHUD_GRAPH_BACKOFF_MS="50", HUDHUD_GRAPH_BACKOFF_MAX_MS="1000"
    )
    # The API never runs a turn: no agent stack in it (HUDHUD_RESPONDER=none).
    api = hudhud("serve", "api", env, logs, work / "api", HUDHUD_RESPONDER="none")
    workers = [
        hudhud("worker", f"worker{i}", {**env, "HUDHUD_LOG_LEVEL": "INFO"}, logs, work / f"worker{i}")
        for i in range(args.workers)
    ]
    processes = [api, *workers]
    try:
        seed_knowledge(workers, work)
        for p in processes:
            p.start()
        api.wait_listening()
        fleet = Fleet(api, workers, redis, args.seed)
        for w in workers:
            wait_ready(w)
        log(f"[chaos] sending {args.messages} messages x {args.copies} copies at {args.rate:g}/s")
        started = time.time()
        monkey = threading.Thread(target=fleet.monkey, args=(args.kill_every,), daemon=True)
        monkey.start()
        sent = Sent()
        replies = Replies()
        asyncio.run(send_all(args, f"http://127.0.0.1:{api.port}{PATH}", fleet, sent))
        sent_done = time.time()
        log(f"[chaos] all sent in {sent_done - started:.1f}s; waiting for the answers")
        down = fleet.chaos.redis_down
        after = {r for r, at in sent.at.items() if down is not None and at >= down[1]}
        expected = after if args.redis_restart_empty else set(sent.at)
        done = wait_answered(expected, replies, graph, fleet, args.timeout)
        fleet.stop()
        monkey.join()
        # Late duplicates: a reclaimed turn resends after two leases.
        time.sleep(3 * args.lease_ms / 1000)
        replies.take(graph)
        answered = replies.answered()
        lost = sorted(set(sent.at) - answered)
        lost_after = sorted(after - answered)
        dups = duplicates(replies, fleet.chaos, args.window_s)
        detected = loss_events(redis)
        figures: dict[str, Any] = {
            "bench": "chaos",
            "mode": "redis_restart_empty" if args.redis_restart_empty else "redis_restart_persisted",
            "messages": args.messages,
            "users": args.users,
            "copies": args.copies,
            "workers": args.workers,
            "sent": len(sent.at),
            "gave_up": len(sent.given_up),
            "answered": len(answered & set(sent.at)),
            "lost": len(lost),
            "duplicates": dups,
            "unreferenced_replies": sum(1 for _, _, text in replies.rows if not REF.search(text)),
            "kills": len(fleet.chaos.kills),
            "unplanned_worker_exits": fleet.chaos.unplanned_exits,
            "api_alive": api.alive(),
            "dead_letters": dead_letters(redis),
            "webhook_statuses": sent.deliveries.statuses,
            "graph": {
                "requests": replies.graph_requests,
                "failed_at_random": replies.failed_at_random,
                "delivered": len(replies.rows),
            },
            "redis": {
                "restarts": redis.restarts,
                "down_s": round(down[1] - down[0], 2) if down else None,
                "data_loss_events": detected,
                "api_losses_metric": metric(api, "hudhud_redis_data_losses_total"),
            },
            "sending_s": round(sent_done - started, 1),
            "wall_s": round(done - started, 1),
        }
        if args.redis_restart_empty:
            figures["sent_after_restart"] = len(after)
            figures["lost_after_restart"] = len(lost_after)
            figures["lost_before_restart"] = len(lost) - len(lost_after)
            figures["lost_refs"] = lost_after[:10]
            ok = not lost_after and detected >= 1
        else:
            figures["lost_refs"] = lost[:10]
            ok = not lost and detected == 0
        ok = ok and not sent.given_up and dups["unexplained"] == 0 and api.alive()
        figures["pass"] = ok
        if args.keep:  # what the figures were computed from, for a closer look
            record = {
                "kills": fleet.chaos.kills,
                "redis_down": down,
                "sent_at": sent.at,
                "replies": replies.rows,
            }
            (work / "outcome.json").write_text(json.dumps(record))
        return figures
    finally:
        for p in processes:
            p.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--copies", type=int, default=3, help="concurrent deliveries of each message (3)")
    p.add_argument("--rate", type=float, default=20.0, help="new messages per second (20)")
    p.add_argument("--workers", type=int, default=3, help="hudhud worker processes (3)")
    p.add_argument("--kill-every", type=float, default=5.0, help="mean seconds between SIGKILLs (5)")
    p.add_argument("--fail-ratio", type=float, default=0.2, help="share of Graph calls failed (0.2)")
    p.add_argument("--model-latency-ms", type=float, default=20.0, help="stub model latency (20)")
    p.add_argument("--lease-ms", type=int, default=2000, help="HUDHUD_LEASE_MS (2000)")
    p.add_argument(
        "--window-s",
        type=float,
        default=1.0,
        help="a kill this soon after a delivery explains its duplicate (1.0)",
    )
    p.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for the answers after sending (300)"
    )
    p.add_argument("--redis-restart-empty", action="store_true", help="Redis restarts without its data")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, Redis files)")
    args = p.parse_args(argv)
    if args.messages < 2 or args.users < 1 or args.copies < 1 or args.workers < 1 or args.rate <= 0:
        p.error("need --messages >= 2, --users >= 1, --copies >= 1, --workers >= 1, --rate > 0")
    return args


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # the `finally` blocks stop every process


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    work = Path(tempfile.mkdtemp(prefix="hudhud-chaos-"))
    try:
        figures = run(args, work)
    except BenchError as exc:
        log(f"chaos failed: {exc}")
        return 1
    finally:
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    log(json.dumps(figures, indent=1))
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))
    return 0 if figures["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
