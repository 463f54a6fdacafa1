"""Slash commands of the exec bot, answered in code through the same executor as the agent's tools:
/link, /unlink, /forget, /cancel, the Confirm / Cancel buttons and typed answers to them
(agent/awaiting.py), the list of objects named by their title and picks from it (agent/picking.py),
plus each domain pack's own commands (the task pack's /tasks, /new, /done: tools/packs/tasks/commands.py)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from agent import replies
from agent.awaiting import AwaitingAnswer, carry_out
from agent.picking import AwaitingChoice, picked
from agent.readings import MEAN, AwaitingReading, Readings, tapped
from base import readahead
from base.catalog import t
from base.commands import CommandResult, CommandRouter
from base.turn import Turn
from tools.base import ToolCall
from tools.client import CoreApiError
from tools.confirm import CANCEL, CONFIRM
from tools.executor import CoreApiExecutor, explain
from tools.naming import PICK

LangOf = Callable[[Turn], Awaitable[str]]  # always a language: the bot answers commands in one

_CODE = re.compile(r"^\D*?(\d{8})\D*$")


def link_code_in(text: str) -> str | None:
    """An eight-digit link code said in words ("my code is 12345678", in Arabic too: cues.LINK_WORDS)."""
    from agent.cues import LINK_WORDS
    from base.text.folding import to_latin_digits

    latin = to_latin_digits(text)
    found = _CODE.match(latin.strip())
    return found[1] if found and any(w in latin.lower() for w in LINK_WORDS) else None


def register_tool_commands(
    router: CommandRouter,
    executor: CoreApiExecutor,
    lang_of: LangOf,
    *,
    forget_data: Callable[[str], Awaitable[object]] | None = None,
) -> None:
    """`forget_data(wa_id)` deletes what the memory layer holds (history, memories, message bodies)."""
    links, client = executor.links, executor.client
    router.use_language(lang_of)

    async def run(turn: Turn, name: str, args: dict[str, object]) -> CommandResult:
        spec = executor.registry.get(name)
        assert spec is not None
        lang = await lang_of(turn)
        result = await executor.execute(ToolCall(name=name, args=args, lang=lang), turn)
        if result.parts:
            return result.parts
        return replies.render_result(spec, result, args, lang)

    async def link(turn: Turn, args: str) -> CommandResult:
        code = link_code_in(f"code {args}")
        lang = await lang_of(turn)
        if code is None:
            return t("link.usage", lang)
        try:
            linked = await client.service(
                "POST", "/link-codes/redeem", json={"code": code, "wa_id": turn.user.wa_id}
            )
            user_id = int(linked["user_id"])
            me = await client.as_user(user_id, "GET", "/users/me")
        except CoreApiError as exc:
            return t("link.failed", lang, reason=explain(exc, lang))
        await links.link(turn.user.wa_id, user_id, display_name=me.get("display_name"), role=me.get("role"))
        return t("link.done", lang, name=me.get("display_name") or me.get("username"))

    async def unlink(turn: Turn, args: str) -> CommandResult:
        removed = await links.unlink(turn.user.wa_id)
        lang = await lang_of(turn)
        try:
            await client.service("DELETE", f"/links/{turn.user.wa_id}")
        except CoreApiError as exc:
            if exc.status != 404:
                return t("unlink.partial", lang, reason=explain(exc, lang))
        return replies.text("unlinked" if removed else "not_linked", lang)

    async def cancel(turn: Turn, args: str) -> CommandResult:
        cancelled = await executor.confirmations.cancel(turn.user.wa_id)
        cancelled = await executor.choices.cancel(turn.user.wa_id) or cancelled
        return replies.text("cancelled" if cancelled else "nothing_to_cancel", await lang_of(turn))

    async def confirmed(turn: Turn, payload: str) -> CommandResult:
        pending = await executor.confirmations.take(turn.user.wa_id, payload.removeprefix(CONFIRM))
        if pending is None:
            return t("confirm.expired", await lang_of(turn))
        return await carry_out(executor, pending, turn, await lang_of(turn))

    async def cancelled(turn: Turn, payload: str) -> CommandResult:
        pending = await executor.confirmations.take(turn.user.wa_id, payload.removeprefix(CANCEL))
        return replies.text("cancelled" if pending else "nothing_to_cancel", await lang_of(turn))

    async def pick(turn: Turn, payload: str) -> CommandResult:
        return await picked(executor, turn, payload, await lang_of(turn))

    async def forget(turn: Turn, args: str) -> CommandResult:
        link = await links.user_for(turn.user.wa_id)
        if link is not None and link.user_id is not None:  # the undo record names tasks by title
            await executor._redis.delete(executor._keys.undo(link.user_id))
        await unlink(turn, "")  # here and in the core API's mirror
        await executor.confirmations.cancel(turn.user.wa_id)
        await executor.choices.cancel(turn.user.wa_id)
        lang = await lang_of(turn)  # before the preferences are gone
        readahead.forget(executor._keys.prefs(turn.user.wa_id))
        await executor._redis.delete(executor._keys.prefs(turn.user.wa_id))
        if forget_data is not None:
            await forget_data(turn.user.wa_id)
            return t("forget.done_all", lang)
        return t("forget.done_link", lang)

    router.add("forget", forget, help="help.forget")
    router.add("link", link, help="help.link", usage="usage.link")
    router.add("unlink", unlink, help="help.unlink")
    for pack in executor.registry.packs:
        if pack.commands is not None:
            pack.commands(router, run, lang_of)
    router.add("cancel", cancel, help="help.cancel")
    router.on_payload(CONFIRM, confirmed)
    router.on_text(link_code_in, link)
    router.on_payload(CANCEL, cancelled)
    router.on_payload(PICK, pick)
    # Typed answers to a waiting confirmation, then to a waiting list of tasks named by their title, are
    # read in code before the agent sees them.
    readings = Readings(executor._redis, executor._keys, sealer=executor.sealer)

    async def meant(turn: Turn, payload: str) -> CommandResult:
        return await tapped(executor, readings, turn, payload, await lang_of(turn))

    router.on_payload(MEAN, meant)
    # Typed answers — to a confirmation, a list of tasks, readings of an unclear command — are read
    # in code before the agent sees them, the confirmation first.
    behind = AwaitingReading(router.fallback, executor, readings, lang_of)
    router.fallback = AwaitingAnswer(AwaitingChoice(behind, executor, lang_of), executor, lang_of, readings)
