"""A domain pack: everything one domain of commands brings, in one folder beside its specs.

A pack is a module that exposes `PACK = DomainPack(...)`: its tool specs (YAML), the corrections of the
router's known misreadings of its commands (each reads the message's own words), how to tell that a
message names one of its objects by number, how its objects are named by title, how it words a result
too rich for a template, and its slash commands. The agent and the service name no
tool: they ask the registry, which holds the packs. `HUDHUD_TOOL_PACKS` lists the packs to load
(module names); the shipped one is `tools.packs.tasks`. docs/tools.md shows how to write one.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from base.commands import CommandResult, CommandRouter
from base.turn import Turn
from tools.decision import Decision
from tools.naming import Naming

if TYPE_CHECKING:
    from tools.registry import ToolRegistry

SHIPPED_PACKS = ("tools.packs.tasks",)

# Runs one of the pack's tools for a slash command, through the same executor as the agent's calls.
RunTool = Callable[[Turn, str, dict[str, Any]], Awaitable[CommandResult]]
LangOf = Callable[[Turn], Awaitable[str]]


class Correction(Protocol):
    """One known misreading put right: returns the decision unchanged unless the message says so.
    `tools` is the registry the turn may use (a rule whose tool is absent must do nothing);
    `follow_ref` is the object of the previous turn a follow-up ("mark it done") points at."""

    def __call__(
        self, decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None
    ) -> Decision: ...


class PackError(ValueError):
    """A pack cannot be loaded; the message names the module."""


@dataclass(frozen=True)
class DomainPack:
    name: str
    specs: Path  # the YAML file of the pack's tools (tools/spec.py)
    corrections: tuple[Correction, ...] = ()
    # True when the message names one of the pack's objects by its number ("task 43", "المهمة ٤٣"):
    # it is then not a follow-up on the previous turn's object.
    names_object: Callable[[str], bool] | None = None
    # How its objects are named by their title ("the slides one"): the id kind, the words that name no
    # object, how to list what the user can see (tools/naming.py).
    naming: Naming | None = None
    # Per tool, "do the message's words say this?" ("احذفها" says delete_task): the router's choice is
    # asked about when its tool has an entry, its words are absent and another tool's are there.
    says: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    # Tools that only show one object, with the words that ask for them: a question with those words
    # ("what's the status of the slides task?") that names one object by its title is answered with
    # it (agent/agent.py). Apart from `says`: a look is never offered against a change.
    shows: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    # Per tool, its result in words, by code, for a result too rich for a template (a report): the
    # counts as the core API gave them, where a model reading them could miscount or invent. None: the
    # spec's reply applies (`reply_mode: model` hands the result to the model).
    renders: Mapping[str, Callable[[Any, str], str | None]] = field(default_factory=dict)
    # Per tool, a question its result cannot answer ("who had it before?", "why is it late?" of a task,
    # whose record holds neither): given the message and the result, the catalog key of the line said
    # before the result (it is still shown, never a guess in its place); None when the result answers.
    beyond: Mapping[str, Callable[[str, Any], str | None]] = field(default_factory=dict)
    # The person the message's words hand something to, as they write it ("ستتولى شهد…": شهد): tried when
    # the core API knows nobody by the model's spelling of them (a transliteration, "Shahed").
    person: Callable[[str], str | None] | None = None
    # Adds the pack's slash commands (/tasks, /new, /done) to the router.
    commands: Callable[[CommandRouter, RunTool, LangOf], None] | None = None


def load_pack(module: str) -> DomainPack:
    try:
        found = importlib.import_module(module)
    except ImportError as exc:
        raise PackError(f"tool pack {module!r} cannot be imported: {exc}") from None
    pack = getattr(found, "PACK", None)
    if not isinstance(pack, DomainPack):
        raise PackError(f"tool pack {module!r} defines no PACK = DomainPack(...)")
    return pack


def load_packs(modules: Iterable[str]) -> list[DomainPack]:
    return [load_pack(m.strip()) for m in modules if m.strip()]
