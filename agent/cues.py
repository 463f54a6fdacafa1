"""Surface cues read in code, not asked of the model: does a message point back at the last task
("mark it done", "أسندها لعمر"), is it a question or small talk, does it ask to remember something.

Small models are unreliable at these and code is instant; each function is a few word lists, in
Arabic (MSA and dialects), Arabizi and English.
"""

from __future__ import annotations

import re

from agent.normalize import fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


_BACK_EN = _folded("it its that this them same")
_BACK_AR = _folded(
    "هذه هذي هذا هاي هادي هاذي ذي دي ده دا نفسها نفس عليها فيها لها منها عنها اياها إياها هيا هي"
)
_BACK_LATN = _folded("di da deh dih haydi hadi hay")
# Arabic attached object pronouns ("أسندها", "خلصها", "كملوه"): a verb ending in -ها / -ه / -هم.
_AR_SUFFIX = re.compile(r"^[\u0621-\u064A]{2,}(?:ها|ه|هم|هن)$")


_FOLLOW_ON = _folded("and also then plus و وكمان كمان وبعدين بعدين w kaman")


def refers_back(text: str) -> bool:
    """The message points at something said before ("it", "that one", "أسندها", "نفس المهمة") or
    carries on from it ("and assign to Omar", "وخليها بكرة")."""
    words = _words(text)
    if words and (words[0] in _FOLLOW_ON or (words[0].startswith("و") and len(words[0]) > 3)):
        return True
    if any(w in _BACK_EN or w in _BACK_AR or w in _BACK_LATN for w in words):
        return True
    # On the raw words: folding turns the taa marbuta of every noun ("مراجعة") into the pronoun's ه.
    return any(_AR_SUFFIX.match(w) for w in _WORD.findall(text))


_QUESTION_EN = _folded(
    "what whats what's how why when where who whom whose which can could do does did is are was were should "
    "would will may tell explain"
)
_QUESTION_AR = _folded(
    "ما ماذا ماهي ماهو متى أين اين لماذا ليش ليه لمَ هل من كم كيف كيفية ايش إيش وش شو شنو إزاي ازاي امتى "
    "إمتى فين وين منين مين ممكن أريد اريد عايز ابغى ابي ابغا اشرح"
)
_QUESTION_LATN = _folded("eh eish esh shu sho wesh ezay izay leh lesh emta imta fein feen meen min kam")

_SMALL_TALK = _folded(
    "hi hello hey hiya yo there all everyone much very a lot so "
    "thanks thank thx ty bye goodbye good morning evening night ok okay cool great nice "
    "جزيلا كثير مرحبا مرحبًا اهلا أهلا هلا هلو السلام سلام عليكم صباح مساء الخير النور شكرا شكراً شكرًا مشكور "
    "يعطيك العافية تسلم تسلمي ممتاز تمام حلو باي مع السلامة "
    "marhaba ahlan salam shukran shokran tamam tmam yalla"
)


def is_question(text: str) -> bool:
    stripped = text.strip()
    if stripped.endswith(("?", "؟")):
        return True
    words = _words(stripped)
    if not words:
        return False
    first = words[0].removeprefix("و") if len(words[0]) > 2 else words[0]
    return first in _QUESTION_EN or first in _QUESTION_AR or first in _QUESTION_LATN


def is_small_talk(text: str) -> bool:
    """Greetings, thanks, goodbyes: every word is one of them (and there are few words)."""
    words = _words(text)
    return 0 < len(words) <= 6 and all(w in _SMALL_TALK for w in words)


_REMEMBER = re.compile(
    r"^\s*(?:please\s+)?(?:remember|note|keep in mind)(?:\s+that)?\s*[:,-]?\s*(?P<en>.+)$"
    r"|^\s*(?:من فضلك\s+|لو سمحت\s+)?(?:تذكر|تذكّر|تذكري|اذكر|احفظ|خليك فاكر|افتكر|سجل عندك)"
    r"(?:\s+(?:أنني|انني|إنني|أنه|انه|إنه|إني|اني|أني|أن|ان|إن))?\s*[:،,-]?\s*(?P<ar>.+)$",
    re.IGNORECASE | re.DOTALL,
)


def remember_request(text: str) -> str | None:
    """The fact in "remember that I prefer short answers" / "تذكر أنني أفضل الردود القصيرة"."""
    found = _REMEMBER.match(text)
    if not found:
        return None
    fact = (found["en"] or found["ar"] or "").strip().rstrip(".!")
    if found["en"] and fact.lower().startswith("to "):
        return None  # "remember to call Omar" is a reminder (a task), not a fact about the user
    return fact if len(fact) >= 3 else None
