"""A task named by its title where the router chose no task: a "new task" whose words say another verb
about an existing one (agent `named_not_new`), and a question about where a task stands (agent
`shown_by_title`) — against the real core API, the router scripted."""

from __future__ import annotations

from agent.memory import AgentMemory
from base.keys import Keys
from base.turn import ButtonsPart, TextPart
from memory.crypto import Cipher, generate_key
from memory.history import ConversationHistory
from tests.coreapi.chat import Chat
from tests.tools.test_second_domain import routed


async def titles(chat: Chat) -> list[str]:
    return [str(r[0]) for r in await chat.api.fetch("SELECT title FROM tasks ORDER BY id")]


async def test_a_new_task_that_says_done_of_an_existing_one_completes_it(chat: Chat) -> None:
    before = await titles(chat)
    routed(chat.model, "create_task", title="Order chairs")
    parts = await chat.say("the order chairs thing is done, finally")
    assert await chat.status(chat.a) == "done"
    assert await titles(chat) == before  # nothing created
    trace = chat.agent.traces[-1]
    assert "named_not_new" in trace.rules and trace.action == "complete_task"
    assert trace.routed_action == "create_task"
    assert isinstance(parts[0], TextPart) and f"#{chat.a}" in parts[0].text


async def test_a_delete_said_of_an_existing_one_still_asks_to_confirm(chat: Chat) -> None:
    routed(chat.model, "create_task", title="chairs order")
    parts = await chat.say("remove the chairs order, we cancelled it")
    assert isinstance(parts[0], ButtonsPart) and await chat.waiting()
    assert await chat.exists(chat.a)


async def test_a_new_task_with_a_date_or_naming_nothing_is_created(chat: Chat) -> None:
    routed(chat.model, "create_task", title="finish the chairs order", due_date="2030-01-04")
    await chat.say("finish the chairs order by Friday")
    assert "finish the chairs order" in await titles(chat)
    assert await chat.status(chat.a) == "open"
    routed(chat.model, "create_task", title="printer toner")
    await chat.say("printer toner is done")  # no task of that title: the creation goes on
    assert "printer toner" in await titles(chat)
    assert "named_not_new" not in chat.agent.traces[-1].rules


async def test_a_status_question_shows_the_task_it_names(chat: Chat) -> None:
    routed(chat.model, "answer")
    parts = await chat.say("what's the status of the chairs order?")
    trace = chat.agent.traces[-1]
    assert trace.rules[-1:] == ["shown_by_title"] and trace.action == "get_task"
    assert isinstance(parts[0], TextPart) and "Order chairs" in parts[0].text


async def test_a_question_naming_no_task_is_answered(chat: Chat) -> None:
    routed(chat.model, "answer")
    chat.model.reply_text("The office opens at 9.")
    await chat.say("when does the office open on Friday?")
    trace = chat.agent.traces[-1]
    assert "shown_by_title" not in trace.rules and trace.action != "get_task"
    routed(chat.model, "answer")
    chat.model.reply_text("Chairs are ordered through procurement.")
    await chat.say("how are chairs ordered here?")  # no status word: not a look at the task
    assert chat.agent.traces[-1].action != "get_task"


async def test_the_rules_can_be_switched_off(chat: Chat) -> None:
    chat.agent.rules_off = frozenset({"named_not_new", "shown_by_title"})
    routed(chat.model, "create_task", title="Order chairs")
    await chat.say("the order chairs thing is done, finally")
    assert await chat.status(chat.a) == "open"
    routed(chat.model, "answer")
    chat.model.reply_text("I don't know.")
    await chat.say("what's the status of the chairs order?")
    assert chat.agent.traces[-1].action != "get_task"


async def test_i_meant_the_other_task_moves_the_change(chat: Chat, redis, redis_prefix: str) -> None:
    history = ConversationHistory(
        redis, Keys(redis_prefix), Cipher(generate_key()), ttl_s=3600, max_messages=50
    )
    chat.agent.memory = AgentMemory(history=history)  # the previous turn's task is what "I meant" corrects
    routed(chat.model, "complete_task", task_id=str(chat.a))
    await chat.say(f"mark task {chat.a} done")
    assert await chat.status(chat.a) == "done"
    routed(chat.model, "complete_task", task_id=str(chat.b))
    parts = await chat.say(f"sorry, I meant {chat.b} not {chat.a}")
    assert await chat.status(chat.a) == "open"  # the change on the wrong task undone
    assert await chat.status(chat.b) == "done"
    trace = chat.agent.traces[-1]
    assert "tasks.wrong_task" in trace.rules and trace.action == "undo_last"
    assert [m["action"] for m in trace.more] == ["complete_task"]
    assert isinstance(parts[0], TextPart) and f"#{chat.b}" in parts[0].text


async def test_i_meant_the_other_task_repeats_the_change_just_made(
    chat: Chat, redis, redis_prefix: str
) -> None:
    history = ConversationHistory(
        redis, Keys(redis_prefix), Cipher(generate_key()), ttl_s=3600, max_messages=50
    )
    chat.agent.memory = AgentMemory(history=history)
    routed(chat.model, "update_task", task_id=str(chat.a), due_date="2030-01-04")
    await chat.say(f"push task {chat.a} to 4 January 2030")
    # The correction says no change of its own; the model reads one into it anyway (a priority).
    routed(chat.model, "update_task", task_id=str(chat.b), priority="low")
    await chat.say(f"la2 mish di, {chat.b} a2sod")
    rows = await chat.api.fetch(
        "SELECT id, due_date, priority FROM tasks WHERE id IN (:a, :b)", a=chat.a, b=chat.b
    )
    by_id = {r[0]: (str(r[1]) if r[1] else None, r[2]) for r in rows}
    assert by_id[chat.b][0] == "2030-01-04"  # the change just made, on the task meant
    assert by_id[chat.b][1] != "low"  # not the priority the model read into the correction
    assert by_id[chat.a][0] != "2030-01-04"  # undone on the wrong one
    assert "tasks.wrong_task" in chat.agent.traces[-1].rules


async def test_a_rename_named_by_the_old_title_renames_that_task(chat: Chat) -> None:
    # the new title holds the old one's words: they still name the task (each skipped once, from the end)
    routed(chat.model, "update_task", title="Order chairs and desks")
    await chat.say("order chairs, rename it to: Order chairs and desks")
    rows = await chat.api.fetch("SELECT title FROM tasks WHERE id = :i", i=chat.a)
    assert rows[0][0] == "Order chairs and desks"


async def test_a_rename_named_by_a_phrase_sharing_words_with_the_new_title_renames_that_task(
    chat: Chat,
) -> None:
    # The phrase the call names its task by ("call the supplier") keeps the words the new title shares
    # with it: left with "supplier" alone it would name two tasks and ask which.
    created = await chat.api.client("mona").post("/tasks", json={"title": "Pay the supplier invoice"})
    assert created.status_code == 201
    routed(chat.model, "update_task", task_id="call the supplier", title="Call back about chairs")
    await chat.say("call the supplier, rename it to Call back about chairs")
    rows = await chat.api.fetch("SELECT title FROM tasks WHERE id = :i", i=chat.b)
    assert rows[0][0] == "Call back about chairs"
    assert "Pay the supplier invoice" in await titles(chat)


async def test_a_priority_word_of_the_title_that_names_the_task_changes_no_priority(chat: Chat) -> None:
    routed(chat.model, "create_task", title="Fix urgent roof leaks")
    await chat.say("add a task: fix urgent roof leaks")
    task = int((await chat.api.fetch("SELECT max(id) FROM tasks"))[0][0])
    routed(chat.model, "update_task", task_id="urgent roof leaks", due_date="2030-01-04", priority="high")
    await chat.say("the urgent roof leaks one - push it to 4 January 2030")
    rows = await chat.api.fetch("SELECT due_date, priority FROM tasks WHERE id = :i", i=task)
    assert (str(rows[0][0]), rows[0][1]) == ("2030-01-04", "normal")
    assert chat.agent.traces[-1].named_task == task
    # Said outside the title, the priority is a change.
    routed(chat.model, "update_task", task_id="urgent roof leaks", due_date="2030-01-05", priority="high")
    await chat.say("the urgent roof leaks one: move it to 5 January 2030 and make it high priority")
    rows = await chat.api.fetch("SELECT due_date, priority FROM tasks WHERE id = :i", i=task)
    assert (str(rows[0][0]), rows[0][1]) == ("2030-01-05", "high")


async def test_a_task_taken_by_title_read_as_a_task_called_me_is_handed_to_the_speaker(chat: Chat) -> None:
    """ "I'll take the order chairs thing myself, put it on me" read as an update of a task called "me"."""
    routed(chat.model, "update_task", task_id="me", title="order chairs")
    await chat.say("I'll take the order chairs thing myself, put it on me")
    trace = chat.agent.traces[-1]
    assert trace.action == "assign_task" and "tasks.person_as_task" in trace.rules
    held = await chat.api.fetch(f"SELECT assignee_id FROM tasks WHERE id = {chat.a}")
    assert held == [(chat.api.id("mona"),)]


async def test_a_question_about_a_priority_shows_the_task_and_changes_nothing(chat: Chat) -> None:
    # the model's priority is a filler the words never say (tasks.asked_not_changed)
    routed(chat.model, "update_task", task_id="chairs order", priority="low")
    parts = await chat.say("what priority is the chairs order on?")
    trace = chat.agent.traces[-1]
    assert "tasks.asked_not_changed" in trace.rules and trace.action == "get_task"
    assert isinstance(parts[0], TextPart) and "Order chairs" in parts[0].text
    assert await chat.status(chat.a) == "open"


async def test_who_holds_a_task_shows_it(chat: Chat) -> None:
    routed(chat.model, "list_tasks", scope="team", due_before="chairs order")
    parts = await chat.say("who's on the chairs order?")
    trace = chat.agent.traces[-1]
    assert "tasks.who_holds" in trace.rules and trace.action == "get_task"
    assert isinstance(parts[0], TextPart) and "Order chairs" in parts[0].text


async def test_opening_again_is_no_new_task(chat: Chat) -> None:
    # "من جديد" (anew) asks nothing new: the reopen the words say acts on the task named by its title
    await chat.api.client("mona").post(f"/tasks/{chat.a}/complete")
    before = await titles(chat)
    routed(chat.model, "create_task", title="Order chairs")
    await chat.say("افتح مهمة Order chairs من جديد، ناقصها كراسي")
    assert await chat.status(chat.a) == "open" and await titles(chat) == before
    assert chat.agent.traces[-1].action == "reopen_task"


async def test_an_edit_already_so_is_traced_unchanged(chat: Chat) -> None:
    routed(chat.model, "update_task", task_id=str(chat.a), priority="normal")
    parts = await chat.say(f"make task {chat.a} normal priority")
    assert chat.agent.traces[-1].outcome == "unchanged"
    assert isinstance(parts[0], TextPart) and f"#{chat.a}" in parts[0].text


async def test_words_said_instead_fix_the_rename_just_made(chat: Chat, redis, redis_prefix: str) -> None:
    history = ConversationHistory(
        redis, Keys(redis_prefix), Cipher(generate_key()), ttl_s=3600, max_messages=50
    )
    chat.agent.memory = AgentMemory(history=history)  # the edit just made is what the words fix
    routed(chat.model, "update_task", task_id=str(chat.a), title="Order chairs for lab 3")
    await chat.say(f"rename {chat.a} to Order chairs for lab 3")
    routed(chat.model, "answer")
    chat.model.reply_text("Done, renamed.")  # a claim the turn would have withheld
    await chat.say("oops, lab 4 not lab 3")
    rows = await chat.api.fetch("SELECT title FROM tasks WHERE id = :i", i=chat.a)
    assert rows[0][0] == "Order chairs for lab 4"
    trace = chat.agent.traces[-1]
    assert "text_fixed" in trace.rules and trace.action == "update_task"
    chat.agent.rules_off = frozenset({"text_fixed"})
    routed(chat.model, "answer")
    chat.model.reply_text("I haven't changed anything.")
    await chat.say("sorry, lab 5 not lab 4")
    rows = await chat.api.fetch("SELECT title FROM tasks WHERE id = :i", i=chat.a)
    assert rows[0][0] == "Order chairs for lab 4"  # switched off: nothing fixed


async def test_the_detail_view_shows_the_creator_and_the_latest_notes(chat: Chat) -> None:
    await chat.api.client("mona").post(f"/tasks/{chat.a}/comments", json={"text": "supplier called back"})
    routed(chat.model, "get_task", task_id=str(chat.a))
    parts = await chat.say(f"show me task {chat.a}")
    assert isinstance(parts[0], TextPart)
    assert "💬" in parts[0].text and "supplier called back" in parts[0].text
    assert "Created by" in parts[0].text


async def test_asking_whether_a_task_is_done_shows_it_and_changes_nothing(chat: Chat) -> None:
    routed(chat.model, "complete_task", task_id="chairs order")  # the model heard "finished"
    parts = await chat.say("is the chairs order finished?")
    trace = chat.agent.traces[-1]
    assert "tasks.done_question" in trace.rules and trace.action == "get_task"
    assert isinstance(parts[0], TextPart) and "Order chairs" in parts[0].text
    assert await chat.status(chat.a) == "open"
