"""Drafts of prompts and tool descriptions, tried in the admin's playground before they are saved.

An admin edits a prompt file's text (named by its file stem, "persona.exec.en", "router") or a tool's
description on the playground page; the draft lives in Redis (hudhud/drafts.py) so every worker sees it.
The worker puts the drafts in effect only around a playground turn (`using_drafts`), and the floors that
read prompts and tool descriptions (prompts/store.py, the agent's tool list) ask `current_drafts()` —
a context variable, like the turn's notebook (base/notes.py): it follows that turn's task and the tasks
it starts, never another turn's, so a real user's turn can never see a draft.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

DraftKind = Literal["prompt", "tool"]
KINDS: tuple[DraftKind, ...] = ("prompt", "tool")
TAG_CHARS = 8  # of the draft text's sha256, in the trace's version label


@dataclass(frozen=True)
class Drafts:
    prompts: Mapping[str, str] = field(default_factory=dict)  # prompt file stem → draft text
    tools: Mapping[str, str] = field(default_factory=dict)  # tool name → draft description

    def __bool__(self) -> bool:
        return bool(self.prompts or self.tools)

    def of(self, kind: DraftKind) -> Mapping[str, str]:
        return self.prompts if kind == "prompt" else self.tools


def draft_tag(text: str) -> str:
    """ "draft-1f0c2a9b": what a trace shows in place of the version of a drafted prompt or tool."""
    return "draft-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:TAG_CHARS]


_drafts: ContextVar[Drafts | None] = ContextVar("hudhud_drafts", default=None)


@contextlib.contextmanager
def using_drafts(drafts: Drafts | None) -> Iterator[None]:
    """The drafts in effect for what runs inside (None: none, e.g. to size the shipped prompts)."""
    token = _drafts.set(drafts or None)
    try:
        yield
    finally:
        _drafts.reset(token)


def current_drafts() -> Drafts | None:
    """The drafts of the playground turn running here; None on every other turn."""
    return _drafts.get()
