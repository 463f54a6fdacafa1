"""A small model at temperature 0 can fall into a loop ("… أو تشعر بالقلق أو تشعر بالحالة، أو تشعر بالقلق
…") until the reply cap stops it. The user gets the text up to the loop's first round, not the rest."""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")
_LONGEST = 12  # words in one round of a loop
_ROUNDS = 3  # the same words this many times in a row make a loop (twice may be emphasis)


def cut_loop(text: str) -> str:
    """`text` up to the end of the first round of the earliest loop in it; unchanged without one."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    words = [text[a:b].strip(".,،؛;:!?؟*-") for a, b in spans]
    for start in range(len(words)):
        for size in range(1, _LONGEST + 1):
            end = start + size * _ROUNDS
            if end > len(words):
                break
            first = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == first for k in range(1, _ROUNDS)):
                kept = text[: spans[start + size - 1][1]]
                # at the round's last clause mark, so it does not end on "or"
                marks = [m.start() for m in _MARK.finditer(kept, spans[start][0])]
                return kept[: marks[-1]] if marks else kept
    return text


_MARK = re.compile(r"[.,،؛;:!?؟\n]")
