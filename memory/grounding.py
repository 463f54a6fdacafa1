"""Do the retrieved passages speak of what was asked? A lexical check beside the embeddings' relevance.

e5 puts a question about the office Wi-Fi password or the date salaries are paid close to any page about
the office or about dates (relevance 0.10-0.13 on the shipped knowledge base, where the pages that do
answer a question score 0.12-0.21), and a small model handed such a page answers from it anyway ("the
Wi-Fi password is Asia/Riyadh"). So a hit that is only moderately relevant is kept when the passages it
came with also share the question's words: at least `min_coverage` of the question's content words
(stop words and question words set aside, Arabic clitics and word endings trimmed) appear in them.
Highly relevant hits are kept as they are (a paraphrase "how long is my chat history retained?" shares
few words with the page that answers it), and so are passages in another script than the question (an
organization with documents in one language): words cannot be compared across scripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from base.text.folding import tokens

_ARABIC = re.compile(r"[\u0600-\u06ff]")

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
    if _ARABIC.search(word):
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


def coverage(question: str, passages: Iterable[str]) -> float | None:
    """The share of the question's content words found in the passages; None when it cannot be told
    (no content word, or no passage in the question's script)."""
    asked = content_words(question)
    arabic = bool(_ARABIC.search(question))
    same_script = [p for p in passages if bool(_ARABIC.search(p)) == arabic]
    if not asked or not same_script:
        return None
    found = {stem(w) for p in same_script for w in tokens(p)}
    return len(asked & found) / len(asked)


def passage_of(hit: Any) -> str:
    return " ".join(str(getattr(hit, f, "") or "") for f in ("title", "section", "text"))


def supported(question: str, hits: Sequence[Any], *, confident: float, min_coverage: float) -> list[Any]:
    """`hits` as they are when the best is at least `confident` relevant or the passages share enough of
    the question's words; none otherwise (the agent then says it does not know)."""
    if not hits or min_coverage <= 0:
        return list(hits)
    if max(float(getattr(h, "relevance", 1.0)) for h in hits) >= confident:
        return list(hits)
    share = coverage(question, [passage_of(h) for h in hits])
    return list(hits) if share is None or share >= min_coverage else []
