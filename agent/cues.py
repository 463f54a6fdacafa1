"""Surface cues of any domain, read in code, not asked of the model: does a message point back at the
previous turn ("mark it done", "أسندها لعمر"), is it a question or small talk, does it ask to remember
something, who is "my manager". The cues of one domain's commands live in its pack (tools/packs/).

Small models are unreliable at these and code is instant; each function is a few word lists, in
Arabic (MSA and dialects), Arabizi and English.
"""

from __future__ import annotations

import re

from base.text.lexicon import AR_LETTERS, MEANT, WORD, without_harakat
from base.text.lexicon import word_set as _folded
from base.text.lexicon import words_of as _words

_BACK_EN = _folded("it its that this them same again")
_BACK_AR = _folded(
    "هذه هذي هذا هاي هادي هاذي ذي دي ده دا نفسها نفس عليها فيها لها منها عنها اياها إياها هيا هي"
)
_BACK_LATN = _folded("di da deh dih haydi hadi hay tani tany taani")  # "raga3ha leya tani" (again)
# Arabic attached object pronouns ("أسندها", "خلصها", "كملوه"): a verb ending in -ها / -ه / -هم.
_AR_SUFFIX = re.compile(r"^[\u0621-\u064A]{2,}(?:ها|ه|هم|هن)$")


_FOLLOW_ON = _folded("and also then plus و وكمان كمان وبعدين بعدين w kaman")
# A correction of what was just asked ("sorry no, I meant Friday", "لا لا قصدي السبت", "la2 2asdi
# rami", base/text/lexicon.MEANT): it is about the same task as the previous turn.
_CORRECTING = MEANT


# An opening "no" or "wait" followed by a few words is a correction of the turn before, even without
# "I meant": "no wait, thursday", "لا، الخميس", "la2 bokra", "actually Sara".
_OPENING_CORRECTION = _folded(
    "no nope nah wait actually sorry oops لا لأ لحظة استنى استني ثواني معليش عفوا la la2 laa lahza estanna"
)
_CORRECTION_WORDS = 3
_OWNING_UP = _folded(
    "wrong mistake oops typo sorry bad غلطت غلط غلطة غلطه بالغلط خطأ خطا بالخطأ غلطانة غلطان آسف اسف آسفة "
    "معلش معليش ghalat ghalatt 8alat ghlet ma3lesh ma3lish أخطأت اخطأت اخطات أخطأنا اخطانا"
)


def _opens_a_correction(words: list[str]) -> bool:
    rest = list(words)
    while rest and rest[0] in _OPENING_CORRECTION:
        rest.pop(0)
    return len(rest) < len(words) and 1 <= len(rest) <= _CORRECTION_WORDS


def refers_back(text: str) -> bool:
    """The message points at something said before ("it", "that one", "أسندها", "نفس المهمة"), carries
    on from it ("and assign to Omar", "وخليها بكرة") or corrects it ("no wait, thursday")."""
    words = _words(text)
    if words and (words[0] in _FOLLOW_ON or (words[0].startswith("و") and len(words[0]) > 3)):
        return True
    if _opens_a_correction(words):
        return True
    if any(w in _BACK_EN or w in _BACK_AR or w in _BACK_LATN or w in _CORRECTING for w in words):
        return True
    # owning up to a slip, with what was meant: "غلطت بالاسم، ناصر مو مروان", "wrong name - Dana, not Rita"
    if any(w in _OWNING_UP for w in words) and said_instead(text) is not None:
        return True
    # On the raw words, without harakat ("علّمها"): folding would turn the taa marbuta of every noun
    # ("مراجعة") into the pronoun's ه.
    return any(_AR_SUFFIX.match(w) for w in WORD.findall(without_harakat(text)))


# "A not B", "A, not B", "A instead of B", "A وليس B", "A مش B", "A بدل B", "A mesh B": the words said
# instead of others, each dialect group ("oops, lab 4 not lab 3", "عفواً، شحنة الخبر وليس الدمام").
_INSTEAD_OF = re.compile(
    # (MSA "لا" between two: "المقصود أولوية عالية لا منخفضة")
    r"[\s,،]+(?:not|instead\s+of|rather\s+than|وليس|ليس|لا|مش|مو|مب|موب|مهوب|مهو|بدل|بدال|عوض|عوضا\s+عن|"
    r"mesh|mish|msh|mu|mo|mub|badal|bedal)\s+",
    re.IGNORECASE,
)
_SWAP_WORDS = 4  # words of the phrase replaced, at most
_CLAUSE_CUT = re.compile(r"\s[-\u2013\u2014]+\s|[,،;!?؟]")


def said_instead(text: str) -> tuple[str, str] | None:
    """The words said instead of others and those others, as written: "oops, lab 4 not lab 3" → ("lab 4",
    "lab 3"), "شحنة الخبر وليس الدمام" → ("الخبر", "الدمام") — as many words before the "not" as after it;
    None when the message says no such thing once."""
    found = list(_INSTEAD_OF.finditer(text))
    if len(found) != 1:
        return None
    before, after = text[: found[0].start()], text[found[0].end() :]
    after = _CLAUSE_CUT.split(after, maxsplit=1)[0]  # "Muath not Paolo - Paolo's swamped today"
    old = after.strip(" .!?؟،,").split()
    new = before.strip(" .!?؟،,").split()
    if not old or len(old) > _SWAP_WORDS or len(new) < len(old):
        return None
    return " ".join(new[-len(old) :]).strip(" ,،"), " ".join(old)


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
    if found["en"] and re.match(r"(?:on|for|in|under|about)\s+(?:task\s*)?#?\s*\d", fact, re.IGNORECASE):
        return None  # "note on 41: …" is a comment on a task, not a fact about the user
    return fact if len(fact) >= 3 else None


# "My manager is Omar Hassan", "زميلتي في المشروع هي منى عادل": a relation, then who it is.
_RELATION = re.compile(
    r"^\s*(?P<rel>.+?)\s+(?:is|are|=|هو|هي|اسمه|اسمها|اسمو)\s+(?P<name>[^.!؟?\n]+?)\s*[.!]?\s*$",
    re.IGNORECASE,
)
_POSSESSIVE_EN = _folded("my our")
_FILLER = _folded("my our the a an of in at on for to في على من الى إلى عند")


def _stem(word: str) -> str:
    # Arabic proclitics (و، ل، ال، لل) so that "لزميلتي" meets "زميلتي" and "المشروع" meets "مشروع".
    for prefix in ("ولل", "وال", "لل", "ال", "و", "ل"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def _content(text: str) -> set[str]:
    return {_stem(w) for w in _words(text) if w not in _FILLER}


def _is_relational(phrase: str) -> bool:
    """ "my manager", "our accountant", "مديري", "زميلتي في المشروع", "مديرنا": not a name."""
    words = _words(phrase)
    return any(w in _POSSESSIVE_EN for w in words) or any(
        len(w) >= 4 and AR_LETTERS.fullmatch(w) and w.endswith(("ي", "نا")) for w in words
    )


def person_from_facts(phrase: str, facts: list[str]) -> str | None:
    """Who "my manager" is, from what the user said about their people ("My manager is Omar Hassan").

    Small models copy "my manager" into the assignee as told; the core API knows no one by that name.
    Only relational phrases are looked up, and only in facts of the form "<relation> is <name>" whose
    relation holds every word of the phrase.
    """
    if not _is_relational(phrase):
        return None
    wanted = _content(phrase)
    if not wanted:
        return None
    for fact in facts:
        found = _RELATION.match(fact)
        # "is my uncle" names no one (Arabic surnames end in ي too, so only "my"/"our" rule one out).
        said = found["name"] if found else ""
        if found and wanted <= _content(found["rel"]) and not set(_words(said)) & _POSSESSIVE_EN:
            return found["name"].strip()
    return None


# Words that say an eight-digit number is a link code ("my code is 12345678", "رمز الربط ١٢٣٤٥٦٧٨").
LINK_WORDS = ("code", "link", "رمز", "كود", "ربط")
