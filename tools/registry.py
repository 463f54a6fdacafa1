"""The tool registry: the domain packs' specs (tools/packs/*/tools.yaml) plus Python tools registered
in code, and the packs themselves, whose corrections and cues the agent reaches only through here.

One registry feeds both native tool calling (`openai_tools`) and the structured router
(`router_schema`), so a tool is described once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from base.yamlfile import YamlFileError, read_model
from tools.decision import ANSWER, Decision
from tools.pack import SHIPPED_PACKS, DomainPack, load_packs
from tools.spec import ToolSpec

__all__ = ["ANSWER", "ToolRegistry", "ToolSpecError", "load_specs"]


class ToolSpecError(ValueError):
    """A spec file is invalid; the message names the file and the field."""


class _SpecFile(BaseModel):
    tools: list[ToolSpec]


def load_specs(paths: Iterable[Path]) -> list[ToolSpec]:
    specs: list[ToolSpec] = []
    for path in paths:
        try:
            specs.extend(read_model(path, _SpecFile).tools)
        except YamlFileError as exc:
            raise ToolSpecError(str(exc)) from None
    return specs


class ToolRegistry:
    def __init__(self, specs: Iterable[ToolSpec] = (), *, packs: Iterable[DomainPack] = ()) -> None:
        self._specs: dict[str, ToolSpec] = {}
        self.packs: tuple[DomainPack, ...] = tuple(packs)
        for spec in specs:
            self.add(spec)

    @classmethod
    def from_packs(cls, packs: Iterable[DomainPack]) -> ToolRegistry:
        packs = list(packs)
        return cls(load_specs(p.specs for p in packs), packs=packs)

    @classmethod
    def shipped(cls, modules: Iterable[str] | str = SHIPPED_PACKS) -> ToolRegistry:
        """The packs named by module (`HUDHUD_TOOL_PACKS`, comma-separated); by default the shipped
        task pack. Raises PackError or ToolSpecError naming the module or the spec file."""
        names = modules.split(",") if isinstance(modules, str) else modules
        return cls.from_packs(load_packs(names))

    def correct(self, decision: Decision, text: str, *, follow_ref: int | None = None) -> Decision:
        """The decision with the packs' known misreadings of `text` put right (tools/pack.py)."""
        for pack in self.packs:
            for rule in pack.corrections:
                decision = rule(decision, self, text, follow_ref)
        return decision

    def names_object(self, text: str) -> bool:
        """The message names one of the packs' objects by its number ("task 43")."""
        return any(p.names_object is not None and p.names_object(text) for p in self.packs)

    def add(self, spec: ToolSpec) -> None:
        if spec.name in self._specs or spec.name == ANSWER:
            raise ToolSpecError(f"tool {spec.name!r} is defined twice or uses a reserved name")
        self._specs[spec.name] = spec

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    def __iter__(self):
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def names(self) -> list[str]:
        return list(self._specs)

    def subset(self, names: Iterable[str] | None) -> ToolRegistry:
        if names is None:
            return self
        return ToolRegistry((self._specs[n] for n in names if n in self._specs), packs=self.packs)

    def openai_tools(self) -> list[dict[str, Any]]:
        return [s.openai_tool() for s in self]

    def router_schema(self) -> dict[str, Any]:
        """anyOf one object per tool plus `{"action": "answer"}`: the grammar the router model fills."""
        answer = {
            "type": "object",
            "properties": {"action": {"type": "string", "const": ANSWER}},
            "required": ["action"],
            "additionalProperties": False,
        }
        return {"anyOf": [*(s.router_schema() for s in self), answer]}
