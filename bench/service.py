"""Hudhud as the operator runs it, in child processes: `hudhud serve`, `hudhud worker`, `hudhud up`,
configured by environment variables against a dedicated Redis and the loopback stand-ins (standins.py).

Every process runs `python -m hudhud` from the repository, so the code measured is this checkout's.
Each leads its own process group (a kill reaches it and nothing else) and writes its log to a file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchkit import REPO, BenchError, Child, free_port
from redis_server import RedisServer
from standins import Graph, Model, start_graph, start_model
from traffic import PHONE_NUMBER_ID

SECRET = b"bench-app-secret"
PREFIX = "bench"
# The abuse limits are not what these benchmarks test: raised so no message is refused as a flood.
UNLIMITED = {
    "HUDHUD_RATE_PER_MIN": "1000000",
    "HUDHUD_RATE_UNLINKED_PER_MIN": "1000000",
    "HUDHUD_RATE_GLOBAL_PER_MIN": "100000000",
    "HUDHUD_FLOOD_REPEATS": "1000000",
}


def service_env(*, redis_url: str | None, graph_url: str, model_url: str, **extra: str) -> dict[str, str]:
    """The environment of every Hudhud process of a run: live WhatsApp against the fake Graph, the
    agent on the stub model (native tool calls, no probe), the shipped English knowledge base with a
    threshold that lets every message reach the model (an unlinked number's message that the
    knowledge base does not cover is otherwise answered "I don't know" without one)."""
    from memory.crypto import generate_key

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HUDHUD_", "WHATSAPP_", "OPENAI_", "REDIS_"))
    }
    env.update(
        {
            "HUDHUD_ENV": "dev",
            "HUDHUD_REDIS_PREFIX": PREFIX,
            "WHATSAPP_APP_SECRET": SECRET.decode(),
            "WHATSAPP_VERIFY_TOKEN": "bench-verify-token",
            "WHATSAPP_ACCESS_TOKEN": "bench-access-token",
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_API_BASE": graph_url,
            "OPENAI_BASE_URL": model_url,
            "OPENAI_API_KEY": "bench",
            "HUDHUD_MODEL": "bench-model",
            "HUDHUD_TOOL_MODE": "native",
            "HUDHUD_ENCRYPTION_KEY": generate_key(),  # one for all processes: they read each other's history
            "HUDHUD_KB_SEED": "docs/kb/en",
            "HUDHUD_KB_THRESHOLD": "-1",
            "HUDHUD_LOG_LEVEL": "WARNING",
            **UNLIMITED,
            **extra,
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@dataclass
class Process:
    """One `hudhud ...` child; `restart()` starts the same command again (same data dir, new log)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    logs: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    starts: int = 0
    log_files: list[Path] = field(default_factory=list)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        self.starts += 1
        log = self.logs / f"{self.name}.{self.starts}.log"
        self.log_files.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hudhud", *self.argv],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
            assert self.process is not None
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass

    def logged(self, text: str, head: int = 65_536) -> bool:
        """Whether the current start's log says `text` within its first `head` bytes."""
        if not self.log_files:
            return False
        with self.log_files[-1].open("rb") as f:
            return text.encode() in f.read(head)

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_files[-1].read_text(errors="replace")[-chars:] if self.log_files else ""

    def wait_listening(self, timeout_s: float = 120.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise BenchError(f"{self.name} exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer /healthz within {timeout_s:g} s:\n{self.log_tail()}")


def hudhud(
    command: str, name: str, env: dict[str, str], logs: Path, data_dir: Path, **extra_env: str
) -> Process:
    """`hudhud serve|up` (on a free port) or `hudhud worker`, with its own data dir (each embedded
    Chroma belongs to one process)."""
    port = free_port() if command in ("serve", "up") else None
    argv = [command, *(["--port", str(port)] if port else [])]
    data_dir.mkdir(parents=True, exist_ok=True)
    return Process(name, argv, {**env, "HUDHUD_DATA_DIR": str(data_dir), **extra_env}, logs, port=port)


@dataclass
class Surroundings:
    """What Hudhud talks to in a run: its Redis, the model and Graph stand-ins; where logs go."""

    redis: RedisServer
    model: Model
    graph: Graph
    logs: Path

    def env(self, **extra: str) -> dict[str, str]:
        return service_env(
            redis_url=self.redis.url, graph_url=self.graph.base_url, model_url=self.model.base_url, **extra
        )


@contextmanager
def surroundings(
    work: Path, *, model_latency_ms: float, fail_ratio: float, seed: int
) -> Iterator[Surroundings]:
    """A dedicated redis-server (persistent) and the stand-ins, all stopped afterwards."""
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    redis = RedisServer(work / "redis")
    redis.start()
    started: list[Child] = []
    try:
        model = start_model(model_latency_ms)
        started.append(model)
        graph = start_graph(fail_ratio, seed=seed)
        started.append(graph)
        yield Surroundings(redis, model, graph, logs)
    finally:
        for child in started:
            child.stop()
        redis.stop()
