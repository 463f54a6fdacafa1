"""A yes or a no typed when no question of ours waits (agent/awaiting.py answers those that do): nothing is
guessed and nothing promised — the reply says nothing is waiting, with the task last spoken of."""

from __future__ import annotations

import pytest

from agent.assent import acknowledges, only_assent
from base.catalog import t
from tests.agent.test_agent_recorded import turn_of
from tests.agent.test_capabilities import agent_with_links


@pytest.mark.parametrize(("text", "lang"), [("yes, go ahead", "en"), ("ايوه", "ar"), ("لا", "ar")])
async def test_a_bare_yes_or_no_with_nothing_waiting_runs_nothing(
    fake_openai, redis, redis_prefix: str, text: str, lang: str
) -> None:
    agent, links = agent_with_links(fake_openai, redis, redis_prefix)
    await links.link("966500000081", 3, display_name="Lina", role="member")
    parts = await agent.respond(turn_of(text, wa_id="966500000081"))
    assert [p.text for p in parts] == [t("reply.nothing_waiting", lang)]  # type: ignore[union-attr]
    # no model was asked: a guess could only act on something never asked for
    assert fake_openai.requests == [] and agent.traces[-1].rules == ["nothing_waiting"]


async def test_with_the_rule_off_the_model_reads_it(fake_openai, redis, redis_prefix: str) -> None:
    agent, _ = agent_with_links(fake_openai, redis, redis_prefix)
    agent.rules_off = frozenset({"nothing_waiting"})
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("Sure.")
    await agent.respond(turn_of("yes, go ahead", wa_id="966500000082"))
    assert len(fake_openai.requests) == 2 and "nothing_waiting" not in agent.traces[-1].rules


@pytest.mark.parametrize(
    ("text", "thanks"),
    [("ok thanks", True), ("تمام شكرا", True), ("ok", True), ("👍", True), ("yes", False), ("نعم", False)],
)
def test_thanks_and_a_bare_ok_acknowledge(text: str, thanks: bool) -> None:
    assert acknowledges(text) is thanks


@pytest.mark.parametrize(
    ("text", "bare"),
    [("yes, go ahead", True), ("لا خليها", True), ("ايوه", True), ("ok, mark it done", False),
     ("تمام، علّمها منجزة", False), ("yes and add a task for Monday", False), ("what?", False)],
)  # fmt: skip
def test_only_a_yes_or_a_no_and_nothing_else_is_bare(text: str, bare: bool) -> None:
    assert only_assent(text) is bare


async def test_a_yes_with_a_command_goes_to_the_model(fake_openai, redis, redis_prefix: str) -> None:
    agent, _ = agent_with_links(fake_openai, redis, redis_prefix)
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("Which task?")
    await agent.respond(turn_of("ok, mark it done", wa_id="966500000083"))
    assert fake_openai.requests and "nothing_waiting" not in agent.traces[-1].rules
