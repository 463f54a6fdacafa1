"""A dedicated redis-server for a benchmark: a free loopback port, its files in a directory of its own,
append-only persistence (fsync every write) plus RDB, restartable on the same port — with its data
(`SHUTDOWN SAVE`, as an operator's restart) or without (`SHUTDOWN NOSAVE` and the files removed, as a
Redis that kept nothing)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis
from benchkit import BenchError, free_port


class RedisServer:
    def __init__(self, directory: Path, *, persistent: bool = True) -> None:
        self.directory = directory
        self.persistent = persistent  # False: nothing on disk (a benchmark that restarts nothing)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=10)

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise BenchError("redis-server is not installed (apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always", "--save", "60 1"]
        if not self.persistent:
            persistence = ["--appendonly", "no", "--save", ""]
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                *persistence, "--daemonize", "no", "--logfile", "redis.log"]  # fmt: skip
        # Its own session: a Ctrl-C in the terminal reaches the benchmark, which stops it in order.
        self.process = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"redis-server exited with {self.process.returncode}: {self._log_tail()}")
            try:
                with self.client() as c:
                    if c.ping() and c.info("persistence").get("loading") == 0:
                        return
            except redis.RedisError:
                pass
            time.sleep(0.05)
        raise BenchError(f"redis-server did not answer on port {self.port}: {self._log_tail()}")

    def restart(self, *, keep_data: bool, down_s: float = 1.0) -> float:
        """Shut down (saving, or not and forgetting its files), stay down `down_s`, start again on the
        same port; returns the seconds it was unreachable."""
        started = time.monotonic()
        self.shutdown(save=keep_data)
        if not keep_data:
            for path in self.directory.iterdir():
                if path.name != "redis.log":
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        time.sleep(down_s)
        self.start()
        self.restarts += 1
        return time.monotonic() - started

    def shutdown(self, *, save: bool) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            with self.client() as c:
                c.shutdown(save=save, nosave=not save)
        except redis.ConnectionError:
            pass  # SHUTDOWN closes the connection without a reply
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _log_tail(self) -> str:
        log = self.directory / "redis.log"
        return log.read_text(errors="replace")[-1500:] if log.exists() else ""
