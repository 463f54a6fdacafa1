"""A second tool domain, for the tests only: leave requests (ask for days off, list them, cancel one).

It proves the domain-pack seam: its specs, its correction, its cue and its slash command reach the agent
and the executor through the registry (`HUDHUD_TOOL_PACKS=tools.packs.tasks,tests.packs.leave`), and
nothing outside tests/ knows it exists. Its API is `tests/packs/leave/api.py`, served on loopback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from base.commands import CommandResult, CommandRouter
from base.text.folding import fold, to_latin_digits
from base.text.lexicon import word_set, words_of
from base.turn import Turn
from tools.decision import Decision
from tools.pack import DomainPack, LangOf, RunTool

if TYPE_CHECKING:
    from tools.registry import ToolRegistry

_CANCEL = word_set("cancel withdraw drop")
_REQUEST_NUMBER = re.compile(r"\b(?:request|leave)\s*#?\s*\d", re.IGNORECASE)


def names_request(text: str) -> bool:
    """ "request 3", "leave #3": the message names a leave request by its number."""
    return bool(_REQUEST_NUMBER.search(fold(to_latin_digits(text))))


def _cancel_not_request(
    decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
) -> Decision:
    """ "cancel leave request 2" read as a new request: a message that says cancel and names a request
    cancels that request."""
    if decision.action != "request_leave" or tools.get("cancel_leave") is None:
        return decision
    number = re.search(r"\d+", to_latin_digits(text))
    if not set(words_of(text)) & _CANCEL or number is None or not names_request(text):
        return decision
    return decision.model_copy(update={"action": "cancel_leave", "args": {"request_id": number[0]}})


def _commands(router: CommandRouter, run: RunTool, lang_of: LangOf) -> None:
    async def leaves(turn: Turn, args: str) -> CommandResult:
        return await run(turn, "list_leave", {})

    router.add("leaves", leaves, help="Your leave requests")


PACK = DomainPack(
    name="leave",
    specs=Path(__file__).with_name("tools.yaml"),
    corrections=(_cancel_not_request,),
    names_object=names_request,
    commands=_commands,
)
