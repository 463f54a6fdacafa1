"""Skipping the search when nothing can match: a question is embedded (~20 ms of CPU on a small VM) only
when the knowledge base, or the asking user's memories, hold something."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memory.vectors import VectorCollection, Where


class Occupied:
    """Which scopes (the knowledge base, one user's memories) were lately seen holding something, so
    that a search asks Chroma first only when it may find nothing.

    Only "something is there" is remembered, for `hold_s`: acting on it late costs at most a search that
    finds nothing, as before. "Nothing is there" is never remembered: it is asked again on every turn, so
    what any process stored (an ingest, a memory) is searched from the next turn on."""

    def __init__(self, *, hold_s: float = 60.0, size: int = 10_000) -> None:
        self.hold_s = hold_s
        self.size = size
        self._until: OrderedDict[str, float] = OrderedDict()

    async def check(self, scope: str, col: VectorCollection, where: Where | None = None) -> bool:
        """Whether `col` (the records `where` selects, named `scope` here) may hold a match."""
        now = time.monotonic()
        if self._until.get(scope, 0.0) > now:
            return True
        if not await col.holds_any(where):
            self._until.pop(scope, None)
            return False
        self._until[scope] = now + self.hold_s
        self._until.move_to_end(scope)
        while len(self._until) > self.size:
            self._until.popitem(last=False)
        return True
