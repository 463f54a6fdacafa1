"""The words that say what a text is about: stop and question words set aside (English and Arabic, MSA
and the dialects' most common ones), Arabic clitics and endings trimmed, a few letters compared. Crude and
symmetric: the same trimming applies to both texts being compared (a question and a passage, a message
and a model's argument)."""

from __future__ import annotations

from base.text.folding import tokens
from base.text.lexicon import AR_LETTERS

# Words that carry no subject: function words, question words and the generic verbs of asking, in
# English and Arabic (MSA and the dialects' most common ones).
_STOP = frozenset(
    tokens(
        """a an the of to in on at for from by with about as is are was were be been being do does did have
        has had i me my mine we us our you your he she it its they them their this that these those there here
        what what's whats which who whom whose when where why how can could would should will shall may
        might must not no yes and or but if so than then too very just also any some all each every much
        many more most get got give make let please tell know want need like use between difference
        في من إلى الى على عن مع هل ما ماذا متى كيف كم أين اين لماذا لم لن لا نعم هو هي هم هن أنا انا نحن
        أنت انت أنتم هذا هذه ذلك تلك هناك هنا التي الذي الذين اللي الي كان كانت يكون تكون أن ان إن او أو
        ثم قد كل بعض أي اي ايش وش شو إيه ايه شلون ازاي إزاي كيفاش عندي لدي عند لي لك له لها لنا يمكن
        يمكنني ممكن أريد اريد أبغى ابغى بدي عايز يعني بس كمان الفرق بين"""
    )
)
_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف")
_SUFFIXES = ("هما", "كما", "ات", "ون", "ين", "ها", "هم", "كم", "نا", "ه", "ي", "ك")
_KEEP = 5  # letters compared: enough to tell words apart, few enough to meet "policy"/"policies"


def stem(word: str) -> str:
    """A crude, symmetric stem: the same trimming is applied to the question and to the passages."""
    word = word.replace("-", "")
    if AR_LETTERS.search(word):
        for p in _PREFIXES:
            if word.startswith(p) and len(word) - len(p) >= 3:
                word = word[len(p) :]
                break
        for s in _SUFFIXES:
            if word.endswith(s) and len(word) - len(s) >= 3:
                word = word[: -len(s)]
                break
    return word[:_KEEP]


def content_words(text: str) -> set[str]:
    """The stems of the words that say what `text` is about."""
    return {
        stem(w)
        for w in tokens(text)
        if w not in _STOP and len(w.replace("-", "")) >= 3 and not w.replace("-", "").isdigit()
    }


def shares_words(text: str, other: str) -> bool:
    """Does `text` have a content word that `other` has too?"""
    return bool(content_words(text) & {stem(w) for w in tokens(other)})
