"""What the benchmarks share: child servers on loopback, CPU accounting from /proc, and statistics.

Each benchmark runs as `python bench/NAME.py` (this directory is then first on sys.path) and ends with
one JSON line; servers run in child processes that lead their own process group, so stopping one
reaches it and anything it started, and nothing else.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The repository before this directory: bench/agent.py and bench/memory.py would otherwise stand in for
# the `agent` and `memory` packages.
if sys.path[0] != str(REPO):
    sys.path.insert(0, str(REPO))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    pass


# --------------------------------------------------------------------------------------------------
# Child servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: Any, port: int, *, lifespan: str = "auto") -> None:
    """Serve `app` on loopback with the production-grade event loop and parser (in the child)."""
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
    )


@dataclass
class Child:
    port: int
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:  # the child leads its own process group: this reaches only it and what it started
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


def start_child(
    argv: list[str], *, name: str, port: int, tail: Callable[[subprocess.Popen[bytes]], str], **popen: Any
) -> subprocess.Popen[bytes]:
    """Start a server process and wait (30 s at most) until it listens on `port`; `tail` says what it
    printed when it fails."""
    process = subprocess.Popen(argv, start_new_session=True, **popen)
    child = Child(port, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited with {process.returncode}:\n{tail(process)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    child.stop()
    raise BenchError(f"{name} did not listen on port {port} within 30 s:\n{tail(process)}")


# --------------------------------------------------------------------------------------------------
# CPU accounting (Linux /proc): on a small shared machine a figure only means something if the
# measured party was the bottleneck and nothing else was eating the cores, so each run says both.

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_busy() -> float | None:
    """CPU seconds the whole machine has spent busy since boot."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICK


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / _TICK


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------------------------
# Statistics


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): an observed value, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
