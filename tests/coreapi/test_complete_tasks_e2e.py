"""Bulk complete end to end: the complete_tasks tool through the executor, the Confirm / Cancel buttons
and the agent, against the real core API over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agent.agent import Agent
from agent.exec_commands import register_tool_commands
from agent.model import ModelEndpoint, chat_model
from base.catalog import t, tn
from base.commands import CommandRouter
from base.keys import Keys
from base.settings import Settings
from base.turn import ButtonsPart, ReplyPart, TextPart
from coreapi.seed import seed
from memory.links import IdentityLinks
from prompts.store import PromptStore
from tests.coreapi.conftest import SERVICE_TOKEN, Api
from tests.coreapi.test_tools_e2e import MONA_WA, SARA_WA, Bench, turn
from tools.base import ToolCall, ToolResult
from tools.client import CoreApiClient
from tools.confirm import Confirmations
from tools.executor import CoreApiExecutor, task_lines
from tools.registry import ToolRegistry


@pytest.fixture
async def desk(api: Api, redis, redis_prefix: str) -> AsyncIterator[Bench]:
    keys = Keys(redis_prefix)
    client = CoreApiClient(api.url, SERVICE_TOKEN, retries=0)
    executor = CoreApiExecutor(client, IdentityLinks(redis, keys), ToolRegistry.shipped(),
                               Confirmations(redis, keys, ttl_s=60), redis=redis, keys=keys)  # fmt: skip
    router = CommandRouter()

    async def lang_of(t: Any) -> str:
        return "en"

    register_tool_commands(router, executor, lang_of)
    bench = Bench(api, executor, router)
    await bench.link(SARA_WA, "sara")
    await bench.link(MONA_WA, "mona")
    yield bench
    await client.aclose()


async def bulk(desk: Bench, wa_id: str, note: str, lang: str = "en", **args: Any) -> ToolResult:
    # `note` makes each request its own turn (its own idempotency key), as each message would be.
    call = ToolCall(name="complete_tasks", args=args, lang=lang)
    return await desk.executor.execute(call, turn(wa_id, note))


async def statuses(desk: Bench, *numbers: int) -> list[str]:
    rows = dict(await desk.api.fetch("SELECT id, status FROM tasks"))
    return [rows[desk.api.task(n)] for n in numbers]


def buttons(result: ToolResult) -> ButtonsPart:
    assert result.ok and result.confirm and result.parts, result
    part = result.parts[0]
    assert isinstance(part, ButtonsPart)
    return part


async def tap(desk: Bench, wa_id: str, part: ButtonsPart, which: int) -> str:
    replies: list[ReplyPart] = await desk.say(wa_id, part.buttons[which].title, part.buttons[which].id)
    return replies[0].text  # type: ignore[union-attr]


async def test_confirmed_bulk_complete_marks_every_task_done(desk: Bench) -> None:
    one, two = desk.api.task(1), desk.api.task(2)
    asked = buttons(await bulk(desk, SARA_WA, "a", task_ids=[one, two]))
    # The prompt says what will happen: how many, their numbers and titles.
    assert asked.text.splitlines()[:3] == [tn("confirm.bulk", 2, "en"), f"• #{one} Prepare Q3 report",
                                           f"• #{two} Call the supplier"]  # fmt: skip
    assert asked.text.splitlines()[0] == "Mark 2 tasks done?"  # today's wording, kept
    assert [b.title for b in asked.buttons] == [
        t("confirm.button_confirm", "en"),
        t("confirm.button_cancel", "en"),
    ]
    assert await statuses(desk, 1, 2) == ["open", "open"]  # nothing before the tap
    reply = await tap(desk, SARA_WA, asked, 0)
    lines = f"• #{one} Prepare Q3 report\n• #{two} Call the supplier"
    assert reply == tn("tool.complete_tasks.reply", 2, "en", task_lines=lines)
    assert await statuses(desk, 1, 2) == ["done", "done"]
    logged = await desk.api.fetch("SELECT count(*) FROM audit_log WHERE action = 'complete'")
    assert logged[0][0] == 2
    # A second tap finds nothing to run.
    assert await tap(desk, SARA_WA, asked, 0) == t("confirm.expired", "en")


async def test_the_question_and_its_buttons_are_in_the_users_language(desk: Bench) -> None:
    one, two = desk.api.task(1), desk.api.task(2)
    asked = buttons(await bulk(desk, SARA_WA, "ar", lang="ar", task_ids=[one, two]))
    assert asked.text.splitlines()[0] == tn("confirm.bulk", 2, "ar") == "هل أنجز هاتين المهمتين؟"  # the dual
    assert [b.title for b in asked.buttons] == [
        t("confirm.button_confirm", "ar"),
        t("confirm.button_cancel", "ar"),
    ]
    overdue = buttons(await bulk(desk, SARA_WA, "ar2", lang="ar", overdue=True))
    assert overdue.text.splitlines()[0] == tn("confirm.bulk_overdue", 1, "ar") == "هل أنجز مهمتك المتأخرة؟"


async def test_cancel_another_user_and_expiry_change_nothing(desk: Bench) -> None:
    ids = [desk.api.task(1), desk.api.task(2)]
    cancelled = buttons(await bulk(desk, SARA_WA, "b", task_ids=ids))
    assert await tap(desk, SARA_WA, cancelled, 1) == t("reply.cancelled", "en")
    assert await tap(desk, SARA_WA, cancelled, 0) == t("confirm.expired", "en")  # cancelled means gone
    # Mona may complete these tasks herself, but not through Sara's confirmation.
    asked = buttons(await bulk(desk, SARA_WA, "c", task_ids=ids))
    assert await tap(desk, MONA_WA, asked, 0) == t("confirm.expired", "en")
    assert await statuses(desk, 1, 2) == ["open", "open"]
    # Expired: the pending call is gone from Redis.
    await desk.executor._redis.pexpire(desk.executor.confirmations._key(SARA_WA), 1)
    await asyncio.sleep(0.05)
    assert await tap(desk, SARA_WA, asked, 0) == t("confirm.expired", "en")
    assert await statuses(desk, 1, 2) == ["open", "open"]


async def test_a_task_the_user_may_not_complete_stops_the_whole_batch(desk: Bench) -> None:
    # Task 5 is Sara's team's: she may see it, so she is asked, but the API refuses after her tap.
    asked = buttons(await bulk(desk, SARA_WA, "d", task_ids=[desk.api.task(1), desk.api.task(5)]))
    reply = await tap(desk, SARA_WA, asked, 0)
    prefix = t("api_error.task_prefix", "en", id=desk.api.task(5))
    refusal = t("api_error.task_not_yours", "en", task_prefix=prefix, action="complete")
    assert reply == t("reply.failed", "en", error=refusal)
    assert refusal == (  # today's wording, kept
        f"not allowed — task {desk.api.task(5)}: you can only complete tasks you created or are assigned to"
    )
    assert await statuses(desk, 1, 5) == ["open", "open"]
    # Another team's task is refused before asking: she may not even see it.
    hidden = await bulk(desk, SARA_WA, "e", task_ids=[desk.api.task(1), desk.api.task(4)])
    assert not hidden.ok and not hidden.confirm
    assert hidden.error == t("api_error.task_not_visible", "en", task_id=desk.api.task(4))
    assert await statuses(desk, 1, 4) == ["open", "open"]


async def test_what_cannot_work_is_said_before_asking(desk: Bench) -> None:
    missing = await bulk(desk, SARA_WA, "f", task_ids=[desk.api.task(1), 99998, 99999])
    assert missing.error == tn("api_error.tasks_not_found", 2, "en", tasks="tasks 99998 and 99999")
    assert missing.error == "not found — tasks 99998 and 99999 not found"  # today's wording, kept
    done = await bulk(desk, MONA_WA, "g", task_ids=[desk.api.task(1), desk.api.task(3)])
    assert done.error == tn("api_error.already_done", 1, "en", tasks=f"task {desk.api.task(3)}")
    assert done.error == f"task {desk.api.task(3)} is already done"
    assert (await bulk(desk, SARA_WA, "h")).error == t("error.which_tasks", "en")
    too_many = await bulk(desk, SARA_WA, "i", task_ids=list(range(1, 52)))
    assert too_many.error == t("error.bulk_limit", "en", max=50)
    assert not await desk.executor.confirmations.cancel(SARA_WA)  # nothing was left waiting
    assert await statuses(desk, 1, 3) == ["open", "done"]


async def test_one_named_task_runs_at_once(desk: Bench) -> None:
    result = await bulk(desk, SARA_WA, "j", task_ids=[desk.api.task(1)])
    assert result.ok and not result.confirm
    assert (
        result.data["count"] == 1 and result.data["task_lines"] == f"• #{desk.api.task(1)} Prepare Q3 report"
    )
    assert await statuses(desk, 1) == ["done"]


async def test_all_my_overdue_tasks_are_found_in_code_and_confirmed(desk: Bench) -> None:
    # Sara's only overdue task is #1 (task 4 is overdue too, but another team's).
    asked = buttons(await bulk(desk, SARA_WA, "k", overdue=True))
    assert asked.text.splitlines()[:2] == [
        "Mark your overdue task done?",
        f"• #{desk.api.task(1)} Prepare Q3 report",
    ]
    assert (await tap(desk, SARA_WA, asked, 0)).startswith("✅ Marked done (1):")
    assert await statuses(desk, 1, 4) == ["done", "open"]
    assert (await bulk(desk, SARA_WA, "l", overdue=True)).error == t("error.no_overdue", "en")


async def add_tasks(desk: Bench, *specs: dict[str, Any]) -> list[int]:
    async with desk.api.db.sessions() as session:
        return [task.id for task in (await seed(session, tasks=specs)).tasks]


async def test_more_overdue_tasks_than_one_call_takes_are_refused(desk: Bench) -> None:
    await add_tasks(
        desk, *({"title": f"Late {i}", "created_by": "samir", "due_in_days": -3} for i in range(51))
    )
    samir = "966500000013"
    await desk.link(samir, "samir")
    refused = await bulk(desk, samir, "m", overdue=True)
    assert refused.error == tn("error.too_many_overdue", 51, "en", max=50)
    assert refused.error == "you have 51 overdue tasks; I can complete at most 50 at once"
    arabic = await bulk(desk, samir, "m2", lang="ar", overdue=True)  # 51: the Arabic "many" form
    assert arabic.error == tn("error.too_many_overdue", 51, "ar", max=50)
    assert "51 مهمة متأخرة" in arabic.error


async def test_an_unreachable_core_api_is_a_short_reply(desk: Bench) -> None:
    desk.executor.client = CoreApiClient("http://127.0.0.1:9", SERVICE_TOKEN, retries=0)
    try:
        result = await bulk(desk, SARA_WA, "n", task_ids=[1, 2])
        single = await bulk(desk, SARA_WA, "o", task_ids=[1])  # runs at once, so fails at once
    finally:
        await desk.executor.client.aclose()
    assert result.error == single.error == t("error.unavailable", "en")
    unknown = await desk.executor.execute(ToolCall(name="complete_everything"), turn(SARA_WA, "p"))
    assert unknown.error == t("error.unknown_tool", "en", name="complete_everything")


def test_long_lists_are_cut_for_the_confirmation() -> None:
    tasks = [{"id": i, "title": "x" * 100} for i in range(1, 14)]
    lines = task_lines(tasks, limit=10)
    assert len(lines) == 11 and lines[0] == "• #1 " + "x" * 59 + "…" and lines[-1] == "• #11, #12, #13"


ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize(
    ("message", "written", "arabic"),
    [
        ("mark {a}, {b} and {c} done", "{a}, {b} and {c}", False),
        ("أغلق المهام {a} و{b} و{c}", "{a} و{b} و{c}", True),
        ("close #{a} #{b} #{c}", "#{a} #{b} #{c}", False),
    ],
)
async def test_the_agent_asks_to_confirm_the_numbers_the_user_wrote(
    desk: Bench, fake_openai, message: str, written: str, arabic: bool
) -> None:
    """The model copies the numbers as written; code reads them (Arabic-Indic digits too), checks each
    is in the message, and the executor asks for the confirmation showing them."""
    agent = Agent(
        llm=chat_model(ModelEndpoint(fake_openai.base_url, "k", "m", local=False),
                       Settings(_env_file=None).model,
                       max_retries=0),
        model_name="m", mode="native", registry=ToolRegistry.shipped(), prompts=PromptStore(),
        executor=desk.executor, clock=lambda: datetime(2026, 11, 25, tzinfo=ZoneInfo("Asia/Riyadh")),
    )  # fmt: skip
    a, b, c = await add_tasks(desk, *({"title": f"Step {n}", "created_by": "sara"} for n in (1, 2, 3)))

    def fill(template: str) -> str:
        text = template.format(a=a, b=b, c=c)
        return text.translate(ARABIC) if arabic else text

    fake_openai.reply_tool("complete_tasks", {"task_ids": fill(written)})
    reply = await agent.respond(turn(SARA_WA, fill(message)))
    assert isinstance(reply[0], ButtonsPart)
    assert reply[0].text.splitlines()[:4] == [
        tn("confirm.bulk", 3, "ar" if arabic else "en"),  # in the user's language
        f"• #{a} Step 1",
        f"• #{b} Step 2",
        f"• #{c} Step 3",
    ]
    assert agent.traces[-1].args == {"task_ids": [a, b, c]} and agent.traces[-1].outcome == "confirm"
    # A number the message does not contain was invented: nothing runs, the user is asked to rephrase.
    fake_openai.reply_tool("complete_tasks", {"task_ids": f"{a}, {c + 1}"})
    unclear = await agent.respond(turn(SARA_WA, f"mark {a} and {b} done"))
    assert isinstance(unclear[0], TextPart) and f"{a}, {c + 1}" in unclear[0].text
    fake_openai.reply_tool("complete_tasks", {"task_ids": None})
    ask = await agent.respond(turn(SARA_WA, "close them all"))
    assert ask[0].text == t("ask.task_ids", "en")  # type: ignore[union-attr]
    assert await desk.api.fetch("SELECT count(*) FROM tasks WHERE status = 'done'") == [(1,)]  # task 3 only


async def test_slash_done_with_several_numbers_asks_then_completes(desk: Bench) -> None:
    one, two = desk.api.task(1), desk.api.task(2)
    asked = (await desk.say(SARA_WA, f"/done {one} {two}"))[0]
    assert isinstance(asked, ButtonsPart) and asked.text.startswith(tn("confirm.bulk", 2, "en"))
    assert await statuses(desk, 1, 2) == ["open", "open"]
    assert (await tap(desk, SARA_WA, asked, 0)).startswith("✅ Marked done (2)")
    assert await statuses(desk, 1, 2) == ["done", "done"]
