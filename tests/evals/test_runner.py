"""The runner end to end with a scripted model: real Redis, the real core API over loopback, the real
pipeline (signed webhook → worker → agent → tools → sandbox), scored and written to disk."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

import evals.runner
from agent.model import ModelEndpoint
from base.settings import Settings
from evals.clock import frozen_core_clock, ticking_from
from evals.harness import find_agent, seed_memories, tune_sampling
from evals.results import read_results
from evals.runner import RunOptions, model_backend, redis_url, run_eval, select, trials_of
from evals.suite import Suite, SuiteError, load_suite, load_suites
from tests.conftest import REDIS_TEST_URL

SUITE = """\
name: mini
clock: "2026-11-25T09:00:00+03:00"
temperature: {temperature}
fixtures:
  users:
    - {{username: omar, name: Omar Hassan, role: manager, team: ops, lang: en}}
    - {{username: sara, name: Sara Ali, role: member, team: ops, lang: ar}}
cases:
  - id: create-en
    tags: [create, en]
    user: {{wa_id: "966500000011", linked_as: omar, lang: en}}
    memories: ["I prefer short answers"]
    turns:
      - user: "add a task to review the budget tomorrow"
        expect:
          tool_calls: [{{name: create_task, args: {{title: {{contains: budget}}, due: "2026-11-26"}}}}]
          reply: {{language: en, contains_any: ["created"]}}
    expect_state:
      tasks: [{{title: {{contains: budget}}, due: "2026-11-26", created_by: omar, status: open}}]
  - id: delete-en
    tags: [delete, en]
    user: {{wa_id: "966500000012", linked_as: omar}}
    fixtures:
      tasks: [{{id: 7, title: Old draft, created_by: omar, assignee: sara, comments: [keep it]}}]
    turns:
      - user: "delete task 7"
        expect: {{confirm: true, tool_calls: [{{name: delete_task, args: {{task_id: 7}}}}]}}
      - press: confirm
        expect: {{tool_calls: [{{name: delete_task}}], reply: {{contains_any: ["deleted", "حُذفت"]}}}}
    expect_state: {{absent: [{{id: 7}}]}}
  - id: answer-ar
    tags: [unlinked, ar]
    user: {{wa_id: "966500000099"}}
    turns:
      - user: "شكراً جزيلاً"
        expect: {{tool_calls: [], reply: {{language: ar}}}}
      - press: cancel
    expect_state: {{unchanged: true}}
"""


def write_suite(tmp_path: Path, temperature: float = 0) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(SUITE.format(temperature=temperature), encoding="utf-8")
    return path


def settings_for(fake_openai: Any, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "redis_url": REDIS_TEST_URL,
        "hudhud_data_dir": tmp_path / "data",
        "openai_base_url": fake_openai.base_url,
        "openai_api_key": "k",
        "hudhud_model": "gpt-test",
        "hudhud_tool_mode": "native",
        "hudhud_model_retries": 0,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def script(fake_openai: Any) -> None:
    fake_openai.reply_tool("create_task", {"title": "review the budget", "due_date": "tomorrow"})
    fake_openai.reply_tool("delete_task", {"task_id": "7"})
    fake_openai.reply_text("أهلاً! كيف أساعدك؟")


async def test_run_eval_through_the_pipeline(fake_openai: Any, tmp_path: Path) -> None:
    script(fake_openai)
    suite = load_suite(write_suite(tmp_path))
    out = tmp_path / "out"
    outcome = await run_eval(
        [suite], RunOptions(out=out, kb="", concurrency=1), settings_for(fake_openai, tmp_path)
    )
    by_id = {r.case_id: r for r in outcome.results}
    create, delete, answer = by_id["create-en"], by_id["delete-en"], by_id["answer-ar"]
    assert create.error is None and create.success, create.scores
    # "tomorrow" resolved against the suite's clock, not today's date
    assert create.turns[0].tool_calls[0].args == {"title": "review the budget", "due_date": "2026-11-26"}
    assert create.turns[0].traces[0].prompts and create.turns[0].latency_ms > 0
    assert create.state_after is not None and create.state_after[0]["created_by"] == "omar"
    assert create.model == "gpt-test" and create.clock == "2026-11-25T09:00:00+03:00"
    assert delete.success, delete.scores
    assert [c.outcome for t in delete.turns for c in t.tool_calls] == ["confirm", "ok"]
    assert delete.turns[0].asked_confirmation and delete.state_before[0]["comments"] == ["keep it"]
    assert answer.turns[0].text == "أهلاً! كيف أساعدك؟" and answer.turns[1].status == "no_buttons"
    assert not answer.success and answer.scores["state"].passed
    # on disk: one line per result, the summary, the report
    assert [r.case_id for r in read_results(out)] == ["create-en", "delete-en", "answer-ar"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overall"]["command_success"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["suites"]["mini"]["pass_k_note"].startswith("temperature 0")
    assert summary["run"]["tool_mode"] == "native" and summary["run"]["kb"] is None
    assert summary["by_language"]["ar"]["cases"] == 1 and summary["prompts"]
    assert "mini/answer-ar" in (out / "report.html").read_text()


async def test_trials_sample_with_the_suite_temperature_and_a_seed_each(
    fake_openai: Any, tmp_path: Path
) -> None:
    suite = load_suite(write_suite(tmp_path, temperature=0.7))
    assert isinstance(suite, Suite)
    options = RunOptions(out=tmp_path / "out", kb="", trials=2, seed=5, filter="answer-*", concurrency=2)
    for _ in range(2):
        fake_openai.reply_text("مرحبا بك")
    outcome = await run_eval([suite], options, settings_for(fake_openai, tmp_path))
    assert sorted((r.case_id, r.trial, r.seed) for r in outcome.results) == [
        ("answer-ar", 0, 5),
        ("answer-ar", 1, 6),
    ]
    sent = [(body["temperature"], body["seed"]) for body in fake_openai.requests]
    assert sorted(sent) == [(0.7, 5), (0.7, 6)]
    assert set(outcome.summary["overall"]["pass_k"]) == {"1", "2"}


def test_select_and_trials() -> None:
    suite = Suite.model_validate(
        {
            "name": "s",
            "clock": "2026-11-25T09:00:00+03:00",
            "temperature": 0.5,
            "cases": [
                {"id": "a-1", "tags": ["en"], "user": {"wa_id": "966500000001"}, "turns": [{"user": "x"}]},
                {"id": "b-1", "tags": ["en"], "user": {"wa_id": "966500000001"}, "turns": [{"user": "x"}]},
            ],
        }
    )
    assert [c.id for c in select(suite, "a-*")] == ["a-1"]
    assert [c.id for c in select(suite, "s/b-*")] == ["b-1"]
    assert len(select(suite, None)) == 2
    assert [c.id for c in select(suite, "s/b-1, a-*")] == ["a-1", "b-1"]  # several globs: any of them
    assert trials_of(suite, RunOptions(trials=3)) == 3
    assert trials_of(suite.model_copy(update={"temperature": 0}), RunOptions(trials=3)) == 1


def test_frozen_core_clock() -> None:
    import coreapi.clock
    import coreapi.tokens

    start = datetime.fromisoformat("2026-11-25T23:30:00+03:00")
    with frozen_core_clock(start):
        assert coreapi.clock.today_in("Asia/Riyadh") == date(2026, 11, 25)
        assert coreapi.clock.today_in("UTC") == date(2026, 11, 25)
        assert abs((coreapi.clock.utcnow() - start).total_seconds()) < 5
        assert abs((coreapi.tokens.utcnow() - datetime.now(UTC)).total_seconds()) < 5  # JWTs: real time
    assert coreapi.clock.datetime is datetime
    naive = ticking_from(start).now()
    assert naive.tzinfo is None


class FakeStore:
    def __init__(self) -> None:
        self.saved: list[tuple[str, str, str]] = []

    async def remember(self, profile: str, wa_id: str, text: str) -> str:
        self.saved.append((profile, wa_id, text))
        return "id"


class FakeAgent:
    def __init__(self, memory: Any = None) -> None:
        self.clock = None
        self.traces: list[Any] = []
        self.memory = memory


async def test_seed_memories_and_find_agent() -> None:
    from types import SimpleNamespace

    from evals.harness import HarnessError

    store = FakeStore()
    agent = FakeAgent(SimpleNamespace(memories=store))
    container = SimpleNamespace(responder=SimpleNamespace(fallback=agent))
    assert find_agent(container.responder) is agent and find_agent(None) is None
    await seed_memories(container, "exec", "966500000001", ["likes tea"])
    assert store.saved == [("exec", "966500000001", "likes tea")]
    with pytest.raises(HarnessError, match="no long-term memory store"):
        await seed_memories(SimpleNamespace(responder=FakeAgent()), "exec", "1", ["x"])


def test_tune_sampling() -> None:
    from langchain_openai import ChatOpenAI

    agent = FakeAgent()
    agent.llm = ChatOpenAI(base_url="http://127.0.0.1:9/v1", api_key="k", model="m", temperature=0)  # type: ignore[attr-defined]
    tune_sampling(agent, 0, 3)
    assert agent.llm.temperature == 0 and agent.llm.seed is None  # type: ignore[attr-defined]
    tune_sampling(agent, 0.8, 3)
    assert agent.llm.temperature == 0.8 and agent.llm.seed == 3  # type: ignore[attr-defined]
    tune_sampling(FakeAgent(), 0.8, 3)  # no model: nothing to tune


async def test_embedded_redis_when_no_redis_url(tmp_path: Path) -> None:
    import redis.asyncio as aioredis

    async with redis_url(Settings(_env_file=None), tmp_path) as url:  # type: ignore[call-arg]
        assert url.startswith("unix://")
        client = aioredis.from_url(url)
        assert await client.ping()
        await client.aclose()


@pytest.fixture(scope="module")
def smollm2_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from agent.local import ensure_weights

    return ensure_weights("smollm2", tmp_path_factory.mktemp("model-data"))


async def test_the_embedded_model_is_started_once_and_warmed(smollm2_path: Path, tmp_path: Path) -> None:
    from types import SimpleNamespace

    settings = Settings(
        _env_file=None,
        hudhud_local_model=str(smollm2_path),
        hudhud_local_ctx=1024,  # type: ignore[call-arg]
        hudhud_data_dir=tmp_path,
    )
    async with model_backend(settings, RunOptions(model=str(smollm2_path))) as backend:
        assert backend.server is not None and backend.concurrency == 1
        assert backend.model_name == f"local:{smollm2_path}" and backend.tool_mode == "router"
        assert backend.settings.model.base_url == backend.server.base_url
        assert backend.settings.model.context_window == 1024
        assert backend.weights_sha256 is None  # an operator's file: no catalog hash to vouch for it
        warmed: list[str] = []

        async def warm(prompt: str) -> float:
            warmed.append(prompt)
            return 0.0

        backend.server.warm = warm
        agent = SimpleNamespace(
            clock=None, traces=[], persona_prompts=lambda: ["a", "b"], warmup_prompt=lambda: "r"
        )
        await backend.warm(SimpleNamespace(responder=agent))
        await backend.warm(SimpleNamespace(responder=agent))  # once per run
        assert warmed == ["a", "b", "r"]


async def test_remote_endpoint_model_override(fake_openai: Any, tmp_path: Path) -> None:
    settings = settings_for(fake_openai, tmp_path)
    async with model_backend(settings, RunOptions(model="other-model", concurrency=3)) as backend:
        assert backend.model_name == "other-model" and backend.concurrency == 3 and backend.server is None
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="given", local=False)
    async with model_backend(settings, RunOptions(endpoint=endpoint)) as backend:
        assert backend.model_name == "given" and backend.concurrency == evals.runner.REMOTE_CONCURRENCY


async def test_find_agent_sees_through_the_shipped_wrappers(redis, redis_prefix: str) -> None:
    """The exec bot's router puts the typed-answer readers (confirmations, lists, readings) in front of
    the agent: the harness must still find it, or no suite clock and no trace would reach it."""
    from agent.exec_commands import register_tool_commands
    from base.commands import CommandRouter
    from base.keys import Keys
    from memory.links import IdentityLinks
    from tools.client import CoreApiClient
    from tools.confirm import Confirmations
    from tools.executor import CoreApiExecutor
    from tools.registry import ToolRegistry

    keys = Keys(redis_prefix)
    client = CoreApiClient("http://127.0.0.1:9", "x" * 40, retries=0)  # never called
    executor = CoreApiExecutor(client, IdentityLinks(redis, keys), ToolRegistry.shipped(),
                               Confirmations(redis, keys), redis=redis, keys=keys)  # fmt: skip
    agent = FakeAgent()
    router = CommandRouter(fallback=agent)  # type: ignore[arg-type]

    async def english(turn: Any) -> str:
        return "en"

    register_tool_commands(router, executor, english)
    assert router.fallback is not agent and find_agent(router) is agent
    await client.aclose()


KNOWING_SUITE = """
name: knowing
clock: "2026-11-25T09:00:00+03:00"
profile: query
knowledge: [docs]
fixtures:
  users:
    - {username: omar, name: Omar Hassan, role: manager, team: ops}
cases:
  - id: policy-en
    tags: [en]
    user: {wa_id: "966500000012", linked_as: omar}
    turns:
      - user: "what is the parking policy for visitors?"
    expect_state: {unchanged: true}
"""


async def test_a_suite_brings_its_own_documents_to_its_cases_only(fake_openai: Any, tmp_path: Path) -> None:
    """`knowledge:` documents (an attack suite's poisoned ones) reach that suite's prompts, in a data
    directory of its own, so no other suite of the run retrieves them."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "parking.md").write_text(
        "# Visitor parking\n\nVisitors park on level B2 with a ticket from reception (zebra-quartz-41).\n"
    )
    path = tmp_path / "knowing.yaml"
    path.write_text(KNOWING_SUITE, encoding="utf-8")
    suite = load_suite(path)
    assert suite.knowledge_paths() == [(tmp_path / "docs").resolve()]
    fake_openai.reply_text("Visitors park on level B2.")
    outcome = await run_eval(
        [suite], RunOptions(out=tmp_path / "out", kb="", concurrency=1), settings_for(fake_openai, tmp_path)
    )
    assert outcome.results[0].error is None
    prompts = orjson.dumps(fake_openai.requests).decode()
    assert "zebra-quartz-41" in prompts
    assert (tmp_path / "data" / "eval" / "suite-knowing").is_dir()
    missing = tmp_path / "bad.yaml"
    missing.write_text(KNOWING_SUITE.replace("name: knowing", "name: bad").replace("[docs]", "[nowhere]"))
    with pytest.raises(SuiteError, match=r"knowledge: .*nowhere does not exist"):
        load_suites([missing])
