"""Undo end to end: changes made through the executor, then undone, against the real core API over HTTP
(SQLite and PostgreSQL) with the real Redis — judged by the API's end state, not by the reply alone."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from agent.exec_commands import register_tool_commands
from base.catalog import t, tn
from base.commands import CommandRouter
from base.keys import Keys
from base.turn import ButtonsPart, InboundMessage, ReplyPart, TextPart, Turn, UserRef, make_turn_id
from memory.links import IdentityLinks
from tests.coreapi.conftest import SERVICE_TOKEN, Api
from tools.base import ToolCall, ToolResult
from tools.client import CoreApiClient
from tools.confirm import Confirmations
from tools.executor import CoreApiExecutor
from tools.registry import ToolRegistry

SARA_WA, MONA_WA, SAMIR_WA = "966500000010", "966500000011", "966500000012"
WINDOW = 600
MINUTES = WINDOW // 60


@dataclass
class Desk:
    api: Api
    executor: CoreApiExecutor
    router: CommandRouter
    keys: Keys
    n: int = 0

    async def link(self, wa_id: str, username: str) -> None:
        await self.executor.links.link(wa_id, self.api.id(username), role=self.api.users[username].role)

    def turn(
        self, wa_id: str, text: str = "", payload: str | None = None, turn_id: str | None = None
    ) -> Turn:
        self.n += 1
        message = InboundMessage(
            id=f"wamid.{wa_id}.{self.n}", wa_id=wa_id, phone_number_id="p", type="text", text=text,
            payload=payload,
        )  # fmt: skip
        return Turn(
            turn_id=turn_id or make_turn_id([message.id]), message_ids=[message.id], messages=[message],
            user=UserRef(wa_id=wa_id), phone_number_id="p", profile="exec",
        )  # fmt: skip

    async def do(
        self, wa_id: str, name: str, lang: str = "en", turn_id: str | None = None, **args: Any
    ) -> ToolResult:
        """One tool call in a turn of its own, as each WhatsApp message would be."""
        call = ToolCall(name=name, args=args, lang=lang)
        return await self.executor.execute(call, self.turn(wa_id, name, turn_id=turn_id))

    async def undo(self, wa_id: str, lang: str = "en", turn_id: str | None = None) -> str:
        """`undo_last` as the agent runs it, and the reply it renders."""
        from agent import replies

        result = await self.do(wa_id, "undo_last", lang, turn_id)
        spec = self.executor.registry.get("undo_last")
        assert spec is not None
        return replies.render_result(spec, result, {}, lang)

    async def say(self, wa_id: str, text: str = "", payload: str | None = None) -> list[ReplyPart]:
        return list(await self.router.respond(self.turn(wa_id, text, payload)))

    async def task(self, task_id: int, as_user: str = "admin") -> dict[str, Any]:
        r = await self.api.client(as_user).get(f"/tasks/{task_id}")
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
async def desk(api: Api, redis, redis_prefix: str) -> AsyncIterator[Desk]:
    keys = Keys(redis_prefix)
    client = CoreApiClient(api.url, SERVICE_TOKEN, retries=0)
    executor = CoreApiExecutor(client, IdentityLinks(redis, keys), ToolRegistry.shipped(),
                               Confirmations(redis, keys, ttl_s=60), redis=redis, keys=keys,
                               undo_window_s=WINDOW)  # fmt: skip
    router = CommandRouter()

    async def lang_of(turn: Turn) -> str:
        return "en"

    register_tool_commands(router, executor, lang_of)
    desk = Desk(api, executor, router, keys)
    await desk.link(SARA_WA, "sara")
    await desk.link(MONA_WA, "mona")
    yield desk
    await client.aclose()


def undone(what_key: str, lang: str = "en", **values: Any) -> str:
    return t("tool.undo_last.reply", lang, what=t(what_key, lang, **values))


# ------------------------------------------------------------------ each change kind, reverted


async def test_undo_a_completion_reopens_the_task(desk: Desk) -> None:
    task = desk.api.task(1)
    assert (await desk.do(SARA_WA, "complete_task", task_id=task)).ok
    assert (await desk.task(task))["status"] == "done"
    assert await desk.undo(SARA_WA) == undone("undo.what.status", id=task, status="open")
    after = await desk.task(task)
    assert (after["status"], after["completed_at"]) == ("open", None)


async def test_undo_a_completion_of_a_task_in_progress_puts_it_back_in_progress(desk: Desk) -> None:
    task = desk.api.task(1)
    await desk.api.client("sara").patch(f"/tasks/{task}", json={"status": "in_progress"})
    assert (await desk.do(SARA_WA, "complete_task", task_id=task)).ok
    assert await desk.undo(SARA_WA) == undone("undo.what.status", id=task, status="in progress")
    assert (await desk.task(task))["status"] == "in_progress"


async def test_undo_a_reopen_completes_it_again(desk: Desk) -> None:
    await desk.link(SAMIR_WA, "samir")
    task = desk.api.task(3)  # samir's, done
    assert (await desk.do(SAMIR_WA, "reopen_task", task_id=task)).ok
    assert await desk.undo(SAMIR_WA) == undone("undo.what.status", id=task, status="done")
    assert (await desk.task(task))["status"] == "done"


async def test_undo_an_edit_puts_the_old_values_back(desk: Desk) -> None:
    task = desk.api.task(1)  # "Prepare Q3 report", normal priority, due two days ago
    before = await desk.task(task)
    changed = await desk.do(SARA_WA, "update_task", task_id=task, title="Q3 report v2", priority="high",
                            due_date="2031-01-01")  # fmt: skip
    assert changed.ok
    reply = await desk.undo(SARA_WA)
    values = ", ".join([
        t("undo.value.title", "en", value="Prepare Q3 report"),
        t("undo.value.due_date", "en", value=before["due_date"]),
        t("undo.value.priority", "en", value="normal"),
    ])  # fmt: skip
    assert reply == undone("undo.what.values", id=task, values=values)
    after = await desk.task(task)
    assert {k: after[k] for k in ("title", "priority", "due_date")} == {
        k: before[k] for k in ("title", "priority", "due_date")
    }


async def test_undo_setting_a_due_date_clears_it_again(desk: Desk) -> None:
    task = desk.api.task(5)  # mona's, no due date
    assert (await desk.do(MONA_WA, "update_task", task_id=task, due_date="2031-01-01")).ok
    reply = await desk.undo(MONA_WA)
    assert reply == undone("undo.what.values", id=task, values=t("undo.value.no_due", "en"))
    assert (await desk.task(task))["due_date"] is None


async def test_undo_an_assignment_gives_the_task_back(desk: Desk) -> None:
    task = desk.api.task(5)  # mona's, nobody holds it
    assert (await desk.do(MONA_WA, "assign_task", task_id=task, assignee="samir")).ok
    assert await desk.undo(MONA_WA) == undone("undo.what.unassigned", id=task)
    assert (await desk.task(task))["assignee_id"] is None

    # Reassigned from Sara (confirmed with a tap first, as a reassignment is): back to Sara.
    task = desk.api.task(2)  # mona's, assigned to sara
    asked = await desk.do(MONA_WA, "assign_task", task_id=task, assignee="samir")
    assert asked.confirm and isinstance(asked.parts[0], ButtonsPart)  # type: ignore[index]
    await desk.say(MONA_WA, "Confirm", asked.parts[0].buttons[0].id)  # type: ignore[index, union-attr]
    assert (await desk.task(task))["assignee"]["username"] == "samir"
    assert await desk.undo(MONA_WA) == undone("undo.what.assignee", id=task, assignee="Sara Ahmed")
    assert (await desk.task(task))["assignee"]["username"] == "sara"


async def test_correcting_ones_own_hand_over_asks_nothing(desk: Desk) -> None:
    """ "give it to Samir" then "no wait, Sara should do it": the task Samir holds was handed to him by
    this very user a moment ago — a correction, not taking someone's task: no confirmation. Once that
    change is undone, or was someone else's, a reassignment asks again."""
    task = desk.api.task(5)  # mona's, nobody holds it
    assert (await desk.do(MONA_WA, "assign_task", task_id=task, assignee="samir")).ok
    again = await desk.do(MONA_WA, "assign_task", task_id=task, assignee="sara")
    assert again.ok and not again.confirm and again.data["assignee"] == "Sara Ahmed"
    await desk.undo(MONA_WA)  # back to Samir: the last change is undone, nothing of hers to correct
    assert (await desk.task(task))["assignee"]["username"] == "samir"
    asked = await desk.do(MONA_WA, "assign_task", task_id=task, assignee="sara")
    assert asked.confirm
    # Sara's task handed over by Mona long ago (no change of hers within the window): asked too.
    other = desk.api.task(2)
    assert (await desk.do(MONA_WA, "assign_task", task_id=other, assignee="samir")).confirm


async def test_undo_a_creation_moves_the_task_to_the_trash(desk: Desk) -> None:
    created = await desk.do(SARA_WA, "create_task", title="Buy printer paper")
    task = created.data["id"]  # type: ignore[index, call-overload]
    assert await desk.undo(SARA_WA) == undone("undo.what.deleted", id=task, title="Buy printer paper")
    assert (await desk.api.client("sara").get(f"/tasks/{task}")).status_code == 404
    [(deleted_at,)] = await desk.api.fetch("SELECT deleted_at FROM tasks WHERE id = :t", t=task)
    assert deleted_at is not None  # in the trash, not gone


async def test_undo_a_deletion_restores_the_task(desk: Desk) -> None:
    task = desk.api.task(1)
    asked = await desk.do(SARA_WA, "delete_task", task_id=task)
    [question] = asked.parts  # type: ignore[misc]
    assert isinstance(question, ButtonsPart)
    assert question.text == t("tool.delete_task.confirm", "en", id=task, title="Prepare Q3 report")
    done = await desk.say(SARA_WA, "Confirm", question.buttons[0].id)
    assert done[0].text == t("tool.delete_task.reply", "en", id=task)  # type: ignore[union-attr]
    assert (await desk.api.client("sara").get(f"/tasks/{task}")).status_code == 404
    assert await desk.undo(SARA_WA) == undone("undo.what.restored", id=task, title="Prepare Q3 report")
    assert (await desk.task(task))["title"] == "Prepare Q3 report"


async def test_undo_a_bulk_completion_reopens_every_task(desk: Desk) -> None:
    one, two = desk.api.task(1), desk.api.task(2)  # both sara's to complete
    asked = await desk.do(SARA_WA, "complete_tasks", task_ids=[one, two])
    await desk.say(SARA_WA, "Confirm", asked.parts[0].buttons[0].id)  # type: ignore[index, union-attr]
    assert [(await desk.task(i))["status"] for i in (one, two)] == ["done", "done"]
    from tools.executor import numbered

    expected = tn("undo.what.not_done", 2, "en", tasks=numbered([one, two], "en"))
    assert await desk.undo(SARA_WA) == t("tool.undo_last.reply", "en", what=expected)
    assert [(await desk.task(i))["status"] for i in (one, two)] == ["open", "open"]


async def test_a_comment_cannot_be_undone_and_says_so(desk: Desk) -> None:
    task = desk.api.task(1)
    assert (await desk.do(SARA_WA, "complete_task", task_id=task)).ok
    assert (await desk.do(SARA_WA, "add_comment", task_id=task, text="sent")).ok
    assert await desk.undo(SARA_WA) == t("undo.comment", "en", id=task)
    assert (await desk.task(task))["status"] == "done"  # the earlier change is not undone instead


# ------------------------------------------------------------------ the rules


async def test_undo_twice_the_second_has_nothing_to_undo(desk: Desk) -> None:
    task = desk.api.task(1)
    assert await desk.undo(SARA_WA) == tn("undo.nothing", MINUTES, "en")  # nothing yet
    await desk.do(SARA_WA, "complete_task", task_id=task)
    assert (await desk.undo(SARA_WA)).startswith("↩️")
    assert await desk.undo(SARA_WA) == t("undo.already", "en")  # an undo is not undone
    assert (await desk.task(task))["status"] == "open"
    # Each user undoes only their own changes.
    await desk.do(SARA_WA, "complete_task", task_id=task)
    assert await desk.undo(MONA_WA) == tn("undo.nothing", MINUTES, "en")
    assert (await desk.task(task))["status"] == "done"


async def test_undo_after_the_window_declines(desk: Desk) -> None:
    task = desk.api.task(1)
    await desk.do(SARA_WA, "complete_task", task_id=task)
    key = desk.keys.undo(desk.api.id("sara"))
    stored = await desk.executor._redis.get(key)
    assert stored is not None
    record = orjson.loads(stored)  # {"key": …, "c": the change (encrypted; clear here: no cipher)}
    change = orjson.loads(record["c"])
    change["at"] -= WINDOW + 1
    record["c"] = orjson.dumps(change).decode()
    await desk.executor._redis.set(key, orjson.dumps(record), keepttl=True)
    assert await desk.undo(SARA_WA) == tn("undo.too_late", MINUTES, "en")
    assert (await desk.task(task))["status"] == "done"
    ttl = await desk.executor._redis.ttl(key)
    assert WINDOW < ttl <= 2 * WINDOW  # kept a while past the window, to say "too late"


async def test_undo_after_someone_elses_edit_declines_without_overwriting(desk: Desk) -> None:
    task = desk.api.task(1)  # sara's; mona manages her team
    await desk.do(SARA_WA, "update_task", task_id=task, priority="high")
    await desk.api.client("mona").patch(f"/tasks/{task}", json={"title": "Q3 report (final)"})
    reply = await desk.undo(SARA_WA)
    assert reply == t(
        "undo.changed", "en", id=task, changes=t("undo.now.title", "en", value="Q3 report (final)")
    )
    after = await desk.task(task)
    assert (after["title"], after["priority"]) == ("Q3 report (final)", "high")  # both later edits stand
    # A task deleted since is said to be gone.
    await desk.do(MONA_WA, "complete_task", task_id=desk.api.task(5))
    await desk.api.client("mona").delete(f"/tasks/{desk.api.task(5)}")
    assert await desk.undo(MONA_WA) == t("undo.gone", "en", id=desk.api.task(5))


async def test_a_retried_turn_does_not_undo_twice(desk: Desk) -> None:
    task = desk.api.task(1)
    await desk.do(SARA_WA, "complete_task", task_id=task)
    first = await desk.undo(SARA_WA, turn_id="t_undo_retry")
    again = await desk.undo(SARA_WA, turn_id="t_undo_retry")  # the same turn, run again after a crash
    assert first == again == undone("undo.what.status", id=task, status="open")
    reopens = await desk.api.fetch(
        "SELECT count(*) FROM audit_log WHERE task_id = :t AND action = 'reopen'", t=task
    )
    assert reopens[0][0] == 1
    assert await desk.undo(SARA_WA) == t("undo.already", "en")  # a new turn finds it undone


async def test_a_retried_change_keeps_the_values_from_before_it(desk: Desk) -> None:
    """A change whose turn runs again (the API replays it) is remembered once, with the values from
    before the first run — not those the first run left."""
    task = desk.api.task(1)
    await desk.do(SARA_WA, "update_task", turn_id="t_change", task_id=task, priority="high")
    await desk.do(SARA_WA, "update_task", turn_id="t_change", task_id=task, priority="high")
    assert await desk.undo(SARA_WA) == undone(
        "undo.what.values", id=task, values=t("undo.value.priority", "en", value="normal")
    )
    assert (await desk.task(task))["priority"] == "normal"


async def test_an_api_without_restore_declines_clearly(desk: Desk) -> None:
    task = desk.api.task(1)
    asked = await desk.do(SARA_WA, "delete_task", task_id=task)
    await desk.say(SARA_WA, "Confirm", asked.parts[0].buttons[0].id)  # type: ignore[index, union-attr]
    operations = await desk.executor.client.operations()
    operations.pop("restore_task")  # as an organization's API that has no restore
    assert await desk.undo(SARA_WA) == t("undo.no_restore", "en", id=task)
    assert (await desk.api.client("sara").get(f"/tasks/{task}")).status_code == 404
    # Nor an unassign: an assignment of a task nobody held stays.
    held = desk.api.task(5)
    assert (await desk.do(MONA_WA, "assign_task", task_id=held, assignee="samir")).ok
    operations.pop("unassign_task")
    assert await desk.undo(MONA_WA) == t("undo.unsupported", "en", id=held)
    assert (await desk.task(held))["assignee"]["username"] == "samir"


async def test_a_refused_revert_keeps_the_change_undoable(desk: Desk) -> None:
    """The API refusing the revert (here: the trash purged) says why; nothing was reverted."""
    task = desk.api.task(1)
    asked = await desk.do(SARA_WA, "delete_task", task_id=task)
    await desk.say(SARA_WA, "Confirm", asked.parts[0].buttons[0].id)  # type: ignore[index, union-attr]
    await desk.api.execute("DELETE FROM tasks WHERE id = :t", t=task)  # purged under us
    from tools.client import CoreApiError
    from tools.executor import explain

    error = explain(CoreApiError(410, "x", {"code": "trash_expired", "task_id": task}), "en")
    assert await desk.undo(SARA_WA) == t("undo.failed", "en", error=error)
    assert await desk.undo(SARA_WA) == t("undo.failed", "en", error=error)  # still the change to undo


# ------------------------------------------------------------------ languages, /undo and the words


async def test_an_arabic_user_reads_arabic_only(desk: Desk) -> None:
    task = desk.api.task(1)
    await desk.do(SARA_WA, "update_task", lang="ar", task_id=task, priority="high")
    reply = await desk.undo(SARA_WA, "ar")
    assert reply == undone(
        "undo.what.values", "ar", id=task, values=t("undo.value.priority", "ar", value="عادية")
    )
    for said in (reply, await desk.undo(SARA_WA, "ar"), await desk.undo(MONA_WA, "ar")):
        assert not re.search("[A-Za-z]", said), said
    await desk.do(SARA_WA, "update_task", lang="ar", task_id=task, priority="low")
    await desk.api.client("mona").patch(f"/tasks/{task}", json={"status": "done"})
    changed = await desk.undo(SARA_WA, "ar")
    assert changed == t("undo.changed", "ar", id=task, changes=t("undo.now.status", "ar", value="منجزة"))
    assert not re.search("[A-Za-z]", changed)


async def test_the_undo_command(desk: Desk) -> None:
    task = desk.api.task(1)
    assert (await desk.say(SARA_WA, "/undo"))[0].text == tn("undo.nothing", MINUTES, "en")  # type: ignore[union-attr]
    await desk.say(SARA_WA, f"/done {task}")
    [reply] = await desk.say(SARA_WA, "/undo")
    assert isinstance(reply, TextPart) and reply.text == undone("undo.what.status", id=task, status="open")
    assert (await desk.task(task))["status"] == "open"
    [listed] = await desk.say(SARA_WA, "/help")
    assert "/undo" in listed.text  # type: ignore[union-attr]


def _agent(desk: Desk, fake_openai: Any) -> Any:
    """The agent in native tool-call mode on the fake model, acting through the desk's executor."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from agent.agent import Agent
    from agent.model import ModelEndpoint, chat_model
    from base.settings import Settings
    from prompts.store import PromptStore

    endpoint = ModelEndpoint(base_url=fake_openai.base_url, api_key="k", model="m", local=False)
    return Agent(
        llm=chat_model(endpoint, Settings(_env_file=None).model, max_retries=0),  # type: ignore[call-arg]
        model_name="m", mode="native", registry=ToolRegistry.shipped(), prompts=PromptStore(),
        executor=desk.executor, clock=lambda: datetime(2026, 11, 25, tzinfo=ZoneInfo("Asia/Riyadh")),
    )  # fmt: skip


async def test_said_in_words_the_agent_undoes(desk: Desk, fake_openai) -> None:
    """The model never sees the undo tool: whatever it answers to "undo that" or "تراجع", the task
    pack's correction runs the undo; the reply is in the user's language."""
    agent = _agent(desk, fake_openai)
    task = desk.api.task(1)
    await desk.do(SARA_WA, "complete_task", task_id=task)
    fake_openai.reply_tool("reopen_task", {"task_id": str(task)})  # what a model might make of it
    [reply] = await agent.respond(desk.turn(SARA_WA, "undo that"))
    assert reply.text == undone("undo.what.status", id=task, status="open")  # type: ignore[union-attr]
    assert agent.traces[-1].action == "undo_last" and agent.traces[-1].routed_action == "reopen_task"

    await desk.do(SARA_WA, "complete_task", task_id=task)
    fake_openai.reply_text("حسناً")
    [reply] = await agent.respond(desk.turn(SARA_WA, "تراجع"))
    assert reply.text == undone("undo.what.status", "ar", id=task, status="مفتوحة")  # type: ignore[union-attr]
    assert (await desk.task(task))["status"] == "open"


async def test_said_in_words_the_agent_unassigns_and_undo_gives_it_back(desk: Desk, fake_openai) -> None:
    """ "Take Sara off task 2": a small router reads a hand-over to Sara; the task pack's words leave the
    task with nobody (`unassign_task`, never offered to the model), and undo gives it back to Sara."""
    agent = _agent(desk, fake_openai)
    task = desk.api.task(2)  # mona's, held by sara
    fake_openai.reply_tool("assign_task", {"task_id": str(task), "assignee": "Sara"})
    [reply] = await agent.respond(desk.turn(MONA_WA, f"take Sara off task {task}"))
    assert reply.text == t("tool.unassign_task.reply", "en", id=task)  # type: ignore[union-attr]
    assert agent.traces[-1].action == "unassign_task" and agent.traces[-1].routed_action == "assign_task"
    assert (await desk.task(task))["assignee_id"] is None
    assert await desk.undo(MONA_WA) == undone("undo.what.assignee", id=task, assignee="Sara Ahmed")
    assert (await desk.task(task))["assignee"]["username"] == "sara"

    # Sara takes her own name off a task Mona gave her: the core API says who may, in her language.
    fake_openai.reply_text("حسناً")
    [refused] = await agent.respond(desk.turn(SARA_WA, f"شيلي اسمي من المهمة {task}"))
    assert refused.text.startswith("عذراً") and agent.traces[-1].action == "unassign_task"  # type: ignore[union-attr]
    assert (await desk.task(task))["assignee"]["username"] == "sara"
    fake_openai.reply_text("حسناً")
    [reply] = await agent.respond(desk.turn(MONA_WA, f"ألغي إسناد المهمة {task}"))
    assert reply.text == t("tool.unassign_task.reply", "ar", id=task)  # type: ignore[union-attr]
    assert (await desk.task(task))["assignee_id"] is None
