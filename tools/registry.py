"""The tool registry: specs loaded from YAML (tools/specs/*.yaml) plus Python tools registered in code.

One registry feeds both native tool calling (`openai_tools`) and the structured router
(`router_schema`), so a tool is described once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from base.yamlfile import YamlFileError, read_model
from tools.spec import ToolSpec

SPECS_DIR = Path(__file__).parent / "specs"
ANSWER = "answer"


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
    def __init__(self, specs: Iterable[ToolSpec] = ()) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for spec in specs:
            self.add(spec)

    @classmethod
    def from_dir(cls, directory: Path = SPECS_DIR) -> ToolRegistry:
        return cls(load_specs(sorted(directory.glob("*.yaml"))))

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
        return self if names is None else ToolRegistry(self._specs[n] for n in names if n in self._specs)

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
