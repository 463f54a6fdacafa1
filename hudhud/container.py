"""The service's parts, built once from the settings and closed together.

This is the only place that wires things: the API app, the workers, the CLI and the tests all get
their Redis, bots, messengers, queue and responder from a Container.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx
import redis.asyncio as aioredis
import structlog
from pydantic import SecretStr

from base.bots import BotRegistry, load_bots
from base.channel import Channel, Job
from base.commands import CommandRouter
from base.keys import Keys
from base.responder import Responder
from base.settings import VARIABLES, Environment, Settings, SettingsError, is_loopback
from base.turn import Turn, trace_id
from channels.whatsapp.channel import WhatsAppChannel
from channels.whatsapp.models import WebhookEnvelope
from channels.whatsapp.pool import MessengerPool
from channels.whatsapp.webhook import SinkUnavailable
from hudhud.abuse import AbuseGuard, Limits
from hudhud.aggregates import Aggregates
from hudhud.alerts import AlertEvaluator, AlertSender
from hudhud.delivery import Delivery
from hudhud.enqueue import Enqueuer, QueueUnavailable
from hudhud.ingress import Accepted, Ingress
from hudhud.interactions import InteractionLog
from hudhud.log_privacy import Redactor, hash_key
from hudhud.migrations import migrate
from hudhud.outbox import Outbox
from hudhud.redis_conn import RedisHandle, connect
from hudhud.redis_watch import RedisWatch
from hudhud.undelivered import Undelivered
from hudhud.worker import Worker, WorkerOptions
from memory.commands import register_memory_commands
from memory.crypto import Cipher
from memory.links import IdentityLinks
from memory.privacy import CoreRecords, UserData

if TYPE_CHECKING:
    from agent.prefs import PrefsStore
    from memory.kb import KnowledgeBase
    from memory.longterm import UserMemories
    from tools.executor import CoreApiExecutor
    from tools.registry import ToolRegistry

log = structlog.get_logger(__name__)


def load_responder(spec: str, settings: Settings) -> Responder:
    """A custom responder (`module:factory`, the factory gets the settings) behind the commands router."""
    if spec == "none":
        return CommandRouter()
    module_name, _, attr = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr or "responder")
    except (ImportError, AttributeError, ValueError) as exc:
        raise SettingsError(f"invalid setting HUDHUD_RESPONDER: cannot import {spec!r}: {exc}") from None
    made = factory(settings) if callable(factory) and not hasattr(factory, "respond") else factory
    return made if isinstance(made, CommandRouter) else CommandRouter(fallback=made)


def preflight(settings: Settings) -> None:
    """The checks that can fail before anything starts, each as one clear SettingsError line: the bots,
    a custom responder, and the embedded model's weights (assembled and verified here, once)."""
    load_bots(settings)
    tool_registry(settings)
    if settings.runtime.responder not in ("agent", "none"):
        load_responder(settings.runtime.responder, settings)
    elif settings.runtime.responder == "agent" and not (settings.model.base_url or settings.model.api_key):
        from agent.local import LocalModelError, ensure_weights

        try:
            ensure_weights(settings.model.local_model, settings.runtime.data_dir)
        except LocalModelError as exc:
            raise SettingsError(f"invalid setting HUDHUD_LOCAL_MODEL: {exc}") from None


def tool_registry(settings: Settings) -> ToolRegistry:
    """The registry the agent uses too (tools/registry.py `registry_from_settings`)."""
    from tools.registry import registry_from_settings

    return registry_from_settings(settings)


def tools_executor(
    settings: Settings, redis: aioredis.Redis, keys: Keys, cipher: Cipher | None = None
) -> CoreApiExecutor | None:
    """The core API executor when CORE_API_URL is configured; without it commands are not executed.
    What it stores is encrypted with `cipher` (the settings' when not given)."""
    if not settings.core.url:
        return None
    if settings.core.token is None:
        raise SettingsError("invalid setting HUDHUD_CORE_API_TOKEN: required with CORE_API_URL")
    from memory.links import IdentityLinks
    from tools.client import CoreApiClient
    from tools.confirm import Confirmations
    from tools.corelinks import CoreLinkCheck
    from tools.executor import CoreApiExecutor

    client = CoreApiClient(settings.core.url, settings.core.token.get_secret_value())
    return CoreApiExecutor(
        client,
        IdentityLinks(redis, keys, check=CoreLinkCheck(client), recheck_s=settings.core.link_recheck_s),
        tool_registry(settings),
        Confirmations(redis, keys, sealer=cipher or Cipher.from_settings(settings.memory, settings.runtime)),
        redis=redis,
        keys=keys,
        undo_window_s=settings.core.undo_window_s,
    )


def _core_records(executor: CoreApiExecutor | None) -> CoreRecords | None:
    """The core API's records of a number, for export and forget, when commands run against one."""
    if executor is None:
        return None
    from tools.corelinks import CoreNumberRecords

    return CoreNumberRecords(executor.client)


async def _reply_lang(prefs: PrefsStore | None, turn: Turn) -> str:
    from agent.language import detect_language, reply_language

    saved = await prefs.get(turn.user.wa_id) if prefs else None
    if saved and saved.reply_lang:
        return saved.reply_lang
    previous = saved.lang if saved else None
    if previous and any(m.payload for m in turn.messages):
        # A tapped button's title is ours ("Confirm", "تأكيد"), not the user's words: keep their language.
        return reply_language(previous)  # type: ignore[arg-type]
    return reply_language(detect_language(turn.text, previous=previous))  # type: ignore[arg-type]


@dataclass
class Stores:
    """The vector side of memory: the knowledge base and users' long-term memories (one Chroma)."""

    knowledge: KnowledgeBase | None = None
    memories: UserMemories | None = None


async def open_stores(
    settings: Settings, closers: list[Callable[[], Awaitable[None]]], cipher: Cipher
) -> Stores:
    """Open Chroma (CHROMA_URL, else embedded under HUDHUD_DATA_DIR) and ingest HUDHUD_KB_SEED —
    unchanged files are skipped, so this is cheap at every start."""
    from memory.kb import KnowledgeBase
    from memory.longterm import UserMemories
    from memory.vectors import VectorStore, VectorStoreUnavailable

    try:
        store = await asyncio.to_thread(VectorStore.open, settings.memory, settings.runtime.data_dir)
    except VectorStoreUnavailable as exc:
        raise SettingsError(f"invalid setting CHROMA_URL: {exc}") from None

    async def close() -> None:
        await asyncio.to_thread(store.close)

    closers.append(close)
    knowledge = KnowledgeBase.from_settings(settings.memory, store)
    report = await knowledge.seed(settings.memory.kb_seed)
    if report is not None:
        log.info("knowledge base seeded", summary=report.summary())
    return Stores(
        knowledge=knowledge,
        memories=UserMemories(store, max_per_user=settings.memory.max_memories, cipher=cipher),
    )


async def _close_all(closers: list[Callable[[], Awaitable[None]]]) -> None:
    for close in reversed(closers):
        await close()
    closers.clear()


def check_security(settings: Settings, *, listen_host: str | None = None) -> list[str]:
    """Refuse what must never run outside a developer's own machine; return loud warnings for dev.

    Unsigned webhooks are accepted only in dev while the server listens on loopback: anywhere else an
    outsider could post a message as any linked number. `listen_host` is where webhooks are served
    (None for processes that serve none, such as workers)."""
    warnings = []
    if settings.whatsapp.app_secret is None:
        if settings.runtime.env != Environment.dev:
            raise SettingsError(
                f"invalid setting WHATSAPP_APP_SECRET: required when HUDHUD_ENV={settings.runtime.env.value}"
                " (unsigned webhooks are accepted only in dev on loopback)"
            )
        if listen_host is not None and not is_loopback(listen_host):
            raise SettingsError(
                f"invalid setting WHATSAPP_APP_SECRET: required when listening on {listen_host}"
                " (unsigned webhooks are accepted only in dev on loopback)"
            )
        warnings.append(
            "WHATSAPP_APP_SECRET is not set: webhook signatures are NOT checked — anyone who can reach"
            " this machine's loopback can post messages"
        )
    if settings.whatsapp.app_secret_old is not None:
        if settings.whatsapp.app_secret is None:
            raise SettingsError(
                "invalid setting WHATSAPP_APP_SECRET_OLD: only beside WHATSAPP_APP_SECRET (the new secret)"
            )
        warnings.append(
            "WHATSAPP_APP_SECRET_OLD is set: webhooks signed with the previous app secret are still"
            " accepted; remove it once the rotation is done"
        )
    if settings.whatsapp.verify_token is None:
        warnings.append("WHATSAPP_VERIFY_TOKEN is not set: Meta's webhook verification will be refused")
    if settings.runtime.env != Environment.dev:
        _refuse_weak_secrets(settings)
        _refuse_unsafe_alerts(settings)
    if not settings.observability.alerts:
        warnings.append("HUDHUD_ALERTS is off: nobody is told when replies slow down, fail or stop")
    return warnings


MIN_ALERT_SECRET = 32  # bytes, as the service token: an HMAC key nobody guesses


def _refuse_unsafe_alerts(settings: Settings) -> None:
    """Alerts that would reach nobody, or that a stranger could read or forge, are refused outside dev."""
    o, env = settings.observability, settings.runtime.env.value
    url = o.alert_webhook_url
    if o.alerts and not url and (settings.runtime.env == Environment.prod or o.alert_numbers):
        raise SettingsError(
            f"invalid setting HUDHUD_ALERT_WEBHOOK_URL: required with alerts on when HUDHUD_ENV={env}"
            " (the webhook is the alert channel that must work; HUDHUD_ALERTS=false runs without alerts)"
        )
    if not o.alerts or not url:
        return
    host = httpx.URL(url).host
    if not url.startswith("https://") and not is_loopback(host):
        raise SettingsError(
            f"invalid setting HUDHUD_ALERT_WEBHOOK_URL: must be https when HUDHUD_ENV={env} (alerts name"
            " what failed; plain http only to a loopback receiver)"
        )
    secret = o.alert_webhook_secret
    if secret is None or len(secret.get_secret_value().encode()) < MIN_ALERT_SECRET:
        raise SettingsError(
            f"invalid setting HUDHUD_ALERT_WEBHOOK_SECRET: at least {MIN_ALERT_SECRET} bytes when"
            f" HUDHUD_ENV={env} (the receiver checks each alert's HMAC signature)"
        )


# Passwords that a scanner tries first; refused outside dev whatever their length.
_COMMON_PASSWORDS = frozenset({"admin", "administrator", "password", "changeme", "hudhud", "secret"})
MIN_ADMIN_PASSWORD = 12
MIN_SERVICE_TOKEN = 32  # bytes: the core API signs HS256 tokens with secrets of this floor (RFC 7518)


# The stand-in deploy/env/*.env give every secret: a file copied but never filled in fails at start-up.
PLACEHOLDER = "change-me"


def _refuse_placeholders(settings: Settings) -> None:
    for variable, (section, name) in VARIABLES.items():
        value = getattr(getattr(settings, section), name)
        if isinstance(value, SecretStr) and value.get_secret_value().strip().lower().startswith(PLACEHOLDER):
            raise SettingsError(
                f"invalid setting {variable.upper()}: still the placeholder {PLACEHOLDER!r} when"
                f" HUDHUD_ENV={settings.runtime.env.value} (set the real secret: docs/deployment.md)"
            )


def _refuse_weak_secrets(settings: Settings) -> None:
    _refuse_placeholders(settings)
    env = settings.runtime.env.value
    password = settings.admin.password
    if password is not None:
        value = password.get_secret_value()
        if len(value) < MIN_ADMIN_PASSWORD or value.lower().rstrip("0123456789!") in _COMMON_PASSWORDS:
            raise SettingsError(
                f"invalid setting HUDHUD_ADMIN_PASSWORD: a default or short password is refused when"
                f" HUDHUD_ENV={env} (at least {MIN_ADMIN_PASSWORD} characters, not a common word)"
            )
    token = settings.core.token
    if token is not None and len(token.get_secret_value().encode()) < MIN_SERVICE_TOKEN:
        raise SettingsError(
            f"invalid setting HUDHUD_CORE_API_TOKEN: at least {MIN_SERVICE_TOKEN} bytes when HUDHUD_ENV={env}"
        )


def _playground(settings: Settings, whatsapp: WhatsAppChannel) -> dict[str, Channel]:
    """The admin's playground channel (hudhud/playground.py), in dev only like its endpoint."""
    if settings.runtime.env != Environment.dev:
        return {}
    from hudhud.playground import NAME, PlaygroundChannel

    return {NAME: PlaygroundChannel(whatsapp)}


@dataclass
class Container:
    settings: Settings
    redis_handle: RedisHandle
    keys: Keys
    bots: BotRegistry
    messengers: MessengerPool  # WhatsApp's: a Graph client per bot number, or the sandbox
    channels: dict[str, Channel]  # by name; "whatsapp" always
    enqueuer: Enqueuer
    ingress: Ingress
    delivery: Delivery
    responder: Responder
    watch: RedisWatch
    interactions: InteractionLog  # the interaction log (hudhud/interactions.py)
    aggregates: Aggregates  # per-minute counters for charts and alerts (hudhud/aggregates.py)
    warnings: list[str] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    alerts: AlertSender | None = None  # None while HUDHUD_ALERTS is off (hudhud/alerts.py)
    cipher: Cipher | None = None  # encrypts every stored text (base/sealing.py); always set by `open`
    knowledge: KnowledgeBase | None = None  # the agent's knowledge base (admin API, `hudhud kb`)
    user_data: UserData | None = None  # export / forget one user (admin API, `hudhud forget`)

    @property
    def redis(self) -> aioredis.Redis:
        return self.redis_handle.client

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        responder: Responder | None = None,
        listen_host: str | None = None,
        channels: Sequence[Channel] = (),
    ) -> Container:
        """`channels`: adapters beside WhatsApp (base/channel.py), served at their webhook paths."""
        warnings = check_security(settings, listen_host=listen_host)
        for w in warnings:
            log.warning(w)
        bots = load_bots(settings)
        if responder is None and settings.runtime.responder != "agent":
            responder = load_responder(settings.runtime.responder, settings)
        cipher = Cipher.from_settings(settings.memory, settings.runtime)
        handle = await connect(settings)
        keys = Keys(settings.queue.redis_prefix)
        try:
            await migrate(handle.client, keys)  # before anything reads a stored format
        except BaseException:
            await handle.aclose()
            raise
        closers: list[Callable[[], Awaitable[None]]] = []
        stores = Stores()
        user_data: UserData | None = None
        if responder is None:
            from agent.factory import build_agent  # the model stack loads only when the agent is used
            from agent.local import LocalModelError

            executor = tools_executor(settings, handle.client, keys, cipher)
            try:
                stores = await open_stores(settings, closers, cipher)
                links = executor.links if executor is not None else None
                runtime = await build_agent(
                    settings,
                    redis=handle.client,
                    keys=keys,
                    executor=executor,
                    knowledge=stores.knowledge,
                    memories=stores.memories,
                    links=links,
                    cipher=cipher,
                )
            except LocalModelError as exc:
                await _close_all(closers)
                await handle.aclose()
                raise SettingsError(f"invalid setting HUDHUD_LOCAL_MODEL: {exc}") from None
            except BaseException:
                await _close_all(closers)
                await handle.aclose()
                raise
            closers.append(runtime.aclose)
            user_data = UserData(
                handle.client, keys, history=runtime.agent.memory.history if runtime.agent.memory else None,
                memories=stores.memories, core=_core_records(executor), sealer=cipher,
            )  # fmt: skip
            router = CommandRouter(fallback=runtime.agent)
            if runtime.agent.prefs is not None:
                from agent.commands import register_preference_commands

                register_preference_commands(router, runtime.agent.prefs)
            if executor is not None:
                from agent.exec_commands import register_tool_commands

                prefs = runtime.agent.prefs
                register_tool_commands(
                    router, executor, lambda turn: _reply_lang(prefs, turn), forget_data=user_data.forget
                )
                closers.append(executor.client.aclose)
            prefs_store = runtime.agent.prefs
            register_memory_commands(
                router, user_data, stores.memories, with_forget=executor is None,
                lang_of=(lambda turn: _reply_lang(prefs_store, turn)) if prefs_store is not None else None,
            )  # fmt: skip
            responder = router
        enqueuer = Enqueuer(
            handle.client,
            keys,
            dedupe_ttl_s=settings.queue.dedupe_ttl_s,
            events_maxlen=settings.queue.events_maxlen,
            sealer=cipher,
        )
        outbox = Outbox(handle.client, keys, ttl_s=settings.queue.dedupe_ttl_s, sealer=cipher)
        watch = RedisWatch(handle.client, keys, events_maxlen=settings.queue.events_maxlen)
        await watch.mark_start()
        aggregates = Aggregates(handle.client, keys, ttl_s=settings.observability.aggregates_ttl_s)
        messengers = MessengerPool(settings.whatsapp, bots, handle.client, keys, sealer=cipher)
        alerts = None
        if settings.observability.alerts:
            first = bots.all()[0].phone_number_id
            alerts = AlertSender(
                settings.observability, handle.client, keys, environment=settings.runtime.env.value,
                messenger=messengers.for_number(first), phone_number_id=first,
            )  # fmt: skip
            closers.append(alerts.aclose)
        whatsapp = WhatsAppChannel(bots, messengers, app_secret=settings.whatsapp.app_secrets or None)
        return cls(
            settings=settings,
            redis_handle=handle,
            keys=keys,
            bots=bots,
            messengers=messengers,
            channels={
                whatsapp.name: whatsapp,
                **_playground(settings, whatsapp),
                **{c.name: c for c in channels},
            },
            enqueuer=enqueuer,
            ingress=Ingress(enqueuer),
            delivery=Delivery(
                outbox,
                fallback_template=settings.whatsapp.fallback_template,
                fallback_language=settings.whatsapp.fallback_template_lang,
                bots=bots,
                aggregates=aggregates,
                undelivered=Undelivered(
                    handle.client,
                    keys,
                    person=Redactor(hash_key(settings)).person,
                    maxlen=settings.queue.events_maxlen,
                    mark_ttl_s=settings.queue.dedupe_ttl_s,
                ),
            ),
            responder=responder,
            watch=watch,
            interactions=InteractionLog.from_settings(handle.client, settings, sealer=cipher),
            aggregates=aggregates,
            alerts=alerts,
            warnings=warnings,
            closers=closers,
            cipher=cipher,
            knowledge=stores.knowledge,
            user_data=user_data or UserData(handle.client, keys, sealer=cipher),
        )

    def worker(self, *, name: str | None = None, concurrency: int | None = None) -> Worker:
        s = self.settings
        options = WorkerOptions(
            lease_ms=s.queue.lease_ms,
            concurrency=concurrency or s.queue.worker_concurrency,
            max_attempts=s.queue.max_attempts,
            turn_timeout_s=s.queue.turn_timeout_ms / 1000,
            block_ms=s.queue.block_ms,
            events_maxlen=s.queue.events_maxlen,
            outbox_ttl_s=s.queue.dedupe_ttl_s,
            dead_maxlen=s.queue.dead_maxlen,
            dead_retention_s=s.queue.dead_retention_s,
        )
        if name:
            options.name = name
        return Worker(
            redis=self.redis,
            keys=self.keys,
            responder=self.responder,
            bots=self.bots,
            messengers=self.messengers,
            channels=self.channels,
            delivery=self.delivery,
            watch=self.watch,
            options=options,
            interactions=self.interactions,
            aggregates=self.aggregates,
            sealer=self.cipher,
            guard=AbuseGuard(
                self.redis,
                self.keys,
                Limits(
                    per_min=s.abuse.rate_per_min,
                    unlinked_per_min=s.abuse.rate_unlinked_per_min,
                    global_per_min=s.abuse.rate_global_per_min,
                    repeats=s.abuse.flood_repeats,
                    block_s=s.abuse.block_s,
                    max_chars=s.abuse.max_text_chars,
                    shed_after_s=s.abuse.shed_after_s,
                ),
                IdentityLinks(self.redis, self.keys) if s.core.url else None,
            ),
        )

    def alert_evaluator(self) -> AlertEvaluator | None:
        """The periodic alert rules (one process at a time evaluates: a lease); None with alerts off."""
        if self.alerts is None:
            return None
        settings = self.settings.observability
        return AlertEvaluator(self.redis, self.keys, self.aggregates, self.alerts, settings)

    async def accept(self, envelope: WebhookEnvelope) -> Accepted:
        """A verified WhatsApp envelope (the webhook's fast path) into the queue."""
        return await self.accept_jobs(self.whatsapp.jobs(envelope))

    async def accept_jobs(self, jobs: list[Job]) -> Accepted:
        try:
            return await self.ingress.accept(jobs)
        except QueueUnavailable as exc:
            traces = [trace_id(j.dedupe_id) for j in jobs if j.kind == "message"]
            log.warning(
                "queue unavailable: the webhook answers 503 and is delivered again",
                error=str(exc),
                traces=traces,
            )
            raise SinkUnavailable(str(exc)) from exc

    @property
    def whatsapp(self) -> WhatsAppChannel:
        return self.channels["whatsapp"]  # type: ignore[return-value]

    async def aclose(self) -> None:
        await _close_all(self.closers)
        await self.messengers.aclose()
        await self.redis_handle.aclose()
