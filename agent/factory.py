"""Build the agent from the settings: the configured endpoint, or the embedded local model started,
warmed and owned here."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
import structlog

from agent.agent import Agent, agent_rules_off
from agent.examples import ExampleBank
from agent.memory import AgentMemory
from agent.model import ModelEndpoint, chat_model, endpoint_from_settings
from agent.probe import choose_tool_mode
from agent.tokens import LlamaTokenCounter, TiktokenCounter, TokenCounter
from base.keys import Keys
from base.settings import Settings, SettingsError
from memory.context import ContextManager, KnowledgeSearch
from memory.crypto import Cipher
from memory.history import ConversationHistory
from memory.summary import Summarizer
from prompts.store import PromptStore
from tools.base import ToolExecutor
from tools.registry import registry_from_settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from memory.links import IdentityLinks
    from memory.longterm import UserMemories

log = structlog.get_logger(__name__)


@dataclass
class AgentRuntime:
    agent: Agent
    endpoint: ModelEndpoint
    server: Any = field(default=None, repr=False)  # the LocalModelServer when embedded
    warmed: dict[str, Any] | None = None  # the embedded model's warm-up: prompts restored, processed, seconds

    async def aclose(self) -> None:
        if self.agent.memory is not None:
            await self.agent.memory.aclose()  # a summary being folded finishes before the model stops
        if self.server is not None:
            self.server.stop()
            self.server = None


async def start_local(settings: Settings) -> tuple[ModelEndpoint, Any]:
    from agent.local import LocalModelServer, ensure_weights

    path = ensure_weights(settings.model.local_model, settings.runtime.data_dir)
    state_dir = settings.runtime.data_dir / "prompt-state" if settings.model.local_prompt_state else None
    server = LocalModelServer(
        path, threads=settings.model.local_threads, n_ctx=settings.model.local_ctx, state_dir=state_dir
    )
    await server.astart()
    return ModelEndpoint(base_url=server.base_url, api_key="local", model="local", local=True), server


async def build_agent(
    settings: Settings,
    *,
    redis: aioredis.Redis | None = None,
    keys: Keys | None = None,
    executor: ToolExecutor | None = None,
    endpoint: ModelEndpoint | None = None,
    knowledge: KnowledgeSearch | None = None,
    memories: UserMemories | None = None,
    links: IdentityLinks | None = None,
    cipher: Cipher | None = None,
) -> AgentRuntime:
    server = None
    cipher = cipher or Cipher.from_settings(settings.memory, settings.runtime)
    warmed = None
    endpoint = endpoint or endpoint_from_settings(settings.model)
    if endpoint is None:
        endpoint, server = await start_local(settings)
    if server is not None:
        counter: TokenCounter = LlamaTokenCounter(server.address)
        window = settings.model.local_ctx
    else:
        counter = TiktokenCounter(endpoint.model, cache_dir=settings.runtime.data_dir / "tiktoken")
        window = settings.model.context_window
    try:  # the service's registry: the same packs, the same corrections switched off
        registry = registry_from_settings(settings)
    except SettingsError:
        if server is not None:
            server.stop()
        raise
    if settings.core.tools:
        from tools.python import KitExecutor, load_kit

        try:
            kit = load_kit(settings.core.tools)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            if server is not None:
                server.stop()
            raise SettingsError(f"invalid setting HUDHUD_TOOLS: {exc}") from None
        for spec in kit.specs.values():
            registry.add(spec)
        executor = KitExecutor(kit, executor)
    llm = chat_model(endpoint, settings.model)
    memory = None
    if redis is not None and keys is not None:
        memory = AgentMemory(
            history=ConversationHistory.from_settings(
                redis,
                keys,
                settings.memory,
                cipher,
                counter=counter,
            ),
            summarizer=Summarizer(llm),
            context=ContextManager(
                knowledge,
                memories,
                top_k=settings.memory.kb_top_k,
                threshold=settings.memory.kb_threshold,
                memory_threshold=settings.memory.memory_threshold,
                confident=settings.memory.kb_confident,
                min_coverage=settings.memory.kb_min_coverage,
            )
            if knowledge is not None or memories is not None
            else None,
            memories=memories,
            links=links,
            history_tokens=settings.memory.history_tokens,
            summary_every=settings.memory.summary_every,
        )
    # auto: a remote endpoint is probed for native tool calls once (then cached in Redis for a day).
    try:
        rules_off = agent_rules_off(settings.model.disabled_rules, env=settings.runtime.env)
    except ValueError as exc:
        raise SettingsError(f"invalid setting HUDHUD_DISABLED_AGENT_RULES: {exc}") from None
    choice = await choose_tool_mode(settings, endpoint, redis=redis, keys=keys)
    agent = Agent(
        llm=llm,
        model_name=endpoint.model if not endpoint.local else f"local:{settings.model.local_model}",
        mode=choice.mode,
        registry=registry,
        prompts=PromptStore(settings.model.prompts_dir, reload=settings.runtime.env == "dev"),
        executor=executor,
        redis=redis,
        keys=keys,
        sealer=cipher,
        timezone=settings.runtime.timezone,
        token_counter=counter,
        context_window=window,
        max_reply_tokens=settings.model.max_reply_tokens,
        kb_reply_tokens=settings.memory.kb_reply_tokens,
        kb_context_tokens=settings.memory.kb_context_tokens,
        memory=memory,
        models=bot_models(settings, endpoint),
        rules_off=rules_off,
        examples=ExampleBank(k=settings.model.router_examples) if choice.mode == "router" else None,
    )
    await agent.warm_examples()
    if server is not None:
        # The first user should not pay a cold prompt: process every stable system prompt now — the
        # free-text personas first (llama.cpp keeps them in its RAM prompt cache), the router last (it
        # is in the slot for the most frequent request).
        # With HUDHUD_LOCAL_PROMPT_STATE the processed prompts are saved and a restart restores them.
        from agent.local.prompt_state import model_key, warm_prompts

        key = model_key(server.path) if server.state_dir is not None else None
        warmed = await warm_prompts(server, [*agent.persona_prompts(), agent.warmup_prompt()], model=key)
    log.info(
        "agent ready", model=agent.model_name, mode=agent.mode, why=choice.reason, base_url=endpoint.base_url
    )
    return AgentRuntime(agent=agent, endpoint=endpoint, server=server, warmed=warmed)


def bot_models(settings: Settings, endpoint: ModelEndpoint) -> dict[str, tuple[BaseChatModel, str]]:
    """A model per bot number, for bots whose configuration names one (same endpoint, another model)."""
    from base.bots import load_bots

    models: dict[str, tuple[BaseChatModel, str]] = {}
    for bot in load_bots(settings).all():
        if not bot.model or bot.model == endpoint.model:
            continue
        if endpoint.local:
            raise SettingsError(
                f"invalid setting HUDHUD_BOTS: bot {bot.phone_number_id} names model {bot.model!r}, but the "
                "embedded model serves one model only (set OPENAI_BASE_URL to use several)"
            )
        other = dataclasses.replace(endpoint, model=bot.model)
        models[bot.phone_number_id] = (chat_model(other, settings.model), bot.model)
    return models
