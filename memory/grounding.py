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

from collections.abc import Iterable, Sequence
from typing import Any

from base.text.content import content_words, stem
from base.text.folding import tokens
from base.text.lexicon import AR_LETTERS


def coverage(question: str, passages: Iterable[str]) -> float | None:
    """The share of the question's content words found in the passages; None when it cannot be told
    (no content word, or no passage in the question's script)."""
    asked = content_words(question)
    arabic = bool(AR_LETTERS.search(question))
    same_script = [p for p in passages if bool(AR_LETTERS.search(p)) == arabic]
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
