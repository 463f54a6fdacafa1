"""Reads taken ahead for one turn: the keys every turn's responders read, asked of Redis in the round trip
the worker makes anyway before a turn is answered, instead of one round trip each.

Before the responder chain runs, the worker reads `turn_reads(keys, wa_id)` (the pending confirmation,
pick and reading, the switched-off tools, the user's preferences and link) in its own pipeline and runs
the chain inside `reading_ahead(values)`. A store reading one of these keys asks `ahead(key)` first and
Redis only when it says MISSING — always, outside a turn (the admin API, the CLI, tests).

What keeps it right: the conversation lease lets one turn of a user run at a time, so a value read a few
milliseconds early is what Redis would answer then too — unless this turn writes the key itself. Every
writer of these keys calls `forget(key)` (a no-op outside a turn), so a read after a write goes to Redis.
A value that another process changes meanwhile (an admin switching a tool off) is seen by the next turn,
as it would be had the read come a few milliseconds later.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final, Literal

from base.keys import Keys

Command = Literal["get", "smembers", "hgetall"]

MISSING: Final = object()

# The values of this turn's reads by key; shared (not copied) by the tasks the turn starts, so that a
# write in one of them is forgotten for all.
_AHEAD: ContextVar[dict[str, Any] | None] = ContextVar("hudhud_read_ahead", default=None)


def turn_reads(keys: Keys, wa_id: str) -> list[tuple[Command, str]]:
    """The keys a turn's responders read for this user, with the Redis command that reads each (the
    value is what redis-py answers for it: bytes or None, a set of bytes, a dict of bytes)."""
    return [
        ("get", keys.confirmation(wa_id)),  # tools/confirm.py, agent/awaiting.py
        ("get", keys.choice(wa_id)),  # tools/naming.py, agent/picking.py
        ("get", keys.readings(wa_id)),  # agent/readings.py
        ("smembers", keys.tools_off),  # tools/switches.py
        ("hgetall", keys.prefs(wa_id)),  # agent/prefs.py
        ("get", keys.link(wa_id)),  # memory/links.py
    ]


@contextmanager
def reading_ahead(values: Mapping[str, Any]) -> Iterator[None]:
    """Serve these values (by key) to the stores' reads until the block ends."""
    token = _AHEAD.set(dict(values))
    try:
        yield
    finally:
        _AHEAD.reset(token)


def ahead(key: str) -> Any:
    """The value read ahead for `key` in this turn; MISSING when none was (or it was written since)."""
    values = _AHEAD.get()
    return MISSING if values is None else values.get(key, MISSING)


def forget(*keys: str) -> None:
    """These keys are being written: later reads in this turn go to Redis."""
    values = _AHEAD.get()
    if values:
        for key in keys:
            values.pop(key, None)
