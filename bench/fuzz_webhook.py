"""Fuzzing benchmark of the webhook: `--examples` (10,000) hypothesis-generated deliveries
(tests/webhook_strategies.py: envelopes with every field fuzzed, arbitrary JSON and bytes; signed
right, unsigned, or signed wrong) posted over loopback to the service's app (`create_app`, no workers)
on a dedicated redis-server. Not part of `make test` (tests/test_webhook_fuzz.py runs 200).

Checked on every delivery: no 5xx; without a valid signature a 401 and nothing added to Redis (the job
stream, the events stream and the stats hash keep their lengths); with one, a 200 or a 400. Every
violation is counted (the run does not stop at the first) and the first few are shown.

Prints one JSON line last: examples, statuses by signing, violations, wall time, pass.
Usage: `python bench/fuzz_webhook.py [--examples 10000] [--seed 0]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from benchkit import BenchError, log
from redis_server import RedisServer

PATH = "/webhook/whatsapp"
SECRET = b"fuzz-app-secret"


def fuzz(args: argparse.Namespace, redis: RedisServer) -> dict[str, Any]:
    from hypothesis import HealthCheck, given, seed, settings

    from base.commands import CommandRouter
    from base.settings import load_settings
    from hudhud.app import create_app
    from tests.helpers import live
    from tests.webhook_strategies import deliveries

    config = load_settings(
        _env_file=None,
        redis_url=redis.url,
        hudhud_redis_prefix="fuzz",
        whatsapp_app_secret=SECRET.decode(),
        whatsapp_verify_token="fuzz-verify",
        hudhud_data_dir=Path(args.work) / "data",
    )
    statuses: Counter[str] = Counter()
    violations: list[dict[str, Any]] = []
    client = redis.client()

    def lengths() -> tuple[int, int, int]:
        pipe = client.pipeline()
        pipe.xlen("fuzz:in").xlen("fuzz:events").hlen("fuzz:stats")
        return tuple(pipe.execute())  # type: ignore[return-value]

    with live(create_app(config, workers=0, responder=CommandRouter())) as server, httpx.Client() as http:

        @seed(args.seed)
        @settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(delivery=deliveries(SECRET))
        def one(delivery: tuple[bytes, dict[str, str], bool]) -> None:
            body, headers, signed = delivery
            before = lengths()
            try:
                status = http.post(server.url + PATH, content=body, headers=headers).status_code
            except httpx.HTTPError as exc:
                status, why = 0, f"no answer: {exc}"
            else:
                why = wrong(status, signed, changed=not signed and lengths() != before)
            statuses[f"{'signed' if signed else 'unsigned'} {status}"] += 1
            if why:
                violations.append({"why": why, "body": body[:200].decode(errors="replace")})

        started = time.monotonic()
        one()
        wall = time.monotonic() - started
    client.close()
    examples = sum(statuses.values())
    return {
        "bench": "fuzz_webhook",
        "examples": examples,
        "statuses": dict(sorted(statuses.items())),
        "violations": len(violations),
        "first_violations": violations[:5],
        "jobs_queued": lengths_after(redis),
        "wall_s": round(wall, 1),
        "per_s": round(examples / wall, 1) if wall else None,
        "pass": not violations and examples >= args.examples,
    }


def wrong(status: int, signed: bool, *, changed: bool) -> str | None:
    """What is wrong with this answer, if anything."""
    if status >= 500:
        return f"{status}"
    if signed and status not in (200, 400):
        return f"signed answered {status}"
    if not signed and status != 401:
        return f"unsigned answered {status}"
    if changed:
        return "unsigned delivery changed Redis"
    return None


def lengths_after(redis: RedisServer) -> int:
    with redis.client() as c:
        return int(c.xlen("fuzz:in"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hudhud-fuzz-") as work:
        args.work = work
        redis = RedisServer(Path(work) / "redis", persistent=False)
        try:
            redis.start()
            figures = fuzz(args, redis)
        except BenchError as exc:
            log(f"fuzz failed: {exc}")
            return 1
        finally:
            redis.stop()
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))
    return 0 if figures["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
