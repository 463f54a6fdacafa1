"""The agent: one turn in, reply parts and tool calls out. It is the pipeline's Responder.

Per turn: detect the user's language (remembered per user), decide — native tool_calls or the
structured router, one Decision type either way — then either answer in free text, ask a clarifying
question when a required argument is missing, or normalize the arguments in code, execute the tool and
render the result with the tool's reply template (no second model call). Every turn leaves a trace:
prompt hashes, model, decision, arguments, outcome, latency and tokens.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import orjson
import redis.asyncio as aioredis
import structlog
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ConfigDict, Field

from agent import replies
from agent.arabizi import ArabiziConverter
from agent.arguments import PreparedArgs, prepare_args
from agent.assent import acknowledges, only_assent
from agent.capabilities import about_me, asks_what_i_do, is_greeting, what_i_do
from agent.claims import action_claim
from agent.cues import is_question, is_small_talk, refers_back, remember_request, said_instead
from agent.examples import BANK, ExampleBank
from agent.language import detect_language, reply_language
from agent.loops import cut_loop
from agent.memory import AgentMemory, ToolRecord, last_exchange, last_task_ref, last_tool_call
from agent.native import NativeToolCaller
from agent.picking import render_named
from agent.prefs import PrefsStore
from agent.profiles import get_profile
from agent.readings import MAX_READINGS, Readings, ask
from agent.rendered import take_rendered
from agent.router import RouterError, StructuredRouter
from agent.tokens import TokenCounter
from base.drafts import Drafts, current_drafts, draft_tag, using_drafts
from base.keys import Keys
from base.notes import TurnPath, note_model, note_path
from base.sealing import Sealer, aad_entry, seal
from base.text.dates import dates_denied, resolve_date_in_text
from base.text.lexicon import AR_LETTERS, is_self, words_of
from base.text.numbers import parse_int
from base.text.priority import normalize_priority
from base.turn import ReplyPart, TextPart, Turn
from memory.context import Context
from prompts.store import SHORT_SHA, Prompt, PromptNotFound, PromptStore
from tools.base import ToolCall, ToolExecutor, ToolResult, UnavailableExecutor
from tools.decision import Decision
from tools.naming import Named
from tools.registry import ANSWER, ToolRegistry
from tools.spec import ToolSpec
from tools.spec import ref_arg as _ref_arg
from tools.switches import ToolSwitches
from tools.undo import UNDO

log = structlog.get_logger(__name__)

ToolMode = Literal["native", "router"]

# Rules of the agent that a setting can switch off, to measure each one's benefit on the dev split:
# withholding a free-text reply that claims an action (agent/claims.py), answering greetings and
# "what can you do?" in code (agent/capabilities.py), asking which was meant when the router's choice
# and the words disagree (agent/readings.py), acting on the task a "new task" names by its title when the
# words say another verb (named_not_new), showing the task a status question names (shown_by_title),
# fixing the edit just made from words said instead of others (text_fixed), and saying that a shown
# object's record cannot answer the question asked of it (not_in_record).
AGENT_RULES = (
    "withhold_claims",
    "capabilities",
    "did_you_mean",
    "named_not_new",
    "shown_by_title",
    "text_fixed",
    "not_in_record",
    "nothing_waiting",
)


def agent_rules_off(value: str, *, env: str) -> frozenset[str]:
    """The rules named in HUDHUD_DISABLED_AGENT_RULES; ValueError names an unknown or refused one."""
    names = frozenset(n.strip() for n in value.split(",") if n.strip())
    unknown = sorted(names - set(AGENT_RULES))
    if unknown:
        raise ValueError(f"unknown rule {unknown[0]!r} (known: {', '.join(AGENT_RULES)})")
    if "withhold_claims" in names and env != "dev":
        raise ValueError("withhold_claims can be switched off only in dev (replies could claim actions)")
    return names


class AgentTrace(BaseModel):
    turn_id: str
    profile: str
    model: str
    mode: ToolMode
    lang: str
    prompts: dict[str, str] = Field(default_factory=dict)
    action: str = ""  # what was done, after the domain packs' corrections in code (tools/pack.py)
    routed_action: str = ""  # the model's own choice, when a correction changed it
    raw_args: dict[str, Any] = Field(default_factory=dict)
    args: dict[str, Any] = Field(default_factory=dict)
    # answered | executed | unchanged (already so: nothing run) | failed | clarify | unclear | confirm |
    # unknown | remembered, and for a task
    # named by its title: pick (a list to choose from) | narrow (too many) | none (no task matches)
    outcome: str = ""
    sources: list[str] = Field(default_factory=list)  # knowledge-base documents given to the answer
    memories: int = 0  # the user's long-term memories given to the answer
    history: int = 0  # history messages in the prompt
    followup_task: int | None = None  # the earlier task a follow-up ("mark it done") was resolved to
    named_task: int | None = None  # the task the user named by its title ("the slides one")
    truncated: bool = False  # the user's text was cut to fit the model's context window
    withheld_claim: str = ""  # a free-text reply's sentence that said an action was done: not sent
    # The rules that changed this turn: the packs' corrections by name (`tasks.overdue`) and the agent's
    # own (AGENT_RULES) — each rule's benefit is measured on the cases where it fired (docs/evals.md).
    rules: list[str] = Field(default_factory=list)
    more: list[dict[str, Any]] = Field(
        default_factory=list
    )  # further changes of the message: action, args, outcome
    ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    model_ms: float = 0.0  # time spent waiting for the model (routing and the written answer)
    model_calls: int = 0
    # What each model call was given and answered (agent/rendered.py): only for a turn someone is
    # looking into (the playground, `hudhud chat`); holds the user's words, so never logged.
    rendered: list[dict[str, Any]] = Field(default_factory=list)


class RouteResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    decision: Decision
    prepared: PreparedArgs | None = None
    # The model's own reading before the pack's corrections (which drop, e.g., a deletion naming no
    # task): what a typed answer to a waiting question is compared with (agent/awaiting.py).
    model_action: str = ""


class Agent:
    def __init__(
        self,
        *,
        llm: BaseChatModel,
        model_name: str,
        mode: ToolMode,
        registry: ToolRegistry,
        prompts: PromptStore,
        executor: ToolExecutor | None = None,
        redis: aioredis.Redis | None = None,
        keys: Keys | None = None,
        sealer: Sealer | None = None,
        timezone: str = "Asia/Riyadh",
        clock: Callable[[], datetime] | None = None,
        trace_maxlen: int = 10_000,
        token_counter: TokenCounter | None = None,
        context_window: int | None = None,
        max_reply_tokens: int = 400,
        kb_reply_tokens: int | None = None,
        kb_context_tokens: int | None = None,
        memory: AgentMemory | None = None,
        models: dict[str, tuple[BaseChatModel, str]] | None = None,
        rules_off: frozenset[str] = frozenset(),
        examples: ExampleBank | None = None,
    ) -> None:
        self.rules_off = rules_off
        self.examples = examples  # the router's retrieved examples (agent/examples.py); None: none
        self.llm = llm
        self.model_name = model_name
        self.memory = memory
        self.models = models or {}  # per bot number (phone_number_id): (model, its name)
        self.mode = mode
        self.registry = registry
        self.prompts = prompts
        self.executor = executor or UnavailableExecutor()
        self.redis = redis
        self.keys = keys
        self.sealer = sealer  # traces and offered readings are stored encrypted
        self.prefs = PrefsStore(redis, keys) if redis is not None and keys is not None else None
        self.readings = (
            Readings(redis, keys, sealer=sealer) if redis is not None and keys is not None else None
        )
        self.switches = ToolSwitches(redis, keys) if redis is not None and keys is not None else None
        self.timezone = timezone
        self.clock = clock or (lambda: datetime.now(ZoneInfo(self.timezone)))
        self.trace_maxlen = trace_maxlen
        self.traces: list[AgentTrace] = []  # the last few, for the chat CLI and tests
        self.token_counter = token_counter
        self.context_window = context_window
        self.max_reply_tokens = max_reply_tokens
        # A grounded answer: its longest reply and the retrieved text it is given (tokens); None = no cap.
        self.kb_reply_tokens = kb_reply_tokens
        self.kb_context_tokens = kb_context_tokens
        self._system_tokens: int | None = None
        self.arabizi = ArabiziConverter()  # Arabizi questions are searched in Arabic script

    # ------------------------------------------------------------------ Responder

    async def respond(self, turn: Turn, *, decided: Decision | None = None) -> Sequence[ReplyPart]:
        """`decided`: a decision `route()` already made on this turn's text (corrections applied), so a
        caller that had to look first (agent/awaiting.py) does not cost a second model call."""
        started = time.perf_counter()
        profile = get_profile(turn.profile)
        llm, model_name = self.models.get(turn.phone_number_id, (self.llm, self.model_name))
        tools = self.registry.subset(profile.tools)
        if self.switches is not None:  # switched off from the dashboard: never offered to the model
            tools = tools.without(await self.switches.off())
        drafts = current_drafts()  # a playground turn's drafts (base/drafts.py); None on a user's turn
        if drafts is not None:
            tools = tools.described(drafts.tools)
        wa_id = turn.user.wa_id
        prefs = await self.prefs.get(wa_id) if self.prefs else None
        lang = detect_language(turn.text, previous=prefs.lang if prefs and prefs.lang else None)  # type: ignore[arg-type]
        reply_lang = (prefs.reply_lang if prefs and prefs.reply_lang else None) or reply_language(lang)
        if self.prefs and (prefs is None or prefs.lang != lang):
            await self.prefs.set(wa_id, lang=lang)
        tz = (prefs.timezone if prefs and prefs.timezone else None) or self.timezone
        today = self.clock().astimezone(ZoneInfo(tz)).date()

        trace = AgentTrace(
            turn_id=turn.turn_id, profile=profile.name, model=model_name, mode=self.mode, lang=lang
        )
        used = self._base_prompts(profile.persona, reply_lang)
        text = await self.fit(turn.text)
        trace.truncated = text != turn.text
        memory = self.memory
        tool: ToolRecord | None = None
        fact = remember_request(text) if memory is not None and memory.memories is not None else None
        if memory is not None and fact is not None:
            stored = await memory.remember(profile.name, wa_id, fact, turn.turn_id)
            said = replies.text("remembered", reply_lang) if stored else self._memory_full(reply_lang)
            parts: list[ReplyPart] = [TextPart(text=said)]
            trace.outcome = "remembered" if stored else "refused"
        elif "capabilities" not in self.rules_off and (is_greeting(text) or asks_what_i_do(text)):
            parts = [TextPart(text=await self._what_i_do(turn, tools, reply_lang))]
            trace.outcome = "capabilities"
            trace.rules.append("capabilities")
        else:
            window = (
                await memory.window(profile.name, wa_id, await self._history_budget(text)) if memory else None
            )
            if window is not None:  # a retried turn must not see itself as history
                window.messages = [m for m in window.messages if m.turn_id != turn.turn_id]
                window = window if window.messages or window.summary else None
            trace.history = len(window.messages) if window is not None else 0
            now, recent = time.time(), memory.recent_s if memory else 0.0
            follow = refers_back(text)
            ref = last_task_ref(window, now=now, recent_s=recent) if follow else None
            routed = text
            previous = None
            if self.mode == "router" and ref is not None and not tools.names_object(text):
                # The small router misreads a bare "خلها عاجلة" next to the previous exchange, but reads
                # "خلها عاجلة (المهمة 42)" as well as any single command: the task is stated in code.
                routed = f"{text} {replies.text('model.followup_ref', reply_language(lang), id=ref)}"
            elif follow:
                previous = last_exchange(window, now=now, recent_s=recent)
            # "yes, go ahead" with no question of ours waiting (agent/awaiting.py answers those): a yes or a
            # no alone asks for nothing — an action would be a guess, "Sure, I'll go ahead" a promise
            bare = "nothing_waiting" not in self.rules_off and only_assent(text) and not acknowledges(text)
            if bare:
                decision = Decision(action=ANSWER)
                trace.action = ANSWER
            elif decided is None:
                asked_at = time.perf_counter()
                try:
                    decision = await self._decide(llm, routed, tools, used, previous=previous, window=window)
                except RouterError as exc:
                    # The router's JSON was cut at the token limit or malformed (a small model looping on a
                    # long, odd message): nothing is run on a guess, the message is answered instead —
                    # not "something went wrong".
                    log.warning("router failed: answered instead", error=str(exc), turn_id=turn.turn_id)
                    decision = Decision(action=ANSWER)
                    trace.rules.append("router_fallback")
                if len(tools):
                    trace.model_ms += (time.perf_counter() - asked_at) * 1000
                    trace.model_calls += 1
                trace.action, trace.raw_args = decision.action, decision.args
                trace.tokens_in, trace.tokens_out = decision.tokens_in, decision.tokens_out
                decision = tools.correct(decision, text, follow_ref=ref, fired=trace.rules)
                before = last_tool_call(window, now=now, recent_s=recent)  # the edit a message may fix
                fixed = (
                    None
                    if "text_fixed" in self.rules_off
                    else _text_fixed(decision, before, text, tools, today)
                )
                if fixed is not None:
                    decision, ref = fixed  # the object of the edit fixed, not a number of the message
                    trace.rules.append("text_fixed")
                if decision.action == UNDO and decision.more:  # "قصدي ٧٧ مش ٦٩": redo on the task meant
                    decision = _redo_as_before(decision, before, text, today)
            else:
                decision = decided
                trace.action, trace.raw_args = decision.action, decision.args
                trace.tokens_in, trace.tokens_out = decision.tokens_in, decision.tokens_out
            if decision.action != trace.action:
                trace.routed_action, trace.action = trace.action, decision.action
            if bare:
                last = last_task_ref(window, now=now, recent_s=recent)
                said = (
                    replies.text("nothing_waiting_ref", reply_lang, id=last)
                    if last
                    else replies.text("nothing_waiting", reply_lang)
                )
                parts = [TextPart(text=said)]
                trace.outcome = "nothing_waiting"
                trace.rules.append("nothing_waiting")
            elif decision.is_answer and (shown := await self._shown_by_title(turn, text, tools, lang, trace)):
                parts, tool = await self._run_tool(
                    llm, turn, text, tools, shown, reply_lang, today, trace, ref
                )
            elif decision.is_answer or tools.get(decision.action) is None:
                parts = await self._answer_turn(
                    llm, turn, profile.name, text, decision, used, reply_lang, window, trace, tools
                )
                if len(tools) and "withhold_claims" not in self.rules_off:
                    parts = self._without_claims(parts, reply_lang, trace)
            elif (
                named := await self._named_not_new(turn, text, tools, decision, reply_lang, today, trace)
            ) is not None:
                parts, tool = await self._run_tool(
                    llm, turn, text, tools, named, reply_lang, today, trace, ref
                )
            elif (confirmed := self._asked_anyway(text, tools, decision, today, trace)) is not None:
                parts, tool = await self._run_tool(
                    llm, turn, text, tools, confirmed, reply_lang, today, trace, ref
                )
            elif asked := await self._did_you_mean(turn, text, tools, decision, reply_lang, today, trace):
                parts = asked
            else:
                parts, tool = await self._run_tool(
                    llm, turn, text, tools, decision, reply_lang, today, trace, ref
                )
                if decision.more and tool is not None and (tool.ok or tool.confirm):
                    parts = await self._more_changes(
                        llm, turn, text, tools, decision.more, reply_lang, today, trace, tool, parts
                    )
        trace.prompts = PromptStore.hashes(used) | _drafted_tools(tools, drafts)
        trace.ms = round((time.perf_counter() - started) * 1000, 1)
        await self._record(trace, wa_id)
        if memory is not None:
            try:
                recorded = await memory.record(
                    turn, profile.name, text=turn.text, lang=lang, parts=parts, tool=tool
                )
                memory.fold_later(profile.name, wa_id, recorded=recorded)
            except Exception as exc:  # the reply is ready: a history write must not turn it into silence
                log.error("history write failed", error=str(exc), turn_id=turn.turn_id)
        return parts

    def warmup_prompt(self) -> str:
        """The byte-stable system prompt of the router (what a warm turn reuses from the cache)."""
        if self.mode == "router" and len(self.registry):
            return StructuredRouter(self.llm, self.registry, self.prompts).system_prompt()
        return self.prompts.get("persona.exec", "en").text

    async def route(self, text: str, *, profile: str = "exec", today: date | None = None) -> RouteResult:
        """Decide on one message without executing anything (what the routing evals measure)."""
        prof = get_profile(profile)
        tools = self.registry.subset(prof.tools)
        lang = reply_language(detect_language(text))
        raw = await self._decide(self.llm, text, tools, self._base_prompts(prof.persona, lang))
        decision = tools.correct(raw, text)
        spec = tools.get(decision.action)
        prepared = None
        if spec is not None:
            prepared = prepare_args(spec, decision.args, message=text, today=today or self.clock().date())
        return RouteResult(decision=decision, prepared=prepared, model_action=raw.action)

    # ------------------------------------------------------------------ steps

    async def fit(self, text: str) -> str:
        """Cut the user's text so the longest system prompt, the text and the reply fit the model's
        context window, counted with the model's own tokenizer: never overrun it."""
        if self.token_counter is None or self.context_window is None:
            return text
        if self._system_tokens is None:
            with using_drafts(None):  # sized once, on the shipped prompts: a draft never sets a user's budget
                longest = max((self.warmup_prompt(), *self.persona_prompts()), key=len)
            self._system_tokens = await self.token_counter.count(longest) + 16
        budget = self.context_window - self.max_reply_tokens - self._system_tokens
        used = await self.token_counter.count(text)
        if used <= budget:
            return text
        return text[: max(0, int(len(text) * budget / used * 0.95))]

    def persona_prompts(self) -> list[str]:
        """The free-text system prompts (persona + reply style) of both profiles and languages."""
        return [
            self._persona_text(self._base_prompts(f"persona.{name}", lang))
            for name in ("exec", "query")
            for lang in ("ar", "en")
        ]

    def _base_prompts(self, persona: str, lang: str) -> list[Prompt]:
        return [self.prompts.get(persona, lang), self.prompts.get("reply-style", lang)]

    async def _decide(
        self,
        llm: BaseChatModel,
        text: str,
        tools: ToolRegistry,
        used: list[Prompt],
        *,
        previous: tuple[str, Any] | None = None,
        window: Any = None,
    ) -> Decision:
        if not len(tools):
            return Decision(action="answer")
        if self.mode == "router":
            router = StructuredRouter(llm, tools, self.prompts)
            used.extend(router.prompts_used())
            examples: list[tuple[str, str]] = []
            if (found := self._bank()) is not None:
                retriever, bank = found
                used.append(bank)
                examples = await retriever.anearest(bank, text)
            return await router.route(text, previous=_previous_route(previous, tools), examples=examples)
        # Native models see the whole history window: a text answer they give is already in context.
        caller = NativeToolCaller(llm, tools)
        earlier = _history_messages(window)
        return await caller.decide([SystemMessage(self._persona_text(used)), *earlier, HumanMessage(text)])

    def _bank(self) -> tuple[ExampleBank, Prompt] | None:
        """The retriever of the router's examples and the bank it retrieves from; None: none are
        (switched off, or a prompts folder of the operator's own without a bank)."""
        if self.mode != "router" or self.examples is None or self.examples.k <= 0:
            return None
        try:
            return self.examples, self.prompts.get(BANK)
        except PromptNotFound:
            return None

    async def warm_examples(self) -> None:
        """Embed the example bank at start-up rather than on the first routed message."""
        if (found := self._bank()) is not None:
            retriever, bank = found
            await retriever.warm(bank)

    async def _history_budget(self, text: str) -> int:
        """History tokens that still fit next to the system prompt, the text, the context and the reply."""
        assert self.memory is not None
        wanted = self.memory.history_tokens
        if wanted <= 0 or self.token_counter is None or self.context_window is None:
            return wanted
        await self.fit("")  # sizes the system prompt once
        assert self._system_tokens is not None
        context = 0
        if self.memory.context is not None:
            context = self.kb_context_tokens or self.memory.context.top_k * 250
        left = self.context_window - self.max_reply_tokens - self._system_tokens - context
        left -= await self.token_counter.count(text)
        return max(0, min(wanted, left))

    def _memory_full(self, lang: str) -> str:
        memories = self.memory.memories if self.memory is not None else None
        return replies.text("memory.full", lang, max=memories.max_per_user if memories is not None else 0)

    async def _what_i_do(self, turn: Turn, tools: ToolRegistry, lang: str) -> str:
        memory = self.memory
        links = memory.links if memory is not None else None
        link = await links.user_for(turn.user.wa_id) if links is not None else None
        knowledge = memory is not None and memory.context is not None
        name = link.display_name if link is not None else None
        return what_i_do(
            tools, lang, linked=links is None or link is not None, knowledge=knowledge, name=name
        )

    def _without_claims(self, parts: list[ReplyPart], lang: str, trace: AgentTrace) -> list[ReplyPart]:
        """No tool ran on the answer path: a reply that says something was done is not sent, and the
        user is asked what to do instead (agent/claims.py)."""
        for part in parts:
            claim = action_claim(replies.without_sources(part.text)) if isinstance(part, TextPart) else None
            if claim is not None:
                log.warning("action claim withheld", turn_id=trace.turn_id)
                trace.outcome, trace.withheld_claim = "clarify", claim
                trace.rules.append("withhold_claims")
                return [TextPart(text=replies.text("claim_withheld", lang))]
        return parts

    async def _answer_turn(
        self,
        llm: BaseChatModel,
        turn: Turn,
        profile: str,
        text: str,
        decision: Decision,
        used: list[Prompt],
        lang: str,
        window: Any,
        trace: AgentTrace,
        tools: ToolRegistry,
    ) -> list[ReplyPart]:
        """A free-text answer grounded in what the knowledge base and the user's memories say; when
        nothing relevant is found for a question, an honest "I don't know" instead of an invention."""
        memory = self.memory
        if memory is None or memory.context is None:
            trace.outcome = "answered"
            if decision.text:
                return [TextPart(text=decision.text)]
            return [TextPart(text=await self._answer(llm, text, used, trace, window=window, lang=lang))]
        public_only = await memory.public_only(turn.user.wa_id)
        query = await self.arabizi.convert(text) if trace.lang == "ar-latn" else text
        context = await memory.gather(
            profile=profile, wa_id=turn.user.wa_id, query=query, public_only=public_only
        )
        trace.sources, trace.memories = context.sources(limit=8), len(context.memories)
        strict = profile == "query" or public_only
        if context.empty and "capabilities" not in self.rules_off and about_me(text):
            # Nothing in the documents, and the message greets or asks about the bot: what it can do,
            # not "I don't know" (agent/capabilities.py about_me).
            trace.outcome = "capabilities"
            trace.rules.append("capabilities")
            return [TextPart(text=await self._what_i_do(turn, tools, lang))]
        if context.empty and not is_small_talk(text) and (is_question(text) or strict):
            trace.outcome = "unknown"
            key = "dont_know_unlinked" if public_only and memory.links is not None else "dont_know"
            return [TextPart(text=replies.text(key, lang))]
        trace.outcome = "answered"
        if decision.text and context.empty:
            return [TextPart(text=decision.text)]
        if self.kb_context_tokens is not None and not context.empty:
            # The retrieved text is what a small model spends most of a grounded answer's time on.
            context = await context.within(self.kb_context_tokens, self._count, lang)
            trace.sources, trace.memories = context.sources(limit=8), len(context.memories)
        capped = llm
        if self.kb_reply_tokens and context.hits:
            capped = llm.bind(max_tokens=min(self.kb_reply_tokens, self.max_reply_tokens))
        answer = await self._answer(capped, text, used, trace, context=context, window=window, lang=lang)
        return [TextPart(text=replies.with_sources(answer, context.sources(), lang))]

    async def _count(self, text: str) -> int:
        """Tokens of `text` with the model's tokenizer (about 4 characters a token without one)."""
        if self.token_counter is None:
            return (len(text) + 3) // 4
        return await self.token_counter.count(text)

    async def _answer(
        self,
        llm: Runnable[Any, BaseMessage],
        text: str,
        used: list[Prompt],
        trace: AgentTrace,
        *,
        context: Context | None = None,
        window: Any = None,
        lang: str = "en",
    ) -> str:
        messages: list[BaseMessage] = [SystemMessage(self._persona_text(used)), *_history_messages(window)]
        summary = window.summary if window is not None else None
        blocks = [replies.text("model.summary_intro", lang, summary=summary)] if summary else []
        if context is not None and not context.empty:
            blocks.append(context.render(lang))
        question = "\n\n".join([*blocks, text]) if blocks else text
        asked_at = time.perf_counter()
        reply = await llm.ainvoke([*messages, HumanMessage(question)])
        trace.model_ms += (time.perf_counter() - asked_at) * 1000
        trace.model_calls += 1
        usage = getattr(reply, "usage_metadata", None) or {}
        trace.tokens_in += int(usage.get("input_tokens", 0))
        trace.tokens_out += int(usage.get("output_tokens", 0))
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        looped = cut_loop(content)
        capped = (getattr(reply, "response_metadata", None) or {}).get("finish_reason") == "length"
        if looped != content or capped:
            content = _whole_sentences(looped)  # cut by a loop or the cap: not in the middle of a sentence
        return content.strip()

    async def _run_tool(
        self,
        llm: BaseChatModel,
        turn: Turn,
        text: str,
        tools: ToolRegistry,
        decision: Decision,
        lang: str,
        today: date,
        trace: AgentTrace,
        follow_ref: int | None = None,
        *,
        position: int = 0,
    ) -> tuple[list[ReplyPart], ToolRecord | None]:
        spec = tools.get(decision.action)
        assert spec is not None
        prepared = prepare_args(spec, decision.args, message=text, today=today)
        ref_arg = _ref_arg(spec)
        if follow_ref is not None and ref_arg is not None:
            given = parse_int(decision.args.get(ref_arg))
            if ref_arg in prepared.missing or given == follow_ref:
                # "mark it done" right after a task was created or shown: that task (the router was
                # told its number, which is not in the user's own words).
                if ref_arg in prepared.missing:
                    prepared.missing.remove(ref_arg)
                prepared.unclear.pop(ref_arg, None)
                prepared.args[ref_arg] = follow_ref
                trace.followup_task = follow_ref
        await self._resolve_people(spec, prepared, turn)
        named_title = ""
        if ref_arg is not None and prepared.missing == [ref_arg] and not prepared.unclear:
            # No number: the object may be named by its title ("mark the slides one done").
            named = await self._name_object(spec, ref_arg, decision, prepared, text, turn, lang)
            if named is not None and named.id is None:
                trace.outcome = named.outcome
                if named.error is not None:
                    return [TextPart(text=replies.text("failed", lang, error=named.error))], None
                return list(named.parts or []), None
            if named is not None and named.id is not None:
                prepared.missing.remove(ref_arg)
                prepared.args[ref_arg] = named.id
                trace.named_task, named_title = named.id, named.title
                _unsay_title(spec, prepared, text, named.title)
        trace.args = prepared.args
        if prepared.unclear:
            trace.outcome = "unclear"
            what = ", ".join(f"“{v}”" for v in prepared.unclear.values())
            return [TextPart(text=replies.text("unclear", lang, what=what))], None
        if prepared.missing:
            trace.outcome = "clarify"
            return [TextPart(text=replies.clarifying_question(spec, prepared.missing, lang))], None
        call = ToolCall(
            name=spec.name,
            args=prepared.args,
            raw_args=decision.args,
            lang=lang,
            position=position,
            also=_as_written(spec, prepared.args, text, tools),
        )
        result = await self.executor.execute(call, turn)
        trace.outcome = _outcome(result)
        record = ToolRecord(
            name=spec.name,
            args=prepared.args,
            raw_args=decision.args,
            ok=result.ok,
            confirm=result.confirm,
            task_id=_object_ref(ref_arg, prepared.args, result.data),
            error=result.error,
        )
        if result.parts:
            return list(result.parts), record
        if (unknown := self._not_in_record(spec, text, result, tools, trace)) is not None:
            shown = (
                render_named(spec, result, prepared.args, ref_arg, lang)
                if named_title and ref_arg is not None
                else replies.render_result(spec, result, prepared.args, lang)
            )
            return [TextPart(text="\n\n".join((replies.text(unknown, lang), shown)))], record
        if named_title and ref_arg is not None:
            return [TextPart(text=render_named(spec, result, prepared.args, ref_arg, lang))], record
        if result.ok and (rendered := tools.render(spec.name, result.data, lang)) is not None:
            return [TextPart(text=rendered)], record  # a pack words it in code (a report's counts)
        if result.ok and spec.reply_mode == "model" and result.data is not None:
            # A result too rich for a template (a report) goes back to the model as plain text.
            used = self._base_prompts(get_profile(turn.profile).persona, lang)
            shown = replies.text(
                "model.tool_result", lang, name=spec.name, result=orjson.dumps(result.data).decode()
            )
            answer = await self._answer(llm, f"{text}\n\n{shown}", used, trace)
            return [TextPart(text=answer)], record
        return [TextPart(text=replies.render_result(spec, result, prepared.args, lang))], record

    def _not_in_record(
        self, spec: ToolSpec, text: str, result: ToolResult, tools: ToolRegistry, trace: AgentTrace
    ) -> str | None:
        """ "who had 14 before Sara?", "ليش المهمة ٢٢ متأخرة؟": a question the object's record cannot
        answer is not answered by the record alone as if it did — the catalog key of the line saying so
        (`DomainPack.beyond`), said before the record, which is still shown. None: the record answers."""
        if not result.ok or "not_in_record" in self.rules_off:
            return None
        key = tools.beyond(spec.name, text, result.data)
        if key is not None:
            trace.rules.append("not_in_record")
        return key

    async def _shown_by_title(
        self, turn: Turn, text: str, tools: ToolRegistry, lang: str, trace: AgentTrace
    ) -> Decision | None:
        """ "whats the status on the jeddah client callback", "متى موعد تسليم تقرير الجودة؟": a question
        (no tool chosen) whose words ask what a reading tool shows ("status", "due", "متى موعد") and name
        exactly one of the user's objects by its title is answered with that object shown. Anything
        less (no such words, no object or several) goes to the answer path as before."""
        if "shown_by_title" in self.rules_off:
            return None
        for spec in tools:
            arg = _only_ref(spec)
            if arg is not None and tools.shows(spec.name, text):
                return await self._named_quietly(turn, spec, arg, [text], lang, trace, "shown_by_title")
        return None

    async def _named_not_new(
        self,
        turn: Turn,
        text: str,
        tools: ToolRegistry,
        decision: Decision,
        lang: str,
        today: date,
        trace: AgentTrace,
    ) -> Decision | None:
        """ "أعيدي فتح مهمة شراء هدايا العملاء", "شيلي تاسك شحنة الأثاث": a creating call for a message
        whose words never ask for something new (`DomainPack.says` of the creating tool is False) and
        say one other tool on an existing object — reopen, delete, done, hand over. When the message
        names exactly one of the user's objects by its title, that tool acts on it (a delete still asks
        for its confirmation); otherwise the creation goes on. A message that says a date is left alone:
        "finish the slides by Thursday" is a new task. None: the choice stands."""
        if "named_not_new" in self.rules_off:
            return None
        spec = tools.get(decision.action)
        if spec is None or _ref_arg(spec) is not None or resolve_date_in_text(text, today) is not None:
            return None
        others = [
            (o, a)
            for n in tools.other_readings(decision.action, text)
            if (o := tools.get(n)) is not None and (a := _only_ref(o)) is not None
        ]
        if len(others) != 1:
            return None
        other, arg = others[0]
        phrases = [p for p in (decision.args.get("title"), text) if isinstance(p, str) and p.strip()]
        return await self._named_quietly(turn, other, arg, phrases, lang, trace, "named_not_new")

    async def _named_quietly(
        self,
        turn: Turn,
        spec: ToolSpec,
        arg: str,
        phrases: list[str],
        lang: str,
        trace: AgentTrace,
        rule: str,
    ) -> Decision | None:
        """`spec` on the one object the phrases name by its title, looked up without asking anything
        (no list is offered, nothing waits); None when the executor cannot name objects or the phrases
        name none or several. The trace names `rule` and keeps the router's own choice."""
        name_object = getattr(self.executor, "name_object", None)
        if name_object is None:
            return None
        call = ToolCall(name=spec.name, args={}, lang=lang)
        named: Named | None = await name_object(call, arg, phrases, turn, offer=False)
        if named is None or named.id is None:
            return None
        trace.rules.append(rule)
        trace.routed_action, trace.action = trace.routed_action or trace.action, spec.name
        return Decision(action=spec.name, args={arg: named.id})

    def _disagreement(
        self, text: str, tools: ToolRegistry, decision: Decision, today: date
    ) -> tuple[list[str], ToolSpec, PreparedArgs, int] | None:
        """When the did-you-mean rule may act: the tools the words say instead of the router's choice, the
        chosen tool, its prepared arguments and the number of the object it acts on; None when the rule is
        off, the words agree, or the object is not known yet."""
        if "did_you_mean" in self.rules_off or self.readings is None:
            return None
        others = tools.other_readings(decision.action, text)
        spec = tools.get(decision.action)
        ref_arg = _ref_arg(spec) if spec is not None and others else None
        if spec is None or ref_arg is None:
            return None
        prepared = prepare_args(spec, decision.args, message=text, today=today)
        ref = prepared.args.get(ref_arg)
        if not isinstance(ref, int) or prepared.unclear:
            return None
        return others, spec, prepared, ref

    def _asked_anyway(
        self, text: str, tools: ToolRegistry, decision: Decision, today: date, trace: AgentTrace
    ) -> Decision | None:
        """ "امحي مهمة 32" read as "mark 32 done": when the words say exactly one other tool and that tool
        asks for its confirmation (a delete), its own question is the did-you-mean: it runs, and asks."""
        found = self._disagreement(text, tools, decision, today)
        if found is None or len(found[0]) != 1:
            return None
        others, _, _, ref = found
        other = tools.get(others[0])
        arg = _only_ref(other) if other is not None and other.confirm else None
        if other is None or arg is None:
            return None
        trace.rules.append("did_you_mean")
        trace.routed_action, trace.action = trace.routed_action or trace.action, other.name
        return Decision(action=other.name, args={arg: ref})

    async def _did_you_mean(
        self,
        turn: Turn,
        text: str,
        tools: ToolRegistry,
        decision: Decision,
        lang: str,
        today: date,
        trace: AgentTrace,
    ) -> list[ReplyPart] | None:
        """The readings to offer when the router's choice and the words disagree (agent/readings.py);
        None to go on with the choice (they agree, or the object is not known yet)."""
        found = self._disagreement(text, tools, decision, today)
        if found is None or self.readings is None:
            return None
        others, spec, prepared, ref = found
        calls = [
            ToolCall(name=name, args={arg: ref}, lang=lang)
            for name in others
            if (other := tools.get(name)) is not None and (arg := _only_ref(other)) is not None
        ]
        if not calls:
            return None
        chosen = ToolCall(name=spec.name, args=prepared.args, raw_args=decision.args, lang=lang)
        offered = await self.readings.offer(
            turn.user.wa_id, [*calls[: MAX_READINGS - 1], chosen], turn.turn_id
        )
        trace.outcome, trace.args = "did_you_mean", prepared.args
        trace.rules.append("did_you_mean")
        return [ask(offered, [ref] * len(offered.calls), lang)]

    async def _more_changes(
        self,
        llm: BaseChatModel,
        turn: Turn,
        text: str,
        tools: ToolRegistry,
        more: list[Decision],
        lang: str,
        today: date,
        trace: AgentTrace,
        first: ToolRecord,
        parts: list[ReplyPart],
    ) -> list[ReplyPart]:
        """The other changes one message asked for, in order, on the same object unless they name
        another; the reply says each one's result — what changed and what failed — in one message."""
        lines = [p.text for p in parts if isinstance(p, TextPart)]
        rest = [p for p in parts if not isinstance(p, TextPart)]
        for position, extra in enumerate(more, start=1):
            spec = tools.get(extra.action)
            if spec is None:
                continue
            ref_arg = _ref_arg(spec)
            args = dict(extra.args)
            if ref_arg is not None and args.get(ref_arg) in (None, "") and first.task_id is not None:
                args[ref_arg] = first.task_id
            step = AgentTrace(**trace.model_dump(include={"turn_id", "profile", "model", "mode", "lang"}))
            got, _ = await self._run_tool(
                llm, turn, text, tools, extra.model_copy(update={"args": args}), lang, today, step,
                position=position,
            )  # fmt: skip
            trace.more.append({"action": spec.name, "args": step.args, "outcome": step.outcome})
            lines.extend(p.text for p in got if isinstance(p, TextPart))
            rest.extend(p for p in got if not isinstance(p, TextPart))
        return [TextPart(text="\n".join(lines)), *rest] if lines else rest

    async def _name_object(
        self,
        spec: ToolSpec,
        ref_arg: str,
        decision: Decision,
        prepared: PreparedArgs,
        text: str,
        turn: Turn,
        lang: str,
    ) -> Named | None:
        """The object the user named by its title (tools/naming.py): looked for by the phrase the model
        put in the id argument, then by the message's own words, leaving out the call's other
        arguments (an assignee's name, a new title). None when the executor cannot name objects."""
        name_object = getattr(self.executor, "name_object", None)
        if name_object is None:
            return None
        phrase = decision.args.get(ref_arg)
        phrases = [p for p in (phrase if isinstance(phrase, str) else None, text) if p and p.strip()]
        # Each value once: the raw and the prepared value of one argument are one phrase of the message.
        skip = [str(v) for k, v in decision.args.items() if k != ref_arg and isinstance(v, str)]
        skip += [str(v) for k, v in prepared.args.items() if k != ref_arg and isinstance(v, str)]
        skip = list(dict.fromkeys(skip))
        call = ToolCall(name=spec.name, args=prepared.args, raw_args=decision.args, lang=lang)
        named: Named | None = await name_object(call, ref_arg, phrases, turn, skip=skip)
        return named

    async def _resolve_people(self, spec: ToolSpec, prepared: PreparedArgs, turn: Turn) -> None:
        """ "Assign it to my manager": the person the user told us about, not the phrase itself."""
        if self.memory is None:
            return
        for name, arg in spec.args.items():
            phrase = prepared.args.get(name)
            if arg.kind == "person" and isinstance(phrase, str):
                found = await self.memory.person(turn.profile, turn.user.wa_id, phrase)
                if found:
                    prepared.args[name] = found

    def _persona_text(self, used: list[Prompt]) -> str:
        # Persona then reply style: both byte-stable, so the model's prompt cache is reused.
        return "\n\n".join(p.text for p in used[:2])

    async def _record(self, trace: AgentTrace, wa_id: str) -> None:
        trace.model_ms = round(trace.model_ms, 1)
        trace.rendered = take_rendered()
        self.traces = [*self.traces[-49:], trace]
        note_path(turn_path(trace), action=trace.action, outcome=trace.outcome)
        note_model(
            tokens_in=trace.tokens_in, tokens_out=trace.tokens_out, ms=trace.model_ms, calls=trace.model_calls
        )
        dumped = trace.model_dump()  # once, for the stored trace (serialised before logging) and the log
        body = orjson.dumps(dumped)
        log.info("agent turn", **{k: v for k, v in dumped.items() if k not in _NOT_LOGGED})
        if self.redis is not None and self.keys is not None:
            # The trace holds what the user asked for (arguments, claims): encrypted, bound to the user and
            # turn written clear beside it (which forget and the operators' filters read).
            aad = aad_entry("agent", wa_id, trace.turn_id, "trace")
            await self.redis.xadd(
                self.keys.agent_traces,
                {
                    "wa_id": wa_id,
                    "turn_id": trace.turn_id,
                    "trace": seal(self.sealer, body, aad),
                },
                maxlen=self.trace_maxlen,
                approximate=True,
            )


_NOT_LOGGED = frozenset({"raw_args", "args", "prompts", "rendered"})  # a trace's fields kept out of the log
_SENTENCE_END = re.compile(r"[.!?؟۔…](?=\s)|\n")


def _whole_sentences(text: str) -> str:
    """A reply cut by max_tokens, up to its last whole sentence (or line); unchanged when that would
    keep less than half of it."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text.rstrip() + " ")]
    cut = ends[-1] if ends else 0
    return text[:cut].rstrip() if cut >= len(text) // 2 else text


def _unsay_title(spec: ToolSpec, prepared: PreparedArgs, text: str, title: str) -> None:
    """ "the urgent patient complaints one - push it to Monday": a priority read from a word of the title
    that names the task is no change of priority. Dropped when the message says none outside the title."""
    if normalize_priority(title) is None:
        return
    titled = set(words_of(title))
    outside = " ".join(w for w in words_of(text) if w not in titled)
    if normalize_priority(outside) is not None:
        return
    changes = spec.needs_one_of.args if spec.needs_one_of else []
    for name, arg in spec.args.items():
        if arg.kind != "priority" or prepared.args.get(name) is None:
            continue
        if any(prepared.args.get(other) is not None for other in changes if other != name):
            del prepared.args[name]  # (kept when it is the only change: then the words meant it)


def _redo_as_before(decision: Decision, before: dict[str, Any] | None, text: str, today: date) -> Decision:
    """ "لا مش ٦٩، قصدي ٧٧" right after "أجّل مهمة ٦٩ لبكرا": the change to make on the task meant is the
    one just made on the wrong task, not the router's reading of a message that says no change of its
    own (a small model was seen to invent a priority there). A message that says its own date or
    priority ("I meant 77, and make it Sunday") keeps the router's reading."""
    redo = decision.more[0]
    meant = redo.args.get("task_id")
    if before is None or meant is None or "task_id" not in (before.get("args") or {}):
        return decision
    if resolve_date_in_text(text, today) is not None or normalize_priority(text) is not None:
        return decision
    again = Decision(action=str(before["name"]), args={**before["args"], "task_id": meant})
    return decision.model_copy(update={"more": [again, *decision.more[1:]]})


def _text_fixed(
    decision: Decision,
    before: dict[str, Any] | None,
    text: str,
    tools: ToolRegistry,
    today: date | None = None,
) -> tuple[Decision, int] | None:
    """ "oops, lab 4 not lab 3" right after "rename 203 to Fix the projector in lab 3": the words said
    instead of others that the edit just made wrote (a title) — the same edit again, those words
    replaced. Only an edit (a tool whose spec changes one of several fields, `needs_one_of`) of one
    object, and only when the message was read as no other change of it or as a question; None
    otherwise ("to Huda not Rami" replaces no words of a title)."""
    spec = tools.get(str(before.get("name"))) if before is not None else None
    args = (before or {}).get("args") or {}
    ref_arg = _ref_arg(spec) if spec is not None else None
    ref = parse_int(args.get(ref_arg)) if ref_arg is not None else None
    if spec is None or spec.needs_one_of is None or ref_arg is None or ref is None:
        return None
    # A new object the message never asks for ("الاستشاري جاي يوم التلات مش بكرة، حطه التلات" read as a
    # new task) is no other change of it either.
    chosen = tools.get(decision.action)
    unasked = chosen is not None and _ref_arg(chosen) is None and tools.says(decision.action, text) is False
    if not (decision.is_answer or decision.action == spec.name or unasked):
        return None
    # "لأ غلطت، الخميس مش الأربعاء" right after a move to Wednesday: a day said instead of a day — as
    # two date phrases, or as one date the message denies and the one it means
    day = today or date.today()
    meant = resolve_date_in_text(text, day) if dates_denied(text, day) else None
    swap = said_instead(text)
    if swap is None and meant is None:
        return None
    new, old = swap or ("", "")
    dates = bool(swap) and _is_date_phrase(new) and _is_date_phrase(old)
    for name in spec.needs_one_of.args:
        given = args.get(name)
        arg = spec.args.get(name)
        if (
            arg is not None
            and arg.kind == "text"
            and swap
            and isinstance(given, str)
            and given.count(old) == 1
        ):
            return Decision(action=spec.name, args={ref_arg: ref, name: given.replace(old, new)}), ref
        if arg is not None and arg.kind == "date" and given not in (None, "") and (dates or meant):
            value = new if dates or meant is None else meant.isoformat()
            return Decision(action=spec.name, args={ref_arg: ref, name: value}), ref
    return None


def _is_date_phrase(words: str) -> bool:
    """The words are a date by themselves ("الخميس", "next Monday"), not words that hold one."""
    return resolve_date_in_text(words, date.today()) is not None and len(words.split()) <= 3


def turn_path(trace: AgentTrace) -> TurnPath:
    """Which way the agent answered: a command (a tool, a memory to keep), the knowledge base (an
    answer from retrieved documents, or "I don't know" after looking), or small talk (greetings, what
    I do, a free answer with nothing retrieved)."""
    if trace.outcome == "unknown" or (trace.outcome == "answered" and trace.sources):
        return "knowledge"
    if trace.outcome in ("answered", "capabilities", ""):
        return "small_talk"
    return "command"


def _only_ref(spec: ToolSpec) -> str | None:
    """The argument naming the object a tool acts on, when that object is all the tool needs (a reading
    or a change offered instead of another: show, done, reopen, delete); None otherwise."""
    arg = _ref_arg(spec)
    return arg if arg is not None and set(spec.required) <= {arg} else None


def _outcome(result: ToolResult) -> str:
    """What became of a tool call, for the trace (what the evals' truthful scorer reads as a claim)."""
    if result.confirm:
        return "confirm"
    if result.unchanged:  # already so: "nothing changed" is no "updated"
        return "unchanged"
    return "executed" if result.ok else "failed"


def _object_ref(ref_arg: str | None, args: dict[str, Any], data: Any) -> int | None:
    """The one object a call was about (for follow-ups): its id argument, or the single one returned."""
    if ref_arg is not None and isinstance(args.get(ref_arg), int):
        return int(args[ref_arg])
    if isinstance(data, dict) and isinstance(data.get("id"), int):
        return int(data["id"])
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0].get("id"), int):
        return int(data[0]["id"])
    return None


def _drafted_tools(tools: ToolRegistry, drafts: Drafts | None) -> dict[str, str]:
    """{"tool:create_task@draft-1f0c2a9b": sha}: the drafted descriptions this turn's model was shown,
    beside the prompts' versions in the trace."""
    if drafts is None:
        return {}
    return {
        f"tool:{name}@{draft_tag(text)}": hashlib.sha256(text.encode("utf-8")).hexdigest()[:SHORT_SHA]
        for name, text in drafts.tools.items()
        if tools.get(name) is not None
    }


def _previous_route(previous: tuple[str, Any] | None, tools: ToolRegistry) -> list[tuple[str, str]]:
    """The previous message and the router output it got, as one more example in the conversation."""
    if previous is None:
        return []
    said, tool = previous
    if tool is None or not tool.tool_calls:
        return [(said, orjson.dumps({"action": ANSWER}).decode())]
    call = tool.tool_calls[0]
    spec = tools.get(call.get("name", ""))
    if spec is None:
        return [(said, orjson.dumps({"action": ANSWER}).decode())]
    raw = call.get("raw_args") or {}
    out = {"action": spec.name, **{name: raw.get(name) for name in spec.args}}
    return [(said, orjson.dumps(out).decode())]


def _history_messages(window: Any) -> list[BaseMessage]:
    """The window's user and assistant messages, oldest first (tool entries are in the replies)."""
    out: list[BaseMessage] = []
    for entry in window.messages if window is not None else ():
        if entry.role == "user":
            out.append(HumanMessage(entry.text))
        elif entry.role == "assistant":
            out.append(AIMessage(entry.text))
    return out


def _as_written(spec: ToolSpec, args: dict[str, Any], text: str, tools: ToolRegistry) -> dict[str, list[str]]:
    """A person argument the model wrote in the other script than the message ("Shahed" of "ستتولى شهد…")
    with the name as the message writes it, for the executor to try when the core API knows nobody by
    the model's spelling (the model's may be the username, so it goes first)."""
    arabic = bool(AR_LETTERS.search(text))
    crossed = [
        n
        for n, a in spec.args.items()
        if a.kind == "person" and isinstance(args.get(n), str) and bool(AR_LETTERS.search(args[n])) != arabic
    ]
    if not crossed:  # the usual call: no person, or one in the message's script — the words are not read
        return {}
    written = tools.person_named(text)
    if written is None or is_self(written) or bool(AR_LETTERS.search(written)) != arabic:
        return {}
    return {n: [written] for n in crossed}
