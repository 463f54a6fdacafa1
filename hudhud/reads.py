"""A turn's reads in one script: what the worker reads before a turn is answered — the outbox, the
handoff, the guard's state and the responders' keys (base/readahead.py) — asked of Redis as one EVAL
(hudhud/reads.lua) in the round trip the turn's write makes anyway, instead of a dozen commands in that
pipeline. redis-py's pipeline costs ~10 µs of client CPU per command (queued, packed, each reply read
and parsed through its callback); one script is one command: a pipeline of 11 such reads 139 µs, the
script 64 µs (measured alone, 50 in flight).

`Reads` is queued like a pipeline (`get`, `hgetall`, `smembers`, `sismember`, `time`, chained), so the
code that lists the reads (`AbuseGuard.read_state`, `Worker._answer_reads`) is the same for both; then
`queue(pipe)` adds the one EVAL and `answers(reply)` gives each read's value as redis-py's pipeline gave
it: bytes or None, a dict, a set, an int, TIME's (seconds, microseconds); a read that failed, its
exception (a pipeline run with `raise_on_error=False` gives it the same way). tests/test_reads.py holds
both to the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from redis.asyncio.client import Pipeline

_SCRIPT = resources.files("hudhud").joinpath("reads.lua").read_text()
_Shape = Callable[[Any], Any]


def _pairs(reply: list[Any]) -> dict[Any, Any]:
    return dict(zip(reply[::2], reply[1::2], strict=True))


def _time(reply: list[Any]) -> tuple[int, int]:
    return int(reply[0]), int(reply[1])


def _same(reply: Any) -> Any:
    return reply


class Reads:
    """Reads queued for one script, in order."""

    def __init__(self) -> None:
        self._keys: list[str] = []
        self._argv: list[str | int] = []
        self._shape: list[_Shape] = []  # per read: its reply as redis-py's callback gives it

    def __len__(self) -> int:
        return len(self._shape)

    def _read(
        self, command: str, key: str | None, args: Sequence[str | int], shape: Callable[[Any], Any]
    ) -> Reads:
        if key is not None:
            self._keys.append(key)
        self._argv += [command, len(args), *args]
        self._shape.append(shape)
        return self

    def get(self, key: str) -> Reads:
        return self._read("GET", key, (), _same)

    def hgetall(self, key: str) -> Reads:
        return self._read("HGETALL", key, (), _pairs)

    def smembers(self, key: str) -> Reads:
        return self._read("SMEMBERS", key, (), set)

    def sismember(self, key: str, member: str) -> Reads:
        return self._read("SISMEMBER", key, (member,), _same)

    def time(self) -> Reads:
        return self._read("TIME", None, (), _time)

    def queue(self, pipe: Pipeline) -> None:
        """The one EVAL on `pipe` (the script whole: a registered script in a pipeline costs redis-py a
        SCRIPT EXISTS round trip first)."""
        pipe.eval(_SCRIPT, len(self._keys), *self._keys, *self._argv)

    def answers(self, reply: Any) -> list[Any]:
        """Each read's value from the script's reply; a script that failed as a whole fails every read."""
        if isinstance(reply, Exception):
            return [reply] * len(self._shape)
        return [
            value if isinstance(value, Exception) else shape(value)
            for shape, value in zip(self._shape, reply, strict=True)
        ]
