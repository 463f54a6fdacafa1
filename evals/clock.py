"""The fixed clock of a suite, for the agent and the reference core API, so that "tomorrow" has one
right answer and "overdue" means the same on every run.

The core API reads time in one place (coreapi/clock.py, through its module-level `datetime`); that name
is swapped for a clock that starts at the suite's instant and ticks with real time (so rows keep their
order). User JWTs stay on real time: their expiry is checked by PyJWT against the real clock.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any


def ticking_from(start: datetime) -> type[datetime]:
    """A `datetime` class whose now() starts at `start` (aware) and advances with the monotonic clock."""
    t0 = time.monotonic()

    class SuiteDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            instant = datetime.fromtimestamp(start.timestamp() + (time.monotonic() - t0), start.tzinfo)
            return instant.astimezone(tz) if tz is not None else instant.astimezone().replace(tzinfo=None)

    return SuiteDatetime


@contextlib.contextmanager
def frozen_core_clock(start: datetime) -> Iterator[None]:
    """The core API's clock at `start` for the duration of the block (one suite at a time)."""
    import coreapi.clock
    import coreapi.tokens

    saved: dict[str, Any] = {"datetime": coreapi.clock.datetime, "utcnow": coreapi.tokens.utcnow}
    coreapi.clock.datetime = ticking_from(start)  # type: ignore[misc]
    coreapi.tokens.utcnow = _real_utcnow  # type: ignore[assignment]
    try:
        yield
    finally:
        coreapi.clock.datetime = saved["datetime"]  # type: ignore[misc]
        coreapi.tokens.utcnow = saved["utcnow"]


def _real_utcnow() -> datetime:
    return datetime.now(UTC)
