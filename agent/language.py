"""Which language the user writes, so the agent answers in it.

Three labels: "ar" (Arabic script: MSA or any dialect), "ar-latn" (Arabizi: Arabic in Latin letters,
digits as letters — 3 = ع, 7 = ح, 5 = خ, 2 = ء, 9 = ص/ق, 6 = ط) and "en". Detection is a few counts,
no model: it runs on every turn and must be instant and predictable.

Rules, in order:

1. Text with no letters (emoji, digits, punctuation, a link), a slash command ("/help"), or only
   words common to every user ("ok", "thanks", "hi", "👍") says nothing: the `previous` language
   (the user's remembered one), else "en".
2. Words in Arabic script at least as many as words in Latin script → "ar" (even one word: "تمام").
3. Latin text scores Arabizi signals: a word mixing letters with 3/5/6/7/9 ("3ayez", "7abibi",
   "5alas", "ems7") counts 2, with 2/8 ("2olli", "la2") 1 unless it is English text-speak ("2day",
   "gr8") or a unit ("5pm", "3rd", "mp3"); Arabizi words count 2 ("mesh", "ya3ni", "inshallah",
   "yalla", "keda", "ezay", "bokra") or 1 when they are also English/other words ("ana", "eh", "el",
   "ya", "bas"). English function words count against ("the", "is", "you", "please"). Score ≥ 2 and
   not below the English count → "ar-latn".
4. Up to three Latin words with no English word and no clear Arabizi (a name, "Project X", "el")
   → `previous`, else "en".
5. Otherwise "en".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, get_args

Language = Literal["ar", "ar-latn", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")

# Words any user sends whatever their language: they must not flip a remembered language.
_NEUTRAL = _wordset(
    "ok okay okk k kk yes yep yeah yup no nope hi hey hello thanks thx ty tnx bye lol haha hahaha hhh hmm "
    "ah oh wow cool nice sure done"
)
_ARABIZI_STRONG = _wordset(
    "enta enti inta inti ento howa heya ehna e7na homma mesh msh mish mosh ya3ni yaani leh leih leish lesh "
    "inshallah inshalla insha2allah inshaallah yalla yallah shukran shokran keda kda kedah ezay ezzay izay "
    "izzay fein feen bokra bukra habibi habibti 7abibi wallah wallahi walla khalas 5alas tayeb tayyeb tamam "
    "tmam mashi mashy ma3lesh maalesh aywa aiwa akeed ahlan marhaba kaman kman lazem lazim momken mumkin "
    "mmkn 3andi 3ayez ayez ayza 3ayza 3awez awez bidi biddi baddi abghi abgha abga wesh shu shou eish emta "
    "imta henak hena kteer ktir awi awy gedan geddan shwaya shwayya naharda delwa2ty dilwa2ti mabrook "
    "hamdella alhamdulillah el7amdulillah mashallah ezayak ezayek keefak kifak kaifak shlonak shlon wayed "
    "sa7 na3am ba2a fahem fahma mafish mafeesh mafi ma3a m3a 3ala khalli 5alli eshta tab3an sabah ba3d "
    "ba3dein dlwa2ty ya3am yasta abl 2abl fadlak fadlek fadlik samaht sama7t shil sheel emsa7 wareeni "
    "warini wareny haga 7aga ba3den "
    # "let X take it instead of me": "khally charbel yestalem task 917 badaly"
    "khally khaly 5ally 5aly khallih 5allih khalliha 5alliha badaly badali bedali bdali 3anni 3anny "
    "yestalem testalem yestlem"
)
_ARABIZI_WEAK = _wordset("ana el eh ya bas fi la ma w da di dah ay kol ela men")
_ENGLISH = _wordset(
    "the a an is are was were be been to of and or for in on with it its it's this that these those you "
    "your i me my we our they please can could would should will what when where how who why do does did "
    "have has had not at by from about there here all any some just get let show add remind tell"
)
# Digits inside these are English text-speak or units, not Arabizi letters.
_DIGIT_WORDS_NOT_ARABIZI = _wordset(
    "2day 2moro 2morrow 2nite 2night 2gether 2u me2 u2 gr8 l8r m8 h8 w8 b4 4u b2b b2c p2p h2o mp3 mp4 "
    "3d 2d 4k 5g 4g 3g y2k 2fa s3 ec2 k8s covid19"
)
_UNIT = re.compile(r"[0-9]+(?:st|nd|rd|th|am|pm|s|k|m|h|hr|hrs|min|mins|d|x|g|gb|mb|kb|kg|km|cm|mm|px|p)")
_SHORT_CODE = re.compile(r"[a-z]{1,2}[0-9]+")  # q3, v2, ps5, i7, a4
_STRONG_DIGITS = re.compile(r"[35679]")


def _is_arabic_letter(ch: str) -> bool:
    code = ord(ch)
    return ch.isalpha() and (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    )


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and (ch.isascii() or "LATIN" in unicodedata.name(ch, ""))


def _arabizi_points(word: str) -> int:
    """What one lowercase Latin word says for Arabizi: 2 strong, 1 weak, 0 nothing."""
    if word in _ARABIZI_STRONG:
        return 2
    if word in _ARABIZI_WEAK:
        return 1
    has_digit = any(ch.isdigit() for ch in word)
    if not has_digit or word in _DIGIT_WORDS_NOT_ARABIZI or _UNIT.fullmatch(word):
        return 0
    if _SHORT_CODE.fullmatch(word):
        return 0
    return 2 if _STRONG_DIGITS.search(word) else 1


def detect_language(text: str, *, previous: Language | None = None) -> Language:
    """ "ar", "ar-latn" or "en" for a message; see the module docstring for the rules.

    `previous` is the user's remembered language: returned for texts that say nothing (emoji, "ok",
    "/help", a lone name). An unknown `previous` value is ignored.
    """
    fallback: Language = previous if previous in LANGUAGES else "en"  # type: ignore[assignment]
    if not isinstance(text, str):
        return fallback
    text = _URL.sub(" ", text).strip()
    if text.startswith("/"):
        return fallback
    arabic: list[str] = []
    latin: list[str] = []
    for word in _WORD.findall(text):
        if any(_is_arabic_letter(ch) for ch in word):
            arabic.append(word)
        elif any(_is_latin_letter(ch) for ch in word):
            latin.append(word.casefold())
    if not arabic and not latin:
        return fallback
    if len(arabic) >= len(latin):
        return "ar"
    if all(word in _NEUTRAL for word in latin):
        return fallback
    arabizi = sum(_arabizi_points(word) for word in latin)
    english = sum(word in _ENGLISH for word in latin)
    if arabizi >= 2 and arabizi >= english:
        return "ar-latn"
    if english == 0 and len(latin) <= 3:  # a name, "Project X": no evidence either way
        return fallback
    return "en"


def reply_language(lang: Language | str) -> Literal["ar", "en"]:
    """The language the agent answers in: Arabic script for "ar" **and** "ar-latn", else English.

    Arabizi users read Arabic script, while models write Arabizi poorly and inconsistently, so they get
    Arabic-script replies (and the Arabic prompts and reply templates).
    """
    return "ar" if lang in ("ar", "ar-latn") else "en"
