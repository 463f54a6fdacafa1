"""The agent: one turn in, reply parts and tool calls out. It is the pipeline's Responder.

Per turn: detect the user's language (remembered per user), decide — native tool_calls or the
structured router, one Decision type either way — then either answer in free text, ask a clarifying
question when a required argument is missing, or normalize the arguments in code, execute the tool and
render the result with the tool's reply template (no second model call). Every turn leaves a trace:
prompt hashes, model, decision, arguments, outcome, latency and tokens.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import orjson
import redis.asyncio as aioredis
import structlog
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field

from agent import replies
from agent.arguments import PreparedArgs, mentions_task, prepare_args
from agent.decision import Decision
from agent.language import detect_language, reply_language
from agent.native import NativeToolCaller
from agent.prefs import PrefsStore
from agent.profiles import get_profile
from agent.router import StructuredRouter
from agent.tokens import TokenCounter
from hudhud.keys import Keys
from hudhud.turn import ReplyPart, TextPart, Turn
from prompts.store import Prompt, PromptStore
from tools.base import ToolCall, ToolExecutor, UnavailableExecutor
from tools.registry import ANSWER, ToolRegistry

log = structlog.get_logger(__name__)

ToolMode = Literal["native", "router"]


class AgentTrace(BaseModel):
    turn_id: str
    profile: str
    model: str
    mode: ToolMode
    lang: str
    prompts: dict[str, str] = Field(default_factory=dict)
    action: str = ""
    raw_args: dict[str, Any] = Field(default_factory=dict)
    args: dict[str, Any] = Field(default_factory=dict)
    outcome: str = ""  # answered | executed | failed | clarify | unclear
    truncated: bool = False  # the user's text was cut to fit the model's context window
    ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0


class RouteResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    decision: Decision
    prepared: PreparedArgs | None = None


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
        timezone: str = "Asia/Riyadh",
        clock: Callable[[], datetime] | None = None,
        trace_maxlen: int = 10_000,
        token_counter: TokenCounter | None = None,
        context_window: int | None = None,
        max_reply_tokens: int = 400,
    ) -> None:
        self.llm = llm
        self.model_name = model_name
        self.mode = mode
        self.registry = registry
        self.prompts = prompts
        self.executor = executor or UnavailableExecutor()
        self.redis = redis
        self.keys = keys
        self.prefs = PrefsStore(redis, keys) if redis is not None and keys is not None else None
        self.timezone = timezone
        self.clock = clock or (lambda: datetime.now(ZoneInfo(self.timezone)))
        self.trace_maxlen = trace_maxlen
        self.traces: list[AgentTrace] = []  # the last few, for the chat CLI and tests
        self.token_counter = token_counter
        self.context_window = context_window
        self.max_reply_tokens = max_reply_tokens
        self._system_tokens: int | None = None

    # ------------------------------------------------------------------ Responder

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        started = time.perf_counter()
        profile = get_profile(turn.profile)
        tools = self.registry.subset(profile.tools)
        prefs = await self.prefs.get(turn.user.wa_id) if self.prefs else None
        lang = detect_language(turn.text, previous=prefs.lang if prefs and prefs.lang else None)  # type: ignore[arg-type]
        reply_lang = (prefs.reply_lang if prefs and prefs.reply_lang else None) or reply_language(lang)
        if self.prefs and (prefs is None or prefs.lang != lang):
            await self.prefs.set(turn.user.wa_id, lang=lang)
        tz = (prefs.timezone if prefs and prefs.timezone else None) or self.timezone
        today = self.clock().astimezone(ZoneInfo(tz)).date()

        trace = AgentTrace(
            turn_id=turn.turn_id, profile=profile.name, model=self.model_name, mode=self.mode, lang=lang
        )
        used = self._base_prompts(profile.persona, reply_lang)
        text = await self.fit(turn.text)
        trace.truncated = text != turn.text
        decision = await self._decide(text, tools, used)
        trace.action, trace.raw_args = decision.action, decision.args
        trace.tokens_in, trace.tokens_out = decision.tokens_in, decision.tokens_out

        decision = self._sanity(decision, tools, text)
        if decision.is_answer or tools.get(decision.action) is None:
            parts: list[ReplyPart] = [TextPart(text=decision.text or await self._answer(text, used, trace))]
            trace.outcome = "answered"
        else:
            parts = await self._run_tool(turn, text, tools, decision, reply_lang, today, trace)
        trace.prompts = PromptStore.hashes(used)
        trace.ms = round((time.perf_counter() - started) * 1000, 1)
        await self._record(trace)
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
        decision = await self._decide(text, tools, self._base_prompts(prof.persona, lang))
        decision = self._sanity(decision, tools, text)
        spec = tools.get(decision.action)
        prepared = None
        if spec is not None:
            prepared = prepare_args(spec, decision.args, message=text, today=today or self.clock().date())
        return RouteResult(decision=decision, prepared=prepared)

    # ------------------------------------------------------------------ steps

    async def fit(self, text: str) -> str:
        """Cut the user's text so the longest system prompt, the text and the reply fit the model's
        context window, counted with the model's own tokenizer: never overrun it."""
        if self.token_counter is None or self.context_window is None:
            return text
        if self._system_tokens is None:
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

    @staticmethod
    def _sanity(decision: Decision, tools: ToolRegistry, text: str) -> Decision:
        """A task-id action for a message that names no task and no number is a question (small models
        send "what is the capital of France?" to get_task, even with an id copied from an example)."""
        spec = tools.get(decision.action)
        # Any id the model gave for such a message was invented: the message has no number.
        needs_id = spec is not None and "task_id" in spec.required
        if needs_id and not mentions_task(text):
            return decision.model_copy(update={"action": ANSWER, "args": {}})
        return decision

    def _base_prompts(self, persona: str, lang: str) -> list[Prompt]:
        return [self.prompts.get(persona, lang), self.prompts.get("reply-style", lang)]

    async def _decide(self, text: str, tools: ToolRegistry, used: list[Prompt]) -> Decision:
        if not len(tools):
            return Decision(action="answer")
        if self.mode == "router":
            router = StructuredRouter(self.llm, tools, self.prompts)
            used.extend(router.prompts_used())
            return await router.route(text)
        caller = NativeToolCaller(self.llm, tools)
        return await caller.decide([SystemMessage(self._persona_text(used)), HumanMessage(text)])

    async def _answer(self, text: str, used: list[Prompt], trace: AgentTrace) -> str:
        reply = await self.llm.ainvoke([SystemMessage(self._persona_text(used)), HumanMessage(text)])
        usage = getattr(reply, "usage_metadata", None) or {}
        trace.tokens_in += int(usage.get("input_tokens", 0))
        trace.tokens_out += int(usage.get("output_tokens", 0))
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        return content.strip()

    async def _run_tool(
        self,
        turn: Turn,
        text: str,
        tools: ToolRegistry,
        decision: Decision,
        lang: str,
        today: date,
        trace: AgentTrace,
    ) -> list[ReplyPart]:
        spec = tools.get(decision.action)
        assert spec is not None
        prepared = prepare_args(spec, decision.args, message=text, today=today)
        trace.args = prepared.args
        if prepared.unclear:
            trace.outcome = "unclear"
            what = ", ".join(f"“{v}”" for v in prepared.unclear.values())
            return [TextPart(text=replies.text("unclear", lang, what=what))]
        if prepared.missing:
            trace.outcome = "clarify"
            return [TextPart(text=replies.clarifying_question(spec, prepared.missing, lang))]
        call = ToolCall(name=spec.name, args=prepared.args, raw_args=decision.args)
        result = await self.executor.execute(call, turn)
        trace.outcome = "confirm" if result.confirm else "executed" if result.ok else "failed"
        if result.parts:
            return list(result.parts)
        return [TextPart(text=replies.render_result(spec, result, prepared.args, lang))]

    def _persona_text(self, used: list[Prompt]) -> str:
        # Persona then reply style: both byte-stable, so the model's prompt cache is reused.
        return "\n\n".join(p.text for p in used[:2])

    async def _record(self, trace: AgentTrace) -> None:
        self.traces = [*self.traces[-49:], trace]
        log.info("agent turn", **trace.model_dump(exclude={"raw_args", "args", "prompts"}))
        if self.redis is not None and self.keys is not None:
            await self.redis.xadd(
                f"{self.keys.prefix}:agent",
                {"trace": orjson.dumps(trace.model_dump())},
                maxlen=self.trace_maxlen,
                approximate=True,
            )
