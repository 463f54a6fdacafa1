"""Greetings and "what can you do?" are answered in code with what this bot does for this user: its
tools when the number is linked, what it can do now and how to link when not — never "I don't know"."""

from __future__ import annotations

import pytest

from agent.agent import Agent
from agent.capabilities import about_me, asks_what_i_do, is_greeting
from agent.memory import AgentMemory
from base.catalog import t
from base.keys import Keys
from memory.links import IdentityLinks
from tests.agent.test_agent_recorded import turn_of
from tests.tools.test_second_domain import make_agent
from tools.client import CoreApiClient
from tools.confirm import Confirmations
from tools.executor import CoreApiExecutor
from tools.registry import ToolRegistry

ASKS = {
    "en": ["what can you do?", "What do you do", "how can you help me?", "who are you?", "help",
           "hi, what can you do", "what else can you do for me?", "so what do you do exactly?",
           "what kind of things can you help with?"],
    "msa": ["ماذا تستطيع أن تفعل؟", "مرحبا، ماذا تستطيع أن تفعل؟", "كيف يمكنك مساعدتي؟", "من أنت؟", "مساعدة"],
    "gulf": ["وش تقدر تسوي؟", "ايش تقدر تسوي لي", "هلا، وش تسوي؟", "منو انت"],
    "egyptian": ["إيه اللي تقدر تعمله؟", "تقدر تساعدني في إيه؟", "بتعمل إيه؟", "مين انت"],
    "levantine": ["شو فيك تعمل؟", "شو بتعمل؟", "كيف فيك تساعدني؟"],
    "arabizi": ["shu fik ta3mel?", "wesh t8dar tsawi", "eh elli t2dar te3melo", "meen enta"],
    "more": ["ايش الأشياء اللي تقدر تسويها لي؟", "انت شو بتقدر تعمل؟", "طيب وإيه كمان تقدر تعمله؟"],
    # a newcomer says so first
    "services": ["what services do you provide?", "marhaba, ana jdeed hon, eh el 5adamat elli bt2ademha?",
                 "ايش الخدمات اللي تقدمها؟"],
    "new": ["hey! I'm new here, what sort of stuff are you able to help me with?",
            "أنا جديد هنا، وش تقدر تسوي لي؟", "ana gdeed, eh elli t2dar te3melo?"],
    # "can you help me?" by "possible", "you, who?", and the menu a newcomer asks for
    "menu": ["ممكن تساعدني؟", "momken tsa3dni", "انت ايش؟", "menu", "commands", "what are my options?",
             "القائمة", "الأوامر"],
}  # fmt: skip
NOT_ASKS = [
    "what can you do about task 7?",  # about a task: a command or a question for the agent
    "can you mark task 12 done",
    "what is the leave policy?",
    "ماذا أفعل إذا نسيت كلمة المرور؟",
    "شو صار بالمهمة ١٨؟",
    "create a task to call the bank",
    "How many days of annual leave do I get?",
    "how do I reset my password?",
    "how long do you keep my messages?",  # about the data it keeps: the documents answer it
    "what can you tell me about the travel policy?",
    "وش تقدر تقول لي عن سياسة الإجازات؟",
    "what are the working hours for new joiners?",
    "I'm new here, how do I get my laptop?",
    "what services does the IT team provide?",
    "ممكن تساعدني في الإجازات؟",  # asks about leave
    "ممكن تضيف مهمة؟",
    "menu for the team dinner",
]
GREETINGS = [
    "هلا والله، صباح الخير يا هدهد 🌞",
    "hi",
    "Hello!",
    "good morning",
    "السلام عليكم",
    "مرحباً",
    "صباح الخير",
    "هلا",
    "ahlan",
    "marhaba",
    # "how are you" and its one-word forms, each dialect group
    "مرحبتين", "مسا الخير", "أهلين", "كيفك", "شلونك؟", "ازيك", "عامل ايه", "هلا، كيف الحال؟",
    "hi how are you",
    "hey whats up", "kifak", "shlonak", "3amel eh", "hi bot", "مرحبا هدهد، كيفك؟",
]  # fmt: skip
NOT_GREETINGS = ["hi, create a task for Omar", "thanks", "شكراً", "bye", "how many tasks do I have?",
                 "ايه الأخبار عن المهمة ٥", "what is up with task 5", "كيف أحجز القاعة؟"]  # fmt: skip


@pytest.mark.parametrize("text", [x for xs in ASKS.values() for x in xs])
def test_questions_about_the_bot(text: str) -> None:
    assert asks_what_i_do(text)


@pytest.mark.parametrize("text", NOT_ASKS)
def test_questions_about_something_else(text: str) -> None:
    assert not asks_what_i_do(text)


@pytest.mark.parametrize("text", GREETINGS)
def test_greetings(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize("text", NOT_GREETINGS)
def test_not_greetings(text: str) -> None:
    assert not is_greeting(text)


def agent_with_links(fake_openai, redis, redis_prefix: str) -> tuple[Agent, IdentityLinks]:
    keys = Keys(redis_prefix)
    links = IdentityLinks(redis, keys)
    client = CoreApiClient("http://127.0.0.1:9", "x" * 40, retries=0)  # never called: no tool runs here
    registry = ToolRegistry.shipped()
    executor = CoreApiExecutor(client, links, registry, Confirmations(redis, keys), redis=redis, keys=keys)
    agent = make_agent(fake_openai, executor, redis, redis_prefix)
    agent.memory = AgentMemory(links=links)
    return agent, links


async def test_a_linked_user_reads_the_tools_by_name(fake_openai, redis, redis_prefix: str) -> None:
    agent, links = agent_with_links(fake_openai, redis, redis_prefix)
    await links.link("966500000077", 3, display_name="Lina", role="member")
    parts = await agent.respond(turn_of("what can you do?", wa_id="966500000077"))
    text = parts[0].text  # type: ignore[union-attr]
    assert text.startswith(t("capabilities.hello_name", "en", name="Lina"))
    for tool in ("create_task", "list_tasks", "complete_task", "assign_task"):
        assert f"• {t(f'tool.{tool}.title', 'en')}" in text
    assert t("reply.link_first", "en") not in text
    assert fake_openai.requests == [] and agent.traces[-1].outcome == "capabilities"
    assert agent.traces[-1].rules == ["capabilities"]


async def test_an_unlinked_user_reads_how_to_link_in_arabic(fake_openai, redis, redis_prefix: str) -> None:
    agent, _ = agent_with_links(fake_openai, redis, redis_prefix)
    parts = await agent.respond(turn_of("مرحبا، ماذا تستطيع أن تفعل؟", wa_id="966500000078"))
    text = parts[0].text  # type: ignore[union-attr]
    assert t("capabilities.unlinked", "ar") in text and t("reply.link_first", "ar") in text
    assert f"• {t('tool.create_task.title', 'ar')}" in text
    assert "لا أعرف" not in text and not any("a" <= c <= "z" for c in text.replace("/link", ""))
    assert fake_openai.requests == []


async def test_a_greeting_gets_the_offer_too(fake_openai, redis, redis_prefix: str) -> None:
    agent, links = agent_with_links(fake_openai, redis, redis_prefix)
    await links.link("966500000079", 4, display_name="سارة", role="member")
    parts = await agent.respond(turn_of("السلام عليكم", wa_id="966500000079"))
    text = parts[0].text  # type: ignore[union-attr]
    assert text.startswith(t("capabilities.hello_name", "ar", name="سارة"))
    assert t("capabilities.intro", "ar") in text


def test_rules_are_switched_off_by_name() -> None:
    from agent.agent import agent_rules_off

    assert agent_rules_off("capabilities", env="prod") == {"capabilities"}
    assert agent_rules_off("text_fixed", env="prod") == {"text_fixed"}
    assert agent_rules_off(" withhold_claims , capabilities", env="dev") == {
        "withhold_claims",
        "capabilities",
    }
    with pytest.raises(ValueError, match="unknown rule 'nope'"):
        agent_rules_off("nope", env="dev")
    with pytest.raises(ValueError, match="only in dev"):
        agent_rules_off("withhold_claims", env="staging")


async def test_with_the_rule_off_the_model_answers(fake_openai, redis, redis_prefix: str) -> None:
    agent, _ = agent_with_links(fake_openai, redis, redis_prefix)
    agent.rules_off = frozenset({"capabilities"})
    fake_openai.reply_text('{"action": "answer"}')
    fake_openai.reply_text("I am a bot.")
    parts = await agent.respond(turn_of("what can you do?", wa_id="966500000080"))
    assert len(fake_openai.requests) == 2 and agent.traces[-1].outcome != "capabilities"
    assert parts


@pytest.mark.parametrize(
    ("text", "about"),
    [
        ("hey, what can you do for my team when the project starts?", True),  # opens with a greeting
        ("ahlan ya hudhud, kifak? eh elli momken te3melo m3aya el naharda?", True),
        ("وش تقدر تسوي لفريق المبيعات بالضبط يعني؟", True),
        ("can you tell me what the parking policy is?", False),  # asks for information
        ("how many days of leave do I get?", False),  # not addressed to the bot
        ("what is the capital of France?", False),
    ],
)
def test_about_me_is_looser_for_messages_the_documents_say_nothing_on(text: str, about: bool) -> None:
    assert about_me(text) is about


@pytest.mark.parametrize(
    "text",
    [
        "hi Hudhud, I just moved to the Marina branch. what kind of things can you do for me?",
        "hello, I'm a new pharmacist at the Sharjah branch. what can this number do for me?",
        "مرحبا، أنا موظفة جديدة في الفرع. شو بتقدر تعمل؟",
        # a greeting that asks "how are you?" first is still only a greeting
        "أهلين هدهد، شلونك؟ تقدر تقولي وش تقدر تسوي؟",
        "hey bot, how are you? what can you do?",
    ],
)
def test_who_is_asking_may_come_before_the_question(text: str) -> None:
    from agent.capabilities import asks_what_i_do

    assert asks_what_i_do(text)


@pytest.mark.parametrize(
    "text",
    [
        "Task 12 is late. what can you do?",
        "Is 12 done? what can you do?",
        "what can you tell me about leave?",
        "مرحبا، كيفك؟ قديش إجازتي السنوية؟",  # after a greeting, a question about something else
        "hi, how are you? can you tell me what the leave policy is?",
    ],
)
def test_a_question_or_a_number_before_it_is_about_something_else(text: str) -> None:
    from agent.capabilities import asks_what_i_do

    assert not asks_what_i_do(text)
