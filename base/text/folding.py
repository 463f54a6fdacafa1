"""Text folding for matching what people type: Arabic-Indic digits to Latin, Arabic letter variants
and diacritics folded, words split into tokens, and phrase tables built from folded tokens."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def to_latin_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Extended Arabic-Indic/Persian (۰-۹) digits → 0-9.

    Any other Unicode decimal digit (fullwidth, Devanagari, ...) is converted too, so that code
    matching `[0-9]` sees every number the user typed. Everything else is left as is.
    """
    out = text.translate(_DIGITS)
    if out.isascii():
        return out
    return "".join(
        str(unicodedata.decimal(ch, ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in out
    )


# Letters users type interchangeably: hamza forms of alef, taa marbuta/haa, alef maqsura/yaa, and the
# Persian keyboard's yeh/kaf. Hamza carriers and diacritics go through NFKD + dropping combining marks.
_LETTERS = str.maketrans({"ة": "ه", "ى": "ي", "ٱ": "ا", "ی": "ي", "ک": "ك", "ۀ": "ه", "ھ": "ه"})
_TATWEEL = "\u0640"


# A turn folds the same texts again and again (the message for each rule that reads it, ~20 times; the
# catalog's fixed replies for the claims check), each fold a pass of Python over every character. Kept
# small: only the last few turns' texts stay in memory.
@lru_cache(maxsize=512)
def fold(text: str) -> str:
    """Case, diacritics, tatweel and letter variants folded; digits made Latin. Used for matching only.

    أ إ آ → ا (NFKD splits the hamza/madda off and combining marks are dropped, which also removes the
    harakat and tanween: "غداً" → "غدا"), ة → ه, ى → ي, Latin accents dropped, casefolded.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch != _TATWEEL)
    return to_latin_digits(kept.translate(_LETTERS)).casefold()


_NOT_TOKEN = re.compile(r"[^\w\s/.\-:']")
_EDGES = ".-:'/"


def tokens(text: str) -> list[str]:
    """Folded words; punctuation removed except the separators of numeric dates inside a token."""
    spaced = _NOT_TOKEN.sub(" ", fold(text)).replace("_", " ")
    return [t for t in (tok.strip(_EDGES) for tok in spaced.split()) if t]


def phrase_keys(*phrases: str) -> list[tuple[str, ...]]:
    """Table keys written naturally ("الأسبوع القادم") and folded the same way as the input."""
    return [tuple(tokens(p)) for p in phrases]


def words(*phrases: str) -> frozenset[str]:
    return frozenset(" ".join(tokens(p)) for p in phrases)
