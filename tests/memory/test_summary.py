"""The rolling summary: folding older messages with one model call (scripted OpenAI-compatible server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import redis.asyncio as aioredis
import structlog
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI

from memory.crypto import Cipher, generate_key
from memory.history import ConversationHistory, HistoryEntry
from memory.summary import Summarizer, _text_of

WA = "966500000001"


@pytest.fixture
def history(redis: aioredis.Redis, redis_prefix: str) -> ConversationHistory:
    return ConversationHistory(redis, redis_prefix, Cipher(generate_key()), ttl_s=600, max_messages=500)


@pytest.fixture
async def model() -> AsyncIterator[Callable[[str], ChatOpenAI]]:
    """ChatOpenAI on its own HTTP client: langchain's shared default client outlives a test's event loop."""
    clients: list[httpx.AsyncClient] = []

    def make(base_url: str) -> ChatOpenAI:
        clients.append(httpx.AsyncClient(timeout=5))
        return ChatOpenAI(
            base_url=base_url, api_key="k", model="m", max_retries=0, http_async_client=clients[-1]
        )

    yield make
    for client in clients:
        await client.aclose()


async def fill(history: ConversationHistory, n: int, *, lang: str = "en", start: int = 0) -> None:
    for i in range(start, start + n, 2):
        await history.append_turn("exec", WA, f"turn-{i}", [
            HistoryEntry(role="user", text=f"question {i}", lang=lang, tokens=10),
            HistoryEntry(role="assistant", text=f"answer {i + 1}", lang=lang, tokens=10),
        ])  # fmt: skip


async def test_fold_when_enough_messages_left_the_window(
    model, history: ConversationHistory, fake_openai
) -> None:
    await fill(history, 30)
    summarizer = Summarizer(model(fake_openai.base_url))
    fake_openai.reply_text("  The user asked questions 0 to 18.  ")
    assert await summarizer.maybe_fold(history, "exec", WA, window_tokens=100, every=10)
    # one short model call: system = the English summary prompt, then the 20 messages outside the window
    (request,) = fake_openai.requests
    system, human = request["messages"][0]["content"], request["messages"][1]["content"]
    assert system == summarizer.prompts.get("summary", "en").text
    assert "Previous summary:\n(none)" in human
    assert "user: question 0" in human and "assistant: answer 19" in human and "question 20" not in human
    window = await history.window("exec", WA, max_tokens=100)
    assert window.summary == "The user asked questions 0 to 18." and window.summary_upto == 20
    # nothing new outside the window: no second call
    assert not await summarizer.maybe_fold(history, "exec", WA, window_tokens=100, every=10)
    assert len(fake_openai.requests) == 1


async def test_next_fold_builds_on_the_previous_summary(
    model, history: ConversationHistory, fake_openai
) -> None:
    await fill(history, 20, lang="ar")
    await history.set_summary("exec", WA, "ملخص سابق", 6)
    summarizer = Summarizer(model(fake_openai.base_url))
    fake_openai.reply_text("ملخص جديد")
    assert not await summarizer.maybe_fold(history, "exec", WA, window_tokens=100, every=10)  # 4 pending
    assert fake_openai.requests == []
    await fill(history, 10, lang="ar", start=20)
    assert await summarizer.maybe_fold(history, "exec", WA, window_tokens=100, every=10)
    request = fake_openai.requests[0]
    assert request["messages"][0]["content"] == summarizer.prompts.get("summary", "ar").text
    assert "Previous summary:\nملخص سابق" in request["messages"][1]["content"]
    assert "question 6" in request["messages"][1]["content"]  # seq 7: right after the old summary
    assert "question 4" not in request["messages"][1]["content"]
    summary = await history.summary("exec", WA)
    assert (summary.text, summary.upto_seq) == ("ملخص جديد", 21)  # the old summary took 4 tokens of 100


async def test_long_backlog_is_folded_in_batches(model, history: ConversationHistory, fake_openai) -> None:
    await fill(history, 40)
    summarizer = Summarizer(model(fake_openai.base_url), max_batch=12)
    fake_openai.reply_text("first batch")
    fake_openai.reply_text("second batch")
    assert await summarizer.maybe_fold(history, "exec", WA, window_tokens=0, every=5)
    assert (await history.summary("exec", WA)).upto_seq == 12
    assert await summarizer.maybe_fold(history, "exec", WA, window_tokens=0, every=5)
    assert (await history.summary("exec", WA)).upto_seq == 24


async def test_concurrent_folds_make_one_call(model, history: ConversationHistory, fake_openai) -> None:
    await fill(history, 30)
    summarizer = Summarizer(model(fake_openai.base_url))
    fake_openai.reply_text("once")
    results = await asyncio.gather(
        *(summarizer.maybe_fold(history, "exec", WA, window_tokens=100, every=10) for _ in range(4))
    )
    assert sorted(results) == [False, False, False, True]
    assert len(fake_openai.requests) == 1
    async with history.fold_lock("exec", WA):  # a fold elsewhere holds it: this one stands aside
        await fill(history, 12, start=30)
        assert not await summarizer.maybe_fold(history, "exec", WA, window_tokens=100, every=10)
    assert len(fake_openai.requests) == 1


async def test_model_failure_or_empty_reply_is_logged_not_raised(
    model, history: ConversationHistory, fake_openai
) -> None:
    await fill(history, 30)
    broken = Summarizer(model("http://127.0.0.1:1/v1"))
    with structlog.testing.capture_logs() as logs:
        assert not await broken.maybe_fold(history, "exec", WA, window_tokens=100, every=10)
    assert logs[0]["event"] == "summary.fold_failed" and "Connection" in logs[0]["error"]
    fake_openai.reply_text("   ")
    with structlog.testing.capture_logs() as logs:
        assert not await Summarizer(model(fake_openai.base_url)).maybe_fold(
            history, "exec", WA, window_tokens=100, every=10
        )
    assert [entry["event"] for entry in logs] == ["summary.fold_empty"]
    assert await history.summary("exec", WA) is None
    # the lock was released: the next turn's fold goes ahead
    fake_openai.reply_text("recovered")
    assert await Summarizer(model(fake_openai.base_url)).maybe_fold(
        history, "exec", WA, window_tokens=100, every=10
    )


async def test_fold_shows_tool_calls_and_results_and_cuts_long_text(model, fake_openai) -> None:
    summarizer = Summarizer(model(fake_openai.base_url), max_chars=80)
    fake_openai.reply_text("Task 42 was created.")
    entries = [
        HistoryEntry(role="user", text="Add a task: book the room " + "x" * 200),
        HistoryEntry(role="assistant", tool_calls=[{"name": "create_task", "args": {"title": "book"}}]),
        HistoryEntry(role="tool", tool_result={"ok": True, "refs": {"task_id": 42}, "raw": {"big": 1}}),
        HistoryEntry(role="tool", tool_result={"weird": "shape"}),
    ]
    assert await summarizer.fold(None, entries, "fr") == "Task 42 was created."  # unknown language: English
    human = fake_openai.requests[0]["messages"][1]["content"]
    lines = human.split("Messages:\n")[1].split("\n")
    assert lines[0].startswith("user: Add a task: book the room") and lines[0].endswith("…")
    assert len(lines[0]) == len("user: ") + 80 + 1
    assert lines[1] == 'assistant: [called create_task {"title":"book"}]'
    assert lines[2] == 'tool: [result {"ok":true,"refs":{"task_id":42}}]'
    assert lines[3] == 'tool: [result {"weird":"shape"}]'


def test_multi_part_content_is_joined() -> None:
    assert _text_of(["a", {"type": "text", "text": "b"}, 3]) == "ab"


async def test_list_content_from_a_provider(history: ConversationHistory) -> None:
    class ListModel:
        async def ainvoke(self, messages):
            return AIMessage(content=[{"type": "text", "text": "from blocks"}])

    summarizer = Summarizer(ListModel())  # type: ignore[arg-type]
    assert await summarizer.fold("old", [HistoryEntry(role="user", text="hi")], "en") == "from blocks"


async def test_a_fold_finished_meanwhile_is_not_repeated(
    model, history: ConversationHistory, fake_openai, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(history, 30)
    real = history.unsummarized
    calls = 0

    async def unsummarized_then_other_worker_folds(*args, **kwargs):
        nonlocal calls
        calls += 1
        found = await real(*args, **kwargs)
        if calls == 1:  # another worker's fold lands between our check and our lock
            await history.set_summary("exec", WA, "folded elsewhere", found[-1].seq)
        return found

    monkeypatch.setattr(history, "unsummarized", unsummarized_then_other_worker_folds)
    assert not await Summarizer(model(fake_openai.base_url)).maybe_fold(
        history, "exec", WA, window_tokens=100, every=10
    )
    assert calls == 2 and fake_openai.requests == []
    assert (await history.summary("exec", WA)).text == "folded elsewhere"
