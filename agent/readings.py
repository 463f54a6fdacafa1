"""Did you mean…? When the router's choice and the message's words disagree, ask instead of guessing.

A destructive or state-changing tool that its pack has words for ("احذفها" says delete, "خلصت" says
done: `DomainPack.says`) is not run when the message has none of its words and has another tool's: the
user gets the likeliest readings as reply buttons (at most 3, titles within WhatsApp's 20 characters) —
"✅ Mark #7 done", "🗑️ Delete #7" — and a tap, a typed number or ordinal ("2", "the first", "الثاني"),
or words that say one of them ("done", "احذف") runs that one through the executor (a delete still asks
for its confirmation). Anything else lets the question lapse and is read as a new message. The rule can
be switched off (`HUDHUD_DISABLED_AGENT_RULES=did_you_mean`).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence

import redis.asyncio as aioredis
from pydantic import BaseModel

from agent import replies
from agent.assent import Assent, read_assent
from base import readahead
from base.catalog import has, t
from base.keys import Keys
from base.responder import Responder
from base.sealing import Sealer, aad_waiting, seal, unseal
from base.text.lexicon import words_of
from base.turn import Button, ButtonsPart, ReplyPart, TextPart, Turn
from base.wording import shorten
from tools.base import ToolCall
from tools.executor import CoreApiExecutor
from tools.naming import ORDINALS
from tools.registry import ToolRegistry

MEAN = "mean:"  # a reading's button id: mean:<token>:<n>
MAX_READINGS = 3  # WhatsApp's reply buttons on one message
_TITLE = 20  # WhatsApp's limit on a reply button's title
_ORDINAL = {w: n for n, phrases in ORDINALS.items() for p in phrases for w in [" ".join(words_of(p))]}

LangOf = Callable[[Turn], Awaitable[str]]


class Offered(BaseModel):
    token: str
    calls: list[ToolCall]  # the readings, normalized, in the order shown
    turn_id: str  # the asking turn: its idempotency keys, whichever way the answer comes


class Readings:
    """The readings offered to a user, kept until they pick one (or it expires)."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, ttl_s: int = 300, sealer: Sealer | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s
        self._sealer = sealer  # the calls carry the user's words: stored encrypted

    async def offer(self, wa_id: str, calls: list[ToolCall], turn_id: str) -> Offered:
        offered = Offered(token=secrets.token_hex(6), calls=calls, turn_id=turn_id)
        value = seal(self._sealer, offered.model_dump_json(), aad_waiting("mean", wa_id))
        readahead.forget(self._keys.readings(wa_id))
        await self._redis.set(self._keys.readings(wa_id), value, ex=self.ttl_s)
        return offered

    async def take(self, wa_id: str) -> Offered | None:
        readahead.forget(self._keys.readings(wa_id))
        return self._open(wa_id, await self._redis.getdel(self._keys.readings(wa_id)))

    async def peek(self, wa_id: str) -> Offered | None:
        raw = readahead.ahead(key := self._keys.readings(wa_id))
        if raw is readahead.MISSING:
            raw = await self._redis.get(key)
        return self._open(wa_id, raw)

    def _open(self, wa_id: str, raw: bytes | None) -> Offered | None:
        if raw is None:
            return None
        return Offered.model_validate_json(unseal(self._sealer, raw, aad_waiting("mean", wa_id)))


def button_title(call: ToolCall, ref: int | None, lang: str) -> str:
    """ "✅ Mark #7 done": the tool's `button` text when the catalog has one, else its title."""
    key = f"tool.{call.name}.button"
    said = t(key, lang, id=ref) if has(key) else t(f"tool.{call.name}.title", lang)
    return shorten(said, _TITLE)


def ask(
    offered: Offered, refs: list[int | None], lang: str, *, question: str = "mean.question"
) -> ButtonsPart:
    buttons = [
        Button(id=f"{MEAN}{offered.token}:{n}", title=button_title(call, ref, lang))
        for n, (call, ref) in enumerate(zip(offered.calls, refs, strict=True))
    ]
    return ButtonsPart(text=t(question, lang), buttons=buttons)


def typed_reading(text: str, offered: Offered, registry: ToolRegistry) -> int | None:
    """Which reading a typed answer picks: "1"…"3", an ordinal, words that say exactly one, or a plain
    yes when only one was offered ("Did you want this instead?" — "ايوه")."""
    if len(offered.calls) == 1 and read_assent(text) is Assent.YES:
        return 0
    said = words_of(text)
    numbers = {int(w) for w in said if w.isdigit() and 1 <= int(w) <= len(offered.calls)}
    ordinals = {_ORDINAL[w] for w in said if w in _ORDINAL and _ORDINAL[w] <= len(offered.calls)}
    picked = numbers | ordinals
    if len(picked) == 1:
        return next(iter(picked)) - 1
    if picked:
        return None
    says = [n for n, call in enumerate(offered.calls) if registry.says(call.name, text)]
    return says[0] if len(says) == 1 else None


async def run_reading(
    executor: CoreApiExecutor, offered: Offered, n: int, turn: Turn, lang: str
) -> list[ReplyPart]:
    """The picked reading, run as its user through the executor (a delete asks for its confirmation)."""
    call = offered.calls[n].model_copy(update={"lang": lang})
    return await run_call(executor, call, turn.model_copy(update={"turn_id": offered.turn_id}), lang)


async def run_call(executor: CoreApiExecutor, call: ToolCall, turn: Turn, lang: str) -> list[ReplyPart]:
    """One call run as its user through the executor (which asks for a confirmation where it must), and
    its result in words."""
    spec = executor.registry.get(call.name)
    assert spec is not None
    result = await executor.execute(call, turn)
    if result.parts:
        return list(result.parts)
    return [TextPart(text=replies.render_result(spec, result, call.args, lang))]


async def tapped(
    executor: CoreApiExecutor, readings: Readings, turn: Turn, payload: str, lang: str
) -> list[ReplyPart]:
    token, _, n = payload.removeprefix(MEAN).partition(":")
    offered = await readings.peek(turn.user.wa_id)
    if offered is None or offered.token != token or not n.isdigit() or int(n) >= len(offered.calls):
        return [TextPart(text=t("mean.expired", lang))]
    await readings.take(turn.user.wa_id)
    return await run_reading(executor, offered, int(n), turn, lang)


class AwaitingReading:
    """Responder in front of the agent: a typed pick among the offered readings runs it; anything else
    lets them lapse and goes on as a new message."""

    def __init__(
        self, inner: Responder, executor: CoreApiExecutor, readings: Readings, lang_of: LangOf
    ) -> None:
        self.inner = inner
        self.executor = executor
        self.readings = readings
        self.lang_of = lang_of

    async def route(self, text: str, *, profile: str = "exec") -> object:
        return await self.inner.route(text, profile=profile)  # type: ignore[attr-defined]

    async def respond(self, turn: Turn, **kwargs: object) -> Sequence[ReplyPart]:
        offered = await self.readings.peek(turn.user.wa_id)
        if offered is not None and not kwargs:
            await self.readings.take(turn.user.wa_id)
            n = typed_reading(turn.text, offered, self.executor.registry)
            if n is not None:
                return await run_reading(self.executor, offered, n, turn, await self.lang_of(turn))
        return await self.inner.respond(turn, **kwargs)  # type: ignore[call-arg]
