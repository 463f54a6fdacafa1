"""A conversation with the exec bot against the real core API over loopback: the agent in router mode
on a scripted model endpoint (tests/fake_openai.py), the command router with the tool commands, Mona (a
manager) linked. Used by the typed-confirmation and several-changes tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from agent.agent import Agent
from agent.exec_commands import register_tool_commands
from base.commands import CommandRouter
from base.keys import Keys
from base.turn import ButtonsPart, InboundMessage, ReplyPart, Turn, UserRef, make_turn_id
from memory.links import IdentityLinks
from tests.coreapi.conftest import SERVICE_TOKEN, Api
from tests.tools.test_second_domain import make_agent, routed
from tools.client import CoreApiClient
from tools.confirm import Confirmations
from tools.executor import CoreApiExecutor
from tools.registry import ToolRegistry

MONA = "966500000011"


def turn(*texts: str, payload: str | None = None) -> Turn:
    messages = [
        InboundMessage(
            id=f"wamid.{i}.{abs(hash(x))}",
            wa_id=MONA,
            phone_number_id="p",
            type="text",
            text=x,
            payload=payload,
        )
        for i, x in enumerate(texts)
    ]
    ids = [m.id for m in messages]
    return Turn(turn_id=make_turn_id(ids), message_ids=ids, messages=messages, user=UserRef(wa_id=MONA),
                phone_number_id="p", profile="exec")  # fmt: skip


class Chat:
    def __init__(self, api: Api, executor: CoreApiExecutor, agent: Agent, fake_openai: Any) -> None:
        self.api, self.executor, self.agent, self.model = api, executor, agent, fake_openai
        self.router = CommandRouter(fallback=agent)
        self.a, self.b = api.task(5), api.task(2)  # "Order chairs" and "Call the supplier", both Mona's

        async def english(turn: Turn) -> str:
            return "en"

        register_tool_commands(self.router, executor, english)

    async def say(self, *texts: str) -> list[ReplyPart]:
        return list(await self.router.respond(turn(*texts)))

    async def ask_delete(self, task_id: int) -> ButtonsPart:
        routed(self.model, "delete_task", task_id=str(task_id))
        parts = await self.say(f"delete task {task_id}")
        assert isinstance(parts[0], ButtonsPart), parts
        return parts[0]

    async def exists(self, task_id: int) -> bool:
        """Seen by its owner through the API (a deleted task may be kept in a trash)."""
        found = await self.api.client("mona").get(f"/tasks/{task_id}")
        assert found.status_code in (200, 404), found.text
        return found.status_code == 200

    async def due(self, task_id: int) -> str | None:
        found = (await self.api.fetch("SELECT due_date FROM tasks WHERE id = :i", i=task_id))[0][0]
        return None if found is None else str(found)[:10]

    async def status(self, task_id: int) -> str:
        return str((await self.api.fetch("SELECT status FROM tasks WHERE id = :i", i=task_id))[0][0])

    async def waiting(self) -> bool:
        return await self.executor.confirmations.peek(MONA) is not None


@pytest.fixture
async def chat(api: Api, redis, redis_prefix: str, fake_openai) -> AsyncIterator[Chat]:
    keys = Keys(redis_prefix)
    client = CoreApiClient(api.url, SERVICE_TOKEN, retries=0)
    executor = CoreApiExecutor(client, IdentityLinks(redis, keys), ToolRegistry.shipped(),
                               Confirmations(redis, keys, ttl_s=60), redis=redis, keys=keys)  # fmt: skip
    await executor.links.link(MONA, api.id("mona"), role="manager")
    yield Chat(api, executor, make_agent(fake_openai, executor, redis, redis_prefix), fake_openai)
    await client.aclose()
