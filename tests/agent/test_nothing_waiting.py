"""A yes or a no typed when no question of ours waits (agent/awaiting.py answers those that do): nothing is
guessed and nothing promised — the reply says nothing is waiting, with the task last spoken of."""

from __future__ import annotations

import pytest

from agent.assent import acknowledges
from base.catalog import t
from tests.agent.test_agent_recorded import turn_of
from tests.agent.test_capabilities import agent_with_links


@pytest.mark.parametrize(("text", "lang"), [("yes, go ahead", "en"), ("ايوه كمل", "ar"), ("لا", "ar")])
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
