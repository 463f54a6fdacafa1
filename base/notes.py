"""What a turn did, noted by the floors that did it, for the interaction log and the aggregates.

The worker opens a notebook around each turn's responder (`taking_notes`); the command router, the agent
and the tool executor, which sit on floors that cannot know the worker, write into whichever notebook
is open (`note_path`, `note_model`, `note_tool`). A turn opened for inspection (the admin's playground,
`hudhud chat`) also keeps what each model call was given and answered (agent/rendered.py). Outside a
turn (evals, tests that call a responder directly) there is none and every note is dropped. A context
variable, like the log's trace binding: it follows the turn's task and every task the turn starts, and
never another turn's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

TurnPath = Literal["command", "knowledge", "small_talk", "other"]
PATHS: tuple[TurnPath, ...] = ("command", "knowledge", "small_talk", "other")
# A turn that mixes paths (a slash command and a question) is reported as its weightiest one.
_WEIGHT = {"other": 0, "small_talk": 1, "knowledge": 2, "command": 3}


@dataclass
class ToolNote:
    tool: str
    outcome: str  # ok | error | unavailable | declined:<why> (tools/executor.py)
    status: int  # the core API's HTTP status; 0 when it was not reached
    ms: float

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def refused(self) -> bool:
        """Refused rather than failed: the core API said no to this user, or the user's undo was declined."""
        return self.status in (401, 403) or self.outcome.startswith("declined")


@dataclass
class TurnNotes:
    path: TurnPath = "other"
    action: str = ""  # the agent's action (a tool's name, or "answer")
    outcome: str = ""  # the agent's outcome (agent/agent.py AgentTrace.outcome)
    tools: list[ToolNote] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    model_ms: float = 0.0
    model_calls: int = 0
    inspect: bool = False  # keep the model calls' prompts: a turn someone is looking into
    calls: list[dict[str, Any]] = field(default_factory=list)  # until the agent's trace takes them


_notes: ContextVar[TurnNotes | None] = ContextVar("hudhud_turn_notes", default=None)


@contextlib.contextmanager
def taking_notes(*, inspect: bool = False) -> Iterator[TurnNotes]:
    """A fresh notebook for the turn run inside."""
    notes = TurnNotes(inspect=inspect)
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def note_path(path: TurnPath, *, action: str = "", outcome: str = "") -> None:
    notes = _notes.get()
    if notes is None:
        return
    if _WEIGHT[path] >= _WEIGHT[notes.path]:
        notes.path = path
    notes.action = action or notes.action
    notes.outcome = outcome or notes.outcome


def note_model(*, tokens_in: int, tokens_out: int, ms: float, calls: int = 1) -> None:
    notes = _notes.get()
    if notes is None:
        return
    notes.tokens_in += tokens_in
    notes.tokens_out += tokens_out
    notes.model_ms += ms
    notes.model_calls += calls


def note_tool(tool: str, outcome: str, status: int, ms: float) -> None:
    notes = _notes.get()
    if notes is not None:
        notes.tools.append(ToolNote(tool, outcome, status, round(ms, 1)))


def inspect_turn() -> None:
    """The open notebook's turn is being looked into: keep its model calls (a channel's choice)."""
    notes = _notes.get()
    if notes is not None:
        notes.inspect = True


def inspected() -> TurnNotes | None:
    """The open notebook when its turn is being looked into, else None."""
    notes = _notes.get()
    return notes if notes is not None and notes.inspect else None


def take_calls() -> list[dict[str, Any]]:
    """The model calls noted since the last take (each lands in one agent trace)."""
    notes = inspected()
    if notes is None:
        return []
    calls, notes.calls = notes.calls, []
    return calls
