"""People's names as users write them ("أستاذ عمر", "omar", "Omar Al-Harbi") matched to the names
the core API knows: titles and articles dropped, Arabic and Latin spellings compared by skeleton."""

from __future__ import annotations

import itertools
import re

from base.text import folding

# Common names in Arabic script and their usual Latin spellings (folded). A rough consonant skeleton
# handles the rest; this table covers short names whose skeleton is too short to trust.
_NAME_TABLE: dict[str, str] = {}
for _row in (
    "عمر omar umar omer",
    "ليلى ليلي layla laila leila leyla lyla",
    "حسن hassan hasan hasen",
    "حسين hussein hussain husain hossein hosein hussien",
    "سارة سارا sara sarah",
    "محمد mohammed muhammad mohamed mohammad mohamad muhammed mohd mhmd",
    "أحمد ahmed ahmad",
    "علي ali aly",
    "فاطمة fatima fatma fatimah fatmah",
    "خالد khaled khalid",
    "يوسف youssef yousef yusuf yousif yosef",
    "مريم mariam maryam mariem",
    "نور noor nour nur",
    "عبدالله abdullah abdallah abdulla abdalla",
    "رنا rana",
    "هند hind hend",
    "سلمى salma selma",
    "ياسمين yasmin yasmine yasmeen",
    "زينب zainab zeinab zaynab",
    "كريم karim kareem",
    "طارق tarek tariq tarik",
    "مصطفى mostafa mustafa moustafa",
    "إبراهيم ibrahim ebrahim ibraheem",
    "سعيد saeed said saeid sayed",
    "ناصر nasser naser",
    "ماجد majid majed",
    "منى mona muna",
    "هدى huda hoda",
    "دينا dina",
    "ريم reem rim",
    "لينا lina leena",
    "نادية nadia nadya",
    "سامي sami samy",
    "رامي rami ramy",
    "وليد walid waleed",
    "يحيى yahya yehia yahia",
    "عائشة عايشة aisha aysha aicha",
    "فيصل faisal faysal",
    "عادل adel adil",
    "جمال jamal gamal",
    "أمل amal",
    "هاني hani hany",
    "سلطان sultan",
    "عمرو amr amro",
    "عثمان othman osman uthman",
    "زيد zaid zayd zeid",
    "نوره نورة noura nora norah",
):
    _words_in_row = _row.split()
    for _spelling in _words_in_row:
        _NAME_TABLE[folding.fold(_spelling)] = folding.fold(_words_in_row[0])

_TITLES = folding.words(
    "mr", "mrs", "ms", "miss", "mister", "dr", "doctor", "eng", "engineer", "prof", "professor", "sir",
    "madam", "ustaz", "ostaz", "ustadh", "ostaza", "sheikh", "shaikh", "ya",
    "أستاذ", "الأستاذ", "أستاذة", "الأستاذة", "أ", "د", "دكتور", "الدكتور", "دكتورة", "الدكتورة", "م",
    "مهندس",
    "المهندس", "مهندسة", "المهندسة", "الشيخ", "شيخ", "السيد", "السيدة", "سيد", "ست", "الست", "مدام", "الحاج",
    "حاج", "الحاجة", "يا", "الاخ", "الأخت", "أخ", "أخت", "الأخ",
)  # fmt: skip
_ARTICLES = folding.words("al", "el", "ال")
_NAME_SPLIT = re.compile(r"[\s@._\-'’,،/]+")

_ARABIC_SKELETON = str.maketrans(
    {
        "ا": "", "و": "", "ي": "", "ء": "", "ع": "", "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h",
        "خ": "k",
        "د": "d", "ذ": "d", "ر": "r", "ز": "z", "س": "s", "ش": "S", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
        "غ": "G", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    }
)  # fmt: skip
_LATIN_DIGRAPHS = (("kh", "k"), ("gh", "G"), ("sh", "S"), ("ch", "S"), ("th", "t"), ("dh", "d"), ("ph", "f"))
_LATIN_SKELETON = str.maketrans(
    {
        "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "", "q": "k", "c": "k", "g": "j",
        "x": "ks", "v": "f", "p": "b", "2": "", "3": "", "7": "h", "5": "k", "6": "t", "9": "s", "8": "k",
    }
)  # fmt: skip


def _name_tokens(name: str) -> list[str]:
    words = [w for w in _NAME_SPLIT.split(folding.fold(name)) if w and w not in _ARTICLES]
    while len(words) > 1 and words[0] in _TITLES:  # a title alone may be a name ("سيد")
        words = words[1:]
    joined: list[str] = []
    for word in words:  # "عبد الله" = "عبدالله", "abdul rahman" = "abdulrahman"
        if joined and joined[-1] in ("عبد", "abd", "abdul", "abdel", "abdal"):
            joined[-1] += word
        else:
            joined.append(word)
    return [w[2:] if w.startswith("ال") and len(w) > 4 else w for w in joined]


def skeleton(word: str) -> str:
    """A rough consonant skeleton shared by Arabic and Latin spellings: "حسن" and "Hassan" → "hsn"."""
    if word.endswith(("ه", "h")):  # final taa marbuta / silent h: "Sarah" = "سارة"
        word = word[:-1]
    if any("\u0600" <= ch <= "\u06ff" for ch in word):
        raw = word.translate(_ARABIC_SKELETON)
    else:
        for digraph, sound in _LATIN_DIGRAPHS:
            word = word.replace(digraph, sound)
        raw = word.translate(_LATIN_SKELETON)
    return "".join(ch for ch, _ in itertools.groupby(raw) if ch.isalpha())


def _token_similarity(a: str, b: str) -> int:
    """3 same spelling, 2 same name in the table, 1 same consonant skeleton (3+ consonants), 0 other."""
    if a == b:
        return 3
    if a in _NAME_TABLE and _NAME_TABLE.get(a) == _NAME_TABLE.get(b):
        return 2
    sounds = skeleton(a)
    return 1 if len(sounds) >= 3 and sounds == skeleton(b) else 0


def _name_score(query: list[str], candidate: list[str]) -> int:
    """How well the written name matches a candidate; 0 when some word of the shorter has no partner."""
    short, long_ = (query, candidate) if len(query) <= len(candidate) else (candidate, query)
    if not short or len(long_) > 6:
        return 0
    best, first_bonus = max(
        (min(_token_similarity(s, long_[j]) for s, j in zip(short, chosen, strict=True)), int(chosen[0] == 0))
        for chosen in itertools.permutations(range(len(long_)), len(short))
    )
    if not best:
        return 0
    score = best * 10 + first_bonus
    if len(query) == len(candidate):
        score += 5
    elif len(query) > len(candidate):
        score -= 5  # the user wrote more than the directory knows: weaker evidence
    return score


def match_name(name: str, candidates: list[str]) -> str | None:
    """The one known user a written name refers to, or None when no candidate or several fit equally.

    Both sides are folded (case, diacritics, أ/إ/آ → ا, ة → ه, ى → ي), lose "@", "ال"/"al-"/"el-" and
    leading titles ("أستاذ", "Mr", "د.", "يا"), and "عبد X" is joined. Words are compared as equal, as
    the same common name in a small Arabic↔Latin table ("Omar" = "عمر", "Layla" = "ليلى"), or by a rough
    consonant skeleton ("Khaled" = "خالد"). Every word of the shorter name must match a different word
    of the longer; an exact full name beats a first name, which beats a last name. Ties give None.
    """
    if not isinstance(name, str) or not candidates:
        return None
    query = _name_tokens(name)
    if not query:
        return None
    scored = sorted(
        ((_name_score(query, _name_tokens(c)), c) for c in candidates if isinstance(c, str)),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if not scored or scored[0][0] <= 0:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][1]


_LAM = "ل"  # the Arabic "to", written joined to the word after it


def without_glued_to(name: str) -> list[str]:
    """The name a phrase may be once the Arabic "to" glued to it is set aside: "لمنى" → ["منى"]; "للمدير"
    → ["لمدير", "المدير"] (the "to" swallows the article's alef). [] when it starts with none."""
    if not name.startswith(_LAM) or len(name) < 4:
        return []
    rest = name[1:]
    return [rest, "ال" + rest[1:]] if rest.startswith(_LAM) else [rest]
