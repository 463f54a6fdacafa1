"""Agent plumbing with a provider that speaks native tool calls (a stand-in for a remote model):
both tool-calling paths give one Decision; arguments are normalized in code; missing ones are asked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.agent import Agent
from agent.model import ModelEndpoint, chat_model
from agent.router import RouterError
from base.catalog import t
from base.settings import Settings
from prompts.store import PromptStore
from tests.agent.test_agent_recorded import RecordingExecutor, turn_of
from tools.base import ToolCall, ToolResult
from tools.registry import ToolRegistry

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Riyadh"))


def make_agent(fake_openai, mode: str = "native", executor=None) -> Agent:
    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="remote-model", local=False)
    return Agent(
        llm=chat_model(endpoint, Settings(_env_file=None).model, max_retries=0),  # type: ignore[call-arg]
        model_name="remote-model",
        mode=mode,  # type: ignore[arg-type]
        registry=ToolRegistry.shipped(),
        prompts=PromptStore(),
        executor=executor if executor is not None else RecordingExecutor(),
        clock=lambda: NOW,
    )


async def test_native_tool_call_is_normalized_and_executed(fake_openai) -> None:
    agent = make_agent(fake_openai)
    fake_openai.reply_tool("create_task", {"title": "Book the meeting room", "due_date": "tomorrow",
                                           "assignee": "Hassan", "priority": "urgent"})  # fmt: skip
    parts = await agent.respond(turn_of("Create a task for Hassan to book the meeting room tomorrow, urgent"))
    call = agent.executor.calls[0]  # type: ignore[attr-defined]
    assert call.args == {"title": "Book the meeting room", "due_date": "2026-11-26", "assignee": "Hassan",
                         "priority": "high"}  # fmt: skip
    assert call.raw_args["due_date"] == "tomorrow"
    assert parts[0].text.startswith("✅ Task #7 created: *Book the meeting room*")
    assert "2026-11-26" in parts[0].text and "Hassan" in parts[0].text
    request = fake_openai.requests[0]
    assert {t["function"]["name"] for t in request["tools"]} >= {"create_task", "assign_task"}
    assert request["messages"][-1]["content"].startswith("Create a task for Hassan")  # the user's words last


async def test_missing_required_argument_gets_a_question_not_a_guess(fake_openai) -> None:
    agent = make_agent(fake_openai)
    fake_openai.reply_tool("assign_task", {"task_id": "٥"})
    parts = await agent.respond(turn_of("أسند المهمة ٥"))
    assert agent.executor.calls == []  # type: ignore[attr-defined]
    assert parts[0].text == "لمن أسند المهمة؟"
    assert agent.traces[-1].outcome == "clarify" and agent.traces[-1].args == {"task_id": 5}


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("عدّل المهمة ٥", "ماذا أغيّر في المهمة: العنوان أم موعد الاستحقاق أم الأولوية؟"),
        ("update task 5", "What should I change in that task: the title, the due date or the priority?"),
    ],
)
async def test_an_update_that_changes_nothing_asks_what_to_change(
    fake_openai, text: str, question: str
) -> None:
    agent = make_agent(fake_openai)
    fake_openai.reply_tool("update_task", {"task_id": "5"})
    parts = await agent.respond(turn_of(text))
    assert agent.executor.calls == []  # type: ignore[attr-defined]
    assert parts[0].text == question and agent.traces[-1].outcome == "clarify"


async def test_unreadable_date_is_not_guessed(fake_openai) -> None:
    agent = make_agent(fake_openai)
    fake_openai.reply_tool("create_task", {"title": "Pay rent", "due_date": "when pigs fly"})
    parts = await agent.respond(turn_of("add pay rent when pigs fly"))
    assert agent.executor.calls == []  # type: ignore[attr-defined]
    assert "when pigs fly" in parts[0].text and agent.traces[-1].outcome == "unclear"


async def test_plain_answer_is_returned_as_is(fake_openai) -> None:
    agent = make_agent(fake_openai)
    fake_openai.reply_text("  Hello! How can I help?  ")
    parts = await agent.respond(turn_of("is anyone there"))
    assert parts[0].text == "Hello! How can I help?"
    assert len(fake_openai.requests) == 1  # the answer came with the decision: no second call


async def test_router_mode_fills_the_schema_and_answers_in_a_second_call(fake_openai) -> None:
    agent = make_agent(fake_openai, mode="router")
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("Tokyo.")
    parts = await agent.respond(turn_of("What is the capital of Japan?"))
    assert parts[0].text == "Tokyo."
    first = fake_openai.requests[0]
    assert first["response_format"]["type"] == "json_schema"
    assert "tools" not in first
    assert first["messages"][0]["content"] == agent.warmup_prompt()  # byte-stable system prompt, cached


async def test_router_mode_routes_a_command(fake_openai) -> None:
    agent = make_agent(fake_openai, mode="router")
    fake_openai.reply_text('{"action": "complete_task", "task_id": "٤٢"}')
    parts = await agent.respond(turn_of("المهمة ٤٢ خلصت"))
    assert agent.executor.calls[0].args == {"task_id": 42}  # type: ignore[attr-defined]
    assert parts[0].text == t("tool.complete_task.reply", "ar", id=42)


async def test_router_output_that_is_not_json_is_answered_not_run(fake_openai) -> None:
    """A router output that cannot be read (cut at the token limit, not JSON) runs nothing on a guess:
    the message is answered instead of failing the turn ("something went wrong")."""
    agent = make_agent(fake_openai, mode="router")
    with pytest.raises(RouterError):  # what the routing evals see
        fake_openai.reply_text("I think you want to create a task")
        await agent.route("add a task")
    fake_openai.reply_text("I think you want to create a task")
    fake_openai.reply_text("What should the task be called?")
    parts = await agent.respond(turn_of("add a task"))
    assert parts[0].text == "What should the task be called?"  # type: ignore[union-attr]
    assert agent.executor.calls == []  # type: ignore[attr-defined]
    assert agent.traces[-1].rules == ["router_fallback"] and agent.traces[-1].outcome == "answered"


class Refusing:
    async def execute(self, call: ToolCall, turn) -> ToolResult:
        return ToolResult(ok=False, error="you may not delete tasks of other people")


class Listing:
    async def execute(self, call: ToolCall, turn) -> ToolResult:
        tasks = [
            {"id": 1, "title": "Call bank", "status": "open", "due_date": "2026-11-26"},
            {"id": 2, "title": "Pay rent", "status": "done"},
        ]
        return ToolResult(ok=True, data=tasks)


async def test_results_and_refusals_are_rendered_in_code(fake_openai) -> None:
    agent = make_agent(fake_openai, executor=Refusing())
    fake_openai.reply_tool("delete_task", {"task_id": "9"})
    assert (await agent.respond(turn_of("delete task 9")))[0].text == (
        "Sorry, I couldn't do that: you may not delete tasks of other people"
    )
    agent = make_agent(fake_openai, executor=Listing())
    fake_openai.reply_tool("list_tasks", {"scope": "mine"})
    text = (await agent.respond(turn_of("my tasks")))[0].text
    assert text == "▫️ #1 Call bank · 2026-11-26\n✅ #2 Pay rent"


async def test_without_a_core_api_commands_are_understood_not_executed(fake_openai) -> None:
    from tools.base import UnavailableExecutor

    agent = make_agent(fake_openai, executor=UnavailableExecutor())
    fake_openai.reply_tool("complete_task", {"task_id": "3"})
    text = (await agent.respond(turn_of("task 3 is done")))[0].text
    assert "complete_task(task_id=3)" in text and "not connected" in text


async def test_long_text_is_cut_to_fit_the_context_window(fake_openai, tmp_path) -> None:
    from agent.tokens import TiktokenCounter

    agent = make_agent(fake_openai)
    agent.token_counter = TiktokenCounter("gpt-4o", cache_dir=tmp_path)
    agent.context_window, agent.max_reply_tokens = 2000, 200
    fake_openai.reply_text("summary")
    long_text = "هذه رسالة طويلة جداً عن المشروع. " * 800
    await agent.respond(turn_of(long_text))
    sent = fake_openai.requests[0]["messages"][-1]["content"]
    assert agent.traces[-1].truncated and long_text.startswith(sent) and len(sent) < len(long_text)
    system = fake_openai.requests[0]["messages"][0]["content"]
    total = await agent.token_counter.count(system) + await agent.token_counter.count(sent)
    assert total <= 2000 - 200
    fake_openai.reply_text("ok")
    await agent.respond(turn_of("short"))
    assert not agent.traces[-1].truncated


async def test_task_details_are_rendered_not_just_done(fake_openai) -> None:
    class Details:
        async def execute(self, call: ToolCall, turn) -> ToolResult:
            task = {"id": 18, "title": "Renew residency", "status": "open", "priority": "high",
                    "due_date": "2026-11-26", "assignee": "Sara Ahmed"}  # fmt: skip
            return ToolResult(ok=True, data=task)

    agent = make_agent(fake_openai, executor=Details())
    fake_openai.reply_tool("get_task", {"task_id": "18"})
    text = (await agent.respond(turn_of("what's the status of task 18?")))[0].text
    assert text.startswith("📌 Task #18: *Renew residency*\nStatus: open · priority high")
    assert "2026-11-26" in text and "Sara Ahmed" in text
