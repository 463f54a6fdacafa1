"""Failed logins, counted in memory over a sliding window, so that password guessing is slow and no one
can lock an account out for its owner.

Three limits, each answered 429 with Retry-After before the password is even checked:
- per (account, client address): a guesser at one account from one address;
- per client address: one address spraying many accounts;
- in all: many addresses at once — then only addresses that have failed in the window are turned away,
  so a flood of wrong passwords from elsewhere never stops a client that has not failed from logging in.
A success clears the (account, client) count. Counts are per process: the reference API runs as one.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoginThrottle:
    per_account_client: int = 5
    per_client: int = 20
    overall: int = 200
    window_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _by_client: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _all: deque[float] = field(default_factory=deque)

    def refused(self, account: str, client: str) -> float | None:
        """Seconds until this attempt may be made, or None when it may go ahead."""
        now = self.clock()
        pair = self._recent(self._failures, (account, client), now)
        mine = self._recent(self._by_client, client, now)
        self._drop_old(self._all, now)
        if len(pair) >= self.per_account_client:
            return self._wait(pair, now)
        if len(mine) >= self.per_client:
            return self._wait(mine, now)
        if len(self._all) >= self.overall and mine:
            return self._wait(self._all, now)
        return None

    def failed(self, account: str, client: str) -> None:
        now = self.clock()
        self._failures[(account, client)].append(now)
        self._by_client[client].append(now)
        self._all.append(now)

    def succeeded(self, account: str, client: str) -> None:
        self._failures.pop((account, client), None)

    def _wait(self, times: deque[float], now: float) -> float:
        return max(1.0, times[0] + self.window_s - now)

    def _recent(self, store: dict[Any, deque[float]], key: Any, now: float) -> deque[float]:
        """The key's failures still inside the window; a key left with none is forgotten."""
        times = store.get(key)
        if times is None:
            return deque()
        self._drop_old(times, now)
        if not times:
            del store[key]
        return times

    def _drop_old(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window_s:
            times.popleft()
