"""One Messenger per bot number: the Graph client with that bot's token, paced under Meta's limits by
buckets shared with every other worker (pacing.py), or the sandbox (captured locally, not paced)."""

from __future__ import annotations

import httpx
import redis.asyncio as aioredis

from base.bots import BotRegistry
from base.http import AiohttpTransport, cookies_when_set
from base.keys import Keys
from base.sealing import Sealer
from base.settings import WhatsAppSettings
from channels.whatsapp.graph import GraphClient
from channels.whatsapp.messenger import Messenger
from channels.whatsapp.pacing import PaceLimits, Pacer
from channels.whatsapp.sandbox import SandboxClient


class MessengerPool:
    def __init__(
        self,
        whatsapp: WhatsAppSettings,
        bots: BotRegistry,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        sealer: Sealer | None = None,
    ) -> None:
        self._bots = bots
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._http = cookies_when_set(
            httpx.AsyncClient(
                timeout=whatsapp.graph_timeout_ms / 1000,
                limits=limits,
                transport=AiohttpTransport(limits=limits),
            )
        )
        self.sandbox = SandboxClient(redis, keys, sealer=sealer)
        self.pacer = Pacer(redis, keys, PaceLimits.of(whatsapp))
        self._clients: dict[str, Messenger] = {}
        for bot in bots.all():
            if bot.access_token is None:
                continue
            self._clients[bot.phone_number_id] = GraphClient(
                whatsapp.api_base,
                bot.access_token.get_secret_value(),
                http=self._http,
                timeout_s=whatsapp.graph_timeout_ms / 1000,
                retries=whatsapp.graph_retries,
                backoff_s=whatsapp.graph_backoff_ms / 1000,
                backoff_max_s=whatsapp.graph_backoff_max_ms / 1000,
                pacer=self.pacer,
            )

    def for_number(self, phone_number_id: str) -> Messenger:
        bot = self._bots.get(phone_number_id)
        if bot is not None and bot.phone_number_id in self._clients:
            return self._clients[bot.phone_number_id]
        return self.sandbox

    async def aclose(self) -> None:
        await self._http.aclose()
