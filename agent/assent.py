"""Yes and no typed in words, read in code: the only way a typed message confirms a waiting action.

A confirmation must never rest on a model's reading (a 1.5B model was seen to answer "deleted" to a
typed "yes" and to complete a task on a typed refusal), so an answer to a waiting question is matched
against these word lists, written per dialect group from how people say yes and no, not from any eval
message. A message confirms only when every word in it is an affirmative or a filler ("yes please",
"ايوه تمام", "tamam yalla"), or when it opens with one and says at most a few words more ("ok do it",
"أكد الحذف"); a question, a "but", a "wait" or a negation anywhere keeps it from confirming.
"""

from __future__ import annotations

from enum import Enum

from base.text.lexicon import word_set, words_of


class Assent(Enum):
    YES = "yes"  # confirm the waiting action
    NO = "no"  # cancel it
    NO_THEN = "no_then"  # opens with a refusal and goes on ("no, I meant 12"): maybe a new command
    OTHER = "other"  # not an answer to the question


# Affirmatives, by dialect group (each group lists what it says; overlaps are fine).
YES = frozenset().union(
    word_set("yes yeah yea yep yup ya ok okay okey k kk sure confirm confirmed proceed correct right"),
    word_set("absolutely definitely certainly affirmative alright fine agreed agree approve approved"),
    # MSA
    word_set("نعم أجل بلى موافق أوافق موافقة أكد أكّد تأكيد أؤكد حسنا حسناً طيب صحيح بالتأكيد تفضل"),
    word_set("نفذ نفّذ نفذها استمر امض امضِ"),
    # Gulf
    word_set("اي ايه إيه ايوه أيوه ايوا اكيد أكيد تمام زين اوكي أوكي اوك يلا يالله ابشر سوها كمل هيه"),
    word_set("سويها سوّيها سويه بالضبط"),
    # English yes written in Arabic letters
    word_set("يس ييس يب يبب اوكيه اوكى"),
    # Egyptian
    word_set("أيوة ايوة اه آه ايوا ماشي طبعا طبعاً اشطا حاضر اعملها تمام"),
    # Levantine
    word_set("إي إيه ايه منيح مزبوط صح اكيد يلا ماشي طيب"),
    # Arabizi (Latin script)
    word_set("aywa aiwa aywah aiwah aywaa ee ah aah tamam tmam tamaam mashi mashy akeed akid"),
    word_set("yalla yallah na3am naam sa7 sah tayeb tayb 7ader hader ashta zain zein tab3an"),
)

# Short or many-sense words ("اي" is also "which", "right" ends questions, "طيب" opens a thought):
# a yes only when the whole message is yes and filler, never as the opening of a longer one.
WEAK_YES = frozenset().union(
    word_set("ya k kk right fine ah aah ee sah sa7 tayeb tayb"),
    word_set("اي إي طيب صح اه آه ايه إيه"),  # "ايه" is also Egyptian "what"
)

# Refusals (one word each; two-word refusals are below).
NO = frozenset().union(
    word_set("no nope nah nay cancel stop abort never negative dont don't"),
    # MSA
    word_set("لا كلا ألغ ألغِ ألغي الغي إلغاء الغاء توقف أوقف"),
    # "cancel" in Arabic letters, and the negations written as one word ("مابدي", "مابي")
    word_set("كنسل كانسل كنسلها كانسلها مابدي مابي ماابي مابغى ماابغى kansel cancelha"),
    # Gulf
    word_set("لالا بلاش وقف هونت"),
    # Egyptian
    word_set("لأ لاء بلاش سيبها"),
    # Levantine
    word_set("لأ بلا بطلت"),
    # Arabizi
    word_set("la la2 laa la2a laaa lah balash bala wa2ef el8i elghi 2elghi"),
)


def _pairs(*groups: tuple[str, str]) -> frozenset[tuple[str, str]]:
    """Two-word phrases: each word of a group's first list followed by each of its second, folded."""
    return frozenset(
        (a, b) for firsts, seconds in groups for a in word_set(firsts) for b in word_set(seconds)
    )


# "I don't want", "not now": a negation particle and the word it negates.
_NO_PAIRS = _pairs(
    ("ما", "ابي ابغى ابغي بدي ودي تسوي"),
    ("مش مو مب", "عايز عاوز ابي ابغى الحين دلوقتي هلق"),
    ("لا", "أريد اريد تفعل تحذف تسوي"),
    ("ma mish msh mesh mo mub", "badi abi abgha 3ayez 3awez delwa2ti hala2"),
    ("not", "now yet"),
    ("مش مو مب", "لازم ضروري"),  # "not needed"
    ("mish msh mesh mo mub", "lazem lazim darouri"),
    ("don do", "t nt"),  # "don't" is split at its apostrophe
)

# Two-word affirmatives whose words alone are fillers: "go ahead", "do it", "sounds good", "yalla go".
_YES_PAIRS = _pairs(
    ("go", "ahead on"),
    ("do", "it that"),
    ("sounds looks", "good right fine"),
    ("yalla yallah يلا يالله", "go"),
    ("امش امشي", "فيها"),
    ("emshi imshi", "fiha feeha"),
    ("please pls", "do"),
    ("of", "course"),
)

# Words that may stand next to a yes or a no without changing it.
FILLER = frozenset().union(
    word_set("please pls plz thanks thank you it that this do go ahead now then just so fine sure"),
    word_set("من فضلك لو سمحت الله شكرا شكراً يعطيك العافية خلاص حبيبي يا والله"),
    word_set("khalas 5alas khalass habibi 7abibi 7abibti wallah law sama7t please"),
)

# Words that turn a yes into something else: a condition, a delay, a negation, a change of plan.
BLOCKERS = frozenset().union(
    word_set("but wait first instead except not without hold later before"),
    word_set("لكن بس استنى انتظر لحظة اصبر مو مش مب غير بدل قبل بعدين"),
    word_set("bas lakin estanna istanna wait"),
)

# Hesitation and "keep it" beside a refusal ("hmm wait, no, keep it for now", "لا استنى خليها", "la2
# estanna sibha"): still a refusal. Keep-words alone ("leave it", "خليها كذا") refuse a waiting change too.
KEEP = frozenset().union(
    word_set("keep leave nevermind forget"),
    word_set("خليها خليه خلها خله اتركها اتركه سيبه سيبيها انسى انسي انساها انساه سيبك"),
    word_set("khalliha 5alliha khalleeha 5aleeha sibha sebha sibo insa enssa"),
)
BESIDE_NO = frozenset().union(
    KEEP,
    word_set("hmm hm hmmm umm um uh oh wait actually sorry for mind never forget on second thought"),
    word_set("rather as is"),
    word_set("لحظة استنى استني انتظر عفوا اسف آسف آسفة معليش معلش الحين دلوقتي هلق كذا كده هيك زي ما هي"),
    word_set("الموضوع منها منه"),  # "انسى الموضوع", "سيبك منها"
    word_set("estanna istanna ma3lesh ma3lish sorry kda keda hek heik"),
)

# A reply that only acknowledges ("ok", "ok thanks", "تمام شكرا", "👍"): read as a yes while a question of
# ours waits; with none waiting, it thanks rather than agrees to anything.
_ACK = frozenset().union(
    word_set("ok okay okey k kk noted cool great nice alright"),
    word_set("تمام طيب اوكي أوكي ماشي حلو tamam tmam tayeb tayb okey mashi"),
)
_THANKS = frozenset().union(
    word_set("thanks thank thx ty cheers"),
    word_set("شكرا شكراً مشكور مشكورة يعطيك العافية تسلم تسلمي shukran shokran merci mashkoor teslam"),
)


def only_assent(text: str) -> bool:
    """The message is a yes or a no and nothing else ("yes, go ahead", "لا خليها", "la2"): no word of a
    command beside it ("ok, mark it done" asks for something)."""
    words = _joined_refusals(words_of(text))
    if not words or read_assent(text) not in (Assent.YES, Assent.NO):
        return False
    return all(w in YES or w in NO or w in FILLER or w in BESIDE_NO for w in words)


def acknowledges(text: str) -> bool:
    """The message thanks, or only acknowledges ("ok", "تمام", "👍"), rather than answering a question."""
    words = words_of(text)
    if any(w in _THANKS for w in words):
        return True
    return all(w in _ACK for w in words)  # (an emoji alone has no words: it acknowledges)


_YES_TAIL = 3  # words that may follow an opening yes ("ok delete it", "أيوه احذفها الحين")
_YES_EMOJI = ("👍", "✅", "👌", "✔")
_NO_EMOJI = ("👎", "❌", "🚫", "✖")


def read_assent(text: str) -> Assent:
    """Is `text` a yes, a no, a no that goes on, or something else? Questions are never a yes."""
    words = _joined_refusals(words_of(text))
    if not words:
        if any(e in text for e in _YES_EMOJI) and not any(e in text for e in _NO_EMOJI):
            return Assent.YES
        return Assent.NO if any(e in text for e in _NO_EMOJI) else Assent.OTHER
    if any(w in NO for w in words):
        if all(w in NO or w in FILLER or w in BESIDE_NO for w in words):
            return Assent.NO
        return Assent.NO_THEN if words[0] in NO else Assent.OTHER
    asked = "?" in text or "؟" in text
    if not asked and any(w in KEEP for w in words) and all(w in BESIDE_NO or w in FILLER for w in words):
        return Assent.NO  # "leave it for now", "خليها كذا"
    if asked or any(w in BLOCKERS for w in words):
        return Assent.OTHER
    if any(w in YES for w in words) and all(w in YES or w in FILLER for w in words):
        return Assent.YES
    tail = words[1:]
    opens = words[0] in YES and words[0] not in WEAK_YES
    if opens and len(tail) <= _YES_TAIL and not any(w.isdigit() for w in tail):
        return Assent.YES  # "ok delete it"; a number might name another task, so never with one
    return Assent.OTHER


def opens_with_yes(text: str) -> bool:
    """Does `text` open with a yes, weak ones included, and hold no refusal, condition or question?
    Such a message that goes on ("اه امسحيها", "ah yes delete that one") confirms only when what
    follows names the waiting action itself (agent/awaiting.py checks that), never on its own."""
    words = _joined_refusals(words_of(text))
    if not words or words[0] not in YES or "?" in text or "؟" in text:
        return False
    return not any(w in NO or w in BLOCKERS for w in words)


_BARE = 2  # words of a bare command that answers a question ("امسحها", "delete it"), fillers aside


def bare_command(text: str) -> bool:
    """Is `text` a bare command of at most two words besides fillers, with no question, refusal or
    condition ("امسحها", "delete it", "sakkerha please")? Such a message answers a waiting question when
    it names the waiting action itself (agent/awaiting.py checks that), never on its own."""
    words = _joined_refusals(words_of(text))
    if not words or "?" in text or "؟" in text or any(w in NO or w in BLOCKERS for w in words):
        return False
    return len([w for w in words if w not in FILLER]) <= _BARE


def _joined_refusals(words: list[str]) -> list[str]:
    """Two-word refusals ("ما ابي", "mish 3ayez") made one refusal word, so they read like "no"; two-word
    affirmatives ("go ahead", "do it") one "yes"."""
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = (words[i], words[i + 1]) if i + 1 < len(words) else None
        refused = bool(out) and out[-1] in NO  # "don't do it": the "do it" is what is refused
        if pair in _NO_PAIRS or (pair in _YES_PAIRS and not refused):
            out.append("no" if pair in _NO_PAIRS else "yes")
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out
