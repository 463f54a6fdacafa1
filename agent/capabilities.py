"""Greetings and "what can you do?", answered in code: what this bot does for this user, never "I don't
know" (the knowledge base has no page about the bot itself, and a small model asked this invents one).

The list is the bot's own tools, titled in the user's language (`tool.<name>.title`), plus answering
from the documents when a knowledge base is attached; an unlinked number reads what it can do now and
how to link. The cues are word lists per dialect group, written from how people greet and ask.
"""

from __future__ import annotations

import re

from base.catalog import has, t
from base.text.lexicon import word_set, words_of
from tools.registry import ToolRegistry

# A message that is only a greeting (a few words, each one of these).
_GREETING = frozenset().union(
    word_set("hi hello hey hiya yo there all everyone good morning evening afternoon day"),
    word_set("مرحبا مرحبًا مرحباً اهلا أهلا هلا هلو هاي السلام سلام عليكم صباح مساء الخير النور وسهلا يا"),
    word_set("hala halla marhaba marhaban ahlan ahleen salam alaikum salamu sabah masa2 el al khair kheir"),
    # "هلا والله، صباح الخير يا هدهد": an oath of warmth and the bot's own name greet too
    word_set("والله wallah wallahi هدهد hudhud"),
    # and "how are you" in one word, each dialect group: "كيفك", "شلونك", "ازيك", "شخبارك"
    word_set("مرحبتين مسا مسائك اهلين أهلين كيفك كيفكم كيفكن شلونك شلونكم شخبارك ازيك إزيك ازيكم اخبارك"),
    word_set(
        "marhabtein ahlein ahlen kifak kifik keefak shlonak shlonik ezayak ezayek izzayak masa howdy sup"
    ),
)
# "how are you", "كيف الحال", "عامل ايه", "what's up" after any greeting: still only a greeting (the words
# are questions too, so they are matched as whole phrases, never one by one).
_HOW_ARE_YOU = re.compile(
    r"^(?:how\s+are\s+(?:you|u)(?:\s+doing)?|how\s+is\s+it\s+going|hows\s+it\s+going|whats\s+up|what\s+is\s+up"
    r"|كيف\s+(?:الحال|حالك|حالكم|الاحوال)|عامل\s+ايه|عامله\s+ايه|عاملين\s+ايه|ايه\s+الاخبار|شو\s+الاخبار"
    r"|(?:3amel|3amla)\s+eh|eh\s+el\s+a5bar|shu\s+el\s+akhbar|kif\s+el\s+7al)$"
)
# "what can you do", "ماذا تستطيع أن تفعل", "شو بتعمل", "ايش تقدر تسوي", "إيه اللي تقدر تعمله",
# "shu fik ta3mel", "wesh t8dar tsawi": a question word and a verb of being able or of doing.
_ASK_EN = word_set("what how which")
# English asks the bot itself ("you", or "this number", "the bot"); Arabic verbs below are second person
_YOU = word_set("you u ya number bot assistant hudhud هدهد")
_ASK = frozenset().union(
    _ASK_EN,
    word_set("ماذا ما ايش إيش اش وش شو شنو ايه إيه كيف بماذا بإيش بايش بشو فيما"),
    word_set("shu sho wesh wish esh eish eh ezay izzay kif keef"),
)
# "ممكن تساعدني؟" (can you help me?): asking by "possible" — only when every other word is about the bot
# ("ممكن تساعدني في الإجازات؟" asks about leave).
_ASK_WHOLE = _ASK | word_set("ممكن momken mumkin momkin")
_ABLE = frozenset().union(
    word_set("can could do able help offer handle assist support sort manage"),
    word_set("مساعدة مساعدت مساعده"),
    word_set("تستطيع تستطيعين يمكنك تقدر تقدري بتقدر بتقدري تقدرين فيك فيكي تعرف بتعرف تفعل تفعله"),
    word_set("تعمل تعمله بتعمل بتعمله تسوي تسويه تساعد تساعدني تساعدنا تخدم تخدمني وظيفتك شغلك دورك"),
    word_set("t2dar ti2dar t8dar tigdar te2dar fik feek ta3mel te3mel bt3mal bte3mal tsawi tsa3ed tsa3edni"),
    word_set("tsa3dni tsa3idni tsa3edna tsa3dna"),
    # the services it offers: "what services do you offer", "ايش الخدمات اللي تقدمها", "eh el 5adamat"
    word_set(
        "services service provide خدمات الخدمات خدماتك تقدم تقدمها بتقدمها تقدمه 5adamat khadamat bt2ademha"
    ),
)
_WHO = re.compile(
    r"^\W*(?:who|what)\s+are\s+you\W*$|^\W*(?:من|مين|منو|شو|ايش|وش)\s+(?:انت|أنت|انتي|إنت)\W*$"
    r"|^\W*(?:meen|min|min|shu|wesh)\s+(?:enta|inta|anta|enti|inti)\W*$|^\W*help(?:\s+me)?\W*$"
    r"|^\W*(?:مساعده|مساعدة|ساعدني|ساعدوني|ممكن مساعده|ممكن مساعدة)\W*$"
    r"|^\W*(?:انت|أنت|إنت|انتي)\s+(?:مين|من|منو|شو|ايش|وش|ايه|إيه)\W*$"
    # the menu a newcomer asks for: "menu", "commands", "what are my options", "القائمة", "الأوامر"
    r"|^\W*(?:menu|commands|options|what\s+are\s+my\s+options|القائمه|القائمة|الاوامر|الأوامر|الخيارات)\W*$",
    re.IGNORECASE,
)
# Words that may stand around the question without making it about something else: "what else can you
# do for me exactly", "ايش الأشياء اللي تقدر تسويها لي". Any other word ("how long do you KEEP my
# conversation HISTORY", "what can you TELL me about LEAVE") makes it a question for the agent.
_AROUND = frozenset().union(
    word_set("i me my us we our for with to of the a an else exactly here really actually all kind sort"),
    word_set("things thing stuff anything everything in this that bot assistant please pls your yourself"),
    word_set("are is am be do does did can could would will so then now today again just tell out"),
    word_set("أن ان لي لنا لك بالضبط غير هنا شي شيء اشياء أشياء الأشياء الاشياء اللي الي التي الذي لو ممكن"),
    word_set(
        "بس كمان في فيه به بيه عن نفسك هل و يعني الحين هلق دلوقتي اليوم بالظبط بالزبط حاجة حاجات ايضا أيضا"
    ),
    word_set("elli illi ely 3an fi law momken kaman ya3ni el shi shi2 7aga 7agat ba2a enta inta enti tayeb"),
    word_set("انت أنت إنت انتي طيب ok okay well hey هو هي شغلات الشغلات شغلي شغل عملي work job"),
    # a newcomer says so first: "hey! I'm new here, what can you help me with?", "أنا جديد هنا، وش تقدر تسوي؟"
    word_set("m im new joined started first time ana gdeed jdeed hon hena"),
    word_set("انا أنا جديد جديدة جديده توني لسه لسا بديت بلشت"),
    # "can you tell me what you can do?": "فيك تخبرني شو بتعرف تعمل؟", "t2olli te2dar te3mel eh"
    word_set("تخبرني اخبرني أخبرني تقولي تقلي تقللي تحكيلي احكيلي قلي قولي t2olli t2oli te2olli"),
    # the bot as "this number": "what can this number do for me?", "شو بيعمل هالرقم؟"
    word_set("رقم الرقم هالرقم هذا هاد هادا ده دا هيدا"),
)
_MAX_WORDS = 16  # a longer message asks about something specific


def is_greeting(text: str) -> bool:
    words = words_of(text)
    if not 0 < len(words) <= 6:
        return False
    rest = [w for w in words if w not in _GREETING]
    named = [w for w in rest if w not in _YOU]  # the bot named: "مرحبا هدهد", "hi bot"
    return any(not r or bool(_HOW_ARE_YOU.match(" ".join(r))) for r in (rest, named))


def asks_what_i_do(text: str) -> bool:
    """A question about the bot itself: what it can do, how it helps, who it is — alone, or after a
    sentence or two that only say who is asking ("hi, I'm a new pharmacist at the Sharjah branch. what
    can this number do for me?"): no question, no number there."""
    if _asks_only_that(text):
        return True
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    if len(parts) < 2:
        return False
    before = text[: text.rindex(parts[-1])]
    if is_greeting(before):  # "مرحبا هدهد، كيفك؟ فيك تخبرني شو بتعرف تعمل؟"
        return _asks_only_that(parts[-1])
    if _QUESTION_MARK.search(before) or any(c.isdigit() for c in before):
        return False
    return len(words_of(before)) <= _MAX_BEFORE and _asks_only_that(parts[-1])


_SENTENCE_END = re.compile(r"[.!?؟\n]+|\s[-\u2013\u2014]\s")  # "hey, first week here - what can you…"
_QUESTION_MARK = re.compile(r"[?؟]")
_MAX_BEFORE = 14  # words that may say who is asking before the question


def _asks_only_that(text: str) -> bool:
    if _WHO.match(text.strip()):
        return True
    words = [w for w in words_of(text) if w not in _GREETING]
    if not words or len(words) > _MAX_WORDS or any(w.isdigit() for w in words):
        return False
    if any(w in _ASK_EN for w in words) and not any(w in _YOU for w in words):
        return False  # "how many days of leave do I get?"
    if not any(_is(w, _ASK_WHOLE) for w in words) or not any(_is(w, _ABLE) for w in words):
        return False
    return all(
        _is(w, _ASK_WHOLE) or _is(w, _YOU) or _is(w, _AROUND) or w in _GREETING or _is(w, _ABLE)
        for w in words
    )


def about_me(text: str) -> bool:
    """Looser than `asks_what_i_do`, for a message the knowledge base has nothing on: it opens with a
    greeting, or asks with a question word and a verb of being able or doing, addressed to the bot
    ("you" in English; Arabic verbs are second person already). Such a message gets what the bot can do,
    never "I don't know"."""
    words = words_of(text)
    if not words:
        return False
    if words[0] in _GREETING:
        return True
    if len(words) > _LOOSE_WORDS or any(_is(w, _INFO) for w in words):
        return False  # "can you tell me what the parking policy is?" asks for information
    english = any(w in _ASK_EN for w in words)
    if english and not any(w in _YOU for w in words):
        return False
    return any(_is(w, _ASK) for w in words) and any(_is(w, _ABLE) for w in words)


_LOOSE_WORDS = 8
# Verbs of telling and explaining: a question with one asks for information, not about the bot.
_INFO = frozenset().union(
    word_set("tell explain say know mean 2oli ti2oli"),
    word_set("تقول تقولي قول قولي تشرح اشرح تعرف تعرفي بتعرف تخبرني أخبرني اخبرني"),
)


_PREFIXES = ("و", "ب", "ف", "w")
_SUFFIXES = ("ها", "ه", "ني", "نا", "ك", "ي", "ha", "o", "ni", "na")


def _is(word: str, words: frozenset[str]) -> bool:
    """`word` is in `words`, also with a conjunction or "b-" before it and an object pronoun after it
    ("وإيه", "بتقدر", "تسويها", "te3melo")."""
    bare = [word, *(word[len(p) :] for p in _PREFIXES if word.startswith(p) and len(word) > len(p) + 1)]
    return any(
        b in words or any(b.endswith(x) and len(b) > len(x) + 1 and b[: -len(x)] in words for x in _SUFFIXES)
        for b in bare
    )


def what_i_do(
    tools: ToolRegistry, lang: str, *, linked: bool, knowledge: bool, name: str | None = None
) -> str:
    """The bot's offer to this user: its tools (when linked), its documents, and how to link if not."""
    hello = t("capabilities.hello_name", lang, name=name) if name else t("capabilities.hello", lang)
    actions = [f"• {t(f'tool.{s.name}.title', lang)}" for s in tools if has(f"tool.{s.name}.title")]
    documents = f"• {t('capabilities.documents', lang)}"
    if not actions:  # a bot that only answers
        return "\n".join([hello, t("capabilities.documents_only", lang)])
    if linked:
        listed = [*actions, documents] if knowledge else actions
        return "\n".join([hello, t("capabilities.intro", lang), *listed, "", t("capabilities.how", lang)])
    now = [t("capabilities.now", lang), documents, ""] if knowledge else []
    return "\n".join(
        [hello, *now, t("capabilities.unlinked", lang), *actions, "", t("reply.link_first", lang)]
    )
