"""Word lists for reading surface cues: a message's folded words, word sets written naturally, Arabic
diacritics set aside, and "is this phrase a date?". Shared by the agent's cues and the domain packs'."""

from __future__ import annotations

import re
from datetime import date

from base.text.dates import resolve_date
from base.text.folding import fold

WORD = re.compile(r"[^\W_]+", re.UNICODE)
HARAKAT = re.compile("[\u064b-\u0652\u0670\u0640]")  # diacritics, dagger alef, tatweel
AR_LETTERS = re.compile(r"[\u0621-\u064A]+")


def words_of(text: str) -> list[str]:
    """The message's folded words (letters and digits; punctuation and underscores split them)."""
    return WORD.findall(fold(text))


def word_set(written: str) -> frozenset[str]:
    """A word list written naturally, space-separated, folded like the messages it is matched against."""
    return frozenset(fold(w) for w in written.split())


# The endings an Arabic verb takes in a request or a report, written once instead of word by word: who
# is spoken to or speaks (ي to a woman, و / وا to several, ت / تي / نا the speaker's or addressee's past),
# an object pronoun (ه ها هم) and "for me / us" (لي لنا): "سكّر" gives "سكّريلي", "سكروها", "سكّرتها",
# "سكّرهالي", "خلصوا". People address the bot as a woman or a man, alone or as a team.
_PERSONS = ("", "ي", "و", "وا", "ت", "تي", "نا")
OBJECT_PRONOUNS = ("ها", "هم", "ه")  # longest first, for reading one off a word's end
_FOR = ("", "لي", "لنا")


def verb_forms(written: str) -> frozenset[str]:
    """Every form of each space-separated Arabic verb stem with the endings above, folded."""
    return frozenset(
        fold(stem + person + pronoun + benefit)
        for stem in written.split()
        for person in _PERSONS
        for pronoun in ("", *OBJECT_PRONOUNS)
        if not (person == "وا" and pronoun)  # "سكروها": the plural's alef goes before a pronoun
        for benefit in _FOR
    )


def addressed(verb: str, ending: str) -> str:
    """An Arabic imperative said to a woman (ي) or to several (و / وا), its object pronoun kept last:
    "رجعها" → "رجعيها", "رجعوها"; "تراجع" → "تراجعي"."""
    for pronoun in OBJECT_PRONOUNS:
        if verb.endswith(pronoun) and len(verb) - len(pronoun) >= 3:
            return verb[: -len(pronoun)] + ending.rstrip("ا") + pronoun
    return verb + ending


# A correction of what was just said ("sorry no, I meant Friday", "قصدي السبت", "la2 2asdi rami"): the
# agent refers it back to the task just changed (agent/cues.py), the task pack reads "I meant 32, not 31".
MEANT = word_set("meant قصدي أقصد اقصد قصدت بقصد بقصدي 2asdi 2asdy asdi a2sod a2sad qasdi")

# The speaker as a person argument ("assign it to me", "سجلها باسمي", "خليها عليّا", "7otaha 3alaya"):
# the linked user. Bare "علي" is left out on purpose: it is also the name Ali ("أسندها لعلي").
SELF = word_set(
    "me myself i ana ana2 nafsi linafsi bismi besmi 3alaya 3alayya 3alayi 3alay 3layi liya lia eli ili 2ili "
    # "7ottha 3ala esmi" (put it in my name)
    "esmi ismi "
    "2eli ilyi iyyai إياي اياي ياي أنا انا نفسي لنفسي بنفسي حالي لحالي باسمي اسمي لي ليا لإلي إلي عليا عليّا "
    "عليي عندي لعندي"
)
# Little words around the speaker as a person ("to me", "على اسمي", "la 2ili").
SELF_FILLER = word_set("to for on with on under la 3ala 3la b على ع ل ب الى إلى لـ")


def is_self(phrase: str) -> bool:
    """Whether a person argument names the speaker ("me", "to myself", "على اسمي")."""
    said = words_of(phrase)
    return bool(said) and any(w in SELF for w in said) and all(w in SELF or w in SELF_FILLER for w in said)


def without_harakat(text: str) -> str:
    return HARAKAT.sub("", text)


def is_date_phrase(phrase: str) -> bool:
    # Any reference day will do: only "is this a date phrase?" is asked.
    return resolve_date(phrase, date(2026, 1, 1)) is not None
