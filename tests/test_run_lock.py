"""`@pytest.mark.serial` under pytest-xdist (tests/conftest.py, RunLock): tests of several workers run side
by side, a serial test runs alone, and one waiting for its turn is not overtaken by the tests after it.
Each RunLock here stands for a worker (flock() locks belong to each opened file, so threads do too)."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.conftest import RunLock


class Attempt:
    """One test of a worker, entering the lock on a thread of its own and waiting there until released."""

    def __init__(self, lock: RunLock, *, alone: bool) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run, args=(lock, alone), daemon=True)
        self.thread.start()

    def _run(self, lock: RunLock, alone: bool) -> None:
        with lock.hold(alone=alone):
            self.entered.set()
            self.release.wait(10)

    def end(self) -> None:
        self.release.set()
        self.thread.join(10)
        assert not self.thread.is_alive()


def test_tests_run_side_by_side_and_a_serial_one_alone_in_its_turn(tmp_path: Path) -> None:
    path = str(tmp_path / "serial.lock")
    first = Attempt(RunLock(path), alone=False)
    second = Attempt(RunLock(path), alone=False)
    assert first.entered.wait(10) and second.entered.wait(10)  # two workers' tests at once

    serial = Attempt(RunLock(path), alone=True)
    assert not serial.entered.wait(0.3)  # waits for both to end
    later = Attempt(RunLock(path), alone=False)
    first.end()
    assert not serial.entered.wait(0.3) and not later.entered.is_set()
    second.end()
    assert serial.entered.wait(10)
    assert not later.entered.wait(0.3)  # came after the serial test: waits for it, not the other way
    serial.end()
    assert later.entered.wait(10)
    later.end()
