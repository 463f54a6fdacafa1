"""The task domain's slash commands: /tasks, /new <title>, /done <numbers>, /undo. Each runs one of the
pack's tools through the executor, like a call the agent decided on (role checks, confirmation, the
trace)."""

from __future__ import annotations

from base.catalog import t
from base.commands import CommandResult, CommandRouter
from base.text.numbers import parse_int_list
from base.turn import Turn
from tools.pack import LangOf, RunTool


def register(router: CommandRouter, run: RunTool, lang_of: LangOf) -> None:
    async def tasks(turn: Turn, args: str) -> CommandResult:
        return await run(turn, "list_tasks", {"scope": "mine"})

    async def new(turn: Turn, args: str) -> CommandResult:
        if not args:
            return t("new.usage", await lang_of(turn))
        return await run(turn, "create_task", {"title": args})

    async def done(turn: Turn, args: str) -> CommandResult:
        ids = parse_int_list(args) or []
        if not ids:
            return t("done.usage", await lang_of(turn))
        if len(ids) == 1:
            return await run(turn, "complete_task", {"task_id": ids[0]})
        return await run(turn, "complete_tasks", {"task_ids": ids})  # asks for confirmation

    async def undo(turn: Turn, args: str) -> CommandResult:
        return await run(turn, "undo_last", {})  # the user's own last change (tools/undo.py)

    router.add("tasks", tasks, help="help.tasks")
    router.add("new", new, help="help.new", usage="usage.new")
    router.add("done", done, help="help.done", usage="usage.done")
    router.add("undo", undo, help="help.undo")
