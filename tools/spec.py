"""Declarative tool specs: what a prompt engineer edits to add or tune a command, without code.

A spec names the tool, describes it for the model, lists the arguments the model fills (each with a
`kind` that tells the normalizer how to turn the user's phrase into an API value), the role needed,
whether it needs confirmation, which arguments it needs at least one of, and its texts: the reply
template, the confirmation question and the clarifying questions. Each text is a catalog key
(`tool.create_task.reply`, base/locales, docs/catalog.md) — the shipped specs name keys only — or, for a
spec written outside this repository, inline texts per language.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from base import catalog

ArgKind = Literal[
    "text",
    "date",
    "id",
    "ids",
    "task_id",
    "task_ids",
    "person",
    "priority",
    "enum",
    "boolean",
    "scope",
    "status",
]
Role = Literal["member", "manager", "admin"]
# The kinds of an argument that names one object of the domain by its number (`task_id` is the task
# pack's name for `id`): a follow-up ("mark it done") fills it with the object of the previous turn.
ONE_ID: tuple[ArgKind, ...] = ("id", "task_id")
MANY_IDS: tuple[ArgKind, ...] = ("ids", "task_ids")
# A catalog key ("tool.create_task.reply"), or inline texts per language ({en: ..., ar: ...}).
SpecText = str | dict[str, str]


def _known_key(text: SpecText) -> SpecText:
    if isinstance(text, str) and text and not catalog.has(text):
        raise ValueError(f"no text {text!r} in the catalog (base/locales/en.po)")
    return text


_JSON_TYPES: dict[str, str] = {
    "text": "string",
    "date": "string",  # a phrase as the user wrote it; code resolves it
    "id": "string",  # as written ("42", "٤٢", "#42"); code parses it
    "ids": "string",  # as written ("3, 4 and 5", "٣ و٤ و٥"); code parses the list
    "task_id": "string",
    "task_ids": "string",
    "person": "string",
    "priority": "string",
    "enum": "string",
    "boolean": "boolean",
    "scope": "string",
    "status": "string",
}


class ArgSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ArgKind = "text"
    description: str
    required: bool = False
    enum: list[str] | None = None
    ask: SpecText = Field(default_factory=dict)  # the clarifying question when missing
    # false: never shown to the model (its tool list, the router's grammar and prompt); set only by a
    # pack's corrections from the user's words, so a small model's prompt stays as it was.
    routed: bool = True
    # What the core API is sent for a value, where the user's word covers several of the API's values:
    # "open" (not done) is both `open` and `in_progress` to a list — an in-progress task is still to do.
    api_values: dict[str, str | list[str]] = Field(default_factory=dict)

    _ask_known = field_validator("ask")(_known_key)

    @model_validator(mode="after")
    def _api_values_of_its_enum(self) -> ArgSpec:
        unknown = sorted(set(self.api_values) - set(self.enum or self.api_values))
        if unknown:
            raise ValueError(f"api_values maps values outside the enum: {', '.join(unknown)}")
        return self


class OneOf(BaseModel):
    """At least one of these arguments must be given ("change what?"), else the user is asked."""

    model_config = ConfigDict(extra="forbid")

    args: list[str] = Field(min_length=1)
    ask: SpecText = Field(default_factory=dict)  # the question

    _ask_known = field_validator("ask")(_known_key)


class ToolSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    description: str
    args: dict[str, ArgSpec] = Field(default_factory=dict)
    role: Role = "member"
    confirm: bool = False
    reply: SpecText = Field(default_factory=dict)  # the reply template, filled from the result
    # the question above Confirm / Cancel, filled from the arguments and the task acted on
    confirm_text: SpecText = Field(default_factory=dict)
    empty: SpecText = Field(default_factory=dict)  # the reply when a list comes back empty
    line: SpecText = Field(default_factory=dict)  # one item of a list result (default: "#id title · due")
    # template: the reply is rendered in code; model: the result goes back to the model as plain text
    # (results too rich for a template, such as reports) for one more call that phrases the answer.
    reply_mode: Literal["template", "model"] = "template"
    api: dict[str, Any] = Field(default_factory=dict)  # how the call maps to the core API (tools issue)
    # false: never offered to the model (its tool list, the router's prompt and schema); only the pack's
    # corrections, from the user's own words, and slash commands reach it (undo: a model's guess must
    # never revert anything).
    routed: bool = True
    needs_one_of: OneOf | None = None

    _texts_known = field_validator("reply", "confirm_text", "empty", "line")(_known_key)

    @model_validator(mode="after")
    def _one_of_names_arguments(self) -> ToolSpec:
        unknown = [n for n in (self.needs_one_of.args if self.needs_one_of else []) if n not in self.args]
        if unknown:
            raise ValueError(f"needs_one_of names unknown arguments: {', '.join(unknown)}")
        return self

    @field_validator("args")
    @classmethod
    def _names(cls, args: dict[str, ArgSpec]) -> dict[str, ArgSpec]:
        for name in args:
            if not name.isidentifier() or name == "action":
                raise ValueError(f"invalid argument name {name!r}")
        return args

    def api_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """The call's arguments as the core API is sent them (each argument's `api_values`)."""
        mapped = {
            name: self.args[name].api_values[given]
            for name, given in args.items()
            if name in self.args and isinstance(given, str) and given in self.args[name].api_values
        }
        return {**args, **mapped} if mapped else args

    @property
    def required(self) -> list[str]:
        return [n for n, a in self.args.items() if a.required]

    @property
    def offered_args(self) -> dict[str, ArgSpec]:
        """The arguments the model is shown (`routed`)."""
        return {n: a for n, a in self.args.items() if a.routed}

    def json_schema(self) -> dict[str, Any]:
        """The arguments as a JSON schema object (for native tool calling)."""
        props: dict[str, Any] = {}
        for name, arg in self.offered_args.items():
            prop: dict[str, Any] = {"type": _JSON_TYPES[arg.kind], "description": arg.description}
            if arg.enum:
                prop["enum"] = arg.enum
            props[name] = prop
        return {"type": "object", "properties": props, "required": [n for n in self.required if n in props]}

    def router_schema(self) -> dict[str, Any]:
        """One object schema of the router's choice: `action` fixed to this tool, every argument
        present and nullable (small models fill a fixed shape far more reliably than optional keys)."""
        props: dict[str, Any] = {"action": {"type": "string", "const": self.name}}
        for name, arg in self.offered_args.items():
            base: dict[str, Any] = {"type": _JSON_TYPES[arg.kind]}
            if arg.enum:
                base["enum"] = arg.enum
            props[name] = {"anyOf": [base, {"type": "null"}]}
        return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}

    def openai_tool(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.json_schema(),
            },
        }

    def signature(self) -> str:
        """`create_task(title, due?, assignee?, priority?): description` — the router prompt's line."""
        params = ", ".join(n if a.required else f"{n}?" for n, a in self.offered_args.items())
        return f"- {self.name}({params}): {self.description}"


def ref_arg(spec: ToolSpec) -> str | None:
    """The argument that names the one object a tool acts on (an id kind): where a follow-up goes."""
    return next((name for name, arg in spec.args.items() if arg.kind in ONE_ID), None)
