"""A typed answer to a waiting confirmation: read in code, before any model sees the message.

While a destructive call waits for Confirm / Cancel (tools/confirm.py), a typed message is first read
for yes or no (agent/assent.py). Only that code confirms: the model is asked at most whether the message
is a clear new command, and a new command about the task the question is about never counts as one, so a
reply to "Delete task 7?" can neither be read as a delete nor turn into a different change of task 7.

- yes → the waiting call runs, exactly as a tap on Confirm would (same idempotency key);
- no → it is cancelled;
- a clear new command (another task, or none: "list my tasks") → the question lapses, said in one line,
  and the command runs; a refusal that goes on ("no, I meant 12") is read the same way, else cancels;
- anything else → the question stays open and is shown again with what to tap or type.

Messages that arrive together are taken in order: "yes" then "and add a task for Monday" confirms first
and passes the rest on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from agent import replies
from agent.assent import BESIDE_NO, NO, Assent, bare_command, opens_with_yes, read_assent
from agent.readings import Readings, ask, run_call
from base.catalog import t
from base.responder import Responder
from base.text.lexicon import words_of
from base.turn import ReplyPart, TextPart, Turn
from tools.asking import confirmation_buttons
from tools.base import ToolCall
from tools.confirm import Pending
from tools.decision import ANSWER, Decision
from tools.executor import CoreApiExecutor
from tools.registry import ToolRegistry
from tools.spec import MANY_IDS, ONE_ID, ToolSpec, ref_arg

LangOf = Callable[[Turn], Awaitable[str]]


async def carry_out(executor: CoreApiExecutor, pending: Pending, turn: Turn, lang: str) -> str:
    """Run a confirmed call as its user and word the result. The idempotency key is the asking turn's:
    a repeated yes or tap cannot run it twice."""
    user = await executor.links.user_for(turn.user.wa_id)
    if user is None:
        return t("confirm.expired", lang)
    spec = executor.registry.get(pending.call.name)
    assert spec is not None
    original = turn.model_copy(update={"turn_id": pending.turn_id})
    result = await executor.run(pending.call, original, user)
    return replies.render_result(spec, result, pending.call.args, lang)


class AwaitingAnswer:
    """Responder in front of the agent: answers what was typed while a confirmation waits."""

    def __init__(
        self, inner: Responder, executor: CoreApiExecutor, lang_of: LangOf, readings: Readings | None = None
    ) -> None:
        self.inner = inner
        self.executor = executor
        self.lang_of = lang_of
        self.readings = readings  # where a change offered instead of a refused one waits for its tap

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        confirmations = self.executor.confirmations
        pending = await confirmations.peek(turn.user.wa_id)
        if pending is None:
            return await self.inner.respond(turn)
        first, rest = turn.messages[0], turn.messages[1:]
        assent = read_assent(first.text)
        lang = await self.lang_of(turn)
        parts: list[ReplyPart] = []
        waiting = _objects(self.executor.registry.get(pending.call.name), pending.call.args)
        routed = None
        if assent is Assent.OTHER or assent is Assent.NO_THEN:
            routed = await _route(self.inner, turn)
            # "yes, delete it", or "delete it" alone: the waiting action's own words answer its question
            said = opens_with_yes(first.text) or bare_command(first.text)
            echo = assent is Assent.OTHER and not rest and said
            if echo and _echoes(routed, pending, waiting, self.executor.registry, first.text):
                assent = Assent.YES  # "yes, delete it": a yes read in code that names the waiting action
        if assent is Assent.YES:
            taken = await confirmations.take(turn.user.wa_id, pending.token)
            done = await carry_out(self.executor, taken, turn, lang) if taken else t("confirm.expired", lang)
            parts.append(TextPart(text=done))
        elif assent is Assent.NO:
            await confirmations.take(turn.user.wa_id, pending.token)
            parts.append(TextPart(text=replies.text("cancelled", lang)))
        else:
            # The whole turn is one new message: a new command, a refusal that goes on, or unclear.
            decided = _new_command(routed, self.executor.registry, not_about=waiting)
            if assent is Assent.NO_THEN and _unsaid_creation(decided, self.executor.registry, first.text):
                # "لا بلاش دلوقتي، لسه مستنية رد شركة التأمين": a refusal and its reason, read as a new
                # task — after a no, something new is made only when the words ask for it.
                decided = None
            corrected = (
                _corrected(routed, pending, waiting, self.executor.registry) if decided is None else None
            )
            if corrected is not None:
                # "wait, not Hazem — give it to Jawaher" while handing it to Hazem waits: the waiting call
                # with the value corrected, run afresh (the executor asks again where it must confirm)
                await confirmations.take(turn.user.wa_id, pending.token)
                call = ToolCall(name=corrected[0], args=corrected[1], lang=lang)
                done = await run_call(self.executor, call, turn, lang)
                return [TextPart(text=t("confirm.lapsed", lang)), *done]
            if decided is not None:
                await confirmations.take(turn.user.wa_id, pending.token)
                answered = await self.inner.respond(turn, decided=decided)  # type: ignore[call-arg]
                return [TextPart(text=t("confirm.lapsed", lang)), *answered]
            if assent is Assent.NO_THEN:
                await confirmations.take(turn.user.wa_id, pending.token)
                instead = _instead(routed, pending, waiting, self.executor.registry)
                if instead is not None and self.readings is not None:
                    # "لا استنى، بدل هيك أجّلها للأحد": no to the question, and another change of the same
                    # task — offered with one tap, never run on a reply to a question.
                    call = ToolCall(name=instead[0], args=instead[1], lang=lang)
                    offered = await self.readings.offer(turn.user.wa_id, [call], turn.turn_id)
                    ref = next(iter(waiting), None)
                    return [ask(offered, [ref], lang, question="confirm.instead")]
                return [TextPart(text=replies.text("cancelled", lang))]
            asked = "\n\n".join(x for x in (t("confirm.still_waiting", lang), pending.question) if x)
            return [confirmation_buttons(asked, pending.token, lang)]
        if rest:
            parts.extend(await self.inner.respond(turn.model_copy(update={"messages": rest})))
        return parts


async def new_command(
    inner: Responder,
    registry: ToolRegistry,
    turn: Turn,
    *,
    not_about: AbstractSet[int] = frozenset(),
) -> Decision | None:
    """The decision on a message typed while a question waits, when it is a command with everything it
    needs and about none of the ids in `not_about`; None otherwise, or when the responder behind cannot
    decide alone (it has no `route`)."""
    return _new_command(await _route(inner, turn), registry, not_about=not_about)


async def _route(inner: Responder, turn: Turn) -> Any | None:
    """The responder's reading of the message without running anything; None when it cannot route."""
    route = getattr(inner, "route", None)
    return None if route is None else await route(turn.text, profile=turn.profile)


def _new_command(
    routed: Any | None, registry: ToolRegistry, *, not_about: AbstractSet[int]
) -> Decision | None:
    if routed is None:
        return None
    spec = registry.get(routed.decision.action)
    prepared = routed.prepared
    if spec is None or prepared is None or prepared.missing or prepared.unclear:
        return None
    if _objects(spec, prepared.args) & not_about:
        return None
    return routed.decision  # type: ignore[no-any-return]


def _unsaid_creation(decided: Decision | None, registry: ToolRegistry, text: str) -> bool:
    """A creating call (no object to act on) whose own words the message does not say after its refusal
    ("no, add a task to call the insurer" says them; "no not now, still waiting…" does not)."""
    spec = registry.get(decided.action) if decided is not None else None
    if spec is None or ref_arg(spec) is not None:
        return False
    words = words_of(text)
    while words and (words[0] in NO or words[0] in BESIDE_NO):
        words = words[1:]
    return registry.says(spec.name, " ".join(words)) is False


def _instead(
    routed: Any | None, pending: Pending, waiting: AbstractSet[int], registry: ToolRegistry
) -> tuple[str, dict[str, Any]] | None:
    """A refusal that goes on with another change of the very object the question is about ("no, wait,
    postpone it to Sunday instead" while deleting it): that change's tool and arguments, complete (an
    object left unnamed — "it" — is the one the question is about); None otherwise."""
    if routed is None or routed.prepared is None or routed.prepared.unclear:
        return None
    spec = registry.get(routed.decision.action)
    if spec is None or spec.name == pending.call.name or len(waiting) != 1:
        return None
    args = _filled(spec, routed.prepared, waiting)
    if args is None:
        return None
    objects = _objects(spec, args)
    return (spec.name, args) if objects and objects <= waiting else None


def _filled(spec: ToolSpec, prepared: Any, waiting: AbstractSet[int]) -> dict[str, Any] | None:
    """The routed call's arguments, an object left unnamed ("it") taken as the one the question is about;
    None when anything else is missing."""
    args, missing = dict(prepared.args), list(prepared.missing)
    ref = ref_arg(spec)
    if ref is not None and missing == [ref]:
        args[ref], missing = next(iter(waiting)), []
    return None if missing else args


def _corrected(
    routed: Any | None, pending: Pending, waiting: AbstractSet[int], registry: ToolRegistry
) -> tuple[str, dict[str, Any]] | None:
    """The waiting action itself, on the same object, with another value ("no wait, not Hazem, give it to
    Jawaher" while handing it to Hazem waits): that corrected call, complete; None otherwise."""
    if routed is None or routed.prepared is None or routed.prepared.unclear or len(waiting) != 1:
        return None
    spec = registry.get(routed.decision.action)
    if spec is None or spec.name != pending.call.name:
        return None
    ref = ref_arg(spec)
    args = _filled(spec, routed.prepared, waiting) if ref is not None else None
    if args is None or _objects(spec, args) != waiting:
        return None
    changed = {k for k, v in args.items() if k != ref and v != pending.call.args.get(k)}
    # ("مو حازم" read as the new person: the waiting value with the word that denies it is no correction)
    if any(str(pending.call.args.get(k)) in str(args[k]) for k in changed if pending.call.args.get(k)):
        return None
    return (spec.name, args) if changed else None


def _echoes(
    routed: Any | None, pending: Pending, waiting: AbstractSet[int], registry: ToolRegistry, text: str
) -> bool:
    """Does the message ask for the very action that waits ("delete it", "delete 7" while deleting 7),
    about no other object? Then its opening yes answers the question rather than starting anything.
    The model's own reading counts too when the message holds no number: "delete it" names no task, which
    the corrections turn into an answer when nothing waits; so do the pack's words for the waiting action
    alone ("اه امسحيها" read by a small model as a completion)."""
    if routed is None:
        return False
    if routed.decision.action == pending.call.name and routed.prepared is not None:
        return _objects(registry.get(pending.call.name), routed.prepared.args) <= waiting
    if any(ch.isdigit() for ch in text):
        return False
    if registry.says(pending.call.name, text) is True:
        return True  # the pack's own words for the waiting action ("اه امسحيها"), whatever the model read
    return getattr(routed, "model_action", "") == pending.call.name and routed.decision.action == ANSWER


def _objects(spec: ToolSpec | None, args: dict[str, Any]) -> set[int]:
    """The ids a call acts on: the values of its id-kind arguments."""
    out: set[int] = set()
    for name, arg in (spec.args if spec is not None else {}).items():
        if arg.kind in ONE_ID or arg.kind in MANY_IDS:
            value = args.get(name)
            out.update(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, int))
    return out
