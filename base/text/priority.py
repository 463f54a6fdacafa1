"""Priorities said in words ("urgent", "عاجل", "mish mohem") → the API's low | normal | high."""

from __future__ import annotations

import re
from typing import Literal

from base.text import folding

Priority = Literal["low", "normal", "high"]

_PRIORITY_WORDS: dict[str, Priority] = {}
for _level, _names in (
    ("high", "high highest urgent urgently important asap critical crucial top emergency immediate "
             "immediately p0 p1 عاجل عاجلة مستعجل مستعجلة ضروري ضرورية مهم هام هامة عالي عالية قصوى فوري "
             "فورية طارئ طارئة mohem mohim muhim mohemm mesta3gel mesta3gela mista3gil msta3gel darori "
             "daroori daruri 3ajel 3agel 3ajil 3aly 3alya 3ali 3alye 3alyeh 3alie 3aliya 3alia 3aleye "
             "3ajle 3ajleh mista3jel mista3jil mista3jela mesta3jela mista3jle musta3jal musta3jala "
             "mosta3gel mosta3gela mosta3jel mosta3jela musta3gel musta3gela most3gel most3gela msta3gela "
             "mista3gela mesta3gla mosta3gla mista3gle"),
    ("normal", "normal medium regular default usual standard mid moderate average p2 عادي عادية متوسط متوسطة "
               "طبيعي طبيعية 3adi 3ady 3adya 3adeya 3adye 3adyeh 3adiye 3adiya mitwaset metwaset mitwasit "
               "mutawasit mutawasset wasat"),
    ("low", "low lowest minor trivial later whenever someday p3 p4 منخفض منخفضة قليل قليلة واطي واطية بسيط "
            "بسيطة متدني متدنية wa6i wati basit basita wa6ye wa6ya wa6yeh wa6ie wa6ia watye watya wa6ye "
            "mon5afed mun5afed mon5afda mun5afda basi6 basee6 basi6a basee6a"),
):  # fmt: skip
    _PRIORITY_WORDS.update(dict.fromkeys(folding.tokens(_names), _level))  # type: ignore[arg-type]

_WORD = re.compile(r"\w+")
# ("no" and "لا" stay out, as in base/text/dates: "لا، عادية" and "no, make it normal" correct to normal.)
_NEGATIONS = folding.words(
    "not",
    "non",
    "مش",
    "مو",
    "ما",
    "غير",
    "مب",
    "mesh",
    "msh",
    "mish",
    "mosh",
    "mu",
    "mo",
    # "isn't urgent" ("isn", "t"), "no longer urgent", Gulf "مهوب مستعجل"
    "isn",
    "isnt",
    "aren",
    "arent",
    "wasn",
    "wasnt",
    "longer",
    "مهوب",
    "موب",
    "مهب",
)


def normalize_priority(value: object) -> Priority | None:
    """low | normal | high from a word in English, Arabic or Arabizi; None if absent or contradictory.

    "urgent", "important", "asap", "عاجل", "مهم", "ضروري", "عالية", "mesta3gel" → high; "normal",
    "medium", "عادي", "متوسطة" → normal; "low", "minor", "منخفضة", "بسيطة" → low. A negation within two
    words before a high word makes it low ("not urgent", "مش مستعجل", "غير مهم") when no other level is
    said; with one, the denied level is set aside ("عادية مو عالية" → normal). "مهمة" is not read
    as "important": it is also the word for "task".
    """
    if not isinstance(value, str):
        return None
    levels: set[Priority] = set()
    denied: set[Priority] = set()
    negated_until = -1
    for i, word in enumerate(_WORD.findall(folding.fold(value))):
        if word in _NEGATIONS:
            negated_until = i + 2
            continue
        level = _PRIORITY_WORDS.get(word)
        if level is None:
            continue
        if i <= negated_until:
            denied.add(level)
            negated_until = -1
        else:
            levels.add(level)
    if levels:
        # "عادية مو عالية", "normal, not high": the level said, the denied one set aside.
        return levels.pop() if len(levels) == 1 else None
    # "not urgent", "مش مستعجل" alone: low; "not low" says only what it is not.
    return "low" if denied == {"high"} else None
