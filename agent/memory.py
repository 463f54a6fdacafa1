"""What the agent carries across turns: the history window in, the turn's record out, the context of
the knowledge base and the user's memories, and whether the number is linked to a system user.

Every part is optional: without Redis history or a vector store the agent answers turn by turn.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog

from agent.cues import person_from_facts
from base.turn import ReplyPart, Turn
from memory.context import Context, ContextManager
from memory.longterm import MemoryFull

if TYPE_CHECKING:
    from memory.history import ConversationHistory, HistoryEntry, Window
    from memory.links import IdentityLinks
    from memory.longterm import UserMemories
    from memory.summary import Summarizer

log = structlog.get_logger(__name__)


@dataclass
class ToolRecord:
    name: str
    args: dict[str, Any]
    raw_args: dict[str, Any]
    ok: bool
    confirm: bool = False
    task_id: int | None = None
    error: str | None = None


@dataclass
class AgentMemory:
    history: ConversationHistory | None = None
    summarizer: Summarizer | None = None
    context: ContextManager | None = None
    memories: UserMemories | None = None
    links: IdentityLinks | None = None
    history_tokens: int = 1_024
    summary_every: int = 10
    recent_s: float = 30 * 60  # a follow-up ("mark it done") refers to a task this recent
    _folds: set[asyncio.Task[Any]] = field(default_factory=set, repr=False)

    async def window(self, profile: str, wa_id: str, max_tokens: int) -> Window | None:
        if self.history is None or max_tokens <= 0:
            return None
        return await self.history.window(profile, wa_id, max_tokens=max_tokens)

    async def public_only(self, wa_id: str) -> bool:
        """Numbers not linked to a system user (or blocked) see public documents only."""
        if self.links is None:
            return True
        return await self.links.user_for(wa_id) is None

    async def gather(self, *, profile: str, wa_id: str, query: str, public_only: bool) -> Context:
        if self.context is None:
            return Context()
        return await self.context.gather(profile=profile, wa_id=wa_id, query=query, public_only=public_only)

    async def person(self, profile: str, wa_id: str, phrase: str) -> str | None:
        """The name behind "my manager" / "زميلتي في المشروع", from the user's long-term memories."""
        if self.memories is None:
            return None
        return person_from_facts(phrase, [m.text for m in await self.memories.list(wa_id, profile)])

    async def remember(self, profile: str, wa_id: str, fact: str, turn_id: str) -> bool:
        """False when nothing was stored: no memory store, or the user is at the cap (MemoryFull)."""
        if self.memories is None:
            return False
        try:
            await self.memories.remember(profile, wa_id, fact, turn_id=turn_id)
        except MemoryFull:
            return False
        return True

    async def record(
        self,
        turn: Turn,
        profile: str,
        *,
        text: str,
        lang: str,
        parts: Sequence[ReplyPart],
        tool: ToolRecord | None = None,
    ) -> int:
        """The turn as history entries (user, tool call and result, reply); a retry is recorded once.
        Returns how many messages the conversation has recorded (0: unknown, or recorded before)."""
        if self.history is None:
            return 0
        from memory.history import HistoryEntry

        now = time.time()
        entries = [
            HistoryEntry(
                turn_id=turn.turn_id, role="user", text=text, message_ids=turn.message_ids, lang=lang, ts=now
            )
        ]
        if tool is not None:
            entries.append(
                HistoryEntry(
                    turn_id=turn.turn_id,
                    role="tool",
                    text=f"{tool.name}({', '.join(f'{k}={v}' for k, v in tool.args.items())})",
                    tool_calls=[{"name": tool.name, "args": tool.args, "raw_args": tool.raw_args}],
                    tool_result={
                        "ok": tool.ok,
                        "confirm": tool.confirm,
                        "error": tool.error,
                        "refs": {"task_id": tool.task_id} if tool.task_id is not None else {},
                    },
                    ts=now,
                )
            )
        reply = "\n".join(t for t in (_part_text(p) for p in parts) if t)
        entries.append(HistoryEntry(turn_id=turn.turn_id, role="assistant", text=reply, lang=lang, ts=now))
        return await self.history.append(profile, turn.user.wa_id, turn.turn_id, entries)

    def fold_later(self, profile: str, wa_id: str, *, recorded: int = 0) -> None:
        """Fold older messages into the rolling summary after the reply, off the reply's path.
        `recorded`: the conversation's messages ever recorded (AgentMemory.record), when known: fewer
        than a fold takes (`summary_every`) cannot hold enough to fold, so there is nothing to look at."""
        if self.history is None or self.summarizer is None:
            return
        if 0 < recorded < self.summary_every:
            return
        task = asyncio.create_task(self._fold(profile, wa_id))
        self._folds.add(task)
        task.add_done_callback(self._folds.discard)

    async def _fold(self, profile: str, wa_id: str) -> None:
        assert self.history is not None and self.summarizer is not None
        try:
            await self.summarizer.maybe_fold(
                self.history, profile, wa_id, window_tokens=self.history_tokens, every=self.summary_every
            )
        except Exception as exc:  # a summary is an optimisation: never fail a turn for it
            log.warning("summary fold failed", error=str(exc), wa_id=wa_id)

    async def aclose(self) -> None:
        if self._folds:
            await asyncio.gather(*self._folds, return_exceptions=True)


def _last_tool_entry(window: Window | None, *, now: float, recent_s: float) -> HistoryEntry | None:
    """The conversation's latest tool entry, if it is recent."""
    if window is None:
        return None
    entry = next((e for e in reversed(window.messages) if e.role == "tool"), None)
    return entry if entry is not None and now - entry.ts <= recent_s else None


def last_task_ref(window: Window | None, *, now: float, recent_s: float) -> int | None:
    """The task the latest tool call of the conversation was about, if it is recent."""
    entry = _last_tool_entry(window, now=now, recent_s=recent_s)
    ref = ((entry.tool_result or {}).get("refs") or {}).get("task_id") if entry is not None else None
    return int(ref) if ref is not None else None


def last_tool_call(window: Window | None, *, now: float, recent_s: float) -> dict[str, Any] | None:
    """The latest tool call of the conversation ({"name", "args"}), if recent."""
    entry = _last_tool_entry(window, now=now, recent_s=recent_s)
    return entry.tool_calls[0] if entry is not None and entry.tool_calls else None


def last_exchange(
    window: Window | None, *, now: float, recent_s: float
) -> tuple[str, HistoryEntry | None] | None:
    """The previous user message and its tool entry (None when it was answered in text), if recent."""
    if window is None:
        return None
    entries = list(window.messages)
    for i in range(len(entries) - 1, -1, -1):
        entry = entries[i]
        if entry.role != "user":
            continue
        if now - entry.ts > recent_s:
            return None
        tool = next((e for e in entries[i + 1 :] if e.role == "tool" and e.turn_id == entry.turn_id), None)
        return entry.text, tool
    return None


def _part_text(part: ReplyPart) -> str:
    return str(getattr(part, "text", None) or getattr(part, "caption", None) or "")
