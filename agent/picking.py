"""A task named by its title, picked from a list: a tap on a row, or a typed answer, runs the waiting
call on that object (tools/naming.py). Read in code before any model sees the message.

- a row tapped, or a typed pick — the number ("12"), an ordinal ("the second one", "الثانية", "التاني",
  "tani") or title words that leave one — runs the call with that id, through the executor: a
  destructive call still asks for its confirmation;
- a clear new command → the list is set aside, said in one line, and the command runs;
- anything else → the list stays open and is shown again with what to tap or type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from agent import replies
from agent.awaiting import new_command
from base.catalog import t
from base.responder import Responder
from base.turn import ReplyPart, TextPart, Turn
from tools.base import ToolCall, ToolResult
from tools.decision import Decision
from tools.executor import CoreApiExecutor, choice_list
from tools.naming import PendingChoice, parse_row, typed_pick
from tools.spec import ToolSpec

LangOf = Callable[[Turn], Awaitable[str]]


def render_named(spec: ToolSpec, result: ToolResult, args: dict[str, Any], arg: str, lang: str) -> str:
    """The tool's reply, and — for an object the user named by its title — its number and title from
    the tool's result, so the user sees which one was acted on."""
    said = replies.render_result(spec, result, args, lang)
    data = result.data if isinstance(result.data, dict) else {}
    title = data.get("title")
    if result.ok and not result.confirm and title and str(title) not in said:
        said = f"{said}\n{t('pick.chosen', lang, id=data.get('id', args.get(arg)), title=title)}"
    return said


async def act_on(
    executor: CoreApiExecutor, pending: PendingChoice, object_id: int, turn: Turn, lang: str
) -> list[ReplyPart]:
    """Run the waiting call with the picked id, as its user (confirmation first when it needs one)."""
    spec = executor.registry.get(pending.call.name)
    assert spec is not None
    call: ToolCall = pending.call.model_copy(
        update={"args": {**pending.call.args, pending.arg: object_id}, "lang": lang}
    )
    # The asking turn's id: the idempotency key of the call is the same however the pick arrives.
    original = turn.model_copy(update={"turn_id": pending.turn_id})
    result = await executor.execute(call, original)
    if result.parts:
        return list(result.parts)
    return [TextPart(text=render_named(spec, result, call.args, pending.arg, lang))]


async def picked(executor: CoreApiExecutor, turn: Turn, payload: str, lang: str) -> list[ReplyPart]:
    """A row of the list tapped."""
    row = parse_row(payload)
    pending = await executor.choices.peek(turn.user.wa_id)
    if row is None or pending is None or row[1] not in {o.id for o in pending.options}:
        return [TextPart(text=t("pick.expired", lang))]
    taken = await executor.choices.take(turn.user.wa_id, row[0])
    if taken is None:
        return [TextPart(text=t("pick.expired", lang))]
    return await act_on(executor, taken, row[1], turn, lang)


class AwaitingChoice:
    """Responder in front of the agent: answers what was typed while a list of objects waits."""

    def __init__(self, inner: Responder, executor: CoreApiExecutor, lang_of: LangOf) -> None:
        self.inner = inner
        self.executor = executor
        self.lang_of = lang_of

    async def route(self, text: str, *, profile: str = "exec") -> Any:
        return await self.inner.route(text, profile=profile)  # type: ignore[attr-defined]

    async def respond(self, turn: Turn, *, decided: Decision | None = None) -> Sequence[ReplyPart]:
        choices = self.executor.choices
        pending = await choices.peek(turn.user.wa_id)
        if decided is not None:  # a new command already read (a confirmation lapsed): the list goes too
            if pending is not None:
                await choices.take(turn.user.wa_id, pending.token)
            return await self.inner.respond(turn, decided=decided)  # type: ignore[call-arg]
        if pending is None:
            return await self.inner.respond(turn)
        first, rest = turn.messages[0], turn.messages[1:]
        lang = await self.lang_of(turn)
        registry = self.executor.registry
        spec = registry.get(pending.call.name)
        naming = registry.naming(spec.args[pending.arg].kind) if spec is not None else None
        option = typed_pick(first.text, pending.options, naming)
        if option is not None:
            taken = await choices.take(turn.user.wa_id, pending.token)
            if taken is None:
                return [TextPart(text=t("pick.expired", lang))]
            parts = await act_on(self.executor, taken, option.id, turn, lang)
            if rest:
                parts.extend(await self.inner.respond(turn.model_copy(update={"messages": rest})))
            return parts
        decision = await new_command(self.inner, registry, turn)
        if decision is not None:
            await choices.take(turn.user.wa_id, pending.token)
            answered = await self.inner.respond(turn, decided=decision)  # type: ignore[call-arg]
            return [TextPart(text=t("pick.lapsed", lang)), *answered]
        asked = "\n\n".join([t("pick.still_waiting", lang), pending.question])
        return [choice_list(asked, pending.token, pending.options, turn, lang)]
