"""Objects named by their title instead of their number: "mark the slides one done", "خلصت مهمة الفواتير",
"delete the supplier contract task".

Generic over the id kind of a tool's argument (tools/spec.py ONE_ID): a domain pack says, in its
`naming` (tools/pack.py), which kind it names, which of its words name no object (its command verbs,
"task", "مهمة"…) and how to list the objects the user can see. Matching is done in code on folded words
(base/text/folding.fold: case, diacritics, Arabic letter variants, Arabic-Indic digits): stop words and
the pack's words dropped, each remaining word compared by light stems — Arabic proclitics (و ب ل ف ك
ال لل) and suffix pronouns, English -s, -ing, -ed, -al — Latin and Arabic script apart, digits as words.
The objects whose titles hold the most of the phrase's words are kept, and only when they hold at least
half of them, or (a chatty message) the phrase holds two thirds of a title: one is acted on, 2–10 are
offered in a list, more ask to narrow down, none says so.

A list offered waits in Redis (`Keys.choice`, per user, short TTL) until a row is tapped or a pick is
typed: its number, an ordinal ("the second one", "الثانية", "tani") or title words that leave one.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import redis.asyncio as aioredis
from pydantic import BaseModel

from base import readahead
from base.keys import Keys
from base.sealing import Sealer, aad_waiting, seal, unseal
from base.text.folding import fold, to_latin_digits
from base.text.names import skeleton
from tools.base import ToolCall

PICK = "pick:"  # the id of a list row: pick:<token>:<object id>
MAX_OFFERED = 10  # rows of one WhatsApp list (ChannelLimits.list_rows)

_TOKEN = re.compile(r"[^\W_]+")
_WORD = re.compile(r"[a-z]+|[\u0621-\u064a]+|[0-9]+")
_CODE = re.compile(r"[a-z]{1,3}[0-9]+")  # "q3", "fy24", "v2": a short code and its number
_LATIN, _DIGIT = re.compile("[a-z]"), re.compile("[0-9]")
# Short Arabizi words shaped like a code: "ma3" (with), "la2" (no), "ta3" (of), "7a2" (of, Gulf)
_SHORT_ARABIZI = frozenset(("ma3", "ma3a", "la2", "ta3", "7a2", "wa2", "ba3", "sa3"))
_ARABIC = re.compile(r"[\u0621-\u064a]")
# Longest first: "وال" before "و".
_PROCLITICS = ("وبال", "وال", "بال", "فال", "كال", "ولل", "لل", "ال", "و", "ب", "ل", "ف", "ك")
_SUFFIXES = ("كما", "هما", "كم", "هم", "ها", "نا", "ات", "ين", "ون", "ه", "ي", "ك")
_MIN_AR = 3  # letters an Arabic stem keeps
_MIN_LATIN = 3
# An Arabizi word meets an Arabic one by their consonant skeleton ("7arasa" / "الحراسة" → "hrs"). Short
# skeletons meet too many words: three consonants are trusted only from a word written with Arabizi's
# digits ("7arasa"), four from any other ("kratin"; "routine" is no "كراتين").
_MIN_SOUNDS, _MIN_PLAIN_SOUNDS = 3, 4
_ARABIZI_DIGIT = re.compile("[235679]")

# Words that name nothing in any domain: articles, pronouns, fillers, politeness, interjections and the
# small words of a chatty sentence ("ugh, it's not done anymore", "خلاص بس لسه") (folded below).
_STOP = """
the a an one ones that this it its of for to in on at by with from my our your me please pls plz and or
thanks thank you can could would will just now as is be was mark set make which about
el l il al ya ba3d law lw sama7t mn min fadlak
ال في على عن من الى إلى ل لي ب و يا هذا هذه هذي هاد هادي هاي ذا ذي اللي الي التي الذي
لو سمحت فضلك من رجاء شكرا بليز ممكن ابي ابغى بدي عايز عاوز حابب
ugh oh ah hmm ok okay yes yeah no not again anymore already still yet also too really actually so well hey hi
guys all some it's isn't that's there
خلاص بس كمان برضو برضه لسه لسا مره مرة ثانيه تاني يعني طيب اوكي تمام مش مو مب ما لا اه ايوه نعم
bas kaman barda barde lessa lsa ya3ni tayeb tamam mesh mish msh mo ma la aywa wala walla wla bi bel fel ba3ad
ma3 ma3a la2 ta3 lil7een lel7een lal7een lahal2 للحين لهلق لهلأ
i i'm im i'll ill i've myself we us he she him her his hers they them their we're you're he's she's
they're am are were been being have has had do does did going gonna wanna need needs want wants let lets
get got thing things stuff um uh erm like because cause cuz since if but then than when what who where
why there here next right sure maybe think saying said told tell know guess sorry oops mean meant
انا أنا انت إنت انتي إنتي احنا نحن هو هي هم هما هوا هيا ده دي دا هذول هدول عشان علشان لان لأن لانه
لأنه كان كانت يكون بيكون صار صارت راح رح عم قاعد وش ايش شو ايه إيه ليش ليه مع عند عندي له لها لهم
فيه فيها منه منها عليه عليها معليش معلش عفوا اسف اسفه آسف آسفة سوري قصدي اقصد أقصد
ana enta enti inti e7na i7na howa howa heya hiya homa hema da di elli illi 3shan 3ashan 3alashan kan
kanet rah 3am 3and 3ndi fi fih feeha 3aleh 3aleha leh laha ma3lesh ma3lish sori asdi 2asdi
مين منو مينو عنده عندها معه معها meen mnu minu mino shu sho esh eish wesh 3ando 3indo 3endo 3andha 3indha
3andak 3indak ma3o ma3ah ma3ha
هل ان إن اذا إذا متى امتى إمتى وين فين اين أين كيف ازاي إزاي كم كام قديش
hal eza iza wein wen fein fen kif keef ezay izzay kam 2adesh emta imta
"""

# Ordinals of a typed pick, in each dialect group (1-based; -1 is the last).
# fmt: off
ORDINALS: dict[int, tuple[str, ...]] = {
    1: ("first", "1st", "اول", "الاول", "الأول", "الأولى", "اولى", "أولى", "awal", "awel", "awwal", "owel",
        "el awal", "el awel", "elawal"),
    2: ("second", "2nd", "ثاني", "الثاني", "الثانية", "ثانية", "تاني", "التاني", "التانية", "تانية",
        "tani", "tany", "thani", "thany", "el tani", "el tany", "ettani", "eltani"),
    3: ("third", "3rd", "ثالث", "الثالث", "الثالثة", "ثالثة", "تالت", "التالت", "التالتة", "تالتة",
        "talet", "talt", "thaleth", "el talet", "el talt"),
    4: ("fourth", "4th", "رابع", "الرابع", "الرابعة", "رابعة", "rabe3", "el rabe3"),
    5: ("fifth", "5th", "خامس", "الخامس", "الخامسة", "خامسة", "5ames", "khames", "el 5ames"),
    6: ("sixth", "6th", "سادس", "السادس", "السادسة", "sades", "el sades"),
    7: ("seventh", "7th", "سابع", "السابع", "السابعة", "sabe3", "el sabe3"),
    8: ("eighth", "8th", "ثامن", "الثامن", "الثامنة", "تامن", "التامن", "tamen", "thamen", "el tamen"),
    9: ("ninth", "9th", "تاسع", "التاسع", "التاسعة", "tase3", "el tase3"),
    10: ("tenth", "10th", "عاشر", "العاشر", "العاشرة", "3asher", "el 3asher"),
    -1: ("last", "اخير", "الاخير", "الأخير", "الأخيرة", "الاخيرة", "اخر", "آخر", "الآخر", "akher", "a5er",
         "el akher", "el a5er", "a5ir", "akhir"),
}
# fmt: on


def words(text: str) -> list[str]:
    """Folded words of one script each: "Q3" is "q" and "3", "تقرير٤" is "تقرير" and "4" — but an
    Arabizi word keeps its digits, which are letters there ("5alast", "ba3d", "7a2")."""
    out: list[str] = []
    for token in _TOKEN.findall(fold(to_latin_digits(text))):
        if (
            _LATIN.search(token)
            and _DIGIT.search(token)
            and (token in _SHORT_ARABIZI or not _CODE.fullmatch(token))
        ):
            out.append(token)
        else:
            out.extend(_WORD.findall(token))
    return out


_ORDINAL_PHRASES = {" ".join(words(phrase)): n for n, phrases in ORDINALS.items() for phrase in phrases}


def forms(word: str) -> frozenset[str]:
    """The word and its light stems: Arabic without a proclitic and/or a suffix pronoun, English
    without a plural -s. Two words match when their forms meet."""
    out = {word}
    if word.isdigit():
        return frozenset(out)
    if _ARABIC.match(word):
        bases = {word} | {
            word[len(p) :] for p in _PROCLITICS if word.startswith(p) and len(word) - len(p) >= _MIN_AR
        }
        out |= bases
        out |= {
            b[: -len(s)] for b in bases for s in _SUFFIXES if b.endswith(s) and len(b) - len(s) >= _MIN_AR
        }
        return frozenset(out)
    if len(word) > _MIN_LATIN and word.endswith("s") and not word.endswith("ss"):
        out.add(word[:-1])
        if word.endswith("es") and len(word) > _MIN_LATIN + 1:
            out.add(word[:-2])
    # "planning" / "plan", "renewal" / "renew", "booked" / "book", "moved" / "move"
    for suffix in ("ing", "ed", "al"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= _MIN_LATIN:
            out |= {stem, stem + "e"} if suffix != "al" else {stem}
            if len(stem) > _MIN_LATIN and stem[-1] == stem[-2]:
                out.add(stem[:-1])  # a doubled consonant: "planning", "shipped"
    return frozenset(out)


_SAID_AS = str.maketrans({"ظ": "ض", "ذ": "د", "ث": "ت"})


@lru_cache(maxsize=4096)  # a query's words are looked for in every title of a listing: each once
def sounds(word: str, arabizi: bool = False) -> frozenset[str]:
    """The consonant skeletons (base/text/names.py) by which a word meets one of the other script
    (`arabizi`: the word is one of a phrase written in Arabizi, whose three consonants are trusted)."""
    if _ARABIC.match(word):
        # Only the article's proclitics: a one-letter "ك", "ب" or "ف" is as often the word's own letter.
        spoken = {word} | {word[len(p) :] for p in _PROCLITICS if len(p) > 1 and word.startswith(p)}
        # The interdentals as each group says them: "tandheef" / "tanzeef" (تنظيف), "hadha" / "haza" (هذا)
        spoken |= {w.translate(_SAID_AS) for w in spoken if any(c in w for c in "ظذث")}
        # A final taa marbuta (folded to "ه") is said "-a" alone and "-at" before the next word: "tajruba",
        # "tajrubat menu" (تجربة منيو)
        spoken |= {w[:-1] + "ت" for w in spoken if w.endswith(("ة", "ه"))}
        # An h inside a word is often not written in Arabizi: "videoyet" (فيديوهات), "mohandes" stays
        spoken |= {w[0] + w[1:-1].replace("ه", "") + w[-1] for w in spoken if "ه" in w[1:-1]}
        least = _MIN_SOUNDS
    else:
        # Arabizi's "2" is a hamza, or a qaf said as one ("ta2reer", تقرير)
        spoken = {word, word.replace("2", "q")}
        least = _MIN_SOUNDS if arabizi or _ARABIZI_DIGIT.search(word) else _MIN_PLAIN_SOUNDS
        if least == _MIN_SOUNDS and word.endswith(("a", "e")):
            # an Arabizi final vowel may be a taa marbuta, said "-at" before the next word: "fannene"
            # (الفنانة), as an Arabic final ه is read "-at" above
            spoken |= {w + "t" for w in spoken}
    return frozenset(found for found in map(skeleton, spoken) if len(found) >= least)


@dataclass(frozen=True)
class _Held:
    """Words a word is looked for in: by its forms, and by its sounds among the other script's words
    only (two Arabic words of one root, "الفواتير" and "فاتورة", are no match by sound)."""

    forms: frozenset[str]
    arabic_sounds: frozenset[str]
    latin_sounds: frozenset[str]

    @classmethod
    def of(cls, held: Iterable[str], arabizi: bool | None = None) -> _Held:
        held = list(held)
        arabic = [w for w in held if _ARABIC.match(w)]
        latin = [w for w in held if not _ARABIC.match(w) and not w.isdigit()]
        written = in_arabizi(latin) if arabizi is None else arabizi
        return cls(
            frozenset().union(*map(forms, held)),
            frozenset().union(*map(sounds, arabic)),
            frozenset().union(*(sounds(w, written) for w in latin)),
        )

    def holds(self, word: str, arabizi: bool = False) -> bool:
        if forms(word) & self.forms:
            return True
        if word.isdigit():
            return False
        other = self.latin_sounds if _ARABIC.match(word) else self.arabic_sounds
        return bool(other and sounds(word, arabizi) & other)


def in_arabizi(latin: list[str]) -> bool:
    """The Latin words are Arabic written in Arabizi: one of them has its digits ("tasli7 el mokayyaf")."""
    return any(_ARABIZI_WORD.search(w) for w in latin)


# A digit that is a letter: inside or after letters ("tasli7", "ba3d"), or before them ("3and", "7ot"),
# never an ordinal ("2nd", "3rd").
_ARABIZI_WORD = re.compile(r"[a-z][235679]|^[235679](?!(?:st|nd|rd|th)$)[a-z]")


def word_set(written: str) -> frozenset[str]:
    """A word list written naturally (space-separated), folded like the messages."""
    return frozenset(w for phrase in written.split() for w in words(phrase))


_STOP_WORDS = word_set(_STOP)


@dataclass(frozen=True)
class Naming:
    """How a domain pack's objects are named by their title (DomainPack.naming)."""

    kind: str  # the id kind of the argument it fills ("task_id")
    words: frozenset[str]  # folded words that name no object: the pack's command verbs and nouns
    operation: str  # the core API operation that lists the objects the user can see
    # The arguments of that listing for a user of this role, tried in order until one is allowed.
    listings: Callable[[str | None], list[dict[str, Any]]]
    title: str = "title"  # the field of an object that holds its title
    # Words that name no object by what they are rather than by a list: a change's new value (a date,
    # a priority) in "move the invoice to Monday".
    ignore: Callable[[str], bool] | None = None
    _dropped: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_dropped", _STOP_WORDS | self.words)

    def query(self, phrase: str, *, skip: Iterable[str] = ()) -> list[str]:
        """The words of `phrase` that may name an object: stop words, the pack's words and the words
        of `skip` (the call's other arguments: the assignee, a new title) left out."""
        # Each skipped word leaves out as many of its occurrences, from the end: in "صيانة السيارات، عدّل
        # اسمها: صيانة سيارات الشركة" the new title's words go, the old name's "صيانة" stays.
        skipped = Counter(w for s in skip for w in words(s))
        kept: list[str] = []
        for word in reversed(words(phrase)):
            if skipped[word] > 0:
                skipped[word] -= 1
            else:
                kept.append(word)
        out: list[str] = []
        for word in reversed(kept):
            # A command word in another form ("tasks", "احذفها") names nothing; a word with the
            # article is a noun, though its stem be a verb ("العرض", the presentation; "اعرض", show).
            dropped = word in self._dropped or (not word.startswith("ال") and forms(word) & self._dropped)
            if dropped or word in out or (self.ignore is not None and self.ignore(word)):
                continue
            if not word.isdigit() and len(word) < 2:
                continue
            out.append(word)
        return out


_CLAUSE = re.compile(r"[,،.;:!?؟\n]+|\s[-–—]\s")
_LEAD = 2  # words a title phrase needs to be looked for alone


def lead(naming: Naming, phrase: str, *, skip: Iterable[str] = ()) -> list[str]:
    """The first run of two or more words that may name an object, standing together in one clause of
    the phrase: "مهمة طباعة الاستمارات رجعها مفتوحة، طلع فيها نقص" → طباعة الاستمارات (a command word or a
    comma ends it). Looked for when the whole message names nothing: a reason said after the command
    ("…، طلع فيها نقص") adds words no title holds. [] when there is none."""
    for clause in _CLAUSE.split(phrase):
        run: list[str] = []
        for word in clause.split():
            kept = naming.query(word, skip=skip)
            if kept:
                run += [w for w in kept if w not in run]
            elif run:
                break
        if len(run) >= _LEAD:
            return run
    return []


def opening(naming: Naming, phrase: str, *, skip: Iterable[str] = ()) -> list[str]:
    """The words that may name an object in the phrase's first clause that has any: "reopen the
    thumbnails one, the client hated the font" → thumbnails. Looked for last: the command's own clause
    names the object, a reason after it ("the client hated the font") names none. [] when none."""
    for clause in _CLAUSE.split(phrase):
        if kept := naming.query(clause, skip=skip):
            return kept
    return []


def score(query: list[str], title: str, *, arabizi: bool | None = None) -> int:
    """How many of the query's words the title holds (by their forms). `arabizi`: the phrase the query
    came from is written in Arabizi (None: told by the query's own words)."""
    held = _Held.of(words(title) if title else [])
    if arabizi is None:
        arabizi = in_arabizi([w for w in query if not _ARABIC.match(w)])
    return sum(1 for w in query if held.holds(w, arabizi))


def best(
    query: list[str],
    items: list[dict[str, Any]],
    *,
    title: str = "title",
    naming: Naming | None = None,
    arabizi: bool | None = None,
) -> list[dict[str, Any]]:
    """The items whose titles hold the most of the query's words; [] when none does or the query is
    empty. They are kept when the title holds at least half of the query's words — or, for a chatty
    message whose query is long ("ok so um the lease renewal thing, omar was saying…"), when the query
    holds most of the title: two thirds of its words and at least two (a one-word title, its word)."""
    if not query:
        return []
    if arabizi is None:
        arabizi = in_arabizi([w for w in query if not _ARABIC.match(w)])
    said = _Held.of(query, arabizi)
    scored = []
    for item in items:
        written = str(item.get(title) or "")
        named = (
            naming.query(written)
            if naming is not None
            else [w for w in words(written) if w not in _STOP_WORDS]
        )
        held = sum(1 for w in named if said.holds(w))
        covered = bool(named) and held >= min(2, len(named)) and held * 3 >= 2 * len(named)
        scored.append((score(query, written, arabizi=arabizi), covered, item))
    top = max((s for s, _, _ in scored), default=0)
    if top == 0:
        return []
    return [item for s, covered, item in scored if s == top and (s * 2 >= len(query) or covered)]


@dataclass
class Named:
    """What naming an object by its title came to: its id (one match), or a reply that asks (a list,
    "narrow it down", "no task matches") or says what failed."""

    id: int | None = None
    title: str = ""
    parts: list[Any] | None = None  # reply parts (base.turn.ReplyPart)
    error: str | None = None  # the listing failed: why, for the user
    outcome: str = ""  # named | pick | narrow | none | failed


def shown(phrase: str, query: list[str]) -> str:
    """The words of the user's phrase that were looked for, as the user wrote them."""
    kept = [w for w in phrase.split() if set(words(w)) & set(query)]
    return " ".join(kept).strip(" .,!?؟") or " ".join(query)


class Option(BaseModel):
    id: int
    title: str


class PendingChoice(BaseModel):
    """A call waiting for the user to pick the object it acts on."""

    token: str
    call: ToolCall  # its arguments lack `arg`
    arg: str
    options: list[Option]
    turn_id: str
    question: str = ""


class Choices:
    """The list offered to a user, stored under their number until they pick (or it expires)."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, ttl_s: int = 300, sealer: Sealer | None = None
    ) -> None:
        self._redis = redis
        self._keys = keys
        self.ttl_s = ttl_s
        self._sealer = sealer  # titles and the question asked: stored encrypted

    async def offer(
        self, wa_id: str, call: ToolCall, arg: str, options: list[Option], turn_id: str, question: str
    ) -> PendingChoice:
        pending = PendingChoice(
            token=secrets.token_hex(6),
            call=call,
            arg=arg,
            options=options,
            turn_id=turn_id,
            question=question,
        )
        value = seal(self._sealer, pending.model_dump_json(), aad_waiting("pick", wa_id))
        readahead.forget(self._keys.choice(wa_id))
        await self._redis.set(self._keys.choice(wa_id), value, ex=self.ttl_s)
        return pending

    async def peek(self, wa_id: str) -> PendingChoice | None:
        raw = readahead.ahead(key := self._keys.choice(wa_id))
        if raw is readahead.MISSING:
            raw = await self._redis.get(key)
        if raw is None:
            return None
        return PendingChoice.model_validate_json(unseal(self._sealer, raw, aad_waiting("pick", wa_id)))

    async def take(self, wa_id: str, token: str | None = None) -> PendingChoice | None:
        """The waiting choice (if `token` is given, only when it matches), removed."""
        pending = await self.peek(wa_id)
        if pending is None or (token is not None and not secrets.compare_digest(pending.token, token)):
            return None
        readahead.forget(self._keys.choice(wa_id))
        await self._redis.delete(self._keys.choice(wa_id))
        return pending

    async def cancel(self, wa_id: str) -> bool:
        readahead.forget(self._keys.choice(wa_id))
        return bool(await self._redis.delete(self._keys.choice(wa_id)))


def row_id(token: str, object_id: int) -> str:
    return f"{PICK}{token}:{object_id}"


def parse_row(payload: str) -> tuple[str, int] | None:
    token, _, object_id = payload.removeprefix(PICK).partition(":")
    return (token, int(object_id)) if object_id.isdigit() else None


def typed_pick(text: str, options: list[Option], naming: Naming | None) -> Option | None:
    """The option a typed answer picks: its number ("12", "#12", "١٢"), an ordinal ("the second one",
    "الثانية", "التاني", "tani"), or title words that leave exactly one; None when unclear."""
    by_id = {o.id: o for o in options}
    said = words(text)
    numbers = [int(w) for w in said if w.isdigit()]
    named = [by_id[n] for n in dict.fromkeys(numbers) if n in by_id]
    if len(named) == 1:
        return named[0]
    if named:
        return None  # two of the offered numbers: never guess between them
    found = {
        _ORDINAL_PHRASES[" ".join(said[i : i + size])]
        for size in (2, 1)
        for i in range(len(said) - size + 1)
        if " ".join(said[i : i + size]) in _ORDINAL_PHRASES
    }
    if len(found) == 1:
        n = next(iter(found))
        if n == -1:
            return options[-1]
        return options[n - 1] if 1 <= n <= len(options) else None
    if found or numbers:
        return None
    query = naming.query(text) if naming is not None else [w for w in said if w not in _STOP_WORDS]
    items = [o.model_dump() for o in options]
    left = best(query, items, naming=naming)
    return by_id[int(left[0]["id"])] if len(left) == 1 else None
