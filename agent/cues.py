"""Surface cues read in code, not asked of the model: does a message point back at the last task
("mark it done", "أسندها لعمر"), is it a question or small talk, does it ask to remember something.

Small models are unreliable at these and code is instant; each function is a few word lists, in
Arabic (MSA and dialects), Arabizi and English.
"""

from __future__ import annotations

import re
from datetime import date

from base.text.dates import resolve_date
from base.text.folding import fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _is_date(phrase: str) -> bool:
    # Any reference day will do: only "is this a date phrase?" is asked.
    return resolve_date(phrase, date(2026, 1, 1)) is not None


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
_HARAKAT = re.compile("[\u064b-\u0652\u0670\u0640]")  # diacritics, dagger alef, tatweel
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
    # On the raw words, without harakat ("علّمها"): folding would turn the taa marbuta of every noun
    # ("مراجعة") into the pronoun's ه.
    return any(_AR_SUFFIX.match(w) for w in _WORD.findall(_HARAKAT.sub("", text)))


_REOPEN = re.compile(
    r"\bre-?open|\bunarchive|\bopen (?:it |this |that )?(?:up )?again"
    r"|(?:^|\s)(?:ا|ي)?فتح(?:ها|ي|يها|وها)?\b|\befta7|(?:^|\s)(?:اعد|اعاده|اعادة)\s+فتح"
    r"|رجع\S*\s+(?:\S+\s+){0,3}مفتوح|reg3\S*\s+(?:\S+\s+){0,3}maftoo?7"
)


def says_reopen(text: str) -> bool:
    """ "reopen 23", "رجّعي المهمة ٢٣ مفتوحة", "افتحها تاني", "open it again": the message asks for a
    finished task to be open again."""
    return bool(_REOPEN.search(fold(text)))


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


# "My manager is Omar Hassan", "زميلتي في المشروع هي منى عادل": a relation, then who it is.
_RELATION = re.compile(
    r"^\s*(?P<rel>.+?)\s+(?:is|are|=|هو|هي|اسمه|اسمها|اسمو)\s+(?P<name>[^.!؟?\n]+?)\s*[.!]?\s*$",
    re.IGNORECASE,
)
_POSSESSIVE_EN = _folded("my our")
_AR_LETTERS = re.compile(r"[\u0621-\u064A]+")
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
        len(w) >= 4 and _AR_LETTERS.fullmatch(w) and w.endswith(("ي", "نا")) for w in words
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


_TARGET_EN = re.compile(
    r"\b(?:to|for)\s+(?P<name>[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*)?)\s*[.!]*\s*$", re.IGNORECASE
)
_TARGET_AR = re.compile(
    r"(?:\s(?:على|علي|إلى|الى|لـ)\s+(?P<sep>[\u0621-\u064A]+(?:\s+[\u0621-\u064A]+)?)"
    r"|\sل(?P<joined>[\u0621-\u064A]{2,}))\s*[.!]*\s*$"
)
_NOT_PEOPLE = _folded(
    "me him her them it us you everyone all team someone the my our this next انا أنا هو هي الفريق الكل"
)


def person_target(text: str) -> str | None:
    """The person a task is handed to, when the message ends with them: "move task 8 over to Sara",
    "حوّل المهمة ٩ لخالد", "عطها على أبو فهد". Dates ("to next Tuesday", "لبكرة") are not people."""
    stripped = _HARAKAT.sub("", text)
    found = _TARGET_EN.search(stripped)
    name = found["name"] if found else None
    if name is None:
        found = _TARGET_AR.search(stripped)
        name = (found["sep"] or found["joined"]) if found else None
    if not name or any(w in _NOT_PEOPLE for w in _words(name)):
        return None
    if _is_date(name):
        return None
    return name.strip()


# Verbs whose "to X" is who receives something, not who does the task.
_TRANSFER = _folded(
    "send sent email mail deliver submit forward pay present ship return post "
    "ارسل أرسل إرسال ارسال ابعت ابعث بعث ابعتي سلم تسليم"
)
_ASSIGN = _folded("assign assigned reassign delegate اسند أسند اسندها أسندها")
_RECIPIENT_BEFORE = re.compile(
    r"(?:\b(?P<en>to)\s+|(?:^|\s)(?P<ar>إلى|الى|لـ)\s*|(?:^|\s)(?P<joined>ل))$", re.IGNORECASE
)


def recipient(text: str, name: str) -> str | None:
    """ "to Al Marai" when the message sends something to `name` ("send the revised quote to Al
    Marai", "أرسل العرض إلى المراعي"): the phrase as written, else None.

    A transfer verb must come within the few words before the "to", and no "assign" among them;
    otherwise `name` stays the assignee.
    """
    stripped = " ".join(_HARAKAT.sub("", text).split())
    wanted = " ".join(_HARAKAT.sub("", name).split()).casefold()
    if not wanted:
        return None
    # "للمراعي": the lam of "to" swallows the alef of the article.
    spellings = [wanted] + ([wanted[1:]] if wanted.startswith("ال") else [])
    for spelled in spellings:
        at = stripped.casefold().find(spelled)
        if at <= 0:
            continue
        before = stripped[:at]
        prep = _RECIPIENT_BEFORE.search(before)
        if prep is None:
            continue
        clause = _words(before[: prep.start()])[-6:]
        if not set(clause) & _TRANSFER or set(clause) & _ASSIGN:
            return None
        return stripped[prep.start() : at + len(spelled)].strip()
    return None


_CREATE = _folded(
    "add create new remind ذكرني ذكريني فكرني فكريني "
    "زيد زيدي ضيف ضيفي ضف أضف اضف أضيف اضيف سجل سجلي حط حطي اعمل اعملي"
)


# "make" alone also opens "make it urgent": only "make a task" asks for a new one.
_MAKE_A_TASK = re.compile(r"\bmake (?:me )?an? (?:new )?(?:task|reminder|todo)\b")


def opens_with_create(text: str) -> bool:
    """ "add a task…", "زيد مهمة…", "حط تذكير…": the message asks for a new task in its first words."""
    return any(w in _CREATE for w in _words(text)[:2]) or bool(_MAKE_A_TASK.search(fold(text)))


_MINE = _folded("my mine me بتاعتي بتاعي حقي حقتي تبعي تبعتي عندي مهامي مهماتي تاسكاتي شغلي")
_TEAM = _folded("team everyone everybody all الكل الجميع كلهم القسم الشباب")


def says_mine(text: str) -> bool:
    """The message asks about the user's own tasks ("وريني التاسكات بتاعتي") and nobody else's."""
    words = _words(text)
    team = any(w in _TEAM or "team" in w or w.startswith(("فريق", "الفريق")) for w in words)
    return not team and any(w in _MINE for w in words)


_DONE = _folded(
    "done complete completed finish finished finito close closed tick check سكر سكرت سكرها اقفل قفل اغلق "
    "sakker sakkar خلصت خلص خلصها خلصتها خلصناها "
    "خلاص منجزة منجز انجزت أنجزت انجز أنجز انجزها أنجزها تمت تم انتهت انتهيت خلصنا كملت كملتها اكتملت "
    "5alast 5alas 5las 5lst khalas khalast 5alasna"
)


def says_done(text: str) -> bool:
    """ "mark 42 done", "خلصت المهمة", "5alast": the message says a task is finished."""
    return any(w in _DONE for w in _words(text))


_MIXED_WORD = re.compile(r"(?=[^\s]*[A-Za-z])(?=[^\s]*[\u0621-\u064A])[^\s]+")
_TASK_NOUNS = _folded("task tasks tsk todo reminder تاسك مهمة مهمه تذكير")
_TITLE_FILLER = _folded("new a an to jdeeda gdeeda jdida jadida gedida جديدة جديده جديد")


def garbled(title: str) -> bool:
    """A word half in Latin letters, half in Arabic ("المabee3ات"): a title the model mangled while
    transliterating Arabizi."""
    return bool(_MIXED_WORD.search(title))


def title_in_message(text: str) -> str | None:
    """The task's title as the user wrote it: what follows a colon, else what follows the word
    "task", with the date phrase at the end left out ("zeed task jdeeda: ta2reer el mabee3at bokra"
    → "ta2reer el mabee3at")."""
    if ":" in text:
        words = text.split(":", 1)[1].split()
    else:
        raw = text.split()
        at = next((i for i, w in enumerate(raw) if fold(w.strip(".,!?؟")) in _TASK_NOUNS), None)
        words = raw[at + 1 :] if at is not None else []
    while words and fold(words[0]) in _TITLE_FILLER:
        words = words[1:]
    cut = True
    while words and cut:
        cut = False
        for size in range(min(4, len(words)), 0, -1):
            if _is_date(" ".join(words[-size:])):
                words, cut = words[:-size], True
                break
    title = " ".join(words).strip(" .,!?؟")
    return title or None


# Words that say a six-digit number is a link code ("my code is 123456", "رمز الربط ١٢٣٤٥٦").
LINK_WORDS = ("code", "link", "رمز", "كود", "ربط")
