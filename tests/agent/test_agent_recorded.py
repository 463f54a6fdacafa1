"""The agent against the real embedded model, replayed from cassettes.

Recorded with `make cassettes` (the 1.5B model, HUDHUD_RECORD=1); CI replays them with record mode
"none". What shaped each cassette's requests (prompts, tool specs, the catalog's model texts) is
recorded beside it (tests/cassettes.py): after a prompt or spec edit its test fails at once, naming the
changed files and `make cassettes`, which records only the stale ones. Requests match on method, path
and body — not on the loopback port. The clock is frozen at 2026-11-25.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
import vcr

from agent.agent import Agent
from agent.examples import BANK, ExampleBank, bank_lines
from agent.model import ModelEndpoint, chat_model
from agent.router import StructuredRouter
from base.catalog import t
from base.keys import Keys
from base.settings import Settings
from base.turn import InboundMessage, Turn, UserRef, make_turn_id
from prompts.store import PromptStore
from tests.cassettes import ROOT, cassette_of, require_fresh, stamp
from tools.base import ToolCall, ToolResult
from tools.registry import ToolRegistry

RECORD = os.environ.get("HUDHUD_RECORD") == "1"
CASSETTES = Path(__file__).parent / "cassettes"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Riyadh"))


class RecordingExecutor:
    """Stands in for the core API (its own issue): records calls, answers like the API would."""

    def __init__(self) -> None:
        self.calls: list[ToolCall] = []

    async def execute(self, call: ToolCall, turn: Turn) -> ToolResult:
        self.calls.append(call)
        task_id = call.args.get("task_id", 7)
        return ToolResult(ok=True, data={"id": task_id, **call.args})


@pytest.fixture(scope="module")
def endpoint() -> Iterator[ModelEndpoint]:
    yield from local_endpoint()


def local_endpoint() -> Iterator[ModelEndpoint]:
    """The embedded 1.5B started and warmed when recording; a dead address when replaying (the cassette
    answers). Shared by every recorded suite."""
    if not RECORD:
        yield ModelEndpoint(base_url="http://127.0.0.1:9/v1", api_key="local", model="local", local=True)
        return
    import asyncio

    from agent.factory import start_local

    settings = Settings(_env_file=None, hudhud_local_model=os.environ.get("HUDHUD_LOCAL_MODEL", "1.5b"))  # type: ignore[call-arg]
    loop = asyncio.new_event_loop()
    found, server = loop.run_until_complete(start_local(settings))
    # Process the stable prompts once, as start-up does, so recorded turns are warm turns.
    router = StructuredRouter(chat_model(found, settings.model), ToolRegistry.shipped(), PromptStore())
    loop.run_until_complete(server.warm(router.system_prompt()))
    try:
        yield found
    finally:
        server.stop()
        loop.close()


pytestmark = pytest.mark.cassette("tests/agent/cassettes/{name}.yaml")


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[object]:
    path = ROOT / cassette_of(request.node)
    if RECORD:
        path.unlink(missing_ok=True)  # a fresh recording: no stale interaction survives
    else:
        require_fresh(path)
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORD else "none",
        match_on=["method", "path", "body"],
        filter_headers=["authorization", "x-stainless-retry-count"],
        decode_compressed_response=True,
    )
    with recorder.use_cassette(str(path)) as cass:
        yield cass
    if RECORD:
        stamp(path, request.node.nodeid)


@pytest.fixture
async def agent(endpoint: ModelEndpoint, redis, redis_prefix: str) -> AsyncIterator[Agent]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    yield Agent(
        llm=chat_model(endpoint, settings.model, max_retries=0, timeout=300),
        model_name="local:1.5b",
        mode="router",
        registry=ToolRegistry.shipped(),
        prompts=PromptStore(),
        executor=RecordingExecutor(),
        redis=redis,
        keys=Keys(redis_prefix),
        clock=lambda: NOW,
    )


def turn_of(text: str, wa_id: str = "966500000001", profile: str = "exec") -> Turn:
    message = InboundMessage(
        id=f"wamid.{abs(hash(text))}", wa_id=wa_id, phone_number_id="p", type="text", text=text
    )
    return Turn(
        turn_id=make_turn_id([message.id]), message_ids=[message.id], messages=[message],
        user=UserRef(wa_id=wa_id), phone_number_id="p", profile=profile,
    )  # fmt: skip


async def test_arabic_create_task_resolves_the_date_in_code(agent: Agent, cassette) -> None:
    parts = await agent.respond(turn_of("أضف مهمة مراجعة العقد يوم الخميس"))
    call = agent.executor.calls[0]  # type: ignore[attr-defined]
    assert call.name == "create_task"
    assert call.args["due_date"] == "2026-11-26"
    assert "العقد" in call.args["title"]
    assert parts[0].text.startswith("✅ أُضيفت المهمة #7")
    assert agent.traces[-1].prompts and agent.traces[-1].outcome == "executed"


async def test_english_complete_task_parses_the_id(agent: Agent, cassette) -> None:
    parts = await agent.respond(turn_of("mark task 42 as done"))
    call = agent.executor.calls[0]  # type: ignore[attr-defined]
    assert (call.name, call.args) == ("complete_task", {"task_id": 42})
    assert parts[0].text == t("tool.complete_task.reply", "en", id=42)


async def test_question_gets_a_free_text_answer_in_arabic(
    agent: Agent, cassette, redis, redis_prefix
) -> None:
    parts = await agent.respond(turn_of("ما هي عاصمة فرنسا؟", wa_id="966500000077"))
    assert agent.executor.calls == []  # type: ignore[attr-defined]
    # Accuracy is measured by the evals, not asserted: the answer is free text, in Arabic script.
    assert agent.traces[-1].outcome == "answered"
    assert re.search("[\u0600-\u06ff]{3}", parts[0].text)
    assert await redis.hget(f"{redis_prefix}:user:966500000077:prefs", "lang") == b"ar"


async def test_query_profile_answers_without_tools(agent: Agent, cassette) -> None:
    parts = await agent.respond(turn_of("What is the capital of Japan?", profile="query"))
    assert agent.traces[-1].action == "answer"
    assert "Tokyo" in parts[0].text


async def test_retrieved_examples_are_shown_to_the_router(agent: Agent, cassette) -> None:
    """The bank's nearest lines go with the message (the cassette's request holds them: a different
    choice of lines is a different request, which replay refuses); the bank is named in the trace."""
    agent.examples = ExampleBank(k=3)
    parts = await agent.respond(turn_of("شيلي المهمة 31 من القائمة لو سمحتي"))
    trace = agent.traces[-1]
    assert trace.action == "delete_task" and parts
    assert any(key.startswith("router-bank@") for key in trace.prompts)
    calls = agent.executor.calls  # type: ignore[attr-defined]
    assert [(c.name, c.args.get("task_id")) for c in calls] == [("delete_task", 31)]
    request = orjson.loads(cassette.requests[0].body)
    bank = {said for said, _ in bank_lines(PromptStore().get(BANK).text)}
    shown = [m["content"] for m in request["messages"] if m["role"] == "user"][:-1]
    assert len(shown) == 3 and set(shown) <= bank
