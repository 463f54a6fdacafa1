"""Whether a reply is in a language, with the agent's own detector (agent/language.py).

Replies made in code are often bilingual ("Please confirm … / هل تؤكد …", the how-to-link text): they
speak both languages. A reply speaks a language when the detector says so, or when that language's
script holds at least a quarter of the words (three words at least)."""

from __future__ import annotations

import re

from agent.language import detect_language, reply_language

_ARABIC_WORD = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def speaks(text: str, lang: str) -> bool:
    arabic = len(_ARABIC_WORD.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if not arabic and not latin:
        return True  # an emoji or a number says nothing against the language
    if reply_language(detect_language(text)) == lang:
        return True
    words, total = (arabic if lang == "ar" else latin), arabic + latin
    return words >= 3 and words >= total / 4
