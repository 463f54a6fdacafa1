"""The CommandRouter: slash commands answered in code, plain messages to the fallback."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from base.commands import CommandRouter, parse_command
from base.turn import InboundMessage, ReplyPart, TextPart, Turn, UserRef, make_turn_id


def turn(*texts: str) -> Turn:
    messages = [
        InboundMessage(id=f"wamid.{i}", wa_id="1", phone_number_id="p", type="text", text=t, timestamp=0)
        for i, t in enumerate(texts)
    ]
    ids = [m.id for m in messages]
    return Turn(
        turn_id=make_turn_id(ids),
        message_ids=ids,
        messages=messages,
        user=UserRef(wa_id="1"),
        phone_number_id="p",
        profile="default",
    )


class Echo:
    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        return [TextPart(text=f"echo:{turn.text}")]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("/help", ("help", "")),
        ("  /NEW  buy milk  ", ("new", "buy milk")),
        ("/done 42", ("done", "42")),
        ("/", None),
        ("/ help", None),
        ("//x", None),
        ("hello /help", None),
        ("", None),
    ],
)
def test_parse_command(text: str, parsed: tuple[str, str] | None) -> None:
    assert parse_command(text) == parsed


async def test_registered_command_and_help() -> None:
    router = CommandRouter(fallback=Echo())

    @router.command("new", help="Create a task", usage="<title>")
    async def new(t: Turn, args: str) -> str:
        return f"created {args}"

    assert [p.text for p in await router.respond(turn("/new buy milk"))] == ["created buy milk"]
    help_text = (await router.respond(turn("/help")))[0].text
    assert "/new <title> — Create a task" in help_text and "/ping" in help_text
    assert (await router.respond(turn("/PING")))[0].text == "pong"


async def test_unknown_command_and_mixed_turns() -> None:
    router = CommandRouter(fallback=Echo())
    assert "Unknown command /nope" in (await router.respond(turn("/nope")))[0].text
    parts = await router.respond(turn("/ping", "what is due?", "and tomorrow?"))
    assert [p.text for p in parts] == ["pong", "echo:what is due?\nand tomorrow?"]


async def test_handlers_may_return_parts() -> None:
    router = CommandRouter()

    async def two(t: Turn, args: str) -> list[ReplyPart]:
        return [TextPart(text="a"), TextPart(text="b")]

    router.add("/two", two, help="two parts")
    assert [p.text for p in await router.respond(turn("/two"))] == ["a", "b"]
    with pytest.raises(ValueError, match="invalid command name"):
        router.add("bad name", two, help="x")


def test_turn_id_is_stable_and_order_sensitive() -> None:
    assert make_turn_id(["a", "b"]) == make_turn_id(["a", "b"])
    assert make_turn_id(["a", "b"]) != make_turn_id(["b", "a"])
    assert make_turn_id(["a"]).startswith("t_") and len(make_turn_id(["a"])) == 34


async def test_a_tapped_button_keeps_the_users_language(redis, redis_prefix) -> None:
    from agent.prefs import PrefsStore
    from base.keys import Keys
    from base.turn import InboundMessage, Turn, UserRef
    from hudhud.container import _reply_lang

    prefs = PrefsStore(redis, Keys(redis_prefix))
    await prefs.set("966500000001", lang="en")
    tap = InboundMessage(id="w1", wa_id="966500000001", phone_number_id="p", type="interactive",
                         text="Confirm / تأكيد", payload="confirm:abc")  # fmt: skip
    turn = Turn(turn_id="t_1", message_ids=["w1"], messages=[tap], user=UserRef(wa_id="966500000001"),
                phone_number_id="p", profile="exec")  # fmt: skip
    assert await _reply_lang(prefs, turn) == "en"
    typed = turn.model_copy(update={"messages": [tap.model_copy(update={"payload": None, "text": "تأكيد"})]})
    assert await _reply_lang(prefs, typed) == "ar"
