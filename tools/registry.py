"""The tool registry: the domain packs' specs (tools/packs/*/tools.yaml) plus Python tools registered
in code, and the packs themselves, whose corrections and cues the agent reaches only through here.

One registry feeds both native tool calling (`openai_tools`) and the structured router
(`router_schema`), so a tool is described once. A spec with `routed: false` is left out of both: the
model never picks it; the packs' corrections (the user's own words) and slash commands reach it.

Each correction can be switched off by name (`HUDHUD_DISABLED_CORRECTIONS`): the name of its function
without the leading underscore (`new_task`, `undo`), or with its pack's name (`tasks.undo`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from base.settings import Settings, SettingsError
from base.yamlfile import YamlFileError, read_model
from tools.decision import ANSWER, Decision
from tools.naming import Naming
from tools.pack import SHIPPED_PACKS, Correction, DomainPack, load_packs
from tools.spec import ToolSpec

__all__ = ["ANSWER", "ToolRegistry", "ToolSpecError", "load_specs"]


class ToolSpecError(ValueError):
    """A spec file is invalid; the message names the file and the field."""


class _SpecFile(BaseModel):
    tools: list[ToolSpec]


class DescriptionsFile(BaseModel):
    """HUDHUD_TOOL_DESCRIPTIONS: tool descriptions that replace the packs' (a draft under evaluation)."""

    model_config = ConfigDict(extra="forbid")

    descriptions: dict[str, str]


def load_specs(paths: Iterable[Path]) -> list[ToolSpec]:
    specs: list[ToolSpec] = []
    for path in paths:
        try:
            specs.extend(read_model(path, _SpecFile).tools)
        except YamlFileError as exc:
            raise ToolSpecError(str(exc)) from None
    return specs


def correction_name(rule: Correction) -> str:
    """How a correction is named to switch it off: its function's name without the leading underscore."""
    return getattr(rule, "__name__", type(rule).__name__).lstrip("_")


class ToolRegistry:
    def __init__(
        self,
        specs: Iterable[ToolSpec] = (),
        *,
        packs: Iterable[DomainPack] = (),
        disabled_corrections: Iterable[str] | str = (),
    ) -> None:
        self._specs: dict[str, ToolSpec] = {}
        self.packs: tuple[DomainPack, ...] = tuple(packs)
        for spec in specs:
            self.add(spec)
        self.disabled_corrections: frozenset[str] = frozenset()
        self._active: tuple[frozenset[str], tuple[tuple[Correction, str], ...]] | None = None
        self.disable_corrections(disabled_corrections)

    @classmethod
    def from_packs(
        cls, packs: Iterable[DomainPack], *, disabled_corrections: Iterable[str] | str = ()
    ) -> ToolRegistry:
        packs = list(packs)
        return cls(load_specs(p.specs for p in packs), packs=packs, disabled_corrections=disabled_corrections)

    @classmethod
    def shipped(
        cls, modules: Iterable[str] | str = SHIPPED_PACKS, *, disabled_corrections: Iterable[str] | str = ()
    ) -> ToolRegistry:
        """The packs named by module (`HUDHUD_TOOL_PACKS`, comma-separated); by default the shipped
        task pack. Raises PackError or ToolSpecError naming the module, the spec file or the unknown
        correction (`HUDHUD_DISABLED_CORRECTIONS`)."""
        names = modules.split(",") if isinstance(modules, str) else modules
        return cls.from_packs(load_packs(names), disabled_corrections=disabled_corrections)

    @staticmethod
    def _names(pack: DomainPack, rule: Correction) -> tuple[str, str]:
        name = correction_name(rule)
        return name, f"{pack.name}.{name}"

    def correction_names(self) -> list[str]:
        """Every correction of the loaded packs, as `pack.name`, in the order they run."""
        return [self._names(pack, rule)[1] for pack in self.packs for rule in pack.corrections]

    def disable_corrections(self, names: Iterable[str] | str) -> None:
        """Switch corrections off by name (comma-separated or a list); an unknown name is a ValueError
        that lists the known ones."""
        wanted = names.split(",") if isinstance(names, str) else names
        chosen = frozenset(n.strip() for n in wanted if n.strip())
        known = {n for pack in self.packs for rule in pack.corrections for n in self._names(pack, rule)}
        unknown = sorted(chosen - known)
        if unknown:
            raise ValueError(
                f"no correction named {', '.join(unknown)} (known: {', '.join(self.correction_names())})"
            )
        self.disabled_corrections = self.disabled_corrections | chosen

    def correct(
        self, decision: Decision, text: str, *, follow_ref: int | None = None, fired: list[str] | None = None
    ) -> Decision:
        """The decision with the packs' known misreadings of `text` put right (tools/pack.py), but for
        the corrections switched off; `fired` collects the names of those that changed it (what the
        evals measure each rule's benefit on)."""
        for rule, name in self._active_corrections():
            corrected = rule(decision, self, text, follow_ref)
            # A rule that leaves the decision gives it back as it is: the identity check spares
            # pydantic's field-by-field comparison (~40 a turn) and decides the same.
            if fired is not None and corrected is not decision and corrected != decision:
                fired.append(name)
            decision = corrected
        return decision

    def _active_corrections(self) -> tuple[tuple[Correction, str], ...]:
        """The corrections that run, in order, with their `pack.name`: worked out once per set of
        switched-off names (the packs are frozen), not for every rule on every turn."""
        disabled = self.disabled_corrections
        if self._active is None or self._active[0] is not disabled:
            active = tuple(
                (rule, names[1])
                for pack in self.packs
                for rule in pack.corrections
                if disabled.isdisjoint(names := self._names(pack, rule))
            )
            self._active = (disabled, active)
        return self._active[1]

    def names_object(self, text: str) -> bool:
        """The message names one of the packs' objects by its number ("task 43")."""
        return any(p.names_object is not None and p.names_object(text) for p in self.packs)

    def says(self, name: str, text: str) -> bool | None:
        """Do the message's words say tool `name` (`DomainPack.says`)? None: no pack has words for it."""
        found = [pack.says[name] for pack in self.packs if name in pack.says and name in self._specs]
        return any(fn(text) for fn in found) if found else None

    def shows(self, name: str, text: str) -> bool:
        """Tool `name` only shows one object and the message's words ask for it (`DomainPack.shows`)."""
        return name in self._specs and any(name in p.shows and p.shows[name](text) for p in self.packs)

    def beyond(self, name: str, text: str, data: Any) -> str | None:
        """The catalog key of the line that says tool `name`'s result cannot answer what `text` asks
        (`DomainPack.beyond`); None when it can, or no pack says."""
        if name not in self._specs:
            return None
        for pack in self.packs:
            if name in pack.beyond and (key := pack.beyond[name](text, data)) is not None:
                return key
        return None

    def person_named(self, text: str) -> str | None:
        """The person the message's words name, as they write them (`DomainPack.person`); None: no pack
        reads one."""
        for pack in self.packs:
            if pack.person is not None and (found := pack.person(text)) is not None:
                return found
        return None

    def render(self, name: str, data: Any, lang: str) -> str | None:
        """Tool `name`'s result in words by its pack's code (`DomainPack.renders`); None: no pack words it."""
        for pack in self.packs:
            if name in pack.renders and name in self._specs:
                shown = pack.renders[name](data, lang)
                if shown is not None:
                    return shown
        return None

    def other_readings(self, action: str, text: str) -> list[str]:
        """Tools the words say when they do not say `action` (a tool the packs have words for): the
        router's choice and the message disagree. [] when they agree, or nothing can be told."""
        if self.says(action, text) is not False:
            return []
        named = dict.fromkeys(name for pack in self.packs for name in pack.says)
        return [name for name in named if name != action and self.says(name, text)]

    def naming(self, kind: str) -> Naming | None:
        """How objects of this id kind are named by their title, if a pack says (tools/naming.py)."""
        return next((p.naming for p in self.packs if p.naming is not None and p.naming.kind == kind), None)

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
        return ToolRegistry(
            (self._specs[n] for n in names if n in self._specs),
            packs=self.packs,
            disabled_corrections=self.disabled_corrections,
        )

    def without(self, names: frozenset[str]) -> ToolRegistry:
        """This registry less the tools named (those an admin switched off: tools/switches.py)."""
        if names.isdisjoint(self._specs):
            return self
        return self.subset([n for n in self._specs if n not in names])

    def described(self, descriptions: Mapping[str, str], *, strict: bool = False) -> ToolRegistry:
        """This registry with these tools' descriptions replaced (drafts: base/drafts.py). A name it has
        no tool of is skipped (a draft of a tool another profile offers), or, `strict`, an error."""
        unknown = sorted(set(descriptions) - set(self._specs))
        if strict and unknown:
            raise ToolSpecError(f"no tool named {', '.join(unknown)}")
        if not set(descriptions) & set(self._specs):
            return self
        specs = [
            s.model_copy(update={"description": descriptions[s.name]}) if s.name in descriptions else s
            for s in self
        ]
        return ToolRegistry(specs, packs=self.packs, disabled_corrections=self.disabled_corrections)

    def offered(self) -> list[ToolSpec]:
        """The tools the model may pick (`routed`): what its tool list and the router's prompt show."""
        return [s for s in self if s.routed]

    def openai_tools(self) -> list[dict[str, Any]]:
        return [s.openai_tool() for s in self.offered()]

    def router_schema(self) -> dict[str, Any]:
        """anyOf one object per tool plus `{"action": "answer"}`: the grammar the router model fills."""
        answer = {
            "type": "object",
            "properties": {"action": {"type": "string", "const": ANSWER}},
            "required": ["action"],
            "additionalProperties": False,
        }
        return {"anyOf": [*(s.router_schema() for s in self.offered()), answer]}


def registry_from_settings(settings: Settings) -> ToolRegistry:
    """The registry of the domain packs `HUDHUD_TOOL_PACKS` names, less the corrections
    `HUDHUD_DISABLED_CORRECTIONS` switches off, with the descriptions of `HUDHUD_TOOL_DESCRIPTIONS` — the
    one the service and the agent both use; a bad pack, name or file is one SettingsError line."""
    try:
        registry = ToolRegistry.shipped(settings.core.tool_packs)
    except ValueError as exc:  # PackError, ToolSpecError
        raise SettingsError(f"invalid setting HUDHUD_TOOL_PACKS: {exc}") from None
    try:
        registry.disable_corrections(settings.core.disabled_corrections)
    except ValueError as exc:  # a name no loaded pack's correction has
        raise SettingsError(f"invalid setting HUDHUD_DISABLED_CORRECTIONS: {exc}") from None
    if settings.core.tool_descriptions is not None:
        try:
            file = read_model(settings.core.tool_descriptions, DescriptionsFile)
            registry = registry.described(file.descriptions, strict=True)
        except (YamlFileError, ToolSpecError) as exc:
            raise SettingsError(f"invalid setting HUDHUD_TOOL_DESCRIPTIONS: {exc}") from None
    return registry
