"""Build the agent from the settings: the configured endpoint, or the embedded local model started,
warmed and owned here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
import structlog

from agent.agent import Agent
from agent.model import ModelEndpoint, chat_model, endpoint_from_settings, tool_mode
from agent.tokens import LlamaTokenCounter, TiktokenCounter, TokenCounter
from hudhud.keys import Keys
from hudhud.settings import Settings, SettingsError
from prompts.store import PromptStore
from tools.base import ToolExecutor
from tools.registry import ToolRegistry

log = structlog.get_logger(__name__)


@dataclass
class AgentRuntime:
    agent: Agent
    endpoint: ModelEndpoint
    server: Any = field(default=None, repr=False)  # the LocalModelServer when embedded

    async def aclose(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


async def start_local(settings: Settings) -> tuple[ModelEndpoint, Any]:
    from agent.local import LocalModelServer, ensure_weights

    path = ensure_weights(settings.hudhud_local_model, settings.hudhud_data_dir)
    server = LocalModelServer(path, threads=settings.hudhud_local_threads, n_ctx=settings.hudhud_local_ctx)
    await server.astart()
    return ModelEndpoint(base_url=server.base_url, api_key="local", model="local", local=True), server


async def build_agent(
    settings: Settings,
    *,
    redis: aioredis.Redis | None = None,
    keys: Keys | None = None,
    executor: ToolExecutor | None = None,
    endpoint: ModelEndpoint | None = None,
) -> AgentRuntime:
    server = None
    endpoint = endpoint or endpoint_from_settings(settings)
    if endpoint is None:
        endpoint, server = await start_local(settings)
    if server is not None:
        counter: TokenCounter = LlamaTokenCounter(server.address)
        window = settings.hudhud_local_ctx
    else:
        counter = TiktokenCounter(endpoint.model, cache_dir=settings.hudhud_data_dir / "tiktoken")
        window = settings.hudhud_context_window
    registry = ToolRegistry.from_dir()
    if settings.hudhud_tools:
        from tools.python import KitExecutor, load_kit

        try:
            kit = load_kit(settings.hudhud_tools)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            if server is not None:
                server.stop()
            raise SettingsError(f"invalid setting HUDHUD_TOOLS: {exc}") from None
        for spec in kit.specs.values():
            registry.add(spec)
        executor = KitExecutor(kit, executor)
    agent = Agent(
        llm=chat_model(endpoint, settings),
        model_name=endpoint.model if not endpoint.local else f"local:{settings.hudhud_local_model}",
        mode=tool_mode(settings, endpoint),  # type: ignore[arg-type]
        registry=registry,
        prompts=PromptStore(reload=settings.hudhud_env == "dev"),
        executor=executor,
        redis=redis,
        keys=keys,
        timezone=settings.hudhud_timezone,
        token_counter=counter,
        context_window=window,
        max_reply_tokens=settings.hudhud_max_reply_tokens,
    )
    if server is not None:
        # The first user should not pay a cold prompt: process every stable system prompt now — the
        # free-text personas first (llama.cpp keeps them in its RAM prompt cache), the router last (it
        # is in the slot for the most frequent request).
        for prompt in [*agent.persona_prompts(), agent.warmup_prompt()]:
            await server.warm(prompt)
    log.info("agent ready", model=agent.model_name, mode=agent.mode, base_url=endpoint.base_url)
    return AgentRuntime(agent=agent, endpoint=endpoint, server=server)
