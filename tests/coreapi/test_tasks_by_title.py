"""Tasks named by their title instead of their number, against the real core API over loopback (SQLite and
PostgreSQL): one match acts, 2–10 are offered in a list (a tap, a typed number, ordinal or title word
picks), more ask to narrow down, none says so — and a delete still asks for its confirmation."""

from __future__ import annotations

import re

import pytest

from base.catalog import t
from base.turn import ButtonsPart, ListPart, TextPart
from base.wording import shorten
from tests.coreapi.chat import MONA, Chat, turn  # the `chat` fixture: tests/coreapi/conftest.py
from tests.tools.test_second_domain import routed


async def new_task(chat: Chat, title: str) -> int:
    created = await chat.api.client("mona").post("/tasks", json={"title": title})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def picking(chat: Chat) -> bool:
    return await chat.executor.choices.peek(MONA) is not None


async def two_slides(chat: Chat) -> tuple[int, int, ListPart]:
    first = await new_task(chat, "Prepare slides for the board meeting")
    second = await new_task(chat, "Send slides to Omar")
    routed(chat.model, "complete_task", task_id="the slides one")
    parts = await chat.say("mark the slides one done")
    assert len(parts) == 1 and isinstance(parts[0], ListPart), parts
    return first, second, parts[0]


async def test_one_match_acts_and_names_the_task(chat: Chat) -> None:
    slides = await new_task(chat, "Prepare slides for the board")
    routed(chat.model, "complete_task", task_id="the slides one")
    parts = await chat.say("mark the slides one done")
    said = parts[0].text  # type: ignore[union-attr]
    assert f"#{slides}" in said and "Prepare slides for the board" in said
    assert await chat.status(slides) == "done"
    assert chat.agent.traces[-1].named_task == slides


async def test_the_message_words_are_read_when_the_model_gives_no_id(chat: Chat) -> None:
    contract = await new_task(chat, "Sign supplier contract")  # "Call the supplier" (task 2) matches less
    routed(chat.model, "delete_task", task_id=None)
    parts = await chat.say("delete the supplier contract task")
    assert isinstance(parts[0], ButtonsPart) and f"#{contract}" in parts[0].text  # still confirmed first
    assert await chat.exists(contract)
    tapped = await chat.router.respond(turn("Confirm", payload=parts[0].buttons[0].id))
    assert tapped[0].text == t("tool.delete_task.reply", "en", id=contract)  # type: ignore[union-attr]
    assert not await chat.exists(contract) and await chat.exists(chat.b)


async def test_several_matches_ask_with_a_list_and_a_tap_acts(chat: Chat) -> None:
    first, second, asked = await two_slides(chat)
    rows = [r for s in asked.sections for r in s.rows]
    long = f"#{first} Prepare slides for the board meeting"
    # PostgreSQL's ids grow over the run: a title that stops fitting 24 characters is cut, in full below.
    short = f"#{second} Send slides to Omar"
    fits = len(short) <= 24
    assert [r.title for r in rows] == [shorten(long, 24), short if fits else shorten(short, 24)]
    assert all(len(r.title) <= 24 for r in rows)  # WhatsApp's row title
    assert rows[0].description == "Prepare slides for the board meeting"
    assert rows[1].description == (None if fits else "Send slides to Omar")
    assert await chat.status(first) == "open" and await chat.status(second) == "open"
    tapped = await chat.router.respond(turn("#x", payload=rows[1].id))
    assert f"#{second}" in tapped[0].text  # type: ignore[union-attr]
    assert await chat.status(second) == "done" and await chat.status(first) == "open"
    assert not await picking(chat)
    again = await chat.router.respond(turn("#x", payload=rows[0].id))  # a second tap finds nothing
    assert again[0].text == t("pick.expired", "en") and await chat.status(first) == "open"  # type: ignore[union-attr]


@pytest.mark.parametrize("answer", ["the second one", "2nd please", "الثانية", "التاني", "tani", "omar"])
async def test_a_typed_ordinal_or_title_word_picks(chat: Chat, answer: str) -> None:
    first, second, _ = await two_slides(chat)
    asked = len(chat.model.requests)
    await chat.say(answer)
    assert await chat.status(second) == "done" and await chat.status(first) == "open"
    assert len(chat.model.requests) == asked  # read in code


async def test_a_typed_number_picks(chat: Chat) -> None:
    first, second, _ = await two_slides(chat)
    await chat.say(f"#{first}")
    assert await chat.status(first) == "done" and await chat.status(second) == "open"


async def test_an_unclear_answer_keeps_the_list(chat: Chat) -> None:
    first, second, asked = await two_slides(chat)
    chat.model.reply_text('{"action": "answer"}')  # not a new command either
    parts = await chat.say("hmm not sure")
    again = parts[0]
    assert isinstance(again, ListPart) and again.text.startswith(t("pick.still_waiting", "en"))
    assert [r.id for s in again.sections for r in s.rows] == [r.id for s in asked.sections for r in s.rows]
    assert await picking(chat) and await chat.status(first) == await chat.status(second) == "open"


async def test_a_pick_of_a_delete_still_asks_to_confirm(chat: Chat) -> None:
    first = await new_task(chat, "Book the venue")
    second = await new_task(chat, "Pay the venue deposit")
    routed(chat.model, "delete_task", task_id="the venue task")
    parts = await chat.say("delete the venue task")
    assert isinstance(parts[0], ListPart)
    confirm = await chat.say("the first one")
    assert isinstance(confirm[0], ButtonsPart) and f"#{first}" in confirm[0].text
    assert await chat.exists(first) and await chat.exists(second)


async def test_more_than_ten_ask_to_narrow_down(chat: Chat) -> None:
    for n in range(11):
        await new_task(chat, f"Weekly report {n + 1}")
    routed(chat.model, "complete_task", task_id="the report one")
    parts = await chat.say("mark the report one done")  # 11 + "Prepare Q3 report"
    assert [p.text for p in parts] == [t("pick.narrow", "en", what="report", count=12)]  # type: ignore[union-attr]
    assert not await picking(chat)


async def test_none_says_so_and_how_to_name_one(chat: Chat) -> None:
    routed(chat.model, "delete_task", task_id="the unicorn task")
    parts = await chat.say("delete the unicorn task")
    assert [p.text for p in parts] == [t("pick.none", "en", what="unicorn")]  # type: ignore[union-attr]
    assert not await chat.executor.confirmations.peek(MONA)


async def test_another_teams_task_is_not_seen(chat: Chat) -> None:
    routed(chat.model, "complete_task", task_id="the sales deck")  # task 4 is the sales team's
    parts = await chat.say("mark the sales deck done")
    assert parts[0].text == t("pick.none", "en", what="sales deck")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("مراجعة العقد", "خلصت حق العقد"),  # Gulf, the model gave no id
        ("دفع الفواتير", "خلصت مهمة الفواتير"),
        ("فاتورة الكهرباء", "خلصت مهمه فاتوره كهرباء"),  # without ال, ة typed as ه
        ("تقرير المبيعات", "خلصنا التاسك بتاع التقرير"),  # Egyptian
    ],
)
async def test_arabic_titles_with_and_without_the_article(chat: Chat, title: str, message: str) -> None:
    task = await new_task(chat, title)
    routed(chat.model, "complete_task", task_id=None)
    parts = await chat.say(message)
    said = parts[0].text  # type: ignore[union-attr]
    assert isinstance(parts[0], TextPart) and f"#{task}" in said and title in said
    assert not re.search("[A-Za-z]", said)  # Arabic only
    assert await chat.status(task) == "done"


async def test_an_arabic_user_gets_an_arabic_list(chat: Chat) -> None:
    await new_task(chat, "متابعة العرض مع العميل")
    await new_task(chat, "تجهيز العرض التقديمي")
    routed(chat.model, "complete_task", task_id="العرض")
    parts = await chat.say("خلصت مهمة العرض")
    asked = parts[0]
    assert isinstance(asked, ListPart)
    shown = [asked.text, asked.button, *(r.title for s in asked.sections for r in s.rows)]
    assert not any(re.search("[A-Za-z]", x) for x in shown), shown
