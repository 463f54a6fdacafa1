"""Yes and no in words, per dialect group: what confirms, what cancels, and what must do neither."""

from __future__ import annotations

import pytest

from agent.assent import Assent, read_assent

YES = {
    "en": [
        "yes",
        "Yes please!",
        "yeah sure",
        "ok",
        "OK go ahead",
        "confirm",
        "yep do it",
        "sure thing, thanks",
        "go ahead",  # two words that are fillers alone
        "do it",
        "sounds good",
        "please do",
        "of course",
    ],
    "msa": ["نعم", "نعم، أكّد", "أجل", "موافق", "حسناً", "نفّذ من فضلك", "بالتأكيد"],
    "gulf": [
        "ايوه",
        "أيوه احذفها",
        "اكيد",
        "تمام",
        "زين",
        "يلا سوها",
        "ابشر",
        "اوكي",
        "إيه",
        "هيه",
        "سوّيها",
        "يس",
        "يب",
    ],
    "egyptian": ["أيوة", "ايوة اعملها", "ماشي", "طبعاً", "اشطا", "حاضر"],
    "levantine": ["إي", "منيح", "مزبوط", "يلا", "طيب", "ماشي", "ايه"],
    "arabizi": ["aywa", "aiwa ya 7abibi", "tamam", "mashi", "akeed", "yalla", "na3am", "7ader", "yalla go"],
    "emoji": ["👍", "✅"],
}
NO = {
    "en": [
        "no",
        "No thanks",
        "nope",
        "cancel",
        "cancel it",
        "stop",
        "don't",
        "not now",
        "don't do it",
        "forget it",
    ],
    "msa": ["لا", "لا، شكراً", "كلا", "ألغِ", "إلغاء", "لا أريد"],
    "gulf": ["لا خلاص", "لالا", "بلاش", "ما ابي", "هونت"],
    "egyptian": ["لأ", "لأ خلاص", "مش عايز", "بلاش", "سيبها", "كنسل", "مش لازم", "سيبك منها"],
    "levantine": ["لأ", "ما بدي", "بلا", "بطلت", "مابدي", "انسى الموضوع", "مو ضروري"],
    "arabizi": ["la2", "la khalas", "mish 3ayez", "ma badi", "balash", "el8i", "mish lazem", "kansel"],
    "emoji": ["👎", "❌"],
}
# Neither: questions, conditions, delays, other intents, words with another sense — the question stays.
NEITHER = [
    "yes?",
    "ok but rename it first",
    "wait",
    "ok delete 12",  # a number may name another task
    "what does it say?",
    "mark task 9 done",
    "ايه ده",  # Egyptian "what's this"
    "ايه؟",  # Egyptian "what?"
    "ايه سكرهم",  # a weak yes opens nothing alone: the waiting action's own words decide (agent/awaiting.py)
    "اي واحدة؟",
    "اي واحدة",  # "which one": a weak yes opens nothing
    "طيب بس استنى",
    "تمام بس غير العنوان",
    "خلاص",  # "enough" or "fine": it says neither
    "",
    "🙂",
    "right, and the other one",
    "keep going?",
    "keep the title but move it to Friday",
    "go for the other one",
    "of course not",
    "مش متأكد",  # unsure: the question stays
]
NO_THEN = ["no, I meant 12", "لا قصدي المهمة ١٢", "la2 el tanya", "no the other one"]


@pytest.mark.parametrize("text", [x for xs in YES.values() for x in xs])
def test_yes(text: str) -> None:
    assert read_assent(text) is Assent.YES


@pytest.mark.parametrize("text", [x for xs in NO.values() for x in xs])
def test_no(text: str) -> None:
    assert read_assent(text) is Assent.NO


# Hesitation and "keep it" beside a refusal, or keep-words alone: still a refusal.
KEEP_NO = [
    "hmm wait, no, keep it for now",
    "no no leave it",
    "keep it",
    "leave it as is",
    "لا استنى خليها",
    "خليها كذا",
    "سيبيها كده",
    "la2 estanna sibha",
]


@pytest.mark.parametrize("text", KEEP_NO)
def test_keeping_it_is_no(text: str) -> None:
    assert read_assent(text) is Assent.NO


@pytest.mark.parametrize("text", NEITHER)
def test_neither(text: str) -> None:
    assert read_assent(text) is Assent.OTHER


@pytest.mark.parametrize("text", NO_THEN)
def test_a_refusal_that_goes_on(text: str) -> None:
    assert read_assent(text) is Assent.NO_THEN


def test_every_dialect_group_has_both() -> None:
    assert set(YES) == set(NO) and len(YES) == 7


def test_a_weak_yes_that_names_the_waiting_action_opens_it() -> None:
    """ "ايه سكرهم" (Gulf "yes, close them"): "ايه" is a weak yes (Egyptian "what"), so only the
    waiting action's own words, checked by agent/awaiting.py, make it a confirmation."""
    from agent.assent import opens_with_yes
    from tools.registry import ToolRegistry

    assert opens_with_yes("ايه سكرهم") and not opens_with_yes("ايه ده؟")
    assert ToolRegistry.shipped().says("complete_tasks", "ايه سكرهم") is True


@pytest.mark.parametrize("text", ["امسحها", "delete it", "sakkerha please", "احذفها الحين"])
def test_a_bare_command_may_answer_the_question(text: str) -> None:
    """Two words at most besides fillers: agent/awaiting.py confirms when they name the waiting action."""
    from agent.assent import bare_command

    assert bare_command(text)


@pytest.mark.parametrize("text", ["delete the other one", "امسحها؟", "لا تمسحها", "wait delete it", ""])
def test_a_longer_asked_or_refused_command_is_no_bare_one(text: str) -> None:
    from agent.assent import bare_command

    assert not bare_command(text)
