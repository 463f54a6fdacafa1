"""Dates said in words → calendar dates (the router copies the user's phrase; this resolves it).

Small local models copy words well and get dates and digits wrong, so the router copies the user's
phrase ("بكرة", "next Thursday", "٤٢", "أستاذ عمر") and the pure functions here resolve it. They never
guess: a phrase that is not understood gives None, and the agent asks the user.

Rules for dates, all relative to `today` (which the caller computes in the user's time zone):

- Explicit dates: ISO `2026-12-01` (a time part is ignored), `1/12/2026`, `1-12-26`, `1.12.2026` and
  `5/12` are **day-first** (Arab world, Europe), month-first only when `tz_name` is a US time zone or
  Manila; when only one order is a valid date (`12/25`) that one is taken. An explicit year is kept even
  if the date has passed; without a year the date is this year's, or next year's once it has passed
  (a day that does not exist in that year, such as 29 February of a common year, gives None).
- Relative words in English, MSA, Gulf, Egyptian, Levantine and Arabizi: today, tomorrow, the day after
  tomorrow, yesterday ("اليوم", "النهارده", "بكرة", "باجر", "بعد بكرة", "ba3d bokra", ...).
- A weekday, bare or with "next"/"coming"/"القادم"/"الجاي"/"الي جاي", is its next occurrence strictly
  after today (1–7 days). With "this"/"هذا"/"ده"/"هال-" it may be today (0–6 days). "after next" /
  "بعد الجاي" adds a week to the strict reading.
- "in N days/weeks/months", "بعد ٣ أيام", "بعد يومين", "خلال أسبوع", "3 days from now": today + N
  (months keep the day of month, clamped to the month's last day).
- "next week" / "الأسبوع الجاي" = today + 7.
- End of the week: the coming **Thursday** for Arabic and Arabizi phrases ("آخر الأسبوع", "هذا الأسبوع",
  "akher el esbo3"), because the Gulf and Egyptian work week ends on Thursday; the coming **Friday** for
  English ones ("end of the week", "this week"). Today counts if it is that day.
- "end of the month" / "آخر الشهر" = the month's last day; "end of next month"; "beginning of next month"
  / "أول الشهر الجاي" = the 1st of next month; "أول الشهر" = the next 1st (today if it is the 1st).
  "next month" alone is **not** resolved (which day?): None. "mid-month" / "نص الشهر" / "منتصف الشهر" = the
  next 15th (today if it is the 15th); "نص الشهر الجاي" = the 15th of next month. The end of the working
  day ("eod", "آخر الدوام", "آخر النهار", "akher el yom") is today.
- Day and month: "5 ديسمبر", "٥ ديسمبر", "December 5", "5th of Dec", "5 كانون الأول", "5 شهر 12";
  "end of December" / "آخر ديسمبر" is its last day.
- Day of the month: "the 5th", "يوم ٥", "5 الشهر", "the 5th of this month" → the next 5th on or after
  today (months that lack the day are skipped: a due date is never silently in the past); "the 5th of
  next month" / "5 الشهر الجاي" → that day of next month. A bare number ("5") is not a date.
- Leading prepositions are dropped: by, on, before, until, till, due, to, for, no later than, يوم,
  قبل, في, لين, لغاية, حتى, على, إلى, لحد, بحلول and an attached ل ("لبكرة", "للخميس"). "before Friday"
  therefore means Friday: a deadline, not the day before it.
- Times of day and courtesy words are ignored ("tomorrow at 5pm", "بكرة الصبح", "إن شاء الله").
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta

from base.text import folding

DateFn = Callable[[date], date]


def _plus(days: int) -> DateFn:
    return lambda today: today + timedelta(days=days)


def _next_weekday(today: date, weekday: int, *, strict: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    if strict and ahead == 0:
        ahead = 7
    return today + timedelta(days=ahead)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    years, month0 = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _next_month_start(today: date) -> date:
    return _add_months(today.replace(day=1), 1)


_THURSDAY, _FRIDAY = 3, 4

# Phrases resolved without parsing; keys are folded token tuples.
_FIXED: dict[tuple[str, ...], DateFn] = {}


def _fixed(fn: DateFn, *phrases: str) -> None:
    for key in folding.phrase_keys(*phrases):
        _FIXED[key] = fn


_fixed(
    _plus(0),
    "today", "tonight", "this morning", "this afternoon", "this evening", "now", "right now",
    "اليوم", "الليلة", "هاليوم", "النهارده", "النهاردة", "انهارده", "نهارده", "الحين", "هلق", "هلأ", "دلوقتي",
    "el naharda", "elnaharda", "naharda", "ennaharda", "el nharda", "el yom", "elyom", "el youm", "lyom",
    "lyoum", "alyom", "al yom", "el leila", "el lela", "delwa2ty", "dilwa2ti", "el7een", "hala2",
    # the end of the working day, each dialect group
    "eod", "end of day", "end of the day", "the end of the day", "end of today", "close of business", "cob",
    "آخر النهار", "آخر اليوم", "نهاية اليوم", "آخر الدوام", "نهاية الدوام", "قبل ما يخلص الدوام",
    "akher el yom", "a5er el yom", "akher el nhar", "a5er el nhar", "akher el dawam", "a5er el dawam",
)  # fmt: skip
_fixed(
    _plus(1),
    "tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow", "2moro", "2morrow",
    "غدا", "غداً", "الغد", "بكرة", "بكره", "بكرا", "باكر", "باجر",
    "bokra", "bukra", "bokrah", "bkra", "boukra", "bokra", "ghadan",
)  # fmt: skip
_fixed(
    _plus(2),
    "day after tomorrow", "the day after tomorrow", "overmorrow",
    "بعد غد", "بعد غدٍ", "بعد الغد", "بعد غدا", "بعد بكرة", "بعد بكرا", "بعد باكر", "بعد باجر",
    "عقب باجر", "عقب بكرة", "3a2ab bacher", "3agb bacher", "3gb bacher", "ba3d bacher", "ba3ad bukra",
    "ba3d bokra", "ba3d bukra", "b3d bokra", "ba3d bokrah", "ba3d bkra", "ba3d ghad", "ba3d el ghad",
)  # fmt: skip
_fixed(
    _plus(-1),
    "yesterday", "أمس", "امس", "البارحة", "مبارح", "امبارح", "embare7", "mbare7", "imbare7", "emberi7",
)  # fmt: skip
_fixed(
    _plus(7),
    "next week", "the next week", "الأسبوع القادم", "الأسبوع الجاي", "الأسبوع الياي", "الأسبوع المقبل",
    "الاسبوع الجاي", "الأسبوع الجاية",
    "el esbo3 el gai", "el esbo3 el gay", "el esboo3 el gai", "el osbo3 el gai",
    "esbo3 el gai", "el esbo3 el jai", "el esbu3 el jai", "el usbu3 el qadem",
)  # fmt: skip
_fixed(
    lambda today: _next_weekday(today, _FRIDAY, strict=False),
    "this week", "end of the week", "end of week", "end of this week", "the end of the week",
    "the end of this week", "eow",
)  # fmt: skip
_fixed(
    lambda today: _next_weekday(today, _THURSDAY, strict=False),
    "هذا الأسبوع", "هالأسبوع", "الأسبوع ده", "الأسبوع دا", "الأسبوع هذا", "الأسبوع هاد", "خلال الأسبوع",
    "آخر الأسبوع", "نهاية الأسبوع", "آخر هذا الأسبوع", "نهاية هذا الأسبوع", "آخر الأسبوع ده",
    "اخر الاسبوع هذا",
    "akher el esbo3", "a5er el esbo3", "2a5er el esbo3", "akhir el esbo3", "nehayet el esbo3", "el esbo3 da",
    "el esbo3 dah", "hal esbo3", "akher el osbo3",
)  # fmt: skip
_fixed(
    lambda today: _month_end(today.year, today.month),
    "end of the month", "end of month", "end of this month", "the end of the month", "the end of this month",
    "eom", "آخر الشهر", "نهاية الشهر", "آخر هذا الشهر", "نهاية هذا الشهر", "آخر الشهر ده", "آخر هالشهر",
    "akher el shahr", "a5er el shahr", "2a5er el shahr", "akhir el shahr", "nehayet el shahr",
)  # fmt: skip


def _end_of_next_month(today: date) -> date:
    start = _next_month_start(today)
    return _month_end(start.year, start.month)


_fixed(
    _end_of_next_month,
    "end of next month", "the end of next month", "آخر الشهر الجاي", "آخر الشهر القادم", "نهاية الشهر القادم",
    "نهاية الشهر الجاي", "آخر الشهر المقبل", "akher el shahr el gai",
)  # fmt: skip
_fixed(
    _next_month_start,
    "start of next month", "beginning of next month", "first of next month", "the first of next month",
    "the beginning of next month", "the start of next month", "أول الشهر الجاي", "أول الشهر القادم",
    "بداية الشهر القادم", "بداية الشهر الجاي", "أول الشهر المقبل", "awel el shahr el gai",
)  # fmt: skip
_MID = 15


def _mid_month(today: date) -> date:
    return today.replace(day=_MID) if today.day <= _MID else _next_month_start(today).replace(day=_MID)


_fixed(
    _mid_month,
    "mid month", "mid-month", "middle of the month", "the middle of the month", "mid this month",
    "منتصف الشهر", "نص الشهر", "نصف الشهر", "منتصف هذا الشهر", "نص هالشهر", "nos el shahr", "nus el shahr",
    "montasaf el shahr",
)  # fmt: skip
_fixed(
    lambda today: _next_month_start(today).replace(day=_MID),
    "mid next month", "middle of next month", "the middle of next month", "منتصف الشهر القادم",
    "منتصف الشهر الجاي", "نص الشهر الجاي", "نصف الشهر القادم", "منتصف الشهر المقبل", "nos el shahr el gai",
)  # fmt: skip
_fixed(
    lambda today: today if today.day == 1 else _next_month_start(today),
    "أول الشهر", "بداية الشهر", "awel el shahr", "the first of the month", "first of the month",
)  # fmt: skip

# Leading words dropped before matching (one at a time, so "قبل يوم الخميس" → "يوم الخميس" → "الخميس").
_PREPOSITIONS: list[tuple[str, ...]] = folding.phrase_keys(
    "no later than", "not later than", "due on", "due by", "due", "by", "on", "before", "until", "till",
    "til", "to", "for", "at", "deadline",
    "يوم", "نهار", "قبل", "في", "لين", "الين", "لغاية", "حتى", "على", "إلى", "الى", "لحد", "بحلول", "موعد",
    "yom", "youm", "abl", "2abl", "le7ad", "l7ad", "la7ad", "lghayet", "le", "fi", "f", "3la", "ala", "hatta",
    "7atta", "lein", "leen",
    # Levantine and Gulf Arabizi "to / to the / on the": "la yom el 5amis", "lal a7ad", "3al 5amis"
    "la", "l", "li", "lal", "lel", "lil", "3al", "3a",
)  # fmt: skip

_NOISE = re.compile(
    r"\b(?:"
    r"in the (?:morning|afternoon|evening)|at (?:night|noon|midnight)|morning|afternoon|evening|night|noon"
    r"|midnight|please|pls|plz|inshallah|insha'?allah|inshaallah|inshalla|if possible"
    r"|ان شاء الله|انشاء الله|ان شاءالله|انشالله|لو سمحت|من فضلك|الصبح|الصباح|صباحا|الظهر|ظهرا|العصر|عصرا"
    r"|المغرب|المسا|المساء|مساء|مساءا|بالليل|بليل|الفجر|el sob7|sob7|bel leil|bel lil|el dohr|el 3asr"
    r"|(?:at |الساعه |ساعه |el sa3a |sa3a )?[0-9]{1,2}(?::[0-9]{2})?\s*(?:am|pm|a\.m|p\.m|ص|م)"
    r"|(?:at |الساعه |ساعه |el sa3a |sa3a )?[0-9]{1,2}:[0-9]{2}"
    r"|(?:الساعه|el sa3a|sa3a) [0-9]{1,2}"
    r")(?!\w)"
)

# ------------------------------------------------------------------------------- weekdays

_WEEKDAYS: dict[str, int] = {}
_LOOSE_WEEKDAYS: dict[str, int] = {}  # abbreviations and words with another meaning: whole phrases only

for _day, _names, _loose in (
    (0, "monday الاثنين الإثنين الاتنين etnen itnen etnein itnein ethnein ithnein 2tnen", "mon"),
    (
        1,
        "tuesday الثلاثاء ثلاثاء الثلاثا التلات التلاتاء التلاتا talat tlat tala2 thulatha tholatha",
        "tue tues",
    ),
    (2, "wednesday الأربعاء الاربعاء اربعاء أربعاء الاربعا الأربع arba3 arb3 arbe3", "wed"),
    (3, "thursday الخميس khamis 5amis khamees 5amees kheemis 5emis khemis 5amis", "thu thur thurs خميس"),
    (4, "friday الجمعة gom3a gom3aa jom3a jum3a jum3ah juma jumaa jumah gomaa gom3ah jem3a", "fri جمعة"),
    (5, "saturday السبت sabt", "sat سبت"),
    (6, "sunday الأحد الاحد 7ad a7ad ahad", "sun الحد"),
):
    _WEEKDAYS.update(dict.fromkeys(folding.tokens(_names), _day))
    _LOOSE_WEEKDAYS.update(dict.fromkeys(folding.tokens(_loose), _day))

_NEXT = folding.words(
    "next", "coming", "upcoming", "القادم", "القادمة", "الجاي", "الجاية", "جاي", "جاية", "الياي", "ياي",
    "المقبل", "المقبلة", "gai", "gay", "gaya", "gayya", "gaye", "jai", "jaye", "jaya", "qadem", "qadim",
)  # fmt: skip
_THIS = folding.words(
    "this", "هذا", "هذه", "هذي", "هاذا", "ده", "دا", "دي", "هاد", "هادا", "هاي", "da", "dah", "di"
)
_FILLER = folding.words("the", "el", "al", "il", "اللي", "الي", "elly", "elli", "illi", "eli", "ely")


def _weekday_token(token: str, loose: bool) -> tuple[int, bool] | None:
    """(weekday, said "this") for one token: "الخميس", "elkhamis", "هالخميس" (Levantine/Gulf "this")."""
    forms = [(token, False)]
    if token[:2] in ("el", "al", "il") and len(token) > 4:
        forms.append((token[2:], False))
    if token.startswith("هال"):
        forms.append(("ال" + token[3:], True))
    tables = (_WEEKDAYS, _LOOSE_WEEKDAYS) if loose else (_WEEKDAYS,)
    for form, this in forms:
        for table in tables:
            if form in table:
                return table[form], this
    return None


def _weekday(tokens: Sequence[str], today: date, loose: bool) -> date | None:
    words = [t for t in tokens if t not in _FILLER]
    found = [(i, hit) for i, t in enumerate(words) if (hit := _weekday_token(t, loose)) is not None]
    if len(found) != 1:
        return None
    index, (day, this) = found[0]
    rest = words[:index] + words[index + 1 :]
    after_next = False
    is_next = False
    for i, word in enumerate(rest):
        if word in _THIS:
            this = True
        elif word in _NEXT:
            is_next = True
            if i > 0 and rest[i - 1] in ("بعد", "ba3d", "after"):
                after_next = True
        elif word in ("بعد", "ba3d", "after") and i + 1 < len(rest) and rest[i + 1] in _NEXT:
            continue
        else:
            return None
    if after_next:
        return _next_weekday(today, day, strict=True) + timedelta(days=7)
    return _next_weekday(today, day, strict=is_next or not this)


# ------------------------------------------------------------------------------- "in N days"

_NUMBER_WORDS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        "a an one واحد واحدة wa7ed",
        "two اثنين اتنين etnen",
        "three ثلاث ثلاثة تلات تلاتة talata tlata",
        "four أربع أربعة اربع اربعة arba3a",
        "five خمس خمسة khamsa 5amsa",
        "six ست ستة setta sitta",
        "seven سبع سبعة sab3a",
        "eight ثمان ثماني ثمانية تمن تمانية tamanya",
        "nine تسع تسعة tes3a tis3a",
        "ten عشر عشرة 3ashara",
    ),
    start=1,
):
    _NUMBER_WORDS.update(dict.fromkeys(folding.tokens(_names), _n))

# unit token → (unit, the count it implies: 1 for a singular, 2 for an Arabic dual, 0 when one must be given)
_UNITS: dict[str, tuple[str, int]] = {}
for _unit, _singular, _plural, _dual in (
    ("d", "day يوم يوما yom youm yoom", "days أيام ايام ayam ayyam", "يومين يومان yomein yomen youmein"),
    ("w", "week wk أسبوع اسبوع esbo3 esboo3 osbo3 usbu3", "weeks wks أسابيع اسابيع asabee3 asabi3",
     "أسبوعين أسبوعان esbo3en esbo3ein"),
    ("m", "month شهر shahr", "months شهور أشهر shohor shohour", "شهرين شهران shahrein shahreen"),
):  # fmt: skip
    _UNITS.update(dict.fromkeys(folding.tokens(_singular), (_unit, 1)))
    _UNITS.update(dict.fromkeys(folding.tokens(_plural), (_unit, 0)))
    _UNITS.update(dict.fromkeys(folding.tokens(_dual), (_unit, 2)))

_IN = folding.words("in", "after", "within", "بعد", "خلال", "عقب", "ba3d", "b3d", "khelal", "5elal")
_FROM_NOW = folding.phrase_keys(
    "from now", "from today", "later", "من الآن", "من الان", "من اليوم", "من دلوقتي", "من هلق"
)


def _count(token: str) -> int | None:
    if token.isdigit() and len(token) <= 4:
        return int(token)
    return _NUMBER_WORDS.get(token)


def _relative(tokens: Sequence[str], today: date) -> date | None:
    words = list(tokens)
    if words and words[0] in _IN:
        words = words[1:]
    else:
        for tail in _FROM_NOW:
            if len(words) > len(tail) and tuple(words[-len(tail) :]) == tail:
                words = words[: -len(tail)]
                break
        else:
            return None
    if not words or len(words) > 2 or words[-1] not in _UNITS:
        return None
    unit, implied = _UNITS[words[-1]]
    if len(words) == 2:
        count = _count(words[0])
        if count is None or implied == 2:
            return None
    elif implied:
        count = implied
    else:
        return None
    if unit == "m":
        return _add_months(today, count)
    return today + timedelta(days=count * (7 if unit == "w" else 1))


# ------------------------------------------------------------------------------- months and numbers

_MONTHS: dict[tuple[str, ...], int] = {}
for _month, _names in enumerate(
    (
        "january jan يناير كانون_الثاني كانون_ثاني جانفي",
        "february feb فبراير شباط فيفري",
        "march mar مارس آذار",
        "april apr أبريل ابريل إبريل نيسان أفريل",
        "may مايو أيار",
        "june jun يونيو يونيه حزيران جوان",
        "july jul يوليو يوليه تموز جويلية",
        "august aug أغسطس اغسطس آب أوت",
        "september sep sept سبتمبر أيلول",
        "october oct أكتوبر اكتوبر تشرين_الأول تشرين_أول",
        "november nov نوفمبر تشرين_الثاني تشرين_ثاني",
        "december dec ديسمبر كانون_الأول كانون_أول",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[tuple(folding.tokens(_name.replace("_", " ")))] = _month

_DAY = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?")
_YEAR = re.compile(r"[0-9]{4}")
_ISO = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:t.*)?")
_NUMERIC = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?")
_MONTH_FIRST_ZONES = frozenset(
    {
        "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Phoenix",
        "America/Anchorage", "America/Detroit", "America/Boise", "America/Indiana/Indianapolis",
        "America/Adak", "America/Juneau", "Pacific/Honolulu", "Asia/Manila",
    }
)  # fmt: skip
_END_WORDS = folding.words("end", "آخر", "نهاية", "akher", "a5er")
_START_WORDS = folding.words("first", "beginning", "start", "أول", "بداية", "awel")
_DROP_IN_DAY_PHRASES = folding.words("the", "of", "من", "el")


def _yearless(today: date, month: int, day: int) -> date | None:
    """This year's date, or next year's once it has passed; None if invalid in that year."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None  # pragma: no cover - next year's date is always after today


def _numeric(token: str, today: date, month_first: bool) -> date | None:
    if m := _ISO.fullmatch(token):
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = _NUMERIC.fullmatch(token)
    if not m or (m[4] is None and m[2] != "/"):
        return None  # "5-12" without a year reads as a range, "5.12" as a decimal
    first, second = int(m[1]), int(m[3])
    day, month = (second, first) if month_first else (first, second)
    if month > 12 >= day:  # only the other order is a date
        day, month = month, day
    if m[4] is None:
        return _yearless(today, month, day)
    year = int(m[4]) + (2000 if len(m[4]) == 2 else 0)
    return date(year, month, day)


def _find_month(words: Sequence[str]) -> tuple[int, int, int] | None:
    """(month, start, end) of the one month name in `words`; "شهر 12" counts as a month name."""
    hits: list[tuple[int, int, int]] = []
    i = 0
    while i < len(words):
        for size in (2, 1):
            month = _MONTHS.get(tuple(words[i : i + size]))
            if month is not None:
                hits.append((month, i, i + size))
                i += size
                break
        else:
            if words[i] in ("شهر", "الشهر") and i + 1 < len(words) and words[i + 1].isdigit():
                number = int(words[i + 1])
                if 1 <= number <= 12:
                    hits.append((number, i, i + 2))
                    i += 1
            i += 1
    return hits[0] if len(hits) == 1 else None


def _month_day(tokens: Sequence[str], today: date) -> date | None:
    words = [t for t in tokens if t not in _DROP_IN_DAY_PHRASES]
    found = _find_month(words)
    if found is None:
        return None
    month, start, end = found
    rest = words[:start] + words[end:]
    year: int | None = None
    if len(rest) > 1 and _YEAR.fullmatch(rest[-1]):
        year = int(rest.pop())
    if len(rest) != 1:
        return None
    word = rest[0]
    if word in _END_WORDS or word in _START_WORDS:
        if start != 1:  # "end of December", not "December end"
            return None
        if word in _START_WORDS:
            return date(year, month, 1) if year is not None else _yearless(today, month, 1)
        if year is None:  # the current month's end has not passed yet
            year = today.year if (month, 1) >= (today.month, 1) else today.year + 1
        return _month_end(year, month)
    m = _DAY.fullmatch(word)
    if not m:
        return None
    day = int(m[1])
    return date(year, month, day) if year is not None else _yearless(today, month, day)


_THIS_MONTH = folding.phrase_keys("this month", "الشهر", "هالشهر", "الشهر ده", "الشهر هذا", "el shahr")
_NEXT_MONTH = folding.phrase_keys(
    "next month", "الشهر الجاي", "الشهر القادم", "الشهر المقبل", "الشهر الياي", "el shahr el gai",
    "shahr el gai",
)  # fmt: skip
_DAY_MARKERS = folding.words("يوم", "yom", "youm")


def _day_of_month(tokens: Sequence[str], today: date) -> date | None:
    """A day of the month: "the 5th", "يوم ٥", "5 الشهر", "the 5th of next month", "يوم 5 الشهر الجاي"."""
    words = [t for t in tokens if t not in _DROP_IN_DAY_PHRASES]
    marked = bool(words) and words[0] in _DAY_MARKERS
    if marked:
        words = words[1:]
    if not words:
        return None
    m = _DAY.fullmatch(words[0])
    if not m:
        return None
    day, tail = int(m[1]), tuple(words[1:])
    if tail in _NEXT_MONTH:
        return _next_month_start(today).replace(day=day)
    if tail and tail not in _THIS_MONTH:
        return None
    if not (tail or marked or words[0] != m[1]):
        return None  # a bare number is not a date; "5th", "يوم 5" and "5 الشهر" are
    if not 1 <= day <= 31:
        return None
    first = today.replace(day=1)
    for months in range(13):
        start = _add_months(first, months)
        if day <= calendar.monthrange(start.year, start.month)[1] and start.replace(day=day) >= today:
            return start.replace(day=day)
    return None  # pragma: no cover - every day number 1..31 occurs within 13 months


# ------------------------------------------------------------------------------- resolution


# The prepositions by their first word, each list in the table's order: a candidate is compared only
# with those it starts with, where every one of the ~50 was sliced and compared for every candidate of
# every window tried (about a third of the date scan's CPU). The same ones match, in the same order.
_PREPOSITIONS_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _prep in _PREPOSITIONS:
    _PREPOSITIONS_BY_FIRST.setdefault(_prep[0], []).append(_prep)


def _candidates(tokens: list[str]) -> Iterator[list[str]]:
    """The phrase, without noise, then without leading prepositions, one at a time."""
    denoised = _NOISE.sub(" ", " ".join(tokens)).split()
    queue: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def add(words: list[str]) -> None:
        key = tuple(words)
        if words and key not in seen and len(queue) < 32:
            seen.add(key)
            queue.append(words)

    add(tokens)
    add(denoised)
    i = 0
    while i < len(queue):
        words = queue[i]
        i += 1
        yield words
        for prep in _PREPOSITIONS_BY_FIRST.get(words[0], ()):
            if tuple(words[: len(prep)]) == prep:
                add(words[len(prep) :])
        first = words[0]
        if first.startswith("لل") and len(first) > 3:  # "للخميس" = ل + الخميس
            add(["ال" + first[2:], *words[1:]])
        elif first.startswith("ل") and len(first) > 2:  # "لبكرة"
            add([first[1:], *words[1:]])


def _match(words: list[str], today: date, month_first: bool, loose: bool) -> date | None:
    key = tuple(words)
    fixed = _FIXED.get(key) or _FIXED.get(tuple(w for w in words if w not in ("اللي", "الي", "elly", "elli")))
    if fixed is not None:
        return fixed(today)
    if len(words) == 1 and (found := _numeric(words[0], today, month_first)):
        return found
    return (
        _relative(words, today)
        or _weekday(words, today, loose)
        or _month_day(words, today)
        or _day_of_month(words, today)
    )


def _resolve(tokens: list[str], today: date, tz_name: str | None, loose: bool) -> date | None:
    month_first = tz_name in _MONTH_FIRST_ZONES or bool(tz_name and tz_name.startswith("US/"))
    for words in _candidates(tokens):
        try:
            found = _match(words, today, month_first, loose)
        except (ValueError, OverflowError):  # an impossible date (31/02) or beyond year 9999
            found = None
        if found is not None:
            return found
    return None


_MAX_PHRASE_TOKENS = 12


def resolve_date(phrase: str | None, today: date, *, tz_name: str | None = None) -> date | None:
    """The date a phrase means, relative to `today`; None when it cannot be resolved (never a guess).

    See the module docstring for every rule. `tz_name` only chooses the order of numeric dates
    (month-first in US zones and Manila, day-first elsewhere); `today` must already be the user's
    local date.
    """
    if not isinstance(phrase, str):
        return None
    tokens = folding.tokens(phrase)
    if not tokens or len(tokens) > _MAX_PHRASE_TOKENS:
        return None
    return _resolve(tokens, today, tz_name, loose=True)


_WINDOW = 7
# Words that are dates only in a phrase the model chose: in a free text they are the time of speaking
# ("what's on my plate right now?", "وش عندي الحين"), not a day anything is due.
# fmt: off
_NOW = (
    "now", "right now", "just now", "الحين", "هلق", "هلأ", "دلوقتي", "delwa2ty", "dilwa2ti", "hala2", "el7een"
)
# "until now" too ("شو خلّصت لهلأ؟", "للحين", "لحد دلوقتي", "done till now?"): so far, no deadline.
_UNTIL = (
    "until", "till", "by", "to", "up to", "لحد", "لغاية", "لين", "الين", "حتى", "la", "le", "l7ad", "le7ad"
)
# fmt: on
_NOW_NOT_DATES = folding.words(
    *_NOW,
    *(f"{until} {now}" for until in _UNTIL for now in _NOW),
    *(f"ل{now}" for now in _NOW if now[0] in "هد"),
    "للحين",
)
_MAX_TEXT_TOKENS = 300


def resolve_date_in_text(text: str | None, today: date, *, tz_name: str | None = None) -> date | None:
    """The date mentioned inside a longer message ("ذكرني أتصل بالبنك بكرة" → tomorrow), or None.

    Scans left to right for the longest phrase `resolve_date` understands, skipping words that are also
    ordinary words (abbreviations like "sun", "sat"; "جمعة" and "خميس" without the article). Several
    phrases naming different dates ("from Monday to Friday") are ambiguous: None. A date said right
    after a negation is the one it is not ("قصدي السبت مو بكرة", "Friday, not tomorrow") and is left out.
    """
    found = {d for d, negated in _dates_said(text, today, tz_name) if not negated}
    return found.pop() if len(found) == 1 else None


def date_said(text: str | None) -> str | None:
    """The words of the one date phrase the message means ("شو عندي مطلوب نهار التلات؟" → "نهار التلات"),
    folded; None when it says none, several, or only ones it denies."""
    meant = [(hit, window) for hit, denied, window in _phrases(text, _ANY_DAY, None) if denied is None]
    if not meant or len({hit for hit, _ in meant}) > 1:
        return None
    return " ".join(meant[0][1])


def dates_denied(text: str | None, today: date, *, tz_name: str | None = None) -> set[date]:
    """The dates the message says it does not mean: "مو بكرة", "not tomorrow", "mish bokra"."""
    return {d for d, negated in _dates_said(text, today, tz_name) if negated}


def dates_replaced(text: str | None, today: date, *, tz_name: str | None = None) -> set[date]:
    """The dates said right after "instead of" — the ones another date replaces: "الخميس بدل الأحد",
    "Friday rather than Monday", "el 5amees badal el a7ad"."""
    return {d for d, negated in _dates_said(text, today, tz_name) if negated == _REPLACED}


_NOT = frozenset(folding.tokens("not never isnt isn مو مش مب ليس غير mish mesh msh mo mu mush mub"))
# ("no" and "لا" stay out: "no, tomorrow" corrects to tomorrow.)
# A date said after "instead of" is the one replaced: "الخميس بدل الأحد" means Thursday.
_INSTEAD = frozenset(folding.tokens("بدل بدال عوض مكان badal badl bdal makan mkan"))
_INSTEAD_OF = frozenset(
    tuple(folding.tokens(pair))
    for pair in ("instead of", "rather than", "place of", "بدلا من", "بدلا عن", "عوضا عن", "عوضا من")
)


_NEGATED, _REPLACED = "not", "instead"


def _denied(tokens: list[str], i: int) -> str | None:
    """How the message says it does not mean the date phrase starting at token `i`: after a "not"
    (`_NEGATED`), after an "instead of" (`_REPLACED`); None when it means it."""
    if i > 0 and tokens[i - 1] in _NOT:
        return _NEGATED
    if i > 0 and (tokens[i - 1] in _INSTEAD or tuple(tokens[max(i - 2, 0) : i]) in _INSTEAD_OF):
        return _REPLACED
    return None


_DAY_BEFORE = frozenset(folding.tokens("يوم ليوم بيوم نهار لنهار yom youm yoom lyom nhar"))
_ANY_DAY = date(2026, 1, 1)
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?![A-Za-z0-9])")  # as base/text/numbers reads ids


@functools.lru_cache(maxsize=256)  # asked for the same message by every rule that reads its numbers
def numbers_in_dates(text: str | None) -> tuple[int, ...]:
    """The numbers that belong to the dates a message says: the 3 of "3 ديسمبر", the 15 and 12 of
    "15/12" — a day, not a task number (digits glued to letters, "5th", are no number said alone)."""
    phrases = _phrases(text, _ANY_DAY, None)
    return tuple(int(n) for *_, window in phrases for word in window for n in _DIGIT_RUN.findall(word))


def _dates_said(text: str | None, today: date, tz_name: str | None) -> list[tuple[date, str | None]]:
    return [(hit, negated) for hit, negated, _ in _phrases(text, today, tz_name)]


def _core(word: str) -> str:
    """A table word without its article: what stays a substring of a token that reads as that word
    once _candidates or _weekday_token put an "ال" in front ("للخميس" → "الخميس", "هالخميس")."""
    return word[2:] if word.startswith("ال") and len(word) > 2 else word


def _anchor_words() -> set[str]:
    """Words of which every date phrase holds at least one, as a piece of one of its tokens (or a digit):
    a fixed phrase holds all its words (its longest stands for it), a weekday its name, "in N days" its
    unit, a day and month the month's name; every other reading needs a digit."""
    found = {max(key, key=len) for key in _FIXED if key}
    found.update(_WEEKDAYS, _LOOSE_WEEKDAYS, _UNITS)
    found.update(word for key in _MONTHS for word in key)
    return {_core(word) for word in found}


# A message is scanned with up to 7 windows at every word, each tried as a date (~0.5 ms of CPU for a
# short message, though most messages say no date). _candidates only ever cuts pieces out of the
# window's tokens (noise removed, prepositions and an attached ل dropped, an article put back), so a
# window none of whose tokens holds an anchor word's core or a digit cannot resolve: it is not tried.
_ANCHOR = re.compile("|".join(["[0-9]", *sorted(map(re.escape, _anchor_words()), key=len, reverse=True)]))


@functools.lru_cache(maxsize=4096)  # the same words recur from message to message
def _may_date(token: str) -> bool:
    return _ANCHOR.search(token) is not None


def _phrases(text: str | None, today: date, tz_name: str | None) -> list[tuple[date, str | None, list[str]]]:
    """Each date phrase of the message, left to right: its date, how a word right before denies it
    it, and its words."""
    if not isinstance(text, str):
        return []
    tokens = folding.tokens(text)[:_MAX_TEXT_TOKENS]
    # The first token from each position on that could belong to a date: only the windows holding it
    # are tried (the same windows resolve, in the same order, as when every window is tried).
    next_anchor = [len(tokens)] * (len(tokens) + 1)
    for j in range(len(tokens) - 1, -1, -1):
        next_anchor[j] = j if _may_date(tokens[j]) else next_anchor[j + 1]
    found: list[tuple[date, str | None, list[str]]] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_WINDOW, len(tokens) - i), next_anchor[i] - i, -1):
            window = tokens[i : i + size]
            if size <= 4 and " ".join(window) in _NOW_NOT_DATES:
                continue
            # a word with another meaning is a weekday right after "day": "يوم الحد" (Sunday)
            hit = _resolve(window, today, tz_name, loose=size > 1 and window[0] in _DAY_BEFORE)
            if hit is not None:
                found.append((hit, _denied(tokens, i), window))
                i += size
                break
        else:
            i += 1
    return found
