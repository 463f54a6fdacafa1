"""The embedded redis-server dies with the process that started it — SIGKILL included — and a clean
stop leaves no watchdog behind. Real processes: a child starts the embedded Redis as the service does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import asyncio, sys
from base.settings import Settings
from hudhud.redis_conn import connect

async def main() -> None:
    handle = await connect(Settings(_env_file=None, hudhud_data_dir=sys.argv[1]))
    print(handle.embedded.pidfile, handle.embedded.socket_file, handle.watchdog.pid, flush=True)
    if sys.argv[2] == "close":
        await handle.aclose()
        print("closed", flush=True)
        return
    await asyncio.sleep(120)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (daemonized: init reaps it, but not always at once).
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def _start(data_dir: Path, mode: str) -> tuple[subprocess.Popen[str], int, str, int]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    pidfile, socket_file, watchdog = child.stdout.readline().split()
    return child, int(Path(pidfile).read_text().strip()), socket_file, int(watchdog)


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_sigkill_of_the_service_stops_its_embedded_redis(tmp_path: Path) -> None:
    child, server, socket_file, watchdog = _start(tmp_path, "wait")
    try:
        assert _alive(server) and _alive(watchdog)
        redis.Redis(unix_socket_path=socket_file).set("kept", "1")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert _gone(server), "redis-server outlived the process that started it"
        assert _gone(watchdog)
        # It was shut down, not killed: what it held is on disk for the next start.
        assert (tmp_path / "appendonlydir").exists() or any(tmp_path.glob("*.aof*"))
    finally:
        for pid in (server, watchdog):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_clean_stop_leaves_no_watchdog(tmp_path: Path) -> None:
    child, server, _, watchdog = _start(tmp_path, "close")
    assert child.stdout is not None and child.stdout.readline().strip() == "closed"
    child.wait(timeout=20)
    assert _gone(watchdog) and _gone(server)


def test_a_second_process_keeps_the_server_it_joined(tmp_path: Path) -> None:
    child, server, socket_file, watchdog = _start(tmp_path, "wait")
    joined = redis.Redis(unix_socket_path=socket_file)
    try:
        joined.ping()  # another hudhud process (a CLI) connected to the same embedded server
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert _gone(watchdog)
        assert _alive(server) and joined.ping()
    finally:
        joined.close()
        os.kill(server, signal.SIGTERM)
        _gone(server)
