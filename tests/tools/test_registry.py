"""Tool specs and the registry that feeds both native tool calling and the structured router."""

from __future__ import annotations

from pathlib import Path

import pytest

from base.catalog import has, text_of
from tools.registry import ANSWER, ToolRegistry, ToolSpecError, load_specs
from tools.spec import ArgSpec, ToolSpec


def test_shipped_specs_load_and_describe_every_task_action() -> None:
    registry = ToolRegistry.shipped()
    assert registry.names() == [
        "create_task", "list_tasks", "get_task", "complete_task", "complete_tasks", "reopen_task",
        "update_task", "assign_task", "unassign_task", "delete_task", "add_comment", "summary_report",
        "undo_last",
    ]  # fmt: skip
    create = registry.get("create_task")
    assert create is not None and create.required == ["title"]
    assert (
        create.signature()
        == "- create_task(title, due_date?, assignee?, priority?): add a new task or reminder."
    )
    assert registry.get("delete_task").confirm and registry.get("complete_tasks").confirm
    bulk = registry.get("complete_tasks").args["task_ids"]  # not required, but asked for without a filter
    assert bulk.kind == "task_ids" and bulk.ask == "ask.task_ids"
    for spec in registry:  # every text a shipped spec shows is a catalog key, worded in both languages
        for arg in spec.required:
            assert isinstance(spec.args[arg].ask, str), (spec.name, arg)
            assert text_of(spec.args[arg].ask, "en") and text_of(spec.args[arg].ask, "ar"), (spec.name, arg)
        for text in (spec.reply, spec.confirm_text):
            assert text == {} or (isinstance(text, str) and has(text)), spec.name


def test_a_tool_that_is_not_routed_is_never_offered_to_the_model() -> None:
    """`undo_last` and `unassign_task` are reached from the user's words (and /undo) only: the model's
    tool list, the router's schema and its prompt are those of the other tools, byte for byte (prompt
    caches, cassettes)."""
    from agent.router import StructuredRouter
    from prompts.store import PromptStore

    registry = ToolRegistry.shipped()
    undo, unassign = registry.get("undo_last"), registry.get("unassign_task")
    assert undo is not None and not undo.routed and undo.reply == "tool.undo_last.reply"
    assert unassign is not None and not unassign.routed and unassign.reply == "tool.unassign_task.reply"
    without = registry.subset([n for n in registry.names() if n not in ("undo_last", "unassign_task")])
    assert [s.name for s in registry.offered()] == without.names()
    assert registry.openai_tools() == without.openai_tools()
    assert registry.router_schema() == without.router_schema()
    prompt = StructuredRouter(None, registry, PromptStore()).system_prompt()  # type: ignore[arg-type]
    assert prompt == StructuredRouter(None, without, PromptStore()).system_prompt()  # type: ignore[arg-type]
    assert "undo_last" not in prompt and "unassign" not in prompt


def test_corrections_are_switched_off_by_name() -> None:
    from tools.decision import Decision

    registry = ToolRegistry.shipped()
    assert "tasks.undo" in registry.correction_names() and "tasks.new_task" in registry.correction_names()
    undo = Decision(action="reopen_task", args={"task_id": 7})
    assert registry.correct(undo, "undo that", follow_ref=7).action == "undo_last"
    for names in ("undo", "tasks.undo", "mine, undo", ["undo"]):
        off = ToolRegistry.shipped(disabled_corrections=names)
        assert off.correct(undo, "undo that", follow_ref=7) == undo
        kept = off.subset(["reopen_task", "undo_last"])  # a profile's subset keeps them off
        assert kept.correct(undo, "undo that", follow_ref=7) == undo
    with pytest.raises(ValueError, match="no correction named nope"):
        ToolRegistry.shipped(disabled_corrections="undo,nope")


def test_the_corrections_that_changed_a_decision_are_named() -> None:
    """What the evals measure each rule's benefit on (evals/rules.py): only a rule that changed it."""
    from tools.decision import Decision

    registry = ToolRegistry.shipped()
    fired: list[str] = []
    registry.correct(
        Decision(action="reopen_task", args={"task_id": 7}), "undo that", follow_ref=7, fired=fired
    )
    assert fired == ["tasks.undo"]
    fired.clear()
    kept = Decision(action="complete_task", args={"task_id": "7"})
    assert registry.correct(kept, "mark task 7 as done", fired=fired) == kept
    assert fired == []


def test_the_running_corrections_follow_what_is_switched_off_later() -> None:
    """The list of corrections that run is worked out once per set of switched-off names: switching
    one off after the registry has corrected (the list already made) still takes effect."""
    from tools.decision import Decision

    registry = ToolRegistry.shipped()
    undo = Decision(action="reopen_task", args={"task_id": 7})
    assert registry.correct(undo, "undo that", follow_ref=7).action == "undo_last"
    registry.disable_corrections("undo")
    assert registry.correct(undo, "undo that", follow_ref=7) == undo
    registry.disabled_corrections = frozenset()  # set directly: the list is made again
    assert registry.correct(undo, "undo that", follow_ref=7).action == "undo_last"


def test_a_rule_that_returns_an_equal_copy_is_not_named_as_fired() -> None:
    from tools.decision import Decision
    from tools.pack import DomainPack

    def _copy(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
        return decision.model_copy()

    def _same(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
        return decision

    def _changes(decision: Decision, tools: ToolRegistry, text: str, follow_ref: int | None) -> Decision:
        return decision.model_copy(update={"action": "answer"})

    pack = DomainPack(name="p", specs=Path("none.yaml"), corrections=(_copy, _same, _changes))
    registry = ToolRegistry(packs=[pack])
    fired: list[str] = []
    decision = Decision(action="create_task", args={"title": "x"})
    assert registry.correct(decision, "x", fired=fired).action == "answer"
    assert fired == ["p.changes"]
    fired.clear()
    off = ToolRegistry(packs=[pack], disabled_corrections="changes")
    assert off.correct(decision, "x", fired=fired) == decision and fired == []


def test_a_spec_naming_a_text_the_catalog_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="no text"):
        ToolSpec(name="ping_team", description="ping", reply="tool.ping_team.reply")
    inline = ToolSpec(name="ping_team", description="ping", reply={"en": "Pinged {team}."})
    assert text_of(inline.reply, "ar", team="ops") == "Pinged ops."  # a plug-in's own texts: its fallback


def test_native_and_router_schemas_come_from_one_spec() -> None:
    spec = ToolSpec(
        name="assign_task",
        description="give a task to someone",
        args={
            "task_id": ArgSpec(kind="task_id", description="id", required=True),
            "priority": ArgSpec(kind="priority", description="p", enum=["low", "high"]),
        },
    )
    native = spec.openai_tool()["function"]
    assert native["name"] == "assign_task"
    assert native["parameters"]["required"] == ["task_id"]
    assert native["parameters"]["properties"]["priority"]["enum"] == ["low", "high"]
    routed = spec.router_schema()
    assert routed["properties"]["action"] == {"type": "string", "const": "assign_task"}
    assert routed["required"] == ["action", "task_id", "priority"]
    assert {"type": "null"} in routed["properties"]["task_id"]["anyOf"]
    schema = ToolRegistry([spec]).router_schema()
    assert [s["properties"]["action"]["const"] for s in schema["anyOf"]] == ["assign_task", ANSWER]


def test_registry_refuses_duplicates_and_reserved_names() -> None:
    spec = ToolSpec(name="ping_me", description="x")
    registry = ToolRegistry([spec])
    with pytest.raises(ToolSpecError):
        registry.add(spec)
    with pytest.raises(ToolSpecError):
        registry.add(ToolSpec(name=ANSWER, description="x"))
    assert registry.subset(None) is registry
    assert registry.subset([]).names() == []
    assert len(registry.subset(["ping_me", "unknown"])) == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("tools: [", "not valid YAML"),
        ("tools:\n  - {name: Bad Name, description: x}", "tools.0.name"),
        ("tools:\n  - {name: ok_tool, description: x, args: {action: {description: y}}}", "invalid argument"),
        ("tools:\n  - {name: ok_tool, description: x, args: {a: {kind: colour, description: y}}}", "kind"),
        ("tools:\n  - {name: ok_tool}", "description"),
        (
            "tools:\n  - {name: ok_tool, description: x, args: {a: {description: y}},"
            " needs_one_of: {args: [a, b]}}",
            "needs_one_of names unknown arguments: b",
        ),
    ],
)
def test_bad_spec_file_names_the_file_and_field(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ToolSpecError) as info:
        load_specs([path])
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_descriptions_are_replaced_from_the_settings_file_and_an_unknown_tool_is_refused(
    tmp_path: Path,
) -> None:
    """HUDHUD_TOOL_DESCRIPTIONS: how an eval run tries the playground's drafted descriptions."""
    from base.settings import Settings, SettingsError
    from tools.registry import registry_from_settings

    file = tmp_path / "descriptions.yaml"
    file.write_text("descriptions:\n  create_task: add a thing to do.\n", encoding="utf-8")
    registry = registry_from_settings(Settings(_env_file=None, hudhud_tool_descriptions=file))  # type: ignore[call-arg]
    assert registry.get("create_task").signature().endswith("): add a thing to do.")
    assert registry.get("list_tasks").description == ToolRegistry.shipped().get("list_tasks").description
    assert registry.described({"no_such_tool": "x"}).get("create_task") is not None  # skipped per turn
    file.write_text("descriptions:\n  no_such_tool: x\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="HUDHUD_TOOL_DESCRIPTIONS: no tool named no_such_tool"):
        registry_from_settings(Settings(_env_file=None, hudhud_tool_descriptions=file))  # type: ignore[call-arg]


def test_an_argument_not_routed_is_never_shown_to_the_model() -> None:
    spec = ToolRegistry.shipped().get("list_tasks")
    assert spec is not None and "assignee" in spec.args  # set by the pack from the user's words
    assert "assignee" not in spec.signature()
    assert "assignee" not in spec.json_schema()["properties"]
    assert "assignee" not in spec.router_schema()["properties"]


def test_a_value_the_user_says_maps_to_the_values_the_api_takes() -> None:
    listing = ToolRegistry.shipped().get("list_tasks")
    assert listing is not None
    sent = listing.api_args({"scope": "mine", "status": "open"})
    assert sent == {"scope": "mine", "status": ["open", "in_progress"]}
    assert listing.api_args({"status": "done"}) == {"status": "done"}
    with pytest.raises(ValueError, match="outside the enum"):
        ArgSpec(kind="status", description="s", enum=["open", "done"], api_values={"started": "in_progress"})
