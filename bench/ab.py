"""Two builds of Hudhud compared on bench/webhook.py and bench/agent.py, alternated in one sitting.

    python bench/ab.py OLD_CHECKOUT NEW_CHECKOUT [--rounds 3] [--duration 8] [--n 300]

Each round runs both benches in the old checkout, then in the new one (the next round starts with the
new one, so neither build always runs first), each with that checkout's own bench scripts and code
(PYTHONPATH points at the checkout). Per build, the median over rounds of: the webhook's Hudhud p50,
its p50 relative to bare FastAPI in the same run (which cancels most of the machine's background
load), and the agent's native and router p50 (stub model). The verdict asks each of them to be within
±5% of the old build. A checkout made with `git worktree add /tmp/old <commit>` needs nothing else.

Prints a table, then exactly one JSON line (the figures) as the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

TOLERANCE = 0.05
METRICS = {
    "webhook_p50_ms": ("webhook", ("hudhud", "p50_ms")),
    "webhook_p50_vs_bare": ("webhook", None),  # hudhud p50 / bare p50 of the same run
    "agent_native_p50_ms": ("agent", ("native", "p50_ms")),
    "agent_router_p50_ms": ("agent", ("router", "p50_ms")),
}


def run_bench(checkout: Path, script: str, extra: list[str]) -> dict[str, Any]:
    # The checkout's packages before its bench/ folder: bench/memory.py must not shadow the memory package
    # (PYTHONSAFEPATH keeps the script's folder off the front of sys.path).
    env = {**os.environ, "PYTHONPATH": f"{checkout}:{checkout / 'bench'}", "PYTHONSAFEPATH": "1"}
    done = subprocess.run(
        [sys.executable, f"bench/{script}.py", *extra],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{script} failed in {checkout}:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def measure(checkout: Path, args: argparse.Namespace) -> dict[str, float]:
    hook = run_bench(checkout, "webhook", ["--skip-pywa", "--duration", str(args.duration)])
    agent = run_bench(checkout, "agent", ["--skip-model", "--n", str(args.n)])
    figures = {"webhook": hook, "agent": agent}
    out: dict[str, float] = {}
    for name, (bench, path) in METRICS.items():
        if path is None:
            out[name] = hook["hudhud"]["p50_ms"] / hook["bare"]["p50_ms"]
        else:
            out[name] = figures[bench][path[0]][path[1]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0, help="webhook seconds per server (8)")
    parser.add_argument("--n", type=int, default=300, help="agent calls per party (300)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for round_no in range(args.rounds):
        order = ("old", "new") if round_no % 2 == 0 else ("new", "old")
        for build in order:
            print(f"round {round_no + 1}: {build}", file=sys.stderr, flush=True)
            runs[build].append(measure(getattr(args, build), args))
    medians = {b: {m: statistics.median(r[m] for r in rs) for m in METRICS} for b, rs in runs.items()}
    ratios = {m: medians["new"][m] / medians["old"][m] for m in METRICS}
    within = {m: abs(r - 1) <= TOLERANCE for m, r in ratios.items()}
    print(f"{'metric':<24} {'old':>9} {'new':>9} {'new/old':>8}  within ±5%")
    for m in METRICS:
        print(f"{m:<24} {medians['old'][m]:>9.3f} {medians['new'][m]:>9.3f} {ratios[m]:>8.3f}  {within[m]}")
    figures = {
        "bench": "ab",
        "rounds": args.rounds,
        "old": str(args.old),
        "new": str(args.new),
        "runs": runs,
        "medians": medians,
        "ratios": {m: round(r, 4) for m, r in ratios.items()},
        "within_5pct": within,
    }
    print(json.dumps(figures, separators=(",", ":")))


if __name__ == "__main__":
    main()
