"""Surface cues of the task domain's commands, read in code: does the message ask to reopen a task,
create one, hand one to a person, see the user's own tasks, say one is done; which words are its title.
The corrections (tools/packs/tasks/corrections.py) use them to put the router's known misreadings right.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from base.text.dates import date_said, dates_replaced, resolve_date, resolve_date_in_text
from base.text.folding import fold, to_latin_digits
from base.text.lexicon import MEANT, OBJECT_PRONOUNS, addressed, is_self, verb_forms, without_harakat
from base.text.lexicon import is_date_phrase as _is_date
from base.text.lexicon import word_set as _folded
from base.text.lexicon import words_of as _words
from base.text.numbers import numbers_said as numbers_in  # a number standing alone, not "Q3", "3ndi"
from base.text.priority import normalize_priority

_ANY_DAY = date(2026, 1, 1)  # "is this word a date?" needs a day to resolve against, any day

_REOPEN = re.compile(
    r"\bre-?open|\bunarchive|\bopen (?:it |this |that )?(?:up )?again"
    # "it's not done anymore", "isn't finished after all", "no longer complete": undoing a completion
    r"|\b(?:isn'?t|aren'?t|wasn'?t|no longer)\s+(?:really\s+|actually\s+)?(?:done|finished|complete|"
    r"completed|closed)\b"
    r"|\bnot\s+(?:really\s+|actually\s+)?(?:done|finished|complete|completed|closed)\s+(?:anymore|any more|"
    r"after all)\b"
    # "مش خالصة", "طلعت مو منجزة", "ما عادت مكتملة", "mesh 5alsa": a task said to be not finished after all
    r"|(?:^|\s)(?:مش|مو|مب|ليست|لم تعد|ما عادت|ماعادت|ما بقت|مابقت)\s+(?:خالصه|خلصانه|منجزه|مكتمله|مخلصه)"
    r"|\b(?:mesh|mish|msh|mo|mush)\s+(?:5alsa|khalsa|5alsana|mnjaza)"
    r"|(?:^|\s)(?:ا|ي)?فتح(?:ها|ي|يها|وها)?\b|\befta7|(?:^|\s)(?:اعد|اعاده|اعادة)\s+فتح"
    r"|رجع\S*\s+(?:\S+\s+){0,3}(?:ال|لل|ل)?مفتوح|\br[ae]?[gj]{1,2}[ae]?3\S*\s+(?:\S+\s+){0,3}maft[ou]{1,2}7"
    # "open it", "put 12 back to open", "mark it as not done", "un-complete it", "فك إنجاز المهمة"
    r"|\bopen\s+(?:it|this|that|them|task\s*#?\d+|#?\d+)\b(?!\s+tasks)|\bback\s+to\s+open\b|\bas\s+open\b"
    r"|\bmark\s+(?:\S+\s+){0,3}?(?:as\s+)?(?:not\s+done|undone|incomplete|unfinished|not\s+finished)\b"
    r"|\bun-?(?:complete|finish|close|done)\b|(?:^|\s)(?:فك|الغ|الغي|لغي)\s+(?:ال)?(?:انجاز|اكتمال)"
)
# Done by mistake, each dialect group: "I closed 12 by mistake", "سكرت مهمة 12 بالغلط", "اتقفلت غلط",
# "2afalt task 12 bel ghalat": a completion to take back.
_BY_MISTAKE = re.compile(
    r"\b(?:by\s+(?:mistake|accident)|accidentally|mistakenly|in\s+error|wrongly)\b"
    r"|(?:^|\s)(?:بالغلط|غلط|بالخطا|بالخطأ|خطا|خطأ|بالغلطه|غلطه)(?:\s|$|[.!،,])|عن\s+طريق\s+(?:ال)?خطا"
    r"|\b(?:bel|bil|bl|b)\s*(?:ghalat|8alat|ghalta|8alta)\b|\b(?:ghalat|8alat)\b",
    re.IGNORECASE,
)
# Egyptian and Levantine "didn't finish" glued to its negation: "مخلصتش", "ماخلصتهاش", "ma5alastesh".
_NOT_DONE_GLUED = re.compile(
    r"(?:^|\s)(?:ما\s+|م|ما)(?:خلص|قفل|سكر|كمل)\S*ش(?:\s|$|[.!?؟،,])"
    r"|\bma?(?:5alas|khalas|2afal|sakar|kammal)\S*(?:sh|esh|ish)\b",
    re.IGNORECASE,
)


def says_reopen(text: str) -> bool:
    """ "reopen 23", "رجّعي المهمة ٢٣ مفتوحة", "افتحها تاني", "open it again": the message asks for a
    finished task to be open again."""
    return bool(_REOPEN.search(fold(text)))


_TARGET_EN = re.compile(
    # Arabizi "on" and "in the name of" too: "7ot task 77 3ala dalal", "sajjelha besm sara"
    r"\b(?:to|for|la|le|li|lel|l|3ala|3la|besm|bism|b2esm)\s+(?P<name>[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*)?)"
    r"\s*[.!]*\s*$",
    re.IGNORECASE,
)
_TARGET_AR = re.compile(
    r"(?:\s(?:على|علي|إلى|الى|لـ|باسم|بإسم)\s+(?P<sep>[\u0621-\u064A]+(?:\s+[\u0621-\u064A]+)?)"
    r"|\sل(?P<joined>[\u0621-\u064A]{2,}))\s*[.!]*\s*$"
)
_NOT_PEOPLE = _folded(
    "me him her them it us you everyone all team someone the my our this next انا أنا هو هي الفريق الكل "
    # the task's own fields, which "حطها على…" / "put it on…" also take
    "priority date deadline task اولوية الاولوية أولوية الأولوية موعد الموعد ميعاد مهمة المهمة تاسك "
    # "لحظة" (a moment) read as "to حظة"
    "حظة حظه "
    # the future's particles, which stand where the name does in "وائل رح يستلم…"
    "رح راح رايح سوف بدو بدها will gonna"
)


# Politeness and thanks that may close a request after the person: "…to Sara please", "…لخالد لو سمحت",
# "…la sara law sama7t 🙏".
_CLOSING = re.compile(
    r"(?:[\s,،]+(?:please|pls|plz|thanks|thank you|thx|law sama7t|lw sama7t|min fadlak|mn fadlak|"
    r"لو سمحت|لو سمحتي|من فضلك|رجاء|شكرا|مشكور|مشكورة|يعطيك العافية|الله يعافيك)|[\s.!🙏🙂😊]+)+$",
    re.IGNORECASE,
)


def person_target(text: str) -> str | None:
    """The person a task is handed to, when the message ends with them: "move task 8 over to Sara",
    "حوّل المهمة ٩ لخالد", "عطها على أبو فهد", "7awel el task 27 la sara law sama7t" — or anywhere, when
    it says who keeps or does the task ("خليها عند خالد، هو فاضي", "Sara should do it, not Lina"). Dates
    ("to next Tuesday", "لبكرة") and priorities are not people."""
    stripped = _CLOSING.sub("", without_harakat(text))
    found = _TARGET_EN.search(stripped)
    name = found["name"] if found else None
    if name is None:
        found = _TARGET_AR.search(stripped)
        name = (found["sep"] or found["joined"]) if found else None
    if name is None or not could_be_person(name):
        name = holder_or_doer(text)
    if name == SPEAKER:
        return name
    if name and (named := _IN_NAME_OF.match(name)):  # "على اسم مشاري" (in Mishari's name): Mishari
        name = named["name"]
    if name:  # "move 12 to Sara's plate": Sara
        name = _THEIR_PLACE.sub("", name)
    return name.strip() if name and could_be_person(name) else None


def person_in_a_clause(text: str) -> str | None:
    """`person_target` of the message, else of the first of its clauses that ends with a person: "push
    702 to Tuesday and hand it to Ravi, I'm stuck at the dealership" (a reason said after)."""
    found = person_target(text)
    if found is not None:
        return found
    clauses = [c for c in _CLAUSE_END.split(text) if c.strip()]
    return next((p for c in clauses[:-1] if (p := person_target(c)) is not None), None)


_CLAUSE_END = re.compile(r"[,،;.!؛\n]+|\s[-\u2013\u2014]+\s")

# What opens a clause that gives a reason or says something about someone, not another change: "…، هو
# اليوم بالموقع", "…, he's off today", "…, howa fadi el naharda", "…، لأن…", "…, so…".
_REASON_OPENERS = _folded(
    "هو هي هم انا أنا احنا نحن لأن لان لانه لأنه عشان علشان لانو لإنو كون بما "
    "he she they i i'm im i've we we're he's she's because since as so cause cuz coz "
    "howa huwwe hiya hiyye homma ana e7na 3ashan 3shan la2enno la2ino 3alashan"
)


def is_reason(clause: str) -> bool:
    """The clause opens as a reason or says something of someone: "he cancelled on us", "لأن…",
    "Paolo's swamped today"."""
    words = _words(clause)
    return bool(words) and (words[0] in _REASON_OPENERS or _SOMEONE_IS.match(clause) is not None)


# An English clause that says something of someone or something: "Paolo's swamped", "the pump is late"
_SOMEONE_IS = re.compile(
    r"^\s*(?:the\s+)?[a-z][\w-]*(?:'s|\s+(?:(?:only|just|still|already|never|also)\s+)?"
    r"(?:is|was|has|had|isn't|wasn't|hasn't|didn't|sent|said|told|got|went|came|made|gave|took|[a-z]+ed))\s",
    re.I,
)


def request_part(text: str) -> str:
    """The message without the clauses after its first that open with a reason or a subject pronoun
    ("عطي مهمة 837 لبلال، هو اليوم بالموقع" → "عطي مهمة 837 لبلال"): a date there is no change."""
    clauses = _CLAUSE_END.split(text)
    kept = [clauses[0]]
    for clause in clauses[1:]:
        if is_reason(clause):
            break
        kept.append(clause)
    return "، ".join(c.strip() for c in kept if c.strip())


_THEIR_PLACE = re.compile(r"'s\s+(?:plate|list|desk|queue|name|tasks|to-?dos?|board)\b.*$", re.IGNORECASE)
_IN_NAME_OF = re.compile(r"^(?:اسم|إسم|esm|ism)\s+(?P<name>\S.*)$", re.IGNORECASE)


def could_be_person(name: str) -> bool:
    """The words could name a person: no date, no priority, no pronoun or particle."""
    words = _words(name)
    # ("للأحد" leaves "لأحد" after the "ل" of "to": the date is "ل" + it.)
    dated = _is_date(name) or _is_date("ل" + name)
    return (
        bool(words)
        and not any(w in _NOT_PEOPLE for w in words)
        and not dated
        and normalize_priority(name) is None
    )


# Who keeps a task: "خليها عند خالد", "حطها مع رامي", "khalliha 3and sara" (leave it with, put it on).
_KEEPS = re.compile(
    r"(?:^|\s)و?(?:خلي|خل|خلو|حط|حطي|حطو|اترك|اتركي|سيب|سيبي|ابي|أبي|ابغا|ابغى|أبغى|عايز|عاوز|بدي)\S*\s+"
    r"(?:عند|مع|مع\s+ال|على|ع)\s+"
    r"(?P<ar>[\u0621-\u064A]{2,})"
    r"|\b(?:khall?[iy]|5all?[iy]|7ott?|sib|seeb)\S*\s+(?:3and|3ind|3end|ma3|3ala|3a)\s+(?P<lat>[a-z]{2,})"
    r"|\b(?:leave|keep|put)\s+(?:it|this|that|the\s+task)\s+(?:with|on)\s+(?P<en>[a-z][\w'-]*)",
    re.IGNORECASE,
)
# Who does a task: "Sara should do it", "let Omar handle it", "رامي هو اللي هيعملها", "ليث اللي هيتابعها",
# "خلي رامي يسويها", "khalli rami y3melha", "rami howwa elli hay3melha".
_DOES = re.compile(
    r"\b(?P<en1>[a-z][\w'-]*)\s+(?:should|will|can|could|'ll|is\s+going\s+to|needs\s+to|has\s+to)\s+"
    r"(?:do|handle|take|own|run|deal\s+with|look\s+after)\s+(?:it|this|that)\b"
    r"|\b(?:let|have|get)\s+(?P<en2>[a-z][\w'-]*)\s+(?:do|handle|take|own|run|deal\s+with)\s+(?:it|this|that)\b"
    r"|(?:^|\s)(?!ال)(?P<ar1>[\u0621-\u064A]{2,})\s+(?:هو|هي)\s+(?:اللي|الي|إللي|يلي|الذي|التي)\s"
    # "ليث اللي هيتابعها", "سارة اللي رح تعملها", "خالد الي بيسويها": a name (no article: "الورق اللي
    # هيطبعها" is a thing), "who", a verb of the future
    r"|(?:^|\s)(?!ال)(?P<ar4>[\u0621-\u064A]{2,})\s+(?:اللي|الي|إللي|يلي)\s+(?:رح\s+|راح\s+|ح|ه|ب)?(?:ي|ت)"
    r"[\u0621-\u064A]+(?:ها|ه)(?:\s|$|[.!،,])"
    r"|(?:^|\s)(?:خلي|خل|دع|خلو)\s+(?P<ar2>[\u0621-\u064A]{2,})\s+(?:ي|ت)[\u0621-\u064A]+(?:ها|ه|هم)(?:\s|$)"
    # "خلّي زياد يمسك مهمة 88", "خل سارة تتابع تاسك التقرير": the verb's object is the task, named after it
    r"|(?:^|\s)(?:خلي|خل|دع|خلو)\s+(?!ال)(?P<ar5>[\u0621-\u064A]{2,})\s+(?:ي|ت)[\u0621-\u064A]{2,}\s+"
    r"(?:ال)?(?:مهمة|مهمه|تاسك|شغلة|شغله)(?:\s|$)"
    # "خلّ سعاد تمسك حجز صيانة المكيف": a verb of taking charge, the task's title after it
    r"|(?:^|\s)(?:خلي|خل|دع|خلو|بدي|ابي|أبي|ابغى|أبغى|ودي|عايز|عاوز|عايزة|عاوزة)\s+(?!ال)(?P<ar9>[\u0621-\u064A]{2,})\s+(?:ي|ت)"
    r"(?:مسك|ستلم|تابع|تولى|تولا|شيل|اخذ|اخد|تكفل|هتم|كمل|خلص|جهز|نجز)\S*\s+\S"
    r"|\b(?P<lat1>[a-z]{2,})\s+(?:howa|howwa|huwwe|huwe|hiya|heyya)\s+(?:elli|illi|eli|ili|yalli)\b"
    r"|\b(?:khall?[iy]|5all?[iy])\s+(?P<lat2>[a-z]{2,})\s+(?:y|t)[a-z0-9]+(?:ha|o|hom)\b"
    # "5alli sara tmsk task 12": the verb's object is the task, named after it
    r"|\b(?:khall?[iy]|5all?[iy])\s+(?P<lat3>[a-z]{2,})\s+(?:y|t)[a-z0-9]{2,}\s+(?:el\s+)?(?:task|mohemma|mohema)\b"
    # "Sara will take over 12", "can Omar look after task 12?", "Omar's going to cover the report"
    r"|\b(?:can|could)?\s*(?P<en3>[a-z][\w'-]*)\s+(?:will|should|can|could|'ll|is\s+going\s+to|needs\s+to|"
    r"has\s+to)?\s*(?:take\s+over|look\s+after|pick\s+up|cover|take\s+care\s+of)\s+(?:task\s*)?#?\d+\b"
    # "put Omar on 12", "12 goes to Lina from now on"
    r"|\bput\s+(?P<en4>[a-z][\w'-]*)\s+on\s+(?:task\s*)?#?\d+\b"
    r"|\b(?:task\s*)?#?\d+\s+goes\s+to\s+(?P<en5>[a-z][\w'-]*)"
    # "خلي سارة تشتغل على المهمة 12": a preposition before the task
    r"|(?:^|\s)(?:خلي|خل|دع|خلو)\s+(?!ال)(?P<ar6>[\u0621-\u064A]{2,})\s+(?:ي|ت)[\u0621-\u064A]{2,}\s+"
    r"(?:على|ع|في|ب)\s+(?:ال)?(?:مهمة|مهمه|تاسك|شغلة|شغله)(?:\s|$)"
    # "وعطها سلطان يتابعها", "اديها مدحت": "give it" with the person right after, no "to"
    r"|(?:^|\s)و?(?:عط|عطي|اعط|أعط|اعطي|أعطي|ادي|إدي)(?:ها|ه|يها|يه)\s+(?!ال)(?P<ar11>[\u0621-\u064A]{2,})(?=\s|$|[.!،,])"
    # the verb first, as MSA says it: "ستتولى شهد متابعة المهمة 1517", "سيستلم خالد مهمة الجرد"
    r"|(?:^|\s)(?:س|ح|ه|ب)?(?:ي|ت)(?:تولى|تولا|ستلم|تسلم|مسك|تابع|تكفل)\s+(?!ال)(?P<ar12>[\u0621-\u064A]{2,})\s+"
    r"(?:ال\S+|متابع\S*|مهمه|مهمة|تاسك|شغل)(?:\s|$)"
    # "كلّف عمر بالمهمة 12" (charge Omar with task 12)
    r"|(?:^|\s)(?:كلف|كلفي|كلفوا)\s+(?!ال)(?P<ar7>[\u0621-\u064A]{2,})\s+(?:ب|بال)(?:مهمة|مهمه|تاسك)"
    # "عمر يتولى المهمة 12", "سارة هتمسك التاسك": a name, a verb of taking on (present or future), the task
    # ("وائل رح يستلم مهمة 421": the verb of receiving, "سوف" in MSA)
    r"|(?:^|\s)(?!ال)(?P<ar8>[\u0621-\u064A]{2,})\s+(?:رح\s+|راح\s+|سوف\s+|ح|ه|ب|س)?(?:ي|ت)"
    r"(?:تولى|مسك|تابع|شتغل|تكفل|استلم|ستلم|كمل|خلص|هتم|جهز|نجز)\S*\s+(?:على\s+|ع\s+|ب)?(?:ال)?(?:مهمة|مهمه|تاسك)"
    r"(?:\s|$)"
    # "يزن رح يكمّل مهمة 737 عنّي", "سعاد بتعمل التقرير بدالي": a name doing something on the speaker's
    # behalf ("عني", "بدالي", "مكاني", "instead of me") — the task is what they do
    r"|(?:^|[\s,،])(?!ال)(?P<ar10>[\u0621-\u064A]{2,})\s+(?:رح\s+|راح\s+|سوف\s+)?(?:ح|ه|ب|س)?(?:ي|ت)"
    r"[\u0621-\u064A]{2,}\s[^.!?؟]*?(?:عني|بدالي|بدلي|مكاني|بالنيابة\s+عني|بالنيابه\s+عني)(?:\s|$|[.!،,])"
    r"|\b(?P<en6>[a-z][\w'-]*)\s+(?:will|'ll|is\s+going\s+to|can|should)\s+[a-z]+\s[^.!?]*?"
    r"(?:instead\s+of\s+me|on\s+my\s+behalf|for\s+me\s+while|in\s+my\s+place)\b"
    r"|\b(?P<lat4>[a-z]{2,})\s+(?:ra7\s+|7a\s+)?(?:ha|ba|7a|b)?(?:y|t)[a-z0-9]{2,}\s[^.!?]*?"
    r"(?:3anni|3ani|3anny|badali|badaly|makani|makany)\b"
    # "Ravi will take care of restocking the wiper blades", "can Omar handle the battery check?": a
    # name, a verb of taking charge, and the task by its title
    r"|\b(?:can|could)?\s*(?P<en7>[a-z][\w'-]*)\s+(?:will|should|can|could|'ll|is\s+going\s+to|needs\s+to|"
    r"has\s+to)\s+(?:take\s+over|look\s+after|take\s+care\s+of|deal\s+with|handle|own)\s+(?:the\s+)?[a-z]{3,}",
    re.IGNORECASE,
)
# The person meant instead of the one just named: "لا، قصدي زياد مو نواف", "I meant Sara, not Lina", "la2
# 2asdi rami mish omar" — "I mean", a name (no article: "قصدي الجمعة مش الخميس" is a date), "not", another.
_MEANT_PERSON = re.compile(
    r"(?:^|\s)(?:قصدي|اقصد|أقصد|قصدت|بقصد|بقصدي)\s+(?!ال)(?P<ar>[\u0621-\u064A]{2,})[\s,،]+"
    r"(?:مو|مش|مب|موب|مهوب|وليس|ليس|لا|مهو)\s+[\u0621-\u064A]{2,}"
    r"|\bi\s+mean[t]?\s+(?P<en>[a-z][\w'-]*)[\s,]+not\s+[a-z][\w'-]*"
    r"|\b(?:2asdi|2asdy|asdi|a2sod|a2sad|qasdi)\s+(?P<lat>[a-z]{2,})[\s,]+(?:mesh|mish|msh|mo|mu|mub|mob)\s+[a-z]{2,}"
    # …or said by who receives it: "لهدى مش رامي", "عند خالد مو سعيد", "to Huda, not Rami", "l huda mish rami"
    r"|(?:^|[\s,،])(?:ل|لـ|الى\s+|إلى\s+|عند\s+|على\s+|مع\s+)(?!ال)(?P<ar2>[\u0621-\u064A]{2,})[\s,،]+"
    r"(?:مو|مش|مب|موب|مهوب|وليس|ليس|مهو)\s+(?:ل|لـ)?[\u0621-\u064A]{2,}"
    r"|\bto\s+(?P<en2>[a-z][\w'-]*)[\s,]+not\s+(?:to\s+)?[a-z][\w'-]*"
    r"|\b(?:l|la|le|li|3and|3ind|3ala|ma3)\s+(?P<lat2>[a-z]{2,})[\s,]+(?:mesh|mish|msh|mo|mu|mub|mob|not)\s+[a-z]{2,}"
    # …or bare, closing the message: "غلطت بالاسم، ناصر مو مروان", "wrong name - Nasser, not Marwan"
    # (or "instead of": "make that Amr rather than Charbel, Charbel's swamped", "عمرو بدل شربل")
    r"|(?:^|[\s,،])(?!ال)(?P<ar3>[\u0621-\u064A]{2,})[\s,،]+(?:مو|مش|مب|موب|مهوب|وليس|ليس|مهو|بدل|بدال|عوض|مكان)"
    r"\s+[\u0621-\u064A]{2,}(?:\s*[.!]*$|\s+[-\u2013\u2014]\s|\s*[,،;])"
    r"|\b(?P<en3>[a-z][\w'-]*)[\s,]+(?:not|rather\s+than|instead\s+of)\s+[a-z][\w'-]*"
    r"(?:\s*[.!]*$|\s+[-\u2013\u2014]\s|\s*[,;])"
    r"|\b(?P<lat3>[a-z]{2,})[\s,]+(?:mesh|mish|msh|mo|mu|mub|mob|badal|bedal|makan)\s+[a-z]{2,}"
    r"(?:\s*[.!]*$|\s*[,;])",
    re.IGNORECASE,
)
# The denied one first: "لا مو وائل، قصدي رشا", "مش سامي بل هالة", "not Wael, I meant Rasha", "not Omar -
# Lina", "mesh wael, 2asdi rasha" (its "not" is part of it, never a denial of the name after it).
_NOT_BUT_MEANT = re.compile(
    r"(?:^|[\s,،])(?:مو|مش|مب|موب|مهوب|ليس|مهو)\s+[\u0621-\u064A]{2,}[\s,،.-]+"
    r"(?:بل\s+|قصدي\s+|اقصد\s+|أقصد\s+|قصدت\s+|القصد\s+)(?!ال)(?P<ar>[\u0621-\u064A]{2,})"
    r"|\bnot\s+[a-z][\w'-]*(?:\s*[,;.\u2013\u2014-]+\s*(?:i\s+meant?\s+|but\s+|it'?s\s+)?|\s+(?:i\s+meant?|but|it'?s)\s+)"
    r"(?P<en>[a-z][\w'-]*)\s*[.!]*$"
    r"|\b(?:mesh|mish|msh|mo|mu|mub)\s+[a-z]{2,}[\s,]+(?:2asdi|2asdy|asdi|a2sod|qasdi|bas)\s+(?P<lat>[a-z]{2,})",
    re.IGNORECASE,
)
# A day or a time of day, where a name could stand: "شو عندي شغل نهار الاتنين؟", "مهام يوم الخميس",
# "قصدي يوم الخميس", "shoghl nhar el sabt".
_DAY_WORDS = _folded(
    "نهار النهار يوم يومي ليلة ليله الليلة الليله صباح الصبح الظهر العصر مسا المسا المساء بكرا باكر باجر "
    "الاحد الأحد الاثنين الإثنين الاتنين التنين الثلاثاء الثلاثا التلات الاربعاء الأربعاء الاربع الخميس "
    "الجمعة الجمعه السبت nhar nahar yom youm bokra bukra baker"
)
# Subject pronouns and words that look like a name in those patterns but are none.
_NOT_DOERS = _DAY_WORDS | _folded(
    "please pls thanks later now today tomorrow yet done open closed finished it's its is was "
    "no nope yes yeah yep ok okay sorry oops wait actually maybe لا لأ la la2 laa اسم إسم esm ism "
    # "wait" in each group ("لا استنى مش الأحد، خليه الخميس")
    "استنى استني استنا استنوا انتظر لحظة ثانية ثواني اصبر estanna estana stanna lahza sanya "
    "i you we he she they it someone somebody anyone who that this which what task one "
    "انا أنا انت إنت انتي احنا نحن هو هي هم مين من اللي الي "
    # demonstratives of each group ("التاسك ده هو اللي متأخر", "هيدا هو اللي…") and the task's own nouns
    "هذا هذه هاد هاي هذي ده دي دا دول هدا هادا هادي هيدا هيدي هيك ذا ذي ذاك تلك هذاك هذيك "
    "مهمة المهمة مهمه المهمه تاسك التاسك الشغلة الشغله بالك بالكم "
    # nobody, anybody: "ما حدا رح يعملها عني"
    "حدا حد احد أحد محد محدا ماحد ماحدا واحد "
    "ana enta enti e7na howa hiya meen min da di dah deh dol hayda haydi hada hadi"
)


# The speaker taking a task: "I'll take it", "put it on me", "أنا بمسكها", "سجلها باسمي", "ana bamsekha".
_TAKES = re.compile(
    r"\b(?:i'?ll|i\s+will|let\s+me|i\s+can|i'?m\s+going\s+to|i\s+am\s+going\s+to)\s+"
    r"(?:take\s+over|take|handle|do|own|run|pick\s+up|cover|look\s+after)\s+"
    r"(?:it|this|that|the\s+\w+|task\s*#?\d+|#?\d+\b)"
    r"|\b(?:put|assign|give)\s+(?:it|this|that)\s+(?:on|to)\s+me\b"
    r"|(?:^|\s)(?:انا|أنا)\s+(?:اللي\s+|الي\s+)?(?:ب|راح\s+|رح\s+|ح|ه|س)?"
    r"(?:امسك|مسك|اخذ|آخذ|اخد|اعمل|أعمل|اسوي|أسوي|اتولى|أتولى|اتكفل|أتكفل|اتابع|أتابع|تابع)\S*"
    # "حطه عليا", "حوّلها لي", "خليها عندي", "سجلها عليا": put on the speaker ("علي" alone is Ali)
    r"|(?:^|\s)(?:حط|حطي|خلي|سجل|سجلي|اكتب|اكتبي|حول|حولي|ضيف|ضيفي|اعط|اعطي|عط|عطي|ادي)(?:ه|ها|هم|يها|يه)?"
    r"\s+(?:عليا|ليا|لي|عندي)(?:\s|$|[.!،,])"
    r"|(?:^|\s)(?:على\s+|ع\s*)?(?:باسمي|اسمي)(?:\s|$|[.!،,])"
    # "خل مهمة باب الطوارئ علي أنا": "علي" followed by "me" is "on me", not the name Ali
    r"|(?:^|\s)(?:علي|عليا)\s+(?:انا|أنا)(?:\s|$|[.!،,])"
    # MSA's first person future, "أنا" or not: "سأتولى أنا مهمة الرفوف", "سوف أتابعها"
    r"|(?:^|\s)(?:س|سوف\s+)(?:أ|ا|آ)(?:تولى|مسك|خذ|تابع|تكفل|عمل|قوم\s+ب)\S*"
    r"|\bana\s+(?:ba|ha|ra7\s+|ra7a\s+|7a)?(?:msek|mesek|amsek|a5od|akhod|a5od|a3mel|a3mal|sawi|asawi)\S*"
    r"|\b(?:raga3|rag3|ragga3|rajje3|raje3|rajja3|7ot|7ott|5alli|khalli|eddi|iddi|3ti|a3ti)"
    r"(?:ha|o|aha|iha|eeha)\s+(?:leya|liya|lia|leyya|liyya|3alaya|3alayya|3alay|3andi|3ndi)\b"
    r"|\b(?:bismi|besmi|3ala\s+ismi|3ala\s+esmi)\b",
    re.IGNORECASE,
)
SPEAKER = "me"  # the person argument for "the user themselves" (the executor sends the linked user)


# What may stand between a doer and their verb, and what says they do it for the speaker ("sara ra7
# t5alles el jard 3anni"): neither names the task.
FUTURE_PARTICLES = _folded("رح راح سوف ra7 raa7 7a will would should can")
ON_MY_BEHALF = _folded("عني بدالي بدلي مكاني 3anni 3ani 3anny badali makani")


_BEHALF_EN = re.compile(r"\b(?:instead\s+of\s+me|on\s+my\s+behalf|in\s+my\s+place)\b", re.IGNORECASE)


def on_my_behalf(text: str) -> bool:
    """The message says someone does something for the speaker: "عني", "بدالي", "instead of me"."""
    return any(w in ON_MY_BEHALF for w in _words(text)) or _BEHALF_EN.search(text) is not None


def holder_or_doer(text: str) -> str | None:
    """The person a message says keeps or does a task ("خليها عند خالد", "Sara should do it"), leaving
    out a person it denies ("…, not Lina", "مش خالد"); `SPEAKER` when the user takes it ("أنا بمسكها",
    "I'll take it"); None when it names nobody that way."""
    plain = without_harakat(text)
    if _TAKES.search(plain):
        return SPEAKER
    for pattern in (_IN_NAME, _KEEPS, _DOES, _MEANT_PERSON, _NOT_BUT_MEANT):
        for found in pattern.finditer(plain):
            name = next((v for v in found.groupdict().values() if v), None)
            denied = pattern is not _NOT_BUT_MEANT and _denied(plain, found.start())
            if name is None or fold(name) in _NOT_DOERS or denied:
                continue
            if could_be_person(name):
                return name
    return None


# A task put in someone's name, each dialect group: "حطه باسم عبدالعزيز", "خليها على اسم سارة", "سجّلها
# باسم منى", "7otaha b esm rami", "khalliha 3ala esm sara", "put it under Omar's name", "put it in Omar's
# name" — a verb of putting, its object, then the name.
_IN_NAME = re.compile(
    r"(?:^|\s)(?:و?(?:حط|حطي|خلي|خل|سجل|سجلي|اكتب|اكتبي|نزل|نزلي)[\u0621-\u064A]{0,3})\s+"
    r"(?:(?:ب|على|ع|عَ)\s*)?اسم\s+(?!ال)(?P<ar>[\u0621-\u064A]{2,}(?:\s+ال[\u0621-\u064A]{2,})?)"
    r"|\b(?:7ot|7ott|7ut|hot|5alli|5ali|khalli|khali|sajjel|sajel)\w{0,3}\s+(?:b|be|bi|3ala|3a)\s*[- ]?esm\s+"
    r"(?P<lat>[a-z]{2,})"
    r"|\b(?:put|set|make|register|file|log)\s+(?:it|this|that|this\s+one|that\s+one)\s+(?:under|in|on)\s+"
    r"(?P<en>[a-z][\w-]*)'s\s+name\b",
    re.IGNORECASE,
)

_DENY_BEFORE = re.compile(
    r"(?:\bnot|\bnot\s+to|(?:^|\s)(?:مش|مو|مب|ليس|لا|mesh|mish|msh|mo|mu))\s*$", re.IGNORECASE
)


def _denied(text: str, at: int) -> bool:
    """The phrase at `at` follows a negation ("not Lina", "مش خالد"): the person it is not. A "no" that
    opens the message ("لا، خليها عند خالد") refuses what came before, not the person after it."""
    before = text[:at]
    return bool(_DENY_BEFORE.search(before)) and fold(before.strip(" ,،.!")) not in _OPENING_NO


_OPENING_NO = _folded("لا لأ no nope la la2")


def denies_person(text: str, name: str) -> bool:
    """The message says the task is not for this person: "قصدي زياد مو نواف", "Sara should do it, not
    Lina", "la2 2asdi rami mish omar" (the name, or its first word, right after a "not")."""
    plain = without_harakat(text)
    for said in {without_harakat(name.strip()), without_harakat(name.strip()).split(" ")[0]} - {""}:
        pattern = r"(?:^|(?<=[\s,،]))" + re.escape(said) + r"(?=$|[\s.!?؟,،])"
        if any(_denied(plain, found.start()) for found in re.finditer(pattern, plain, re.IGNORECASE)):
            return True
    return False


# Verbs whose "to X" is who receives something, not who does the task.
_TRANSFER = _folded(
    "send sent email mail deliver submit forward pay present ship return post "
    "ارسل أرسل إرسال ارسال ابعت ابعث بعث ابعتي سلم تسليم"
)
_ASSIGN = _folded("assign assigned reassign delegate اسند أسند اسندها أسندها")
_RECIPIENT_BEFORE = re.compile(
    r"(?:\b(?P<en>to)\s+|(?:^|\s)(?P<ar>إلى|الى|لـ)\s*|(?:^|\s)(?P<joined>ل))$", re.IGNORECASE
)


def recipient(text: str, name: str) -> str | None:
    """ "to Al Marai" when the message sends something to `name` ("send the revised quote to Al
    Marai", "أرسل العرض إلى المراعي"): the phrase as written, else None.

    A transfer verb must come within the few words before the "to", and no "assign" among them;
    otherwise `name` stays the assignee.
    """
    stripped = " ".join(without_harakat(text).split())
    wanted = " ".join(without_harakat(name).split()).casefold()
    if not wanted:
        return None
    # "للمراعي": the lam of "to" swallows the alef of the article.
    spellings = [wanted] + ([wanted[1:]] if wanted.startswith("ال") else [])
    for spelled in spellings:
        at = stripped.casefold().find(spelled)
        if at <= 0:
            continue
        before = stripped[:at]
        prep = _RECIPIENT_BEFORE.search(before)
        if prep is None:
            continue
        clause = _words(before[: prep.start()])[-6:]
        if not set(clause) & _TRANSFER or set(clause) & _ASSIGN:
            return None
        return stripped[prep.start() : at + len(spelled)].strip()
    return None


_CREATE = _folded(
    "add create new remind ذكرني ذكريني فكرني فكريني "
    "زيد زيدي ضيف ضيفي ضف أضف اضف أضيف اضيف سجل سجلي حط حطي اعمل اعملي أنشئ انشئ أنشئي انشئي سوي سويلي "
    "اعملي اعمللي ضيفلي حطلي سجللي سو سولي "
    # Arabizi, each dialect group: "e3mel / e3mely task", "sawwi", "zeed", "deef", "7ot", "sajjel"
    "e3mel e3mal e3mil e3mely e3meli e3mli e3mlee a3mel i3mal 3mel 3mal sawi sawwi sawili sawweli "
    "zeed zid zeedi zidi deef dif deefi difi dayef 7ot 7ott 7oti 7otti sajjel sajel sajjli sagel"
)


# "make" alone also opens "make it urgent": only "make a task" asks for a new one.
_MAKE_A_TASK = re.compile(r"\bmake (?:me )?an? (?:new )?(?:task|reminder|todo)\b")


def says_create(text: str) -> bool:
    """The message asks for a new task: it opens by asking for one, or says "new"."""
    return opens_with_create(text) or says_new(text)


def says_create_anywhere(text: str) -> bool:
    """A verb of adding, or "new", anywhere in the message ("can you add a reminder…?")."""
    words = _words(_without_anew(text))
    return any(w in _CREATE or w in _NEW for w in words) or bool(_MAKE_A_TASK.search(fold(text)))


def asks_for_new(text: str) -> bool:
    """A verb of adding anywhere, or "new" / "another" beside a task noun ("another task", "مهمة جديدة",
    "task jdeeda"): "renews for another year" asks for nothing new."""
    words = _words(_without_anew(text))
    if any(w in _CREATE for w in words) or _MAKE_A_TASK.search(fold(text)):
        return True
    return any(
        w in _NEW and any(v in _TASK_NOUNS for v in words[max(0, i - 2) : i + 3]) for i, w in enumerate(words)
    )


# "من جديد" (anew: again), "min jdeed": "افتح مهمة رفع الدرجات من جديد" opens it again, asks nothing new.
_ANEW = re.compile(r"(?:^|\s)(?:من|min|mn|men)\s+(?:جديد|jdeed|jdid|jdide|gdeed|gdid)(?=\s|$|[.!?؟،,])")


def _without_anew(text: str) -> str:
    return _ANEW.sub(" ", fold(text))


# Renaming a task, each dialect group: "rename", "call it", "change the title", "غيري اسمها", "سمّيها",
# "عدّل العنوان", "esmaha", "sammiha". Without one of these a title the router put in an update is the
# name of the task it is about, not a new title.
_RENAME = _folded(
    "rename renamed retitle title titled "
    "اسم اسمها اسمه الاسم باسم اسمه عنوان عنوانها العنوان سم سمي سميها سميه سموها تسمية تسميه سمها "
    "مسمى مسماها مسماه "
    "esm esmaha esmo 3enwan 3onwan sammi sammiha samiha sameeha"
)


# "its name", "the new name": the task's name, not a noun it qualifies ("the name badges order")
_RENAME_EN = re.compile(
    r"\b(?:call|name)\s+(?:it|this|that|them)\b"
    r"|\b(?:its|the|new)\s+name\b(?!\s+(?!(?:to|of|is|should|from|into|as|needs?|must|reads?|says?|be|was|will)\b)[a-z])"
)


def says_rename(text: str) -> bool:
    return any(w in _RENAME for w in _words(text)) or bool(_RENAME_EN.search(fold(text)))


# Asking where a task stands, each dialect group: "what's the status of…", "when is … due", "متى موعد…",
# "وين وصلت…", "ايش صار على…", "emta el deadline".
_STATUS = _folded(
    "status progress due deadline when state "
    "حالة حالتها حاله وضع وضعها موعد موعدها ميعاد ميعادها متى امتى إمتى وصلت صار اخبار أخبار تسليمها "
    "emta imta mata status wsolt wesolt sar ma3ad mi3ad mow3ed "
    # "when" in each group: Levantine "أيمتى", Gulf "متى/ميتى", Iraqi "شوكت", Maghrebi "وقتاش"
    "ايمتى أيمتى إيمتى ايمتا امتا إمتا ميتى شوكت وقتيش وقتاش aymta aymata eimta emte emtah mita shwakt"
)


def says_status(text: str) -> bool:
    """The message asks where a task stands or when it is due."""
    return any(w in _STATUS for w in _words(text))


# A yes / no question, each dialect group: opened by "is / has / did", "هل", Egyptian "هو / هي", "hal", or
# closed by "or not (yet)?", "ولا لسا؟", "ولا بعد؟", "walla lessa?" ("is the routes update finished?",
# "هو التاسك خلص؟", "مهمة الكراتين خلصت ولا لسا؟").
_YES_NO_OPENERS = _folded("is are was were has have had did does do هل هو هي hal")
_YES_NO_CLOSING = re.compile(
    r"(?:\bor\s+not(?:\s+yet)?|\byet|(?:^|\s)(?:ولا|او|أو|وله)\s+(?:لا|لأ|لسا|لسه|لسة|لسى|بعد|لسع|للحين|لهلق|لهلأ|باقي|باقيه|باقية)"
    r"|\b(?:walla|wala|wla|aw)\s+(?:la2|la|lessa|lissa|lesa|lsa|ba3d|ba3ed|ba3ad|ba3da|lil7een|lel7een|lal7een"
    r"|lahal2|lahala2|ba2i|ba2ye|baqi))\s*[?؟]\W*$",
    re.IGNORECASE,
)
# "can you…?", "would you…?": a polite request, not a question about the task.
_ASKS_FOR = re.compile(r"\b(?:can|could|would|will)\s+(?:you|u)\b", re.IGNORECASE)


def asks_if_done(text: str) -> bool:
    """The message asks whether a task is done ("is the routes update finished?", "هل انتهت المهمة 5؟",
    "الكراتين خلصت ولا لسا؟") — a question about its status, not a report that it is done."""
    words = _words(text)
    if not words or not asks_question(text) or _ASKS_FOR.search(text):
        return False
    if says_many_tasks(text):  # "شو المهام يلي لسا ما خلصت؟" asks for a list
        return False
    if says_not_done(text):  # "is 12 not done yet?", "لسه ما خلصتش المهمة 12؟": asked, however opened
        return True
    return _yes_no_form(text, words) and says_done(text)


def _yes_no_form(text: str, words: list[str]) -> bool:
    """Opened by "is / did / هل / هو" or closed by "or not (yet)?", "ولا لسه؟", "walla lessa?"."""
    return words[0] in _YES_NO_OPENERS or bool(_YES_NO_CLOSING.search(without_harakat(text)))


def asks_yes_no(text: str) -> bool:
    """A yes / no question — opened by "is / did / هل / هو", or closed by "or not (yet)?", "ولا لسه؟", "ولا
    باقي؟", "walla lessa?" — and no request asked as one ("can you…?", "ممكن…؟")."""
    words = _words(text)
    if not words or not asks_question(text) or asks_for_a_change(text):
        return False
    return _yes_no_form(text, words)


# The other things a task shows, asked about: its priority, who holds it ("قديش أولوية مهمة المولد؟",
# "مين ماسك تاسك الفواتير؟", "who's assigned to the catering task?").
_SHOWN = _folded(
    "who whos مين منو meen mnu mino priority assigned assignee owner "
    "أولوية أولويتها الأولوية اولويه اولويتها الاولويه ماسك ماسكها ماسكه "
    "مسؤول مسؤوله المسؤول awlawiyye awlawiya awlaweya "
    # what the detail view shows besides: its notes, who created it, any news, how long until it is due
    "notes note comments comment created creator anyone anybody update updates until till "
    "ملاحظات ملاحظة ملاحظه الملاحظات تعليقات تعليق التعليقات تحديث تحديثات انشأ أنشأ انشاها أنشأها "
    "mola7azat mula7azat ta3li2at"
)


_WHO = _folded("who whos مين منو مينو min meen mnu mino")


def asks_who(text: str) -> bool:
    """A question that opens by asking who: "who's on the exam hall prep?", "مين ماسك تاسك الفواتير؟"."""
    return asks_question(text) and any(w in _WHO for w in _words(text)[:2])


def asks_what_a_task_shows(text: str) -> bool:
    """A question about where a task stands (done or not too: "is the routes update finished?"), when it
    is due, its priority or who holds it."""
    if says_status(text) or asks_if_done(text):
        return True
    return asks_question(text) and any(w in _SHOWN for w in _words(text))


# What a task's record cannot hold, asked about (agent: the task is shown with a line saying its record
# does not say; corrections: such a question changes nothing). The record holds the title, status,
# priority, due date, holder, creator and notes — nothing of who held it or set its date before, why, the
# hours or money it took, what people outside did, contacts, attachments or what will happen.
# "why", each dialect group; "why don't you / ليش ما تـ…" is a suggestion, which _WHY_NOT leaves alone.
_WHY = _folded("why لماذا ليش ليشو ليه لاش علاش lesh leish leesh laish lash leh leeh lehh 3alash 3lash")
_WHY_NOT = re.compile(
    r"\bwhy\s+(?:don'?t|not|doesn'?t|won'?t)\s+(?:you|u|we|she|he)\b"
    r"|(?:^|\s)(?:ليش|ليه|لماذا)\s+(?:ما|مش|لا)\s+(?:ت|ن)\S*"
    r"|\b(?:lesh|leh|laish)\s+(?:ma|mat|mesh)\s",
    re.IGNORECASE,
)
# Who held it or set its date before, how often it moved: "who had it before Sara?", "مين كان ماسكها؟",
# "مين أجّلها؟", "كم مرة تأجلت؟", "meen kan 3aleha abl?".
_BEFORE = re.compile(
    r"\b(?:previous(?:ly)?|earlier|originally|at\s+first|used\s+to|before\s+(?:him|her|them|that|this))\b"
    r"|\bwho\s+(?:had|was|were|held|used|moved|changed|pushed|postponed|reassigned|gave|set|created\s+it\s+first)\b"
    r"|\bhow\s+many\s+times\b"
    r"|(?:^|\s)(?:سابقا|السابق|السابقه|قبله|قبلها|قبلهم|قبلو)(?:\s|$|[?؟])"
    r"|(?:^|\s)(?:مين|منو|من|مينو|شو|ايش|وش)\s+(?:اللي\s+|الي\s+|يلي\s+|إللي\s+)?(?:كان|كانت|كانوا)(?:\s|$)"
    r"|(?:^|\s)(?:مين|منو|مينو)\s+(?:اللي\s+|الي\s+|يلي\s+)?(?:ا)?(?:جل|اجل|أجل|غير|حول|نقل|اخر|أخر|عدل)\S*"
    r"|(?:^|\s)(?:كم|كام|قديش|قداش|اد|أد)\s+(?:ايه\s+)?(?:مره|مرات|مرة)(?:\s|$)"
    r"|\b(?:meen|min|mnu|mino|man)\s+(?:elli\s+|illi\s+|yalli\s+)?(?:kan|kaan|kanet|kanat)\b"
    r"|\b(?:kam|kaam|2addesh|addesh|2adesh|adesh|2ad\s+eh|ad\s+eh)\s+(?:marra|mara|marrat|marat)\b",
    re.IGNORECASE,
)
# Hours, days or money it took: "how many hours went into it?", "how much did it cost?", "كم ساعة
# أخذت؟", "اتكلفت كام؟", "قديش كلفت؟", "kallafet kam?".
_SPENT = re.compile(
    r"\bhow\s+long\s+(?:did|has|have|was|were|it\s+took|it\s+take|did\s+it)\b|\b(?:hours?|man-?hours|"
    r"time\s+spent|cost|costs|costing|costed|price|priced|budget|spend|spent|money|paid|pay|expenses?|amount|"
    r"charge|charges|charging|charged|bill|billed|billing|quote|quoted)\b"
    r"|(?:^|\s)(?:ساعه|ساعات|ساعتين|تكلفه|التكلفه|كلفه|الكلفه|كلف|كلفت|تكلفت|اتكلفت|كلفتنا|كلفتني|سعر|السعر|"
    r"سعرها|بكم|ميزانيه|الميزانيه|مبلغ|المبلغ|فلوس|الفلوس|مصاريف|المصاريف|مصروف|دفعنا|دفعت|دفعوا|"
    r"اندفع|اندفعت|انصرف|صرفنا|استغرقت|استغرق)(?:\s|$|[?؟.,،])"
    # "كم يوم أخدت؟", "قديش وقت أخدت؟": days or time it took ("مين أخد المهمة؟" asks who holds it)
    r"|(?:^|\s)(?:كم|كام|قديش|قداش|اد\s+ايه|اد\s+إيه)\s+(?:يوم|ايام|اسبوع|اسابيع|وقت|شهر)\s+(?:\S+\s+)?"
    r"(?:اخد|اخذ|خد|استغرق|طول)\S*"
    r"|\b(?:sa3a|sa3at|sa3teen|kallafet|kalafet|kalfet|tkallafet|etkallafet|taklefa|taklifa|se3r|si3r|"
    r"bkam|b\s+kam|fulus|flous|felous|masari|masarif|mablagh|mizaniya|dafa3na|dafa3t)\b"
    r"|\b(?:5adet|akhadet|a5adet|a5det)\s+(?:kam|2ad|ad)\b",
    re.IGNORECASE,
)
# Someone outside answered, called, confirmed, approved, signed, delivered or paid: "has the client
# replied?", "العميل رد ولا لسه؟", "المورد سلّم البضاعة؟", "el 3ameel rad?".
_OUTSIDE_WHO = _folded(
    "client clients customer customers supplier suppliers vendor vendors landlord tenant tenants bank "
    "municipality ministry contractor courier agency insurer insurance they "
    "العميل العملاء عميل الزبون الزباين الزبائن زبون المورد الموردين مورد المالك المستاجر البنك البلديه "
    "الوزاره المقاول المندوب المكتب الوكاله الجهه التامين الشركه "
    "3ameel 3amil el3ameel zbon zboun zaboun zbun mwared mowared moured mawared maalik malek bank baladiya "
    "baladeyye sherka sharika"
)
_OUTSIDE_DID = re.compile(
    r"\b(?:repl(?:y|ied|ies)|respond(?:ed)?|answer(?:ed)?|got\s+back|get\s+back|call(?:ed)?\s+back|"
    r"confirm(?:ed)?|approv(?:e|ed)|accept(?:ed)?|sign(?:ed)?|deliver(?:ed)?|sent|send|paid|pay|"
    r"arriv(?:e|ed)|receiv(?:e|ed)|show(?:ed)?\s+up|come\s+back|came\s+back)\b"
    r"|(?:^|\s)(?:وصل|وصلت|وصلو|وصلوا|اعتمد|اعتمدو|اعتمدوا|اعتمدت|رد|ردو|ردوا|ردت|ردّ|جاوب|جاوبو|جاوبوا|جاوبت|اتصل|اتصلو|اتصلوا|اتصلت|كلمنا|كلمونا|اكد|أكد|اكدو|"
    r"اكدوا|أكدوا|وافق|وافقو|وافقوا|وافقت|وقع|وقعو|وقعوا|وقعت|سلم|سلمو|سلموا|سلمت|ورد|وردت|بعت|بعتو|بعتوا|"
    r"بعث|بعثو|بعثوا|ارسل|أرسل|ارسلو|أرسلوا|دفع|دفعو|دفعوا|استلم|استلمو|استلموا|استلمنا|وصلنا|وصلتنا|"
    r"رجع|رجعو|رجعوا)(?:\s|$|[?؟.,،])"
    r"|\b(?:rad|radd|raddo|raddu|radu|jaweb|gaweb|jawab|ettasal|itasal|etassal|akkad|wafa2|wafe2|wa2a3|"
    r"salam|sallam|sallamo|ba3at|ba3ato|ersal|dafa3|dafa3o|estalam|istalam|wesel|wosel|weselna|wesil|wasal|"
    r"e3tamad|i3tamad|3tamad)\b",
    re.IGNORECASE,
)
# A contact, an attachment or a forecast: "what's the client's phone number?", "is there a photo on it?",
# "will it be done on time?", "هتخلص في ميعادها؟", "رح تخلص بوقتها؟".
_ELSE = re.compile(
    r"\b(?:phone|mobile|email|e-mail|address|contact|photos?|pictures?|pics?|images?|attach(?:ed|ment|ments)?|"
    r"files?|documents?|pdf|on\s+time|in\s+time|on\s+schedule|will\s+(?:it|they|he|she)\s+(?:be|finish|get|make))\b"
    r"|(?:^|\s)(?:تلفون|تليفون|التلفون|التليفون|جوال|الجوال|جواله|موبايل|الموبايل|هاتف|الهاتف|هاتفه|ايميل|"
    r"الايميل|صوره|الصوره|صور|الصور|ملف|الملف|مرفق|المرفق|مرفقات|المرفقات|"
    r"بوقتها|بوقته|بموعدها|بميعادها|ستنتهي|سينتهي|هتخلص|هيخلص|حتخلص|حيخلص|رح\s+تخلص|رح\s+يخلص|"
    r"راح\s+تخلص|راح\s+يخلص|بتلحق|بيلحق|هتلحق|هيلحق|رح\s+تلحق|راح\s+تلحق)(?:\s|$|[?؟.,،])"
    r"|(?:في|على)\s+(?:وقتها|الوقت|ميعادها|موعدها)"
    # where something was put or is kept: "where did they put the boxes?", "اتحطت فين؟", "وين حطيتوها؟"
    r"|\bwhere\b.*\b(?:put|kept|keep|stored|store|left|placed|located)\b"
    r"|(?:^|\s)(?:وين|فين|اين)\s+(?:\S+\s+){0,3}?(?:ا|ان|ات)?(?:حط|خزن|محطوط|موجود|مخزن)\S*"
    r"|(?:^|\s)(?:ا|ان|ات)?(?:حط|خزن|محطوط|موجود|مخزن)\S*\s+(?:\S+\s+){0,3}?(?:وين|فين|اين)(?:\s|$|[?؟])"
    r"|\b(?:wein|wen|fein|fen|feen)\b.*\b(?:7at|m7tot|ma7tout|et7at|7atet|7atto|mawgood|mawjood)\w*"
    r"|\b(?:telephone|mobail|mobile|raqam\s+(?:el\s+)?(?:mobile|telefon|jawal)|sura|soura|sora|sowar|malaf|"
    r"mlaf|mirfa2|bwa2teha|bwa2ta|fi\s+wa2teha|fi\s+ma3adha|3al\s+wa2t|hat5las|ha5las|7at5las|ra7\s+t5las|"
    r"ra7\s+tkhlas)\b",
    re.IGNORECASE,
)


# Words a title shares with any question, kept when the title's words are set aside.
_TITLE_KEPT = _folded("the a an and or for with from to of on in at it is did was has had how who why what")


def asks_beyond_the_record(text: str, *, title: str = "") -> bool:
    """A question about a task that asks what its record cannot hold: who held it or moved it before and
    how often, why, the hours or money it took, whether someone outside replied, delivered, paid or
    approved, a contact, an attachment, whether it will be done in time ("who had 14 before Sara?", "ليش
    المهمة ٢٢ متأخرة؟", "العميل رد ولا لسه؟", "kallafet kam?"). A request asked as a question ("can you…",
    "ممكن…", "why don't you give it to Sara?") asks for a change, not this."""
    if not asks_question(text) or asks_for_a_change(text):
        return False
    folded = fold(text)
    if titled := set(_words(title)) - _TITLE_KEPT:  # its own title asks nothing: "the price list one"
        said = "|".join(re.escape(w) for w in titled)
        folded = re.sub(rf"(?<!\w)(?:{said})(?!\w)", " ", folded)
    words = set(_words(folded))
    if words & _WHY and not _WHY_NOT.search(folded):
        return True
    if _SPENT.search(folded) or _ELSE.search(folded):
        return True
    if _BEFORE.search(folded) and not (_BEFORE_DATE.search(folded) and date_said(text)):
        return True
    return bool(words & _OUTSIDE_WHO and _OUTSIDE_DID.search(folded))


def asks_to_see_a_task(text: str) -> bool:
    """A question the detail view answers, or one it cannot whose task is still shown (with a line
    saying its record does not say): either way the task a question names by its title is shown."""
    return asks_what_a_task_shows(text) or asks_beyond_the_record(text)


def unknown_to_the_record(text: str, task: Any) -> str | None:
    """The line before a task shown for a question its record cannot answer (`asks_beyond_the_record`;
    its own title's words aside): that its record does not say, or — when it has notes, which may —
    that nothing beyond the record and its notes is known. None: the record answers."""
    if not isinstance(task, dict) or not asks_beyond_the_record(text, title=str(task.get("title") or "")):
        return None
    return "not_in_record_notes" if task.get("comments") else "not_in_record"


# "before Thursday" is a due date, not a task's past.
_BEFORE_DATE = re.compile(r"\bbefore\b|(?:^|\s)قبل(?:\s|$)|\b(?:abl|2abl|qabl)\b", re.IGNORECASE)


# What joins a rename to the new title: "rename X to Y", "غيري اسمها لـ Y", "عدّل اسمها: Y", "call it Y".
_TO = _folded("to as into لـ ل الى إلى la le l")
# "becomes": "ابغى اسمها يصير صيانة الماكينة", "خلي عنوانها يكون…", "esmaha ysir…"
_BECOMES = _folded("يصير تصير يكون تكون يبقى تبقى يصبح تصبح becomes become yseer ysir tseer tsir ykoon tkoon")
# A second change after the new title: "…والـ projector وأجليها لبكرة", "… and move it to Monday".
_THEN = re.compile(
    r"\s+(?:and|w|then)\s+(?:move|push|make|set|give|assign|put|mark)\b|\s+و(?:ا|أ)?(?:جل|خلي|خل|حط|اسند|أسند|عط|حول)\S*"
    r"|\s*[,،]\s*(?:و|and\s|w\s|then\s)"  # "…والميزان، وتسليمها يوم الاثنين"
)


# What may stand between the verb of renaming and the "to": "rename it to", "غيري عنوان المهمة ٧ لـ".
_BEFORE_TITLE = _folded("it this that its name title task tasks مهمة المهمة تاسك التاسك")


def _calls(raw: list[str], i: int) -> bool:
    """ "call it…", "name this…": a rename by "call" or "name" and a pronoun."""
    return (
        fold(raw[i]) in ("call", "name") and i + 1 < len(raw) and fold(raw[i + 1]) in ("it", "this", "that")
    )


def renamed(text: str) -> tuple[str, str] | None:
    """ "صيانة السيارات، عدّل اسمها: صيانة سيارات الشركة", "the vendor list one, rename it to Approved
    vendors", "call it Q4 final": the phrase that names the task (before the verb of renaming, its
    verbs left out) and the new title (after a colon, "to", or "call it"), each as written; None when
    the message is not shaped so."""
    raw = text.split()
    at = next((i for i, w in enumerate(raw) if fold(w.strip(".,:;!?،؛")) in _RENAME or _calls(raw, i)), None)
    if at is None:
        return None
    before = raw[:at]
    while before and fold(before[-1].strip(".,:;!?،؛")) in NAMING_WORDS:
        before = before[:-1]
    calls = _calls(raw, at)
    rest = " ".join(raw[at:]).split(maxsplit=1)[1] if len(raw) > at + 1 else ""
    if raw[at].endswith(":") or ":" in rest:
        title = rest if raw[at].endswith(":") else rest.split(":", 1)[1]
    else:
        words = rest.split()
        while words and (fold(words[0].strip(".,;#")) in _BEFORE_TITLE or words[0].strip("#").isdigit()):
            words = words[1:]
        if not calls:
            if words and fold(words[0]) in _BECOMES:
                words = words[1:]
            elif not words or fold(words[0]) not in _TO:
                return None
            else:
                words = words[1:]
        title = " ".join(words)
    title = _THEN.split(title, maxsplit=1)[0]
    title = re.sub(r"[^\w\s'&()./-]+$", "", title).strip(" .,;!?،؛")
    return (" ".join(before).strip(" .,:;!?،؛"), title) if title else None


# "I meant 32, not 31", "قصدي ٣٢ مش ٣١", "2asdi 32 mesh 31": the previous change went to the wrong task.
_MEANT = MEANT | _folded("mean")
_NOT_NUMBER = re.compile(
    r"(?:\bnot|\bmish|\bmesh|\bmsh|\bmo|(?:^|\s)(?:مش|مو|مب|ليس|ليست|وليس|وليست))\s+"
    r"(?:(?:task|the|المهمة|مهمة|التاسك|تاسك)\s+)?#?\s*([0-9]+)(?![0-9A-Za-z])"
)


def says_meant(text: str) -> bool:
    """ "I meant 13", "قصدي الخميس", "2asdi rami": the message says what was meant instead."""
    return any(w in _MEANT for w in _words(text))


_BUT_NOT = re.compile(r"\s(?:not|instead|rather|مش|مو|مب|بدل|mish|mesh|msh|mo|badal)(?:\s|$)", re.IGNORECASE)


def meant_date(text: str) -> str | None:
    """ "لا لحظة، مش بكرا، قصدي يوم الخميس، …", "sorry, I meant Friday": the date said after "I meant", up
    to the end of its clause; None when no date follows it."""
    words = text.split()
    for i, word in enumerate(words):
        if fold(word.strip(".,،!?؟")) in _MEANT:
            clause = _CLAUSE_END.split(" ".join(words[i + 1 :]))[0]
            clause = _BUT_NOT.split(clause)[0].strip()  # "Friday not Thursday": Friday
            return clause if clause and says_date(clause) else None
    return None


# "not this one", "mish di", "مش هاي", "مو هذي": the task just named, denied without its number.
_NOT_THIS = re.compile(
    r"\b(?:not|mish|mesh|msh|mosh|mo|mu|mub)\s+(?:this|that|it|di|da|deh|dah|hay|hayy|hadi|hadee|hathi|"
    r"haydi|hayda|hadol)(?:\s+one)?\b"
    r"|(?:^|\s)(?:مش|مو|مب|ليس|ليست|مهي|مهو)\s+(?:هذي|هذه|هذا|هاي|هادي|هيدي|هيدا|ده|دي|دا|هاذي|ذي)(?!\w)"
)


# Owning up to a mistake: "wrong one - it's 402, not 426", "غلطت، ١٥ مو ١٤", "sorry ghalat, 7 mish 6".
_WRONG = _folded(
    "wrong mistake oops sorry غلط غلطت غلطة غلطه بالغلط خطأ خطا اخطأت أخطأت غلطانة غلطان "
    "ghalat ghalta 8alat 8lt 3'alat galat ghlet ghlett"
)


def meant_instead(text: str) -> tuple[int, int | None] | None:
    """ "قصدي ٣٢ مش ٣١": (the task meant, the task not meant), when the message corrects one number
    by another (said with "I meant" or owning up to a mistake: "wrong one - it's 402, not 426"); (the
    task meant, None) when it denies the task just named without its number ("la2 mish di, 72 a2sod",
    "مش هاي، قصدي ٧٢"); else None."""
    words = _words(text)
    if not any(w in _MEANT or w in _WRONG for w in words):
        return None
    latin = to_latin_digits(fold(text))
    denied = {int(n) for n in _NOT_NUMBER.findall(latin)}
    said = set(numbers_in(text))
    if not denied and len(said) == 1 and _NOT_THIS.search(latin):
        return (next(iter(said)), None)
    if len(denied) != 1 or len(said) != 2 or not denied < said:
        return None
    return (next(iter(said - denied)), next(iter(denied)))


_QUESTION_END = re.compile(r"[?؟]\W*$")


def ends_as_question(text: str) -> bool:
    """The message ends with its question mark (emoji and spaces aside): nothing is asked after it."""
    return _QUESTION_END.search(text.strip()) is not None


# "now" as the time of speaking, not a deadline: "what's on my plate right now?", "وش عندي الحين؟".
_NOW = re.compile(
    r"\b(?:right\s+now|just\s+now|now|currently|at\s+the\s+moment|these\s+days|so\s+far|to\s+date|hala2|"
    r"halla2|delwa2ti|dilwa2ti|el7een|al7een|7alyan)\b"
    # "لهلأ", "للحين", "لحد دلوقتي", "حتى الآن": up to now ("ل" glued: until)
    r"|(?:^|\s)(?:للحين|(?:ل|لل)?(?:الحين|هلق|هلأ|هلا|دلوقتي|دلوقت|الان|الآن|حاليا|حالياً|اللحين))"
    r"(?=\s|$|[.!?؟،,])",
    re.IGNORECASE,
)


def says_only_now(text: str) -> bool:
    """The only time the message says is "now" ("what's on my plate right now?"): no due date asked."""
    return bool(_NOW.search(text)) and not says_date(_NOW.sub(" ", text))


def says_date(text: str) -> bool:
    """The message says one date ("…to Sunday", "بكرة", "yom el a7ad"): is one said, not which."""
    return resolve_date_in_text(text, date.today()) is not None


# A day said as the end of a span ("due by Friday", "قبل الخميس", "لحد بكرة", "gabl el 5amees", "lghayet
# bukra") asks for everything due up to then; a week or a month is a span of its own.
_BY_DAY = _folded(
    "by before until till til within through thru upto prior ahead "
    "قبل لحد لغاية لغايه حتى لين الين إلى خلال قبيل لقبل "
    "abl 2abl 2bl gabl qabl l7ad le7ad la7ad lahad lghayet leghayet lghayit 7atta hatta leen lain "
    "khelal 5elal"
)
_SPAN = _folded(
    "week weeks weekend month months أسبوع اسبوع الأسبوع الاسبوع هالأسبوع هالاسبوع أسابيع شهر الشهر هالشهر "
    "usbu3 esbo3 osbo3 isbo3 shahr"
)


def day_asked(text: str) -> str | None:
    """The one day a list asks for ("what's due on Tuesday?", "شو عندي مطلوب نهار التلات؟", "وش علي باجر؟",
    "shu el matloub minni bukra?"): that day's words, as said. None for no day; for today (what is due
    today includes what is late, as in every task app's Today); for a week or a month; and for the end
    of a span ("by Friday", "قبل الخميس", "lghayet bukra"), which takes in the days before it."""
    phrase = date_said(text)
    if phrase is None or any(w in _BY_DAY for w in _words(text)) or any(w in _SPAN for w in _words(phrase)):
        return None
    today = date.today()
    return None if resolve_date(phrase, today) in (None, today) else phrase


# What may be glued before a name: "to", "and", "with", "for" ("لخالد", "وسارة", "بمنى", "للمراعي").
_GLUED = frozenset(("ل", "لل", "و", "ب", "ف", "ول", "وب", "ولل", "فل"))


def name_said(name: str, text: str) -> bool:
    """Does the message say a word of `name` as a word, a prefix glued on or not ("لخالد" for "خالد",
    "للمراعي" for "المراعي": the lam of "to" swallows the article's alef)? A piece of a longer word is
    not the name ("شاري" is not said by "مشاري")."""
    said = _words(text)

    def in_text(word: str) -> bool:
        bare = word[2:] if word.startswith("ال") and len(word) > 3 else None
        return any(
            w == word
            or (w.endswith(word) and w[: -len(word)] in _GLUED)
            or (bare is not None and w.endswith(bare) and w[: -len(bare)] in _GLUED)
            for w in said
        )

    return any(in_text(w) for w in _words(name))


_ASIDE = 6  # words that may follow a question as its reason: "…inspection? want to get the team ready"


# What / which, each dialect group: a question that opens with one asks to see, never to change.
_WHAT = _folded(
    "what which وش شو ايش إيش اش شنو شنهو ايه إيه ماذا wesh wish shu sho eh esh eish shno "
    # "which", each dialect group: MSA "أي" / "أيّ", Levantine "أيّا" / "انو", Egyptian "أنهي", in Arabizi
    "أي أيا ايا انو أنو انهي أنهي إنهي انهو أنهو ayya aya ayy anu anou anhi anhy enhi"
)


# Still to be done: "what should I finish first?", "شو لازم اخلص اليوم؟" ask for the open ones.
# What is left: "وش باقي علي؟", "شو ضايل علي؟", "what do I have left?", "eh elly fadel 3alaya?"
_LEFT = _folded(
    "left remaining pending باقي الباقي ضايل الضايل فاضل الفاضل متبقي المتبقي متبقية "
    "ba2i baqi fadel fadil dayel"
)
_STILL_TO_DO = _LEFT | _folded(
    "should need needs must gotta have has to want لازم المفروض يجب ضروري بدي ابي ابغى ابغي ودي محتاج "
    "lazem lazim mafrood mafroud badi biddi abi abgha"
)


def asks_whats_left(text: str) -> bool:
    """ "وش باقي علي من شغل ما خلص؟", "شو ضايل علي؟", "what's left for me?", "eh elly fadel 3alaya?": a
    what-question about what is left to do (the open list), naming no task number."""
    words = _words(text)
    if not asks_question(text) or names_task_number(text) or not any(w in _WHAT for w in words[:3]):
        return False
    # ("what's left on the battery check task?" asks about one task)
    return any(w in _LEFT for w in words) and not any(w in _ONE_TASK_WORD for w in words)


_ONE_TASK_WORD = _folded("task مهمة المهمة مهمه المهمه تاسك التاسك mohemma mohema mhemme")
_TASK_NOUNS = _ONE_TASK_WORD | _folded("tasks reminder reminders todo تذكير مهام تاسكات")


def asks_what_status(text: str) -> str | None:
    """The status of the list a "what / which …?" question asks for: "open" for what is still to be done
    ("what should I finish first?", "شو لازم اخلص اليوم؟"), "done" otherwise ("وش خلصت من مهام؟", "which
    ones did I finish?"); None when the message asks no such question."""
    words = _words(text)
    # "فرجيني شو خلّصت من مهام", "show me what I've finished": a request to see what … asks it too
    shown = opens_with_show(text) and any(w in _WHAT for w in words[1:4])
    if not (shown or (asks_question(text) and any(w in _WHAT for w in words[:2]))):
        return None
    return "open" if any(w in _STILL_TO_DO for w in words) or says_unfinished(text) else "done"


# Verbs of showing, each dialect group: "show me", "وريني", "فرجيني", "ورجيني", "اعرض", "warini" (also the
# opening of a request to see the late ones, _SEE_LATE).
_SHOW_VERBS = _folded(
    "show list view display see وريني ورني وريلي ورجيني ورجيلي فرجيني فرجيلي ارني أرني اعرض اعرضي اعرضلي "
    "طلعلي طلعيلي warini wareeni warrini warjini farjini farjeeni "
    # Arabizi "see": "3ayez ashoof el maham beta3ti", "baddi shouf shu 3layi"
    "ashoof ashouf ashuf ashof shoof shouf shuf"
)
_SHOW = _SHOW_VERBS | _folded("اعرضيلي e3redli 3redli")
_THING = _folded("شي اشي إشي حاجه حاجة حاجات شغل مهام مهمات تاسكات anything something tasks stuff due")


def opens_with_show(text: str) -> bool:
    """The message opens (politeness and greetings aside) with a verb of showing: "warini el tasks
    beta3ti", "pull up 1003 for me", "طلّع لي الشغل اللي علي" (the "for me" written apart)."""
    words = [w for w in _words(text) if w not in _POLITE]
    if words[1:2] and words[1] in _FOR_ME and words[0] + words[1] in _SHOW:
        return True
    return bool(words) and (words[0] in _SHOW or (words[0] in _UP_VERBS and words[1:2] == ["up"]))


_FOR_ME = _folded("لي لنا li lna")


_UP_VERBS = _folded("pull bring look call")  # "pull up 1003", "bring up the lease one"


# "due", asked of one's work: "what's due tomorrow?", "شو المطلوب مني لبكرا؟", "وش المستحق علي باجر؟"
_DUE = _folded(
    "due مطلوب المطلوب مستحق المستحق المستحقة مستحقة matloub el matloub mat2loub mostta7a2 mosta7a2"
)


_CALLED = _folded("يا هدهد hudhud ya")


def asks_what_is_due(text: str) -> bool:
    """A short question about one's own work on a day: "عندي شي باجر؟", "anything due tomorrow?", "فيه
    حاجة عليا النهارده؟", "شو عندي بكرة؟" — the list of what is due by then."""
    words = _words(text)
    # "شو لازم سلّم بكرا؟" (what must I hand in tomorrow?): what one must do is one's own
    mine = any(w in _MINE or w in _STILL_TO_DO or w in _DUE for w in words)
    # (the question itself is short: "شو عندي لبكرا؟ بدي رتّب مشاويري" says why after it)
    *questions, _ = text.replace("؟", "?").split("?")
    # the last question, without the bot called by its name ("…بكرا يا هدهد؟")
    asked = [w for w in _words(questions[-1] if questions else text) if w not in _CALLED]
    return (
        asks_question(text)
        and says_date(" ".join(asked))
        and len(asked) <= 6
        and mine
        and any(w in _THING or w in _WHAT for w in words)  # "عندي إيه يوم الأربع؟"
    )


def asks_question(text: str) -> bool:
    """The message is a question: it ends with a question mark (emoji and spaces aside), or opens with a
    question followed by a short aside ("when's our next inspection? want to get the team ready")."""
    stripped = text.strip()
    if _QUESTION_END.search(stripped):
        return True
    asked, mark, aside = stripped.replace("؟", "?").partition("?")
    return bool(mark) and len(_words(asked)) >= 2 and len(_words(aside)) <= _ASIDE


def opens_with_create(text: str) -> bool:
    """ "add a task…", "زيد مهمة…", "حط تذكير…": the message asks for a new task in its first words."""
    return any(w in _CREATE for w in _words(text)[:2]) or bool(_MAKE_A_TASK.search(fold(text)))


_MINE = _folded(
    "my mine me بتاعتي بتاعي حقي حقتي تبعي تبعتي عندي مهامي مهماتي تاسكاتي شغلي "
    # "on me" ("عليّا", Levantine "عليي"; bare "علي" is also the name Ali)
    "عليا عليي علييا 3alaya 3alayya 3alayi "
    # Egyptian "ورايا" (behind me: what I still have to do): "هو أنا ورايا إيه يوم الأربع؟"
    "ورايا وراي waraya waraya "
    # Arabizi "عندي" and "mine": "3indi shay mit2akhar?", "el tasks taba3i"
    "3ndi 3indi 3andi 3endi 3ndy 3andy taba3i tab3i beta3i bta3i ta3i 7a2i 7agi "
    # feminine and plural owners of "tasks" (el maham beta3ti), and "on me" without its last vowel
    "beta3ti bta3ti taba3ti tab3ti 7a2ti 7agti 3alay 3alai"
)
_TEAM = _folded("team everyone everybody all الكل الجميع كلهم القسم الشباب")


def _says_team(words: list[str]) -> bool:
    return any(w in _TEAM or "team" in w or w.startswith(("فريق", "الفريق")) for w in words)


def says_team(text: str) -> bool:
    """The message speaks of the team's tasks ("مهام الفريق", "everyone's", "the team")."""
    return _says_team(_words(text))


def says_mine(text: str) -> bool:
    """The message asks about the user's own tasks ("وريني التاسكات بتاعتي") and nobody else's."""
    words = _words(text)
    # the "me" of "show me", "give me" is who sees the list, not whose it is
    owned = [w for i, w in enumerate(words) if not (w == "me" and i > 0 and words[i - 1] in _SHOWN_TO)]
    return not _says_team(words) and (any(w in _MINE for w in owned) or bool(_ON_ME.search(fold(text))))


_SHOWN_TO = _folded("show give tell send get let list find bring")


_DONE = _folded(
    "done complete completed finish finished finito close closed tick check سكر سكرت سكرها اقفل قفل اغلق "
    "sakker sakkar خلصت خلص خلصها خلصتها خلصناها "
    "خلاص منجزة منجز انجزت أنجزت انجز أنجز انجزها أنجزها تمت تم انتهت انتهيت خلصنا كملت كملتها اكتملت "
    "انهيت أنهيت انهيتها أنهيتها اتممت أتممت اتممتها أتممتها اكملت أكملت اكملتها أكملتها "
    "خالصه خالصة خلصانه خلصانة 5alast 5alas 5las 5lst khalas khalast 5alasna 5alsa khalsa 5alsana "
    "5ilas 5ilset 5olset 5elset khilis khilset "
    # "them": several tasks at once ("سكرهم", "خلصتهم", "أغلقهم")
    "قفلت قفلتها قفلناها قفلنا "
    # the verbal noun of closing, as a formal request says it: "يُرجى إغلاق المهمتين 4 و5"
    "إغلاق اغلاق إقفال اقفال تسكير إتمام اتمام إنهاء انهاء "
    "سكرهم سكره خلصهم خلصتهم قفلهم اقفلهم اقفلها قفلها انجزهم أنجزهم اغلقهم أغلقهم اغلقها أغلقها كملهم "
    "sakkarhom sakkerhom 5alashom khalashom "
    # Levantine and Egyptian "it finished / he finished" in Arabizi: "5elset", "5eles", "khilset"
    "5elset 5eles 5ilset 5iles 5elis khelset kheles khilset 5alaset 5elsat "
    # the ص of Gulf and Levantine "خلّصت" written 9 or s: "5ala9at", "5alsat", "khala9t"
    "5ala9at 5ala9t 5ala9 5l9t 5ala9na 5ala9ta 5alsat 5ilsat khala9at khala9t khalsat "
    "5allast 5allas 5allasna khallast khallas "
    # Egyptian "خُلصت" and Gulf "خلّصت": "5olset", "kholset", "5allast"
    "5olset 5olsit 5ols kholset kholsit 5allast 5allasat 5allasna "
    "2afalt 2afalet 2afaltha 2afaltaha afalt sakkart sakart sakkarta sakkartha "
    # what was to be done, said done: "the catering is booked", "invoice paid", "اتحجزت", "انرسلت"
    "booked sent paid submitted delivered fixed sorted handled shipped signed "
    "اتحجز اتحجزت انحجز انحجزت اترسل اترسلت انرسل انرسلت اتبعت اتدفع اتدفعت اندفع اندفعت اتصلح اتصلحت "
    "انحلت اتحلت اتسلم اتسلمت انسلم انسلمت"
) | verb_forms("سكر اقفل اغلق خلص انجز كمل انهي اتمم")  # "سكّرلي", "اقفلي", "خلصوا", "أنجزيها"
_DONE_MARKS = ("✅", "☑", "✔")


# A done word right after one of these is its opposite: "hasn't finished", "isn't done", "ما خلصت",
# "مش منجزة", "mesh 5alsa". ("لسا/لسه" stay out: Levantine "لسا خلصتها" is "I just finished it".)
_NEGATION = _folded(
    "not never isn isnt aren arent hasn hasnt haven havent wasn didn didnt t "
    "ما مش مو مب لم ماني mesh mish msh mo mush ma "
    # with "and" glued on: "…اللي عدّى موعدها وما خلصت", "ولسه مخلصتش"
    "وما ومش ومو ومب ولم wma wmish "
    # "nobody", each dialect group: Gulf "محد سكّرها", Egyptian "محدش قفلها", "ma7ad 5allasha"
    "nobody noone محد ماحد ومحد محدش ماحدش ma7ad mahad ma7adesh ma7adsh"
)
# Words that call tasks not finished by themselves: "my unfinished tasks", "وش باقي علي", "المهام المعلقة".
_UNFINISHED = _folded(
    "unfinished incomplete pending outstanding remaining "
    "باقي الباقي الباقيه المتبقي المتبقيه المعلق المعلقه المعلقة متبقي متبقيه ba2i baqi "
    # what is left, each dialect group: "مهام باقية", "شو ضايل عليي", "ايش فاضل", "el ba2ya"
    "باقيه باقيين ضايل ضايله ضايلين فاضل فاضله فاضلين معلقه ba2ya ba2yeen baqya baqia dayel"
)
_STILL_OPEN = re.compile(r"\bstill\s+open\b|\bleft\s+to\s+do\b|(?:^|\s)غير\s+(?:ال)?(?:منجزه|مكتمله|منتهيه)")


def _done_words(text: str) -> list[bool]:
    """For each done word of the message: is it negated?"""
    words = _words(text)
    return [
        any(b in _NEGATION for b in words[max(0, i - 2) : i]) for i, w in enumerate(words) if _is_done_word(w)
    ]


def _is_done_word(word: str) -> bool:
    """A done word, or an Arabizi one with its object ("5allastaha", "khalasto") or in any spelling of
    its person and vowels ("5alset", "sakkerla", "2felha")."""
    if word in _DONE:
        return True
    return word.isascii() and (_LATIN_OBJECT.sub("", word) in _DONE or bool(_ARABIZI_DONE.match(word)))


# The Arabizi forms of the three verbs of finishing and closing — خلص, سكّر, قفل — as each dialect group
# writes them: a stem of their consonants with any vowels, then a person, an object and "for me / her"
# ("5alset", "khallasna", "5ols", "sakkerla", "sakkartaha", "2afalt", "2fel", "qaflo"). Sugar, "sukkar",
# has its u; the name Saqr its single k.
_ARABIZI_DONE = re.compile(
    r"^(?:(?:5|kh)[aeiou]{0,2}l{1,2}[aeiou]{0,2}(?:ss|s|9)|s[aei]kk[aeiou]{0,2}r|(?:2|q)[aeiou]?f[aeiou]?l)"
    r"[aeiou]{0,2}(?:tt|t|na)?[aeiou]{0,2}(?:ha|hom|hum|h|o|u|lna|lha|la|li|l)?[aeiou]{0,2}$"
)


_LATIN_OBJECT = re.compile(r"(?:a?ha|a?hom|o)$")


def says_done(text: str) -> bool:
    """ "mark 42 done", "خلصت المهمة", "5alast": the message says a task is finished (not "hasn't
    finished", "ما خلصت")."""
    return any(not negated for negated in _done_words(text)) or any(m in text for m in _DONE_MARKS)


def says_not_done(text: str) -> bool:
    """ "12 is not done yet", "المهمة 12 ما خلصت", "لسه مخلصتش": every done word of the message is
    negated (one said plainly makes it no such message)."""
    said = _done_words(text)
    return (bool(said) and all(said)) or (not said and bool(_NOT_DONE_GLUED.search(fold(text))))


def says_done_by_mistake(text: str) -> bool:
    """ "I closed 12 by mistake", "سكرت مهمة 12 بالغلط", "التاسك اتقفل بالغلط": a completion said to be a
    mistake."""
    # In one clause: "finished 12, the wrong file was attached by mistake" takes nothing back.
    for clause in _CLAUSES.split(text):
        folded = fold(clause)
        done = says_done(clause) or bool(_PASSIVE_DONE.search(folded))
        if done and _BY_MISTAKE.search(folded):
            return True
    return False


_CLAUSES = re.compile(r"[,،.;؛!?؟\n]+")
# "اتقفلت", "انقفل", "تسكرت": closed, said of the task itself
_PASSIVE_DONE = re.compile(r"(?:^|\s)(?:ات|ان|ت)(?:قفل|سكر|خلص|كمل)\S*")


def says_unfinished(text: str) -> bool:
    """ "what hasn't the team finished", "my pending tasks", "وش باقي علي", "المهام اللي ما خلصت": the
    message is about tasks not finished yet."""
    if any(_done_words(text)) or any(w in _UNFINISHED for w in _words(text)):
        return True
    return bool(_STILL_OPEN.search(fold(text)))


_MIXED_WORD = re.compile(r"(?=[^\s]*[A-Za-z])(?=[^\s]*[\u0621-\u064A])[^\s]+")
_TASK_NOUNS = _folded("task tasks tsk todo reminder تاسك مهمة مهمه تذكير")
_TITLE_FILLER = _folded("new a an to jdeeda gdeeda jdida jadida gedida جديدة جديده جديد")


def garbled(title: str) -> bool:
    """A word half in Latin letters, half in Arabic ("المabee3ات"): a title the model mangled while
    transliterating Arabizi."""
    return bool(_MIXED_WORD.search(title))


def title_in_message(text: str) -> str | None:
    """The task's title as the user wrote it: what follows a colon, else what follows the word
    "task", with the date phrase at the end left out ("zeed task jdeeda: ta2reer el mabee3at bokra"
    → "ta2reer el mabee3at")."""
    if ":" in text:
        words = text.split(":", 1)[1].split()
    else:
        raw = text.split()
        at = next((i for i, w in enumerate(raw) if fold(w.strip(".,!?؟")) in _TASK_NOUNS), None)
        words = raw[at + 1 :] if at is not None else []
    while words and fold(words[0]) in _TITLE_FILLER:
        words = words[1:]
    cut = True
    while words and cut:
        cut = False
        for size in range(min(4, len(words)), 0, -1):
            if _is_date(" ".join(words[-size:])):
                words, cut = words[:-size], True
                break
    title = " ".join(words).strip(" .,!?؟")
    return title or None


# Words that say the message is about a task; without one (and without a task number) a message the
# router sent to a task-id action is a question, not a command.
# Substrings of each script: English, Arabic (مهمة، مهام، تاسك), Arabizi (mohemma, mahamat).
_TASK_WORDS = (
    "task", "todo", "to-do", "تاسك", "مهم", "مهام", "تذكير", "reminder",
    "mohem", "mohim", "mahama", "mahamat", "mahamm", "mhama", "mhamat", "mhem", "mhim",
)  # fmt: skip


# Counts per person, each dialect group: "who has the most open tasks", "who's the busiest", "how many does
# each person have", "مين عنده أكثر مهام", "منو عليه أقل شغل", "كم مهمة لكل واحد", "توزيع المهام",
# "meen 3ando aktar tasks", "kam task la kol wa7ad" — answered from the report's counts by person.
_PER_PERSON = re.compile(
    r"\bwho(?:'s|\s+is|\s+has|\s+have|\s+got|\s+on\b)?.*\b(?:most|least|fewest|busiest|lightest|more|less)\b"
    r"|\b(?:busiest|per\s+person|each\s+person|by\s+person|per\s+assignee|by\s+assignee|each\s+member|"
    r"per\s+member|workload|work\s+load)\b"
    r"|\bhow\s+many\b.*\b(?:each|everyone|everybody|per)\b"
    r"|(?:^|\s)(?:مين|من|منو|مين\s+اللي|شو|ايش|وش)\s+.*(?:اكثر|اكتر|اقل|أكثر|أقل|اكبر)(?:\s|$)"
    r"|(?:^|\s)(?:لكل|عند\s+كل|على\s+كل|كل)\s+(?:واحد|شخص|موظف|عضو|فرد)(?:\s|$)"
    r"|(?:^|\s)(?:حسب|على\s+حسب)\s+(?:الشخص|الموظف|الاشخاص|الموظفين)(?:\s|$)"
    r"|(?:^|\s)(?:توزيع|ضغط)\s+(?:ال)?(?:مهام|شغل|عمل|تاسكات)"
    r"|\b(?:meen|min|mino|menu|mnu)\b.*\b(?:aktar|akthar|aktr|a2al|a2all|akal)\b"
    r"|\b(?:la|le|l|3and|3ind)\s*kol\s+(?:wa7ad|wahed|wa7ed|shakhs)\b",
    re.IGNORECASE,
)


_WORK = ("شغل", "workload", "work load", "load", "shoghl", "sho3'l")


# Whose tasks, each dialect group: "what's Laith working on?", "Sara's tasks", "tasks of Omar", "مهام ليث",
# "شو عند ليث", "وش على خالد", "ليث إيش عنده", "shu 3and laith", "eh elly 3ala rami" — one person's list.
_WHOSE = re.compile(
    r"\bwhat(?:'s|\s+is|\s+are)?\s+(?P<en1>[a-z][\w-]*)\s+(?:working\s+on|doing|busy\s+with|up\s+to|handling)\b"
    r"|\b(?P<en2>[a-z][\w-]*)'s\s+(?:open\s+|overdue\s+|late\s+)?(?:tasks|work|list|plate|to-?dos?)\b"
    r"|\b(?:tasks|work|to-?dos?)\s+(?:of|for|assigned\s+to|on)\s+(?P<en3>[a-z][\w-]*)\b"
    r"|\bwhat\s+(?:does|has)\s+(?P<en4>[a-z][\w-]*)\s+(?:got|have|has)\b"
    r"|\bwhat\s+(?:has|did|have)\s+(?P<en5>[a-z][\w-]*)\s+(?:finished|done|completed|closed|finish|complete|close)\b"
    r"|(?:^|\s)(?:مهام|مهمات|تاسكات|شغلات|شغل)\s+(?!ال)(?P<ar1>[\u0621-\u064A]{2,})(?=\s|$|[?؟.!،,])"
    r"|(?:^|\s)(?:وش|شو|ايش|إيش|ايه|إيه|شنو|شنهو|ماذا)\s+(?:اللي\s+|الي\s+|يلي\s+)?(?:عند|على|مع|لدى)\s+"
    r"(?!ال)(?P<ar2>[\u0621-\u064A]{2,})(?=\s|$|[?؟.!،,])"
    r"|(?:^|\s)(?!ال)(?P<ar3>[\u0621-\u064A]{2,})\s+(?:وش|شو|ايش|إيش|ايه|إيه|شنو)\s+(?:عنده|عندها|عليه|عليها)"
    r"(?=\s|$|[?؟.!،,])"
    r"|\b(?:shu|sho|eh|eih|esh|wesh|shno)\s+(?:elli\s+|illi\s+|yalli\s+)?(?:3and|3ind|3end|3ala|3la)\s+"
    r"(?P<lat1>[a-z]{2,})\b"
    # "eh el tasks elly 3and rami", "shu el mahamat elli 3ala huda": the tasks someone holds, in Arabizi
    r"|\b(?:tasks|taskat|mahamat|mahammat|shoghlat)\s+(?:elli|elly|illi|illy|yalli|eli|ely|ili|lli)\s+"
    r"(?:3and|3ind|3end|3ala|3la|ma3|m3)\s+(?P<lat3>[a-z]{2,})\b"
    r"|\b(?:mahamat|mahammat|shoghl)\s+(?P<lat2>[a-z]{2,})\b"
    # "شو خلّص رامي؟", "ايش أنجزت نور": what a person has finished
    r"|(?:^|\s)(?:وش|شو|ايش|إيش|ايه|إيه|شنو|ماذا)\s+(?:اللي\s+|الي\s+|يلي\s+)?"
    r"(?:خلص|خلصت|انجز|أنجز|انجزت|أنجزت|سكر|سكرت|قفل|قفلت)\s+(?!ال)(?P<ar6>[\u0621-\u064A]{2,})(?=\s|$|[?؟.!،,])",
    re.IGNORECASE,
)
# The tasks given to, held by or belonging to a person, looked for first: "المهام المسندة إلى شيماء",
# "التاسكات اللي على رامي", "المهام حقت خالد", "مهام تبع سارة".
_WHOSE_OF = re.compile(
    r"(?:^|\s)(?:ال)?(?:مهام|مهمات|تاسكات|شغلات)\s+"
    r"(?:(?:ال)?(?:مسندة|مسنده|معطاة|معطاه|موكلة|موكله)\s+(?:إلى|الى|لـ|ل)\s*|(?:اللي|الي|يلي|التي)\s+(?:على|عند|مع)\s+)"
    r"(?!ال)(?P<ar4>[\u0621-\u064A]{2,})(?=\s|$|[?؟.!،,])"
    r"|(?:^|\s)(?:ال)?(?:مهام|مهمات|تاسكات|شغلات)\s+(?:حق|حقت|تبع|تبعت|بتاع|بتاعة|بتاعت|تاع|تاعت)\s+"
    r"(?!ال)(?P<ar5>[\u0621-\u064A]{2,})(?=\s|$|[?؟.!،,])"
)
_NOT_WHOSE = _DAY_WORDS | _folded(
    "my our your his her their he she they someone anyone nobody left the team everyone everybody all "
    "people other others somebody anybody "
    "today tomorrow week month you me i we it this "
    "do does did have has is are was be can will should would still already "
    "that mine them us ana enta e7na el al elli illi open overdue late done due new next last this "
    "اليوم بكرة بكره الأسبوع الاسبوع الشهر الفريق الكل الجميع كلها كلهم مين من هذا هذه ده دي "
    "مفتوحة مفتوحه جديدة جديده قديمة قديمه كثيرة كثيره كتير واجد وايد عاجلة عاجله مهمة مهمه "
    # what an indefinite "مهام …" says of the tasks, each dialect group: left, coming, other, pending, many,
    # few, current, required, still / not yet, must ("مهام باقية", "مهام جاية", "مهام تانية", "مهام معلقة")
    "باقية باقيه باقي متبقية متبقيه ضايلة ضايله ضايل فاضلة فاضله فاضل ناقصة ناقصه جاية جايه جاي "
    "قادمة قادمه تانية تانيه ثانية ثانيه تانيين ثانيين اخرى ثانوية معلقة معلقه عالقة عالقه كتيرة كتيره "
    "كثير قليلة قليله شوية شويه حالية حاليه سابقة سابقه فايتة فايته مطلوبة مطلوبه مطلوب ضرورية ضروريه "
    "لازم ضروري ما مش مو مب مافي لسا لسه لسة لسى بعد بقت بقيت صارت صار "
    "حق حقت تبع تبعت بتاع بتاعة بتاعت تاع تاعت تبعي تبعتي حقي حقتي بتاعي بتاعتي تاعي تاعتي خاصتي "
    "ba2ya ba2yeen baqya baqia jaye jaya jayeh gaya tanya tanye tanyeen tanieh ktir kteer keteer kteera "
    "m3alla2a mo3alla2a mat2a5ra lessa lissa lesa lisa ma mish mesh mosh mu msh"
)
# An indefinite "مهام" followed by a verb or participle that says what the tasks are ("مهام فات موعدها",
# "مهام خلصت", "mahamat 5alset"): words this many after the name are read with it.
_NEXT_WORDS = 2
# "father of" / "mother of": the name is the two words ("أبو فهد", "ام خالد", "abu fahad")
_KUNYA = _folded("ابو أبو بو ام أم abu abou abo bu um umm om")


def whose_tasks(text: str) -> str | None:
    """The one person whose tasks the message asks about ("what's Laith working on?", "شو عند ليث"), or
    None (one's own, the team's, a date or a task's word)."""
    if names_task_number(text):
        return None
    bare = without_harakat(text)
    for found in (*_WHOSE_OF.finditer(bare), *_WHOSE.finditer(bare)):
        group = next((k for k, v in found.groupdict().items() if v), None)
        if group is None:
            continue
        name = found[group]
        if fold(name) in _NOT_WHOSE or is_self(name) or not could_be_person(name):
            continue
        after = re.findall(r"[^\W_]+", bare[found.end(group) :])
        if fold(name) in _KUNYA:  # "شو عند أبو فهد": both words, or nobody
            if after and could_be_person(after[0]) and fold(after[0]) not in _NOT_WHOSE:
                return f"{name} {after[0]}"
            continue
        # "مهام متأخرة", "مهام فات موعدها": a kind of task, said by the name alone or by the name with the
        # words after it ("مهام سارة المتأخرة" stays Sara's: the words after say it without her)
        rest = " ".join(after[:_NEXT_WORDS])
        if any(
            says(name) or (says(f"{name} {rest}") and not says(rest))
            for says in (says_overdue, says_done, says_unfinished)
        ):
            continue
        return name
    return None


# The word "priority" itself, each dialect group: with it any level filters a list ("my low priority
# tasks"); without it only a high one does ("my urgent tasks": "later" or "بسيطة" alone filter nothing).
_PRIORITY_NOUNS = _folded(
    "priority priorities أولوية اولوية الأولوية الاولوية أولويتها اولويتها أولويات اولويات الأولويات "
    "awlawiyye awlawiya awlaweya awlawya olaweya"
)


def listed_priority(text: str) -> str | None:
    """The priority a list is asked for ("my urgent tasks", "المهام ذات الأولوية العالية", "low priority
    ones"), or None."""
    # "المهام المستعجلة", "ذات الأولوية العالية": the level with its article
    level = normalize_priority(
        " ".join(w[2:] if w.startswith("ال") and len(w) > 4 else w for w in _words(text))
    )
    if level is None:
        return None
    return level if level == "high" or any(w in _PRIORITY_NOUNS for w in _words(text)) else None


_MANY_TASKS = _folded(
    "tasks todos reminders مهام مهمات تاسكات شغلات المهام المهمات التاسكات الشغلات mahamat mahammat "
    "maham mahaam mahamm mahaamat"
)


def says_many_tasks(text: str) -> bool:
    """The message speaks of tasks in the plural ("مهام اليوم", "tasks for tomorrow"): a list."""
    return any(w in _MANY_TASKS for w in _words(text))


# What a list is of, besides "tasks": one's plate, to-do list, work ("وش عندي شغل؟", "ورّيني شغلي",
# "warini shoghli", "mahamati", "my to-do list please").
_LIST_OF = _folded(
    "plate todo todos to-do list شغل شغلي شغلك شغلات مهامي مهماتي تاسكاتي "
    "shoghl shoghli sho3'li mahamati mahammati taskati"
)
# The speaker in English, beyond "my": "anything I'm late on?", "what have I got?".
_I = _folded("i me my mine mahamati mahammati shoghli taskati")
# "can I delete other people's tasks?", "should I…", "هل يمكنني…": a question about what may be done.
_MAY_I = re.compile(
    r"\b(?:can|could|should|may|must)\s+i\b|(?:^|\s)(?:هل\s+)?(?:يمكنني|اقدر|أقدر|بقدر|اگدر)(?:\s|$)"
)
_WHY = _folded("why ليش ليه لماذا لم leh lesh lash")
_WHEN = _folded("when whens متى امتى إمتى ايمتى إيمتى امتا إمتا emta imta emtaa emteh")
_TO_ME = re.compile(r"\b(?:show|tell|give|send|let)\s+me\b")
_SHORT_REQUEST = 5  # words of a message that is a request by itself: "mahamati", "my to-do list please"


def asks_for_a_list(text: str) -> str | None:
    """The scope of the list a message asks to see — "mine" ("what's on my plate this week?", "anything
    I'm late on?", "اعرضلي مهامي", "fi shi 3alayi?") or "team" ("وش مهام الفريق؟", "show me what the team
    is doing") — or None: it names a task, asks how, who or whether one may, or asks about no list."""
    folded = fold(text)
    if names_task_number(text) or asks_how(text) or _MAY_I.search(folded) or says_create_anywhere(text):
        return None
    if _HOW_MANY.search(folded) and not says_many_tasks(text):  # "how many hours a week are my staff…"
        return None
    words = _words(text)
    if not words or (asks_question(text) and words[0] in _WHO) or any(w in _WHY for w in words[:2]):
        return None
    if words[0] in _WHEN and not says_many_tasks(text):  # "when's our next inspection?": one date
        return None
    on_me = bool(_ON_ME.search(folded))
    listed = says_many_tasks(text) or says_overdue(text) or on_me or any(w in _LIST_OF for w in words)
    team = _says_team(words)
    # "show me the late fee policy": the "me" of "show me" owns nothing
    owned = _TO_ME.sub(" ", folded)
    mine = says_mine(owned) or on_me or any(w in _I for w in _words(owned))
    asked = asks_question(text) or opens_with_show(text) or len(words) <= _SHORT_REQUEST
    if not (listed or team) or not asked or not (mine or team):
        return None
    return "team" if team else "mine"


# "فيه شي علي؟", "fi shi 3alayi?", "المهام اللي علي": something on me ("علي" alone is also the name Ali)
_ON_ME = re.compile(
    r"(?:^|\s)(?:(?:شي|اشي|إشي|حاجه|حاجة|shi|eshi|7aga|اللي|الي|يلي|elli|illi)\s+"
    # "اللي باقي علي", "وش باقي علي", "يلي ضايل عليي", "elli ba2i 3alaya": what is left on me
    r"(?:(?:باقي|باقيه|ضايل|ضايله|فاضل|فاضله|متبقي|ba2i|baqi|dayel)\s+)?"
    r"|(?:باقي|باقيه|ضايل|ضايله|فاضل|فاضله|متبقي|ba2i|baqi|dayel)\s+)"
    r"(?:علي|عليا|عليي|3alaya|3alayi|3alayya|3alay|3alai|3alayy)(?:\s|$|[?؟.!،,])"
)


def asks_per_person(text: str) -> bool:
    """The message asks for counts of tasks or work person by person ("who has the most open tasks?",
    "منو عليه أقل شغل", "kam task la kol wa7ad"): a report by person, not one list."""
    folded = fold(text)
    about_work = mentions_task(text) or any(w in folded for w in _WORK)
    return about_work and bool(_PER_PERSON.search(folded))


# How many, each dialect group: "how many", "كم", "كام", "قديش", "قدّيه", "عدد", "kam", "2addesh", "ad eh".
_HOW_MANY = re.compile(
    r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\b"
    r"|(?:^|\s)(?:كم|كام|قديش|قديه|قداش|عدد|بكم)(?:\s|$)"
    r"|\b(?:kam|kaam|2addesh|addesh|2adesh|adesh|2adeh|adeh|2ad\s+eh|ad\s+eh)\b",
    re.IGNORECASE,
)


_HOW_MUCH = re.compile(r"\bhow\s+(?:much|long)\b", re.IGNORECASE)


def asks_quantity(text: str) -> bool:
    """The message asks how much or how many of anything ("how much of the deposit…", "كم يوم إجازة",
    "قديش بدل السفر", "2addesh el 3arboun")."""
    folded = fold(text)
    return _HOW_MANY.search(folded) is not None or _HOW_MUCH.search(folded) is not None


# A polite request, each dialect group ("can you…", "ممكن…", "تقدر…", "بتقدر…", "momken…", "te2dar…"):
# asked as a question, it still asks for a change.
_REQUEST = _folded(
    "please pls plz ممكن تقدر تقدري بتقدر بتقدري يمكنك تستطيع تكرما momken mumkin mmkn mumken momkin "
    "te2dar ti2dar t2dar tigdar tegdar bte2dar فيك فيكي بتقدري fik feek fiki feeki"
)


def asks_for_a_change(text: str) -> bool:
    """ "can you push the florist one to Thursday?", "ممكن تأجل…؟", "momken t5alli…?": a request, however
    asked."""
    return _ASKS_FOR.search(text) is not None or any(w in _REQUEST for w in _words(text))


def asks_count(text: str) -> bool:
    """The message asks how many tasks ("how many open tasks do I have?", "قديش مهمة مفتوحة عندي؟", "كم
    تاسك متأخر علي", "kam task 3andi"), naming no task by its number: the report's counts answer it. "كم"
    and "قديش" also ask how much: "كم ساعة اشتغلت على…", "قديش أولوية مهمة المولد؟" count no tasks."""
    folded = fold(text)
    asked = _HOW_MANY.search(folded)
    if asked is None or not mentions_task(text) or names_task_number(text):
        return False
    after = _words(folded[asked.end() :])
    return not (after and after[0] in _MEASURES)


# What "how much / how many" asks of that is no number of tasks: time, money, a priority, a date.
_MEASURES = _folded(
    "hours hour minutes minute days day weeks week months time times long money priority "
    "ساعة ساعه ساعات دقيقة دقيقه دقايق دقائق يوم أيام ايام يومين اسبوع أسبوع أسابيع اسابيع شهر شهور "
    "وقت مرة مره مرات أولوية اولويه الأولوية الاولويه أولويتها اولويتها "
    "ريال جنيه دينار درهم ليرة دولار سعر تكلفة "
    "sa3a sa3at saa3a yom youm ayam ayyam wa2t wa2et marra awlawiyye awlaweya"
)


def mentions_task(message: str) -> bool:
    folded = fold(message)
    return any(word in folded for word in _TASK_WORDS) or bool(numbers_in(message))


# (a digit glued to letters is an Arabizi letter: "task 3andi" names no task 3)
_TASK_NUMBER = re.compile(
    r"(?:#|\b(?:task|tsk|tasks)\s*#?|(?:مهمه|تاسك|رقم)\s*#?)\s*\d+(?![A-Za-z])", re.IGNORECASE
)


def names_task_number(message: str) -> bool:
    """The message names a task by its number ("task 43", "#43", "المهمة ٤٣"): it is not about "it"."""
    return bool(_TASK_NUMBER.search(fold(to_latin_digits(message))))


# Undo the user's own last change (tools/undo.py). Written from dialect knowledge, not from failures: the
# whole message — politeness and interjections aside (_UNDO_FILLER) — is one of these, or asks for
# something to be put back "as it was" (_AS_IT_WAS). A message that names a task ("undo task 7") or says
# anything more is not an undo: undo reverts the last change, whichever task that was.
# fmt: off
UNDO: dict[str, tuple[str, ...]] = {
    "english": (
        "undo", "undo that", "undo it", "undo this", "undo the last change", "undo my last change",
        "undo last change", "undo the last one", "undo last", "undo the change", "undo what you did",
        "undo your last change", "revert", "revert that", "revert it", "revert this",
        "revert the last change", "revert my last change", "put it back", "put that back",
        "change it back", "change that back", "set it back", "roll back", "roll it back",
        "roll that back", "rollback", "cancel the last change", "cancel my last change",
        "take it back", "take that back", "reverse that", "reverse it", "reverse the change",
        "revert the change", "revert my change", "cancel that change", "undo that change",
        "undo the update", "revert the update", "go back to how it was",
        "cancel what you did", "cancel what you just did", "revert what you did", "reverse what you did",
    ),
    "msa": (
        "تراجع", "تراجعي", "تراجع عن ذلك", "تراجع عن هذا", "تراجع عنه", "تراجع عنها",
        "تراجع عن التغيير", "تراجع عن التعديل", "تراجع عن آخر تغيير", "تراجع عن آخر تعديل",
        "تراجع عن التغيير الأخير", "تراجع عن التعديل الأخير", "ألغِ آخر تغيير", "ألغِ آخر تعديل",
        "ألغي آخر تغيير", "ألغي آخر تعديل", "ألغِ التغيير الأخير", "ألغِ التعديل الأخير",
        "أعدها كما كانت",
        "ألغ التعديل", "الغ التعديل", "ألغِ التعديل", "ألغي التعديل", "ألغ التغيير", "ألغي التغيير",
        "أرجعها", "ارجعها", "أعدها", "اعدها", "استرجعها", "تراجع عن آخر إجراء", "ألغِ آخر إجراء",
        "ارجع عن التغيير", "ارجع عن التعديل", "تراجع عما فعلته", "ألغِ ما فعلته",
    ),
    "gulf": (
        "رجّعها", "رجّعه", "رجعها مثل ما كانت", "رجّع اللي سويته", "الغ اللي سويته",
        "تراجع عن آخر شي", "تراجع عن اللي سويته", "رجعها شرات ما كانت",
        "كنسل التعديل", "كنسل آخر تعديل", "رجع التعديل", "الغ التعديل", "رجعها مثل قبل",
    ),
    "egyptian": (
        "رجعها زي ما كانت", "رجّعها زي الأول", "الغي اللي عملته", "رجّع اللي عملته",
        "بلاش التعديل ده", "الغي التعديل", "الغي التعديل ده", "رجّع التعديل", "رجّعها زي ما كانت",
        # "give it back to me" after it was handed away: put back as it was
        "رجّعهالي", "رجّعهولي", "رجّعيهالي", "رجّعها ليا", "رجّعها لي",
    ),
    "levantine": (
        "رجّعها متل ما كانت", "رجّعا", "رجّعا متل ما كانت", "رجّع يلي عملتو",
        "لغي التعديل", "ارجع عن التعديل", "كنسل التعديل", "رجعها متل قبل", "رجّعلي ياها متل ما كانت",
        "رجّعلي ياها", "رجّعلي اياها",
    ),
    "arabizi": (
        "undo", "raje3ha", "rag3ha", "rage3ha", "raj3ha", "rg3ha", "raje3o", "rag3o",
        "rag3ha zay ma kanet", "raje3ha mitl ma kanet", "raje3ha methl ma kanat",
        "ragga3ha", "rj3ha", "el8i el ta3deel", "elghi el ta3deel", "cancel el ta3deel",
        "rage3 el ta3deel", "raje3 el ta3deel", "undo el ta3deel", "rja3 3an el ta3deel",
        "rajje3ha", "rajja3ha", "raja3ha", "rajje3o",
    ),
}
# fmt: on
_UNDO_FILLER = _folded(
    "please pls plz pliz kindly just now ok okay oops oh no sorry wait actually hey hudhud "
    "لو سمحت من فضلك رجاء رجاءً بليز ارجوك أرجوك لا معليش عفوا اوه اوبس يا هدهد "
    "law lw sama7t sm7t min fadlak fadlik la2 la laa سمحتي سمحتو سمحتوا sama7ti "
    # "the last change you made": who made it says nothing more
    "سويته سويتيه سويتوه عملته عملتيه عملتوه سويتها عملتها"
)
# Each phrase as a message is read: its fillers set aside ("رجّع اللي سويته" is "رجّع اللي").
_UNDO = frozenset(
    " ".join(w for w in _words(phrase) if w not in _UNDO_FILLER)
    for phrases in UNDO.values()
    for phrase in phrases
)
_AR_WORD = re.compile(r"[\u0621-\u064A]+")


# Each phrase said to a woman or to several as well: "تراجعي عن آخر تغيير", "رجعيها", "رجعوها زي ما كانت"
# (the ending goes before an object pronoun).
_UNDO |= frozenset(
    " ".join([addressed(first, ending), *rest])
    for first, *rest in (phrase.split(" ") for phrase in _UNDO)
    if _AR_WORD.fullmatch(first)
    for ending in ("ي", "و", "وا")
)
# "رجّعها زي ما كانت", "أعدها كما كانت", "خليها متل الأول", "rag3ha zay ma kanet", "put it back the way
# it was": a verb of putting back, at most three words, then "like / as it was / before".
_AS_IT_WAS = re.compile(
    r"(?:(?:ا?رجع|اعد|اعيد|رد|خلي?)\S*|(?:r[ae]?[gj]{1,2}[ae]?3|raj3|rg3|reg3|rja3|5all?i|khall?i)\S*)"
    r"(?:\s+\S+){0,3}?\s+(?:مثل|زي|متل|كما|كيف|زيما|شرات|zay|zai|zei|zy|zayy|mitl|mitel|metl|metel|mitil|mithl|methl|misl)"
    r"(?:\s+(?:ما|ma))?\s+(?:كان\S*|قبل|الاول|اول|kan\S*|2abl|abl|awel|awal|el\s*awal|el\s*awel)"
    r"(?:\s+(?:قبل|تماما|بالضبط|2abl|abl))?"
    # "…كانت عندي" (as it was, with me), after a hand-over
    r"(?:\s+(?:عندي|معي|علي|عليا|3andi|3andy|ma3i|3alaya))?"
    # "رجّعها لميعادها القديم", "رجع الموعد الأصلي", "rag3ha le ma3adha el adeem": back to its old date
    r"|(?:(?:ا?رجع|اعد|اعيد|رد|خلي?)\S*|(?:r[ae]?[gj]{1,2}[ae]?3|raj3|rg3|reg3|rja3|5all?i|khall?i)\S*)"
    r"(?:\s+\S+)?\s+(?:(?:ل|على|ع|عل)\s*)?(?:ل?(?:ميعاد|موعد|تاريخ|وقت|الميعاد|الموعد|التاريخ|الوقت)\S*"
    r"|(?:l|le|la|3al?)?\s*(?:el\s+)?(?:ma3ad|mi3ad|maw3ed|mow3ed|ma3ed)\S*)"
    r"\s+(?:القديم|الاصلي|السابق|الاول|اللي\s+كان|el\s+adeem|el\s+2adeem|el\s+2adim|el\s+adim|el\s+2asli"
    r"|el\s+asli|el\s+awal)"
    r"|(?:put|change|set|turn|move)\s+(?:it|that|this)\s+back\s+to\s+(?:its|the)\s+(?:old|original|previous)"
    r"\s+(?:date|deadline|due\s+date)"
    r"|(?:put|change|set|turn|make|switch)\s+(?:it|that|this|them|everything|the\s+task"
    r"|the\s+(?:due\s+)?date|the\s+deadline|the\s+priority|the\s+name|the\s+title)\s+back"
    r"(?:\s+(?:to\s+)?(?:the\s+way|how|as|like)\s+(?:it|they)\s+(?:was|were)(?:\s+before)?)?"
    r"|(?:make|leave|revert|restore)\s+(?:it\s+|that\s+)?(?:to\s+)?(?:the\s+way|how|as|like)\s+it\s+was"
    r"(?:\s+before)?"
)


# Words that make a following "undo that" no request: its opposite ("don't undo that"; "لا تتراجع" is
# another verb), or a question about undoing ("can I undo it?", "how to undo", "هل تراجع…").
_NOT_UNDO = _folded("don dont t not never didn didnt shouldn won wont مو مش ما مب i we to how كيف هل")


# "تراجع عن هاد التغيير", "الغي التعديل ده", "كنسل آخر تعديل": a verb of undoing, then the change itself —
# a noun of changing, "this / that / the last" in each dialect group — and nothing else. A verb of going
# back from something ("تراجع عن", "ارجع عن") may name the change by "this" alone ("تراجع عن هاد"); a verb
# of cancelling needs the noun ("الغي ده" cancels what waits for a confirmation, not the last change).
_BACK_FROM = _folded("تراجع تراجعي تراجعوا ارجع ارجعي ارجعوا")
_CANCEL_CHANGE = _folded(
    "الغ ألغِ الغي الغوا لغي لغيه كنسل كنسلي كنسلوا رجع رجعي رجعوا undo revert reverse rollback "
    "elghy elghi el8i 2elghy 2elghi ilghi elgheeh kansel cancel raje3 rage3 rajje3 ragga3 rj3 rg3"
)
_CHANGE_NOUN = _folded(
    "التغيير التعديل الإجراء التغييرات التعديلات تغيير تعديل إجراء تغييري تعديلي التحويل تحويل "
    "التأجيل تأجيل الإسناد إسناد التكليف هالتغيير هالتعديل هالتأجيل هالتحويل ta2jeel el ta2jeel "
    "ta3deel ta3dil taghyeer taghyir ta7weel ta7wil "
    "change edit action one thing"  # "revert that last one", "undo the last change"
)
_THIS_CHANGE = _folded(
    "هذا هذه هذي هاذا هاذي هاد هادا هادي هيدا هيدي هاي ده دي دا دة ذلك ذاك هداك هذاك هاداك "
    "آخر اخر الأخير الأخيرة الاخير اللي الي يلي السابق السابقة فات that this the last my previous "
    # Arabizi: "elghy el ta7weel da", "raje3 el ta3deel hayda", "el8i akher ta3deel"
    "el da di dah deh hada hadi hay hayda haida akher a5er elly elli illi fat"
)


def _undoes_the_change(words: list[str]) -> bool:
    verb, rest = (words[0], words[1:]) if words else ("", [])
    if verb in _BACK_FROM and rest[:1] == ["عن"]:
        rest = rest[1:]
    elif verb not in _CANCEL_CHANGE or not any(w in _CHANGE_NOUN for w in rest):
        return False
    return bool(rest) and all(w in _CHANGE_NOUN or w in _THIS_CHANGE for w in rest)


def _one_undo(words: list[str]) -> bool:
    said = " ".join(words)
    return bool(words) and (
        said in _UNDO or _AS_IT_WAS.fullmatch(said) is not None or _undoes_the_change(words)
    )


# "…and keep it with me" after an undo ("elghy el ta7weel da w 5allih 3andy", "الغي التحويل وخليها عندي"):
# what undoing a hand-over leaves, said again.
_KEPT_MINE = frozenset(
    " ".join(_words(phrase))
    for phrase in (
        "keep it with me",
        "خليها عندي انا",
        "خليه عندي انا",
        "خليها معي انا",
        "5alliha 3andi ana",
        "leave it with me",
        "keep it mine",
        "خليها عندي",
        "خليه عندي",
        "خليها معي",
        "خليه معي",
        "خليها علي",
        "خليه علي",
        "خليها عليا",
        "خليه عليا",
        "خليها باسمي",
        "خليه باسمي",
        "5allih 3andy",
        "5alliha 3andy",
        "5allih 3andi",
        "5alliha 3andi",
        "khallih 3andi",
        "khalliha 3andi",
        "5alliha ma3i",
        "5allih ma3i",
        "khalliha ma3i",
        "5alliha 3alaya",
        "5allih 3alaya",
    )
)
_AND = _folded("and w we wa و")


def _is_undo(words: list[str]) -> bool:
    """An undo, or two said as one ("تراجع عن اللي فات ورجّع الميعاد زي ما كان", "undo that and put it back
    the way it was", "elghy el ta7weel da w 5allih 3andy")."""
    if _one_undo(words):
        return True
    for i in range(1, len(words) - 1):
        first, word, rest = words[:i], words[i], words[i + 1 :]
        if word in _AND:
            second = rest
        elif word.startswith("و") and len(word) > 2:  # "ورجّع": "and" glued on
            second = [word[1:], *rest]
        else:
            continue
        if _one_undo(first) and (_one_undo(second) or " ".join(second) in _KEPT_MINE):
            return True
    return False


def says_undo(text: str) -> bool:
    """ "undo that", "تراجع", "رجّعها زي ما كانت", "raje3ha": the message asks, and only asks, for the
    user's last change to be reverted — alone, closing a message that only owns up to a slip ("I hit
    the wrong one, undo that", "غلطت، تراجع"), or opening one ("undo that, wrong one"): the other words
    name no number (the 2 of "la2" is a letter), do not negate the undo and join no second change."""
    words = [w for w in _words(text) if w not in _UNDO_FILLER]
    if _is_undo(words):
        return True
    for size in range(min(len(words) - 1, _UNDO_WORDS), 0, -1):
        before = words[:-size]
        if _is_undo(words[-size:]):
            return before[-1] not in _NOT_UNDO and not numbers_in(" ".join(before))
    for size in range(min(len(words) - 1, 5), 0, -1):
        after = words[size:]
        if len(after) <= _OWNING_UP and set(after) <= _SLIP and _is_undo(words[:size]):
            return True
    return False


_UNDO_WORDS = 8  # the longest undo said after other words: "elghy el ta7weel da w 5allih 3andy"
_OWNING_UP = 4  # words after an opening "undo that": "wrong one", "my mistake", "غلطت فيها"
# Owning up to a slip, each dialect group ("wrong one", "my bad", "غلطت", "بالغلط", "معلش", "ghalat"): only
# such words may follow an opening undo ("رجعها مفتوحة" reopens, "undo that and make it high" is more).
_SLIP = _folded(
    "wrong one mistake mistaken oops sorry my bad by accident accidentally misclicked typo that it was the "
    "غلط غلطت غلطة غلطه خطأ خطا بالغلط بالخطأ بالخطا غلطان غلطانة غلطانه اسف آسف اسفة آسفة معلش معليش فيها "
    "هذي هاي ده دي هذا ghalat ghalta ghalatt 8alat 8alta ghlet aasef asef asfa ma3lesh ma3lish "
    # what was wrong: "wrong person", "الشخص الغلط", "مش هو", "el rakam ghalat"
    "person guy task number date day name assignee not him her الشخص شخص المهمه مهمه الرقم رقم التاريخ "
    "الاسم اسم مش مو مب هو هي هوه هيه الغلط الخطأ الخطا el rakam rakam"
)


# Verbs of handing a task to someone, each dialect group: "give it to", "أسندها لـ", "عطها", "اديها",
# "حوّلها", "3teeha". A leading "و" ("وأسندها") is the "and" of a second change.
_HAND_OVER = _folded(
    "assign assigned reassign delegate give hand pass transfer "
    "اسند أسند اسندها أسندها اسنده أسنده اسندي أسندي اسنديها أسنديها اسندوا أسندوا اسندوها أسندوها "
    "اعط أعط اعطها أعطها اعطيها أعطيها اعطي أعطي عط عطها عطيها عطه عطي حول حولها حوليها حولي حولوها "
    "ادي اديها إديها اديله ودي وديها سلم سلمها "
    "3teeha a3teeha a3tiha 3tiha 7awelha hawelha ediha eddiha asnedha "
    # Arabizi without the pronoun, and its spellings: "7awel el task la sara", "sallemha l omar"
    "7awel 7awwel 7awil 7awli 7awlha 7awwelha 7awelo 7awlo hawel hawwel edi eddi ede edeeha a3tee 3tee "
    "sallem sallemha salemha asned asnedo asnediha "
    # Gulf Arabizi "عط" (ط written 6): "3a6 task 203 l john", "3a6ha sara"
    "3a6 3a6ha 3a6eeha 3a6iha a3a6 3a6ni 3a6o 3a6ih"
) | verb_forms("اسند حول اعط عط سلم")  # "حوّليها", "أسندوها", "عطيه"
# Words that join a second change to the first: "and", "also", "و…", "كمان", "w", "kaman", a comma.
_JOINERS = _folded("and also plus then too كمان وكمان وبعدين بعدين وكذلك كذلك w we kaman kman")


# Politeness that may open a request ("please give…", "لو سمحت أسندي…", "law sama7t…").
_POLITE = _folded(
    "please pls plz kindly hey hi ok okay لو سمحت من فضلك رجاء ممكن يا هدهد law lw sama7t "
    # a greeting before the request: "صباح الخير هدهد، طلّع لي…", "hello, show me…", "marhaba warini…"
    "hello morning good صباح مساء الخير النور مرحبا مرحبتين اهلا أهلا هلا هلو السلام عليكم سلام "
    "marhaba ahlan hala salam sabah"
)
_NEW = _folded(
    "new another جديد جديدة جديده جديدا زيد ضيف jdeed jdeeda jdid jdida jdide jdideh jdeede gdeed gdeeda "
    "gdid gdida gdeda gedida gedeeda jadeed jadida jadeeda"
)


# A question about how to do something, each dialect group: "how do I…", "كيف…", "شلون…", "ازاي…",
# "كيف فيني…", "ezay…", "kif…" — asked, not ordered.
_HOW = _folded("كيف كيفية شلون شلونه ازاي إزاي ازّاي ازاى ezay ezzay izzay 2ezay kif keef kayf kaif shlon")
_HOW_EN = re.compile(
    r"^\W*(?:(?:so|and|but|hi|hey|ok|okay)\W+)?how\s+(?:do|can|could|would|should|does|did)\s+|^\W*how\s+to\b"
)


def asks_how(text: str) -> bool:
    """The message asks how to do something ("how do I book the boardroom?", "كيف أحجز القاعة؟", "ازاي
    أضيف مهمة؟"): a question to answer, not a command — unless it also names a task number."""
    words = [w for w in _words(text) if w not in _POLITE][:2]
    return bool(_HOW_EN.search(fold(text))) or any(w in _HOW for w in words)


# "a task to…" (indefinite, with what it is for), "مهمة إنها تتصل…" (a task that she calls…): a new one.
_A_TASK = re.compile(
    r"\b(?:a|an|one)\s+(?:task|to-?do|reminder|job)\s+(?:to|for|of|about|that)\b"
    r"|(?:^|\s)(?:مهمه|تاسك|مهمة)\s+(?:ان|انه|انها|إن|إنه|إنها|عشان|علشان|لكي|كي)(?:\s|$)"
    r"|\b(?:task|mohema|mahama)\s+(?:enno|inno|enha|inha|3ashan|3shan)\b",
    re.IGNORECASE,
)


def says_new(text: str) -> bool:
    """The message asks for something new ("a new task", "مهمة جديدة", "task jdeeda", "give Sara a task to
    call the bank")."""
    return any(w in _NEW for w in _words(_without_anew(text))) or bool(_A_TASK.search(fold(text)))


def opens_with_hand_over(text: str) -> bool:
    """The message opens (politeness aside) by handing something over: "أسندي…", "give … to Omar"."""
    words = [w for w in _words(text) if w not in _POLITE][:2]
    return any(w in _HAND_OVER for w in words)


def says_hand_over(text: str) -> bool:
    """The message hands a task to a person ("and give it to Omar", "وأسندها لخالد"), or says who keeps
    or does it ("خليها عند خالد", "Sara should do it")."""
    handed = any(w in _HAND_OVER or (w.startswith("و") and w[1:] in _HAND_OVER) for w in _words(text))
    return handed or holder_or_doer(text) is not None


_IT_EN = re.compile(
    r"\b(?:assign|reassign|delegate|give|hand|pass|transfer)\s+(?:it|this|that|this\s+one|that\s+one)\b",
    re.IGNORECASE,
)


def hands_it_over(text: str) -> bool:
    """A hand-over verb whose object is "it": a task that exists ("عقد شركة النظافة عطه دلال",
    "حوّليها لسارة", "the supplier one, give it to Omar") — "give Sara a task to…" makes a new one."""
    for word in _words(text):
        verb = word[1:] if word.startswith("و") and word[1:] in _HAND_OVER else word
        if verb in _HAND_OVER and verb.endswith(OBJECT_PRONOUNS) and len(verb) >= 3:
            return True
    return bool(_IT_EN.search(text))


def joins_changes(text: str) -> bool:
    """The message strings changes together ("make it urgent and give it to Omar", "…، وخليها بكرة")."""
    words = _words(text)
    return (
        "," in text
        or "،" in text
        or any(w in _JOINERS for w in words)
        or any(w.startswith("و") and len(w) > 3 for w in words[1:])
    )


# Overdue, as each dialect group says it: one word ("overdue", "المتأخرة", "mit2a5ra"), or "its time
# passed" (فات / عدى / طاف / مرق / راح + موعد / ميعاد / وقت: MSA, Egyptian, Gulf, Levantine), matched on
# folded text (ى → ي).
_OVERDUE = _folded(
    "overdue late delayed behind lagging expired missed "
    "متأخرة متأخره المتأخرة المتأخره متأخرات المتأخرات متأخرين المتأخرين متأخر المتأخر متعثرة المتعثرة "
    "mit2a5ra mit2a5reen mt2a5ra mt2a5rin met2a5ra mete2a5ra mit2akhra met2akhra mt2akhra"
    # "it / they ran late" — MSA and Levantine تأخّرت, Egyptian اتأخرت, Gulf تأخروا — said of tasks
    " تأخرت تأخروا تأخرو تأخرن اتأخرت اتأخروا اتأخرو اتاخرت"
)
# Arabizi writes the participle "late" (مْتأخّر) many ways: mit2a5ra, mota2a5er, mt2akhrin, met2akhreen…
_OVERDUE_LATIN = re.compile(
    r"^(?:el|l|il)?m(?:i|e|o|u)?(?:t|te|ta)?2(?:a5|akh|a7')(?:a|e|i)?r(?:a|ah|in|een|ien|at|e|)$"
    r"|^(?:i|e)?t2(?:a5|akh)(?:a|e)r(?:et|it|o|ou|u)$"
)
_TIME_PASSED = re.compile(
    r"\bpast\s+(?:its\s+|their\s+|the\s+)?(?:due|deadline)"
    r"|(?:^|\s)(?:فات|فاتت|فاتها|عدي|عدا|عدت|طاف|طافت|مرق|مرقت|راح|راحت|تجاوز\S*|تعد\S*|انقضي|انتهي"
    # the participles, "having passed": Levantine "معدّى وقتها", Gulf "فايت موعدها", "متجاوزة الموعد"
    r"|معدي|معديه|معديين|معديات|فايت|فايته|فايتها|فايتين|فايتات|متجاوز\S*|منتهي\S*)\s+"
    r"(?:\S+\s+)?(?:ال)?(?:موعد|ميعاد|معاد|وقت|مهل)\S*"
    # the time first: "وقتها فات", "موعدها عدّى", "ميعادها راح"
    r"|(?:^|\s)(?:ال)?(?:موعد|ميعاد|معاد|وقت|مهل)\S*\s+(?:فات|فاتت|عدي|عدا|عدت|راح|راحت|انتهي|انقضي|خلص)(?:\s|$)"
    r"|\b(?:fat|fatet|fet|fett|3ada|3adda|tafat|mara2)\s+(?:\S+\s+)?(?:ma3ad|me3ad|mi3ad|wa2t|wa2th|wa2et|waqt|wagt)\S*"
    r"|\b(?:wa2t|wa2ta|wa2to|wa2etha|ma3adha|mi3adha)\s+(?:fat|fet|fatet|3ada|3adda)\b"
)


def says_overdue(text: str) -> bool:
    """ "my overdue tasks", "المهام اللي فات موعدها", "التاسكات اللي عدى ميعادها", "el mit2a5ra"."""
    folded = fold(text)
    words = _words(folded)
    return any(w in _OVERDUE or _OVERDUE_LATIN.match(w) for w in words) or bool(_TIME_PASSED.search(folded))


# What a request to see one's late work is made of besides the overdue word, each dialect group: "show me",
# "I want to see", question words, "there is", "mine", "the ones", task nouns ("وريني المتأخرين", "بدي شوف
# يلي تأخروا", "ابي اشوف اللي تأخرت علي", "شو المتأخر عندي", "farjini el mit2akhrin", "show me the late
# ones") — a message of these words alone asks for the overdue list; any other word (a policy, a fee, a
# person) leaves it to the knowledge base.
_SEE_LATE = _SHOW_VERBS | _folded(
    "tell give pull up let me my mine i do does have has got there any anything "
    "what which are is am the ones one stuff things all of please pls running currently now right still "
    "task tasks todos items work "
    "هاتلي جيبلي "
    "شوفلي اشوف شوف نشوف ابي ابغى ابغي بدي بدنا عايز عايزه عاوز عاوزه اريد أريد ودي خليني خلني "
    "شو ايش إيش وش شنو شنهو ايه إيه ماذا ما هل في فيه فيش اي أي اشي إشي شي حاجه حاجات "
    "اللي الي إللي يلي هي هن هني هم همه هما كل كلها كلهم لي علي عليي عليا عليها عليهم عندي معي ولا لا لأ "
    "لسه لسا "
    "مهام مهمات تاسكات شغلات مهمه تاسك شغل "
    "tala3li hatli jibli shofli ashoof ashouf ashuf shuf "
    "baddi biddi 3ayez 3awez abi abgha shu sho eh esh wesh fi fih fee el l il elli illi yalli "
    "3andi 3ndi 3endi 3indi 3alay 3alaya "
    "mahamat tasks maham mahammat el-maham elly ely "
    # greetings, "I want to know", and "…and not done yet" ("w ma 5allastaha", "وما خلصتها")
    "salam hi hello marhaba مرحبا سلام السلام عليكم know a3rf a3raf a3ref اعرف أعرف "
    "w و wa ma mish msh وما ومش "
)
# "…w ma 5allastaha", "…وما خلصتهم": a done word with its object, negated beside an overdue request
_DONE_OBJECT = re.compile(r"(?:ها|هم|ه|ha|hom|o)$")


def asks_for_late_only(text: str) -> bool:
    """The message asks only to see the user's overdue tasks: an overdue word or phrase, and otherwise
    nothing but the words of asking to see ("وريني المتأخرين", "farjini el mit2akhrin")."""
    if not says_overdue(text):
        return False
    folded = _TIME_PASSED.sub(" ", fold(text))
    done = [w for w in _words(folded) if _is_done_word(w) or _DONE_OBJECT.sub("", w) in _DONE]
    if done and not says_not_done(text):
        return False
    return all(
        w in _SEE_LATE
        or w in _OVERDUE
        or _OVERDUE_LATIN.match(w)
        or (w.startswith("ال") and w[2:] in _SEE_LATE)
        or w in done
        for w in _words(folded)
    )


_ALL = _folded(
    "all every each both كل كلها كلهم جميع جميعها الكل الجميع الاتنين الاثنين الثنتين kol kull kolha kollohom"
)


# A date said to be a task's own ("its due date", "موعدها", "ميعاده", "تاريخ تسليمها", "maw3edha"): the
# task exists already.
_ITS_DATE = re.compile(
    r"\b(?:its|the)\s+(?:due\s+date|deadline|due)\b"
    r"|(?:^|\s)(?:موعد|ميعاد|تاريخ|معاد|موعد\s+تسليم|تاريخ\s+تسليم|ديدلاين|تسليم|و?تسليم)(?:ه|ها)(?:\s|$|[.!،,])"
    # a verb of moving with "it" after the task's title: "مهمة شراء الزيت، قدّمها ليوم التلات", "…, push it
    # to Tuesday", "…, 2ajjelha lal a7ad"
    r"|(?:^|\s)و?(?:أجل|اجل|أخر|اخر|قدم|نقل|حول|مدد|رحل|زحلق|ارجأ|أرجئ)(?:ه|ها|يه|يها)(?:\s|$|[.!،,])"
    r"|\b(?:push|move|postpone|delay|shift|reschedule|pull|bring)\s+it\b"
    r"|\b(?:2ajjel|2ajel|ajjel|a55ar|a5ar|akhar|2addem|addem|2adem)(?:ha|o|ho)\b"
    r"|\b(?:maw3ed|maw3id|mow3ed|mi3ad|me3ad|ma3ad|tare5|tarikh|deadline)(?:ha|o|ah)\b",
    re.IGNORECASE,
)


# A verb of moving a date with a task's number right after it, each dialect group: "أجّل 1028 للخميس",
# "قدّم المهمة ٥ ليوم الأحد", "fik t2ajjel el 1028 la yom el 5amis", "push 14 to Monday".
_MOVES_NUMBER = re.compile(
    r"(?:^|\s)(?:ت|و)?(?:أجل|اجل|أخر|اخر|قدم|ارجئ|أرجئ|رحل|زحلق|تأجيل|تاجيل)\S{0,3}\s+"
    r"(?:(?:ال)?(?:مهمة|مهمه|تاسك)\s+)?(?:رقم\s+)?#?\d+(?:\s|$|[.!،,])"
    r"|\b(?:t?2ajj?el|t?ajjel|t?a55(?:a|e)r|t?2add?em|t?addem)\w{0,3}\s+(?:el\s+|il\s+)?(?:task\s+)?#?\d+\b"
    r"|\b(?:push|move|postpone|delay|shift|reschedule|bring)\s+(?:task\s+)?#?\d+"
    r"(?:\s+(?:to|till|until|back|forward|out|by)\b|\s*[,.!]|\s*$)",
    re.IGNORECASE,
)


def moves_a_number(text: str) -> bool:
    """A verb of moving a date with one task's number right after it: "fik t2ajjel el 1028 la yom el
    5amis", "أجّل 1028 للخميس", "push 14 to Monday"."""
    return _MOVES_NUMBER.search(to_latin_digits(without_harakat(text))) is not None


# A note added to a numbered task, each dialect group, and what it says after "that" or a colon: "zawed
# mola7za 3al task 1116 en el 3amila gaya…", "ضيف ملاحظة على مهمة 312 إن المورد اتأخر", "add a note to
# 14 that the client called", "حط تعليق عالتاسك ٥: …"
_NOTE_ON_NUMBER = re.compile(
    r"(?:^|\s)(?:\S+\s+)?(?:ملاحظة|ملاحظه|تعليق|كومنت|note|comment|mola7za|mola7zet|mla7za|mla7zeh|molahza"
    r"|molaheza|ta3lee2|ta3li2|comment)\s+(?:(?:على|عال|ع|في|لل|to|on|for|3al|3ala|3a|3l|fe|fi|lel)\s*)?"
    r"(?:(?:ال)?(?:مهمة|مهمه|تاسك)\s+|(?:el\s+)?(?:task|mohemma)\s+|#)?(?:رقم\s+)?(?P<id>\d+)"
    r"\s*(?:[:،,\-]\s*|\s+(?:إن|ان|أن|انه|إنه|بأن|en|enn|inn|that|saying)\s+)(?P<text>\S.*)$",
    re.IGNORECASE,
)


def note_on_number(text: str) -> tuple[int, str] | None:
    """The task number a message adds a note to and the note as written ("zawed mola7za 3al task 1116 en
    el 3amila gaya testelem el torta el sa3a 7" → 1116, "el 3amila gaya…"); None otherwise."""
    found = _NOTE_ON_NUMBER.search(to_latin_digits(without_harakat(text)))
    return (int(found["id"]), found["text"].strip()) if found else None


def says_its_date(text: str) -> bool:
    """The message changes the date of something that exists: "5alli maw3edha ba3d bukra", "خل موعده",
    "يتسلم الخميس بدل الأحد"."""
    plain = without_harakat(text)
    # (a date said in place of another was the task's: base/text/dates.py knows "instead of")
    return _ITS_DATE.search(plain) is not None or bool(dates_replaced(plain, date.today()))


# A verb of making, its object the task, then a priority: "خليها مستعجلة", "حطها أولوية عالية",
# "اجعلها عاجلة", "5aleeha mosta3gela", "7ottaha 3adya", "make it urgent", "set it to low".
_ITS_PRIORITY = re.compile(
    r"(?:^|\s)و?(?:خلي|خل|خلو|حط|حطي|اجعل|اجعلي|سوي|سو|صير)(?:ها|ه|يها|يه|وها)\s+(?P<ar>.+)$"
    r"|\b(?:khall?[iy]|5all?[iy]|5alee|khalee|7ott?|7ot|sawwi|sawi)(?:ha|h|eha|iha|o|ih)\s+(?P<lat>.+)$"
    r"|\b(?:make|set|mark|put|bump|flag)\s+(?:it|this|that)\s+(?:as\s+|to\s+|up\s+to\s+)?(?P<en>.+)$",
    re.IGNORECASE,
)


def says_its_priority(text: str) -> bool:
    """The message sets the priority of something that exists: "مهمة تنظيف الزجاج خليها مستعجلة", "el task
    bta3et … 5aleeha mosta3gela", "the lobby one, make it urgent"."""
    for clause in _CLAUSE_END.split(without_harakat(text)):
        found = _ITS_PRIORITY.search(clause)
        if found and normalize_priority(
            " ".join(_words(next(v for v in found.groupdict().values() if v))[:3])
        ):
            return True
    return False


def says_all(text: str) -> bool:
    """The message speaks of several tasks at once: "all", "كل", "both", "الاتنين", "سكّرهم" (them)."""
    words = _words(text)
    return any(w in _ALL for w in words) or any(w.endswith(("هم", "hom")) and len(w) > 3 for w in words)


# Verbs of wanting ("I want to…"): the verb after one is what the user wants done, never a person.
_WANT = _folded(
    "want wanna أريد اريد أود اود ابي أبي ابغى أبغى ابغا ابغي ودي بدي بدنا عايز عايزة عاوز عاوزة "
    "حابب حابة نفسي abi abgha abghi widdi biddi badi 3ayez 3ayza 3awez 3awza"
)


def wanted_not_person(text: str, phrase: str) -> bool:
    """ "ابي اسوي تقرير", "بدي خلص المهمة": `phrase` is the verb right after a verb of wanting."""
    words, said = _words(text), _words(phrase)
    if not said:
        return False
    wanted = any(words[i] in _WANT and words[i + 1] == said[0] for i in range(len(words) - 1))
    # ("بدي أميرة تستلم مني 1122": a name and the verb she is wanted to do — the person who takes it)
    return wanted and _words(holder_or_doer(text) or "")[:1] != said[:1]


# Words that name no task when a task is named by its title ("mark the slides one done", "خلصت حق
# العقد", "delete the supplier contract task"): the nouns of the domain, the pack's command verbs in each
# dialect group, and the possessives that join a verb to a title ("حق", "بتاع", "تبع"). Written from
# dialect knowledge; the generic stop words (articles, pronouns, politeness) are tools/naming.py's.
NAMING_WORDS = (
    _TASK_NOUNS
    | _DONE
    | _ASSIGN
    | _RENAME
    | _folded(
        # the domain's nouns and possessives
        "task tasks todo item thing one reminder مهمة مهمه المهمة المهمه مهام تاسك التاسك تاسكات "
        "حق حقت حقة بتاع بتاعة بتاعت تبع تبعة تبعت تاع حقها بتاعها تبعها "
        "ta5 task el-task bta3 bta3et ta3 7a2 7a2et tab3 "
        # Arabizi "task" in its construct state: "mhimmet tasli7 el mokayyaf"
        "mhimmet mhemmet mohemmet mhimme mhemme mohemma mohema mhimma mhemma mahamm maham "
        # done, delete, reopen, show, change, comment: verbs and what goes with them
        "mark marked as tick off finish finished done complete remove delete del drop erase cancel "
        "trash get rid reopen open again show see view details status about change edit update rename "
        "move give hand over comment note add "
        "احذف احذفي احذفها امسح امسحي امسحها شيل شيلي شيلها الغي الغ ألغ الغاء حذف مسح "
        "افتح افتحي افتحها رجع رجعي رجعها اعرض اعرضي وريني ورني فرجيني شوف تفاصيل حالة "
        "عدل عدلي غير غيري حدث اسند حول حولي عط عطي اعط ادي اديني علق علقي تعليق ملاحظة "
        "كمل كملي سوي سويت خلي خليها "
        "e7zef emsa7 shil sheel 5alas 5alast khalas khalast sakker efta7 wareeni warini "
        # changing a date or a priority: the verbs, and the words that join them to the new value
        "bump push postpone delay reschedule shift set make put up priority due deadline until till by "
        "اجل أجل اجلي أجلي اجلها أجلها اخر أخر اخري اخرها أخرها ادفع حط حطي حطها خلها خله خليه خلوها "
        "اجعل اجعلي اجعلها غير غيرها نقل انقل انقلها ارفع ارفعي نزل نزلي موعد موعدها تاريخ ميعاد "
        "اولوية أولوية الاولوية الأولوية اولويتها أولويتها لحد لين حتى ليوم يوم "
        "2agel a2agel agel 2ajjel ajjel 2ajel 2ajjelha ajjelha 2agelha 2a55er a5er 2a5arha 2akhar akhar "
        "2a5ar a5ar 7ot 5alli khalli 5aleeha khaleeha le lel lyom yom youm"
    )
)


def names_no_task(word: str) -> bool:
    """A word of a change's new value, not of a title: a date ("الاتنين", "bokra", "Monday") or a
    priority ("urgent", "عالية", "منخفضة"), or an Arabizi verb of finishing. Digits stay: they are in
    titles ("Q3 report")."""
    if word.isdigit():
        return False
    if word.isascii() and _ARABIZI_DONE.match(word):  # "5alset", "sakkerla": the verb, not the title
        return True
    return resolve_date(word, _ANY_DAY) is not None or normalize_priority(word) is not None


# Removing a task, each dialect group: "delete", "احذف", "امسح", "شيل" (Gulf, Levantine), "امحي",
# "e7zef", "emsa7", "sheel" — with the object pronoun attached or not.
_DELETE = _folded(
    "delete deleted remove removed erase trash drop "
    "احذف احذفي احذفوا حذف امسح امسحي امسحوا مسح شيل شيلي شيلوا امحي امحوا امحى الغي الغ "
    "e7zef e7zfi ehzef emsa7 emsahi sheel shil shili ems7 ems7i emsa7i imsa7 2emsa7 el8i elghi 2elghi "
    # "can you delete…" in Arabizi: "momken tems7y task 429?", "te7zefha", "tsheelha"
    "tems7 tems7y tems7i temsa7 temsa7i tim7i timsa7 te7zef te7zefi te7zefha tems7ha tsheel tsheelha tshil "
    # "I want to delete": "3ayez amsa7 el task 1138", "baddi a7zef…"
    "amsa7 amsah ams7 a7zef a7zif ashil asheel nemsa7 nems7"
) | verb_forms("احذف امسح شيل امح الغ")  # "امسحيلي", "احذفوها", "شيليها"
_PRONOUNS = ("ها", "ه", "هم", "يها", "وها", "ha", "o", "hom")


def says_delete(text: str) -> bool:
    """ "delete 7", "احذفها", "امسح التاسك ٦", "شيلها", "e7zefha": the message asks to remove a task."""
    for word in _words(text):
        if word in _DELETE or any(word.endswith(p) and word[: -len(p)] in _DELETE for p in _PRONOUNS):
            return True
    return False


# Leaving a task with nobody ("unassign task 7", "take me off the budget task", "remove Sara from 12",
# "leave it unassigned", "الغِ إسناد المهمة ٧", "شيل اسمي من مهمة الجرد", "خليها بدون مسؤول",
# "sheel esmi men task 7"). "Remove … from" takes a person only: "remove the due date from 7" names a field
# (an update), so a field's word between them is no unassignment.
_UNASSIGN = re.compile(
    r"\bun-?assign|\bde-?assign|\bleave\s+(?:it|that|this|them|the\s+task|task\s*#?\s*\d+)\s+unassigned"
    r"|\b(?:take|remove|drop)\s+(?P<who>(?:\S+\s+){1,3}?)(?:off|from)\s+(?:of\s+)?"
    r"(?:the\s+|this\s+|that\s+|my\s+)?(?:task|it\b|#|\d|(?:[^\W_]+\s+){1,4}?(?:task|one)\b)"
    r"|\b(?:no\s*one|nobody)\s+(?:should\s+)?(?:is\s+|be\s+)?(?:on|holds?|owns?|assigned|responsible)\b"
    r"|\bwith(?:out)?\s+(?:no\s*one|nobody|an?\s+assignee|anyone\s+on\s+it)\b"
    r"|(?:^|\s)(?:ا?لغ(?:ي|ى)?|الغاء|فك|شيل(?:ي)?|ازل(?:ي)?|ازاله)\s+(?:ال)?(?:اسناد|تكليف|تعيين)"
    r"|(?:^|\s)(?:شيل|شيلي|امسح|امسحي|احذف|احذفي|اشطب|اشطبي|طلع|طلعي|نزل|نزلي)\s+"
    r"(?:اسمي|اسم\s+\S+(?:\s+\S+)?)\s+(?:من|عن)\s"
    r"|(?:^|\s)(?:بدون|بلا|من غير|من دون)\s+(?:مسوول|مسؤول|حد|احد|مكلف)(?:\s|$)"
    r"|(?:^|\s)(?:مش|مو|مب|ما|لم تعد|ما عادت|ماعادت)\s+مسنده\s+(?:لحد|لاحد|لحدا)"
    r"|\b(?:sheel|shil|sheeli|shili|ems7|emsa7)\s+(?:esmi|ismi|esm\s+\S+)\s+(?:men|min|mn)\b"
    r"|\b(?:el8i|elghi|el8y|elghy|alghi|2lghi)\s+(?:el\s*)?(?:esnad|isnad|2snad)\b"
)
_FIELDS_NOT_PEOPLE = _folded(
    "due date deadline priority title comment comments note notes description status tag label "
    # a thing is said with its article ("remove the old logo from the website task"), a person is not
    "the a an this that these those some all any every its "
    "الموعد موعد الاولويه اولويه العنوان عنوان التعليق تعليق الوصف الحاله"
)


def says_unassign(text: str) -> bool:
    """The message asks for a task to be left with nobody: "unassign task 7", "take me off the budget
    task", "remove Sara from 12", "الغِ إسناد المهمة ٧", "شيل اسمي من مهمة الجرد", "sheel esmi men 7"."""
    for found in _UNASSIGN.finditer(fold(text)):
        who = found.group("who")
        if who is None or not (_FIELDS_NOT_PEOPLE & set(_words(who))):
            return True
    return False


# What the words say a message is about, per tool: where the router's choice and these disagree, the
# agent asks which was meant (agent/readings.py) instead of guessing.
SAYS = {
    "create_task": says_create,
    "complete_task": says_done,
    "complete_tasks": says_done,
    "reopen_task": says_reopen,
    "delete_task": says_delete,
    "assign_task": says_hand_over,
}


# A person copied with the word that denies them: "مو حازم" of "لحظة، مو حازم، عطها جواهر"
_NEGATED_NAME = re.compile(r"^\s*(?:مو|مش|مب|ليس|مهوب|not|mesh|mish|msh|mo|mu)\s+\S", re.IGNORECASE)


def copied_with_not(name: str) -> bool:
    """The model's person holds the "not" that denies them ("مو حازم", "not Samir")."""
    return _NEGATED_NAME.match(name) is not None


# A clause that is a task's number alone: "undo that, 12 too", "and 12", "و١٢ كمان"
_BARE_NUMBER = re.compile(r"\W*(?:and|w|و|also|too)?\s*#?[0-9\u0660-\u0669]+\s*(?:too|also|كمان|kaman)?\W*")


def is_bare_number(clause: str) -> bool:
    return _BARE_NUMBER.fullmatch(clause) is not None
