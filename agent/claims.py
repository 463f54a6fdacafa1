"""Does a reply say that something was done? Read in code on every free-text reply of a bot with tools.

An exec bot's reply may say that an action happened only when a tool call of the same turn did it; a
reply written by the model on the answer path ran nothing, so a sentence in it that reports a change
("Done.", "I've deleted task 7", "تم حذف المهمة", "خلصتها", "اتمسحت", "5alast") is a false claim and the
reply is replaced by a question (agent/agent.py). The lists are per dialect group, written from how
each says "I did X" / "X was done" (perfect verbs of the first person, passives, تم + verbal noun), not
from any message seen. A sentence that asks, offers or negates ("Shall I delete it?", "هل تريد حذفها؟",
"لم يتم", "I can't delete") is not a claim. The evals judge replies with their own, separate lexicon
(evals/claims.py), so a blind spot here is not hidden there.
"""

from __future__ import annotations

import re
from functools import lru_cache

from base.text.folding import fold

_FLAGS = re.IGNORECASE | re.UNICODE

# Verbs of change, as the model words a report of its own action.
_EN_VERBS = (
    r"(?:created|added|made|deleted|removed|erased|completed|finished|closed|marked|ticked|reopened|"
    r"re-opened|assigned|reassigned|re-assigned|handed|given|updated|changed|renamed|edited|moved|"
    r"rescheduled|set|postponed|commented|noted|undone|undid|reverted|restored|cancelled|canceled)"
)
_EN = [
    # "I've deleted…", "I have marked…", "I just created…", "we moved…"
    re.compile(rf"\b(?:i|we)(?:'ve|’ve| have| had)?\s+(?:just\s+|now\s+|already\s+)?{_EN_VERBS}\b", _FLAGS),
    # "Task 7 has been deleted", "it was marked as done", "the task is now assigned to…"
    re.compile(
        rf"\b(?:task|it|this|that|they|them|tasks|all|#\s*\d+|\d+)\b[^.!?\n]{{0,40}}?\b(?:has been|have been|"
        rf"was|were|is now|are now)\s+(?:successfully\s+)?{_EN_VERBS}\b",
        _FLAGS,
    ),
    # A reply that is only "Done." / "All set!" / "Completed ✅"
    re.compile(r"^\W*(?:done|all done|all set|completed|finished|ok,? done|success(?:fully)?)\W*$", _FLAGS),
    re.compile(rf"\bsuccessfully\s+{_EN_VERBS}\b", _FLAGS),
    # A report without its auxiliary: "Task 7 updated.", "#7 moved to Monday", "Updated the due date",
    # "Got it, marked as done" — a participle right after the task, or opening the sentence with its object.
    re.compile(rf"(?:\btask\s*#?\s*\d+|#\s*\d+)\s+(?:now\s+)?{_EN_VERBS}\b", _FLAGS),
    re.compile(
        rf"^\W*(?:(?:ok(?:ay)?|sure|got it|alright|great|perfect|noted)\W+)?{_EN_VERBS}\s+"
        r"(?:it|them|the|task(?!\s+lists?\b)|your|#|\d|to|as|for)\b",
        _FLAGS,
    ),
    # A changed attribute stated as the new fact: "The due date is now Monday", "priority set to high".
    re.compile(
        r"\b(?:due date|deadline|priority|title|status|assignee)\b[^.!?\n]{0,30}?\b(?:is now|are now|"
        r"has been|have been|changed to|set to|updated to|moved to|switched to|now set)\b",
        _FLAGS,
    ),
]

# Arabic (folded: أ/إ/آ → ا, ة → ه, ى → ي, diacritics gone).
_AR_NOUNS = (
    r"(?:انشاء|اضافه|حذف|مسح|ازاله|اكمال|انهاء|اغلاق|اقفال|اعاده فتح|فتح|اسناد|تعيين|تحويل|تحديث|تعديل|"
    r"تغيير|نقل|تاجيل|تسجيل|الغاء|استرجاع|التراجع|ارجاع)"
)
_AR = [
    # MSA and every dialect: "تم حذف المهمة", "تمت إضافة", "قد تم تعديل"
    re.compile(rf"(?:^|\s)(?:لقد\s+|قد\s+)?تمت?\s+(?:ال)?{_AR_NOUNS}", _FLAGS),
    # MSA first person perfect: "حذفت المهمة", "أكملتها", "أنشأت لك مهمة", "قمت بحذف"
    re.compile(
        r"(?:^|\s)(?:لقد\s+|قد\s+)?(?:انشات|اضفت|حذفت|مسحت|ازلت|اكملت|انهيت|اغلقت|اسندت|عينت|حولت|حدثت|"
        r"عدلت|غيرت|نقلت|اجلت|سجلت|الغيت|استرجعت|ارجعت|تراجعت|اعدت فتح)(?:ها|ه|هم|لك)?(?:\s|$|[.!،])"
        r"(?!\s*الي(?:ه|ك|ها|هم|كم)(?:\s|$|[.!،]))",  # "أُسندت إليه": a passive that describes
        _FLAGS,
    ),
    re.compile(rf"(?:^|\s)(?:لقد\s+|قد\s+)?قمت\s+ب{_AR_NOUNS}", _FLAGS),
    # Gulf: "سويتها", "خلصتها", "مسحتها لك", "عدلتها", "ضفتها"
    re.compile(
        r"(?:^|\s)(?:سويت|سويتها|خلصتها|خلصت المهمه|ضفت|ضفتها|مسحتها|حذفتها|عدلتها|غيرتها|رجعتها)"
        r"(?:\s|$|[.!،])",
        _FLAGS,
    ),
    # Egyptian passives and first person: "اتمسحت", "اتحذفت", "اتعملت", "عملتها", "خلصتهالك"
    re.compile(
        r"(?:^|\s)(?:ات|إت)(?:مسحت|حذفت|عملت|قفلت|سجلت|نقلت|غيرت|عدلت|ضافت|لغت|حولت|اجلت|حطت|قفل)(?:\s|$|[.!،])",
        _FLAGS,
    ),
    re.compile(r"(?:^|\s)(?:عملتها|عملتهالك|خلصتهالك|مسحتهالك|ظبطتها|ضبطتها)(?:\s|$|[.!،])", _FLAGS),
    # Levantine: "زبطتها", "عملتلك ياها", "مسحتلك ياها", "انحذفت", "انعملت"
    re.compile(
        r"(?:^|\s)(?:زبطتها|زبطت|عملتلك|مسحتلك|حذفتلك|خلصتلك|غيرتلك|ان(?:حذفت|مسحت|عملت|سكرت|نقلت))(?:\s|$|[.!،])",
        _FLAGS,
    ),
    # MSA passives of the task itself: "أُضيفت المهمة", "أُنشئت", "نُقلت إلى الأحد"
    re.compile(
        r"(?:^|\s)(?:اضيفت|انشئت|عدلت|نقلت|اجلت|حذفت|اسندت|حولت|غيرت)\s+(?:المهمه|مهمه|موعد|اولويه)", _FLAGS
    ),
    # The new state as a fact (every dialect): "أصبحت المهمة منجزة", "صار موعدها الأحد", "المهمة صارت عالية"
    re.compile(
        r"(?:^|\s)(?:اصبحت|اصبح|صارت|صار|باتت)\s+(?:المهمه|مهمه|موعد|موعدها|اولويه|اولويتها|عنوان|عنوانها|"
        r"منجزه|مكتمله|مغلقه|محذوفه|عاليه|منخفضه|مسنده)",
        _FLAGS,
    ),
    re.compile(
        r"(?:^|\s)(?:المهمه|موعدها|اولويتها|عنوانها)\s+(?:الان\s+)?(?:صارت|اصبحت|صار|اصبح)(?:\s|$|[.!،])",
        _FLAGS,
    ),
    # First person with "for you" (Gulf, Levantine, Egyptian): "عدلتلك", "غيرتلك الموعد", "حطيتها الأحد"
    re.compile(
        r"(?:^|\s)(?:عدلت|غيرت|حدثت|اجلت|ضفت|سجلت|نقلت|حذفت|مسحت|خلصت|سكرت|عملت|زبطت|حطيت|اسندت|حولت|"
        r"انشات)(?:لك|لك ياها|هالك|ها لك)(?:\s|$|[.!،])",
        _FLAGS,
    ),
    re.compile(
        r"(?:^|\s)(?:حطيتها|حطيته|حطيت لك|اجلتها|اجلته|نقلتها|حولتها|اسندتها|سجلتها)(?:\s|$|[.!،])", _FLAGS
    ),
    # A reply that is only "تم" / "تم ✅" / "خلاص تم"
    re.compile(r"^\W*(?:خلاص\s+)?تمت?\W*$", _FLAGS),
]

# Arabizi (Latin script, digits for letters).
_LATN = [
    re.compile(
        r"\b(?:tam|tamm|tamet)\s+(?:el\s*)?(?:7azf|hazf|mas7|masa7|insha2|enshaa|edafa|2edafa|t3deel|"
        r"ta3deel|taghyeer|t8yeer|eghla2|2eghla2|esnad|2esnad)\b",
        _FLAGS,
    ),
    re.compile(
        r"\b(?:5alast(?:ha)?|khalast(?:ha)?|7azaft(?:ha)?|hazaft(?:ha)?|masa7t(?:ha)?|sawet(?:ha)?|"
        r"sawwait(?:ha)?|3malt(?:ha)?|3adalt(?:ha)?|ghayart(?:ha)?|zabatt(?:ha)?|et(?:mas7et|3amalet|"
        r"7azafet|2agelet|3adelet|ghayaret|sagelet)|3adaltha|ghayartha|8ayartha|2ajjalt(?:ha)?|2agelt(?:ha)?|"
        r"ajjalt(?:ha)?|sajjalt(?:ha)?|sa2alt(?:ha)?|7atet(?:ha)?|7atetha|naqalt(?:ha)?)\b",
        _FLAGS,
    ),
]

# What makes a match not a report: a question anywhere in its sentence, or a negation, a condition or an
# offer among the few words before it ("ما حذفت", "لو مسحتها", "I'd have deleted", "if I had created").
_QUESTION = re.compile(r"[?؟]")
_BEFORE = frozenset(
    fold(w)
    for line in (
        "not never if once when unless would could should shall can will want wanted to before after",
        "which who whom whose",  # a relative clause describes ("the tasks which I created")
        "هل لم لن ما مش مو مب ليس لا لو اذا إذا عشان حتى تريد تبي تبغي عايز بدك ممكن يمكن سوف قبل بعد",
        "التي الذي اللي اللتي الذين اللذين",
        "law iza eza mish msh mesh ma mo bedak 3ayez tebi hal",
    )
    for w in line.split()
)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
# Quoted words are cited, not said: 'the bot answers "Task #15 created"' reports nothing.
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»")
_SENTENCES = re.compile(r"(?<=[.!?؟\n])\s+|\n+")


# A task card the model wrote itself: the labelled fields of a task ("*Task*: …", "Assignee: You",
# "الأولوية: عالية"). On the answer path no tool read or changed a task this turn, so a card there shows
# a task as it exists when nothing made it so ("I'll take it myself" answered with a card naming "You"
# as assignee). Two different labels make a card; one "Status:" in a sentence does not.
_CARD_LABEL = re.compile(
    r"^[^\w]{0,6}(task|title|assignee|assigned to|owner|due|due date|deadline|priority|status|"
    r"المهمه|العنوان|المسوول|المكلف|مسنده الي|الموعد|تاريخ الاستحقاق|موعد التسليم|الاولويه|الحاله)"
    r"[^\w]{0,4}:",
    _FLAGS,
)


def card_claim(reply: str) -> str | None:
    """The first line of a task card in `reply` (two or more labelled task fields, one per line), unless
    the reply asks something: a card offered for approval ("Shall I create this? Title: …") claims
    nothing."""
    if _QUESTION.search(reply):
        return None
    labelled = [
        (line.strip(), found.group(1))
        for line in reply.splitlines()
        if (found := _CARD_LABEL.match(fold(line).strip()))
    ]
    return labelled[0][0] if len({label for _, label in labelled}) >= 2 else None


# Most replies checked are the catalog's own (the "I don't know" of an empty knowledge base, the greeting):
# the same few texts, ~0.3 ms of regular expressions each time. A model's own text seldom repeats.
@lru_cache(maxsize=256)
def action_claim(reply: str) -> str | None:
    """The first sentence of `reply` that reports an action as done; None when none does."""
    for sentence in _SENTENCES.split(reply.strip()):
        folded = _QUOTED.sub(" ", fold(sentence)).strip()
        if not folded or _QUESTION.search(folded):
            continue
        for pattern in (*_EN, *_AR, *_LATN):
            for found in pattern.finditer(folded):
                before = _WORDS.findall(folded[: found.start()])[-3:]
                if not any(w in _BEFORE for w in before):
                    return sentence.strip()
    return card_claim(reply)
