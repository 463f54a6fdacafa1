"""Reading what people type (base/text/): phrases the model copies → API values.
Today is fixed to Wednesday 2026-11-25."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from base.text import dates, folding
from base.text.dates import dates_denied, dates_replaced, resolve_date, resolve_date_in_text
from base.text.folding import to_latin_digits
from base.text.lexicon import is_self
from base.text.names import match_name, without_glued_to
from base.text.numbers import numbers_said, parse_int
from base.text.priority import normalize_priority

TODAY = date(2026, 11, 25)  # a Wednesday
assert TODAY.weekday() == 2


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


WED, THU, FRI, SAT, SUN, MON = d(11, 25), d(11, 26), d(11, 27), d(11, 28), d(11, 29), d(11, 30)
TUE2, WED2, THU2 = d(12, 1), d(12, 2), d(12, 3)

DATE_CASES: list[tuple[str, date | None]] = [
    # today
    ("today", WED), ("Today", WED), ("tonight", WED), ("اليوم", WED), ("الليلة", WED), ("النهارده", WED),
    ("النهاردة", WED), ("el naharda", WED), ("lyom", WED), ("هاليوم", WED),
    # tomorrow
    ("tomorrow", THU), ("tmrw", THU), ("غدا", THU), ("غداً", THU), ("الغد", THU), ("بكرة", THU),
    ("بكره", THU), ("بكرا", THU), ("باكر", THU), ("باجر", THU), ("bokra", THU), ("Bukra", THU),
    # day after tomorrow, yesterday
    ("day after tomorrow", FRI), ("the day after tomorrow", FRI), ("بعد غد", FRI), ("بعد غدٍ", FRI),
    ("بعد الغد", FRI), ("بعد بكرة", FRI), ("بعد بكرا", FRI), ("ba3d bokra", FRI), ("عقب باجر", FRI),
    ("yesterday", d(11, 24)), ("أمس", d(11, 24)), ("مبارح", d(11, 24)),
    # bare weekdays: next occurrence strictly after today
    ("Thursday", THU), ("friday", FRI), ("Saturday", SAT), ("Sunday", SUN), ("Monday", MON),
    ("Tuesday", TUE2), ("Wednesday", WED2), ("الخميس", THU), ("الجمعة", FRI), ("السبت", SAT),
    ("الأحد", SUN), ("الاحد", SUN), ("الاثنين", MON), ("الإثنين", MON), ("الاتنين", MON),
    ("الثلاثاء", TUE2), ("التلات", TUE2), ("الأربعاء", WED2), ("الاربعاء", WED2), ("اربعاء", WED2),
    ("el khamis", THU), ("elkhamis", THU), ("el gom3a", FRI), ("el sabt", SAT), ("el 7ad", SUN),
    ("el etnen", MON), ("el talat", TUE2), ("el arba3", WED2), ("thu", THU), ("sat", SAT), ("الحد", SUN),
    # weekday modifiers
    ("next Thursday", THU), ("next Wednesday", WED2), ("coming Monday", MON), ("the next Friday", FRI),
    ("this Wednesday", WED), ("this Friday", FRI), ("الخميس القادم", THU), ("الخميس الجاي", THU),
    ("الجمعة الجاية", FRI), ("الخميس الي جاي", THU), ("الخميس اللي جاي", THU), ("الأربعاء القادم", WED2),
    ("الأربعاء هذا", WED), ("الاربعاء ده", WED), ("هالخميس", THU), ("el khamis el gai", THU),
    ("el gom3a el gaya", FRI), ("Thursday after next", THU2), ("الخميس بعد الجاي", THU2),
    # prepositions are dropped
    ("by Friday", FRI), ("on Monday", MON), ("before Sunday", SUN), ("until Tuesday", TUE2),
    ("due Friday", FRI), ("to Monday", MON), ("no later than Friday", FRI), ("قبل الجمعة", FRI),
    ("يوم الجمعة", FRI), ("في يوم الأحد", SUN), ("لين الخميس", THU), ("لغاية الخميس", THU),
    ("حتى السبت", SAT), ("للخميس", THU), ("لبكرة", THU), ("ليوم الخميس", THU),
    ("قبل يوم الخميس الجاي", THU), ("yom el khamis", THU), ("abl el gom3a", FRI),
    ("by the end of the week", FRI),
    # in N days / weeks / months
    ("in 3 days", SAT), ("in three days", SAT), ("in a week", WED2), ("in 2 weeks", d(12, 9)),
    ("in a month", d(12, 25)), ("in 2 months", d(1, 25, 2027)), ("بعد ٣ أيام", SAT), ("بعد 3 ايام", SAT),
    ("بعد ثلاث أيام", SAT), ("بعد يومين", FRI), ("بعد يوم", THU), ("بعد أسبوع", WED2),
    ("بعد أسبوعين", d(12, 9)), ("بعد شهر", d(12, 25)), ("خلال ٥ أيام", MON), ("3 days from now", SAT),
    ("ba3d 3 ayam", SAT), ("ba3d yomein", FRI), ("within 10 days", d(12, 5)), ("two weeks later", d(12, 9)),
    # next week = today + 7
    ("next week", WED2), ("الأسبوع القادم", WED2), ("الاسبوع الجاي", WED2), ("الأسبوع الجاي", WED2),
    ("el esbo3 el gai", WED2),
    # end of the week: Friday in English, Thursday in Arabic and Arabizi
    ("end of the week", FRI), ("end of week", FRI), ("this week", FRI), ("آخر الأسبوع", THU),
    ("نهاية الأسبوع", THU), ("هذا الأسبوع", THU), ("akher el esbo3", THU),
    # month boundaries
    ("end of the month", MON), ("end of month", MON), ("آخر الشهر", MON), ("نهاية الشهر", MON),
    ("akher el shahr", MON), ("end of next month", d(12, 31)), ("آخر الشهر الجاي", d(12, 31)),
    ("beginning of next month", TUE2), ("أول الشهر الجاي", TUE2), ("أول الشهر", TUE2),
    # day and month name; passed this year → next year
    ("5 ديسمبر", d(12, 5)), ("٥ ديسمبر", d(12, 5)), ("December 5", d(12, 5)), ("Dec 5th", d(12, 5)),
    ("5th of December", d(12, 5)), ("the 5th of December", d(12, 5)), ("5 December 2027", d(12, 5, 2027)),
    ("٥ ديسمبر ٢٠٢٧", d(12, 5, 2027)), ("5 كانون الأول", d(12, 5)), ("٥ كانون الاول", d(12, 5)),
    ("1 كانون الثاني", d(1, 1, 2027)), ("15 شباط", d(2, 15, 2027)), ("20 نوفمبر", d(11, 20, 2027)),
    ("25 نوفمبر", WED), ("30 November", MON), ("5 شهر 12", d(12, 5)), ("end of December", d(12, 31)),
    ("آخر ديسمبر", d(12, 31)), ("1 يناير", d(1, 1, 2027)), ("January 1st", d(1, 1, 2027)),
    ("١٠ مارس", d(3, 10, 2027)), ("5 أيار", d(5, 5, 2027)), ("10 نيسان", d(4, 10, 2027)),
    ("beginning of November", d(11, 1, 2027)), ("end of November 2026", MON),
    # day of the month: the next one on or after today
    ("the 5th", d(12, 5)), ("on the 5th", d(12, 5)), ("5th", d(12, 5)), ("the 28th", SAT),
    ("the 25th", WED), ("the 31st", d(12, 31)), ("the 30th", MON), ("يوم ٥", d(12, 5)), ("يوم 28", SAT),
    ("5 الشهر", d(12, 5)), ("5 الشهر الجاي", d(12, 5)), ("the 10th of next month", d(12, 10)),
    ("the 2nd of this month", d(12, 2)),
    # numeric dates: ISO, or day-first
    ("2026-12-01", TUE2), ("2026-12-01T09:00:00", TUE2), ("2027/01/15", d(1, 15, 2027)),
    ("1/12/2026", TUE2), ("01/12/2026", TUE2), ("1-12-2026", TUE2), ("1.12.2026", TUE2), ("1/12/26", TUE2),
    ("5/12", d(12, 5)), ("٥/١٢", d(12, 5)), ("١/١٢/٢٠٢٦", TUE2), ("12/25", d(12, 25)), ("25/12", d(12, 25)),
    ("20/11", d(11, 20, 2027)), ("2025-01-01", d(1, 1, 2025)),
    # times of day and courtesy words are ignored
    ("tomorrow at 5pm", THU), ("tomorrow morning", THU), ("بكرة الصبح", THU), ("بكرة إن شاء الله", THU),
    ("الخميس الساعة ٣", THU), ("Friday at 10:30", FRI), ("bokra el sob7 inshallah", THU),
    ("next Thursday please", THU), ("by tomorrow noon", THU), ("بكرة ٥ م", THU),
    # never a guess
    ("", None), ("   ", None), ("soon", None), ("later", None), ("next month", None), ("someday", None),
    ("asdf", None), ("42", None), ("٤٢", None), ("31/02/2026", None), ("30 فبراير", None),
    ("13/13/2026", None), ("the 32nd", None), ("the 0th", None), ("Monday to Friday", None),
    ("after Thursday", None), ("in December", None), ("بعد", None), ("قبل", None), ("يوم", None),
    ("next", None), ("الجاي", None), ("Thursday Friday", None), ("in days", None), ("بعد 2 يومين", None),
    ("5-12", None), ("5.12", None), ("29 فبراير", None), ("December", None), ("December end", None),
    ("5 2026", None), ("the 5th of May June", None), ("Thursday this week next", None),
    ("بعد الخميس", None), ("32 ديسمبر", None), ("end 5 december", None), ("شهر 13", None), ("this", None),
    ("one two three four five six seven eight nine ten eleven twelve thirteen", None),
]  # fmt: skip


@pytest.mark.parametrize(("phrase", "expected"), DATE_CASES, ids=[c[0] or "<empty>" for c in DATE_CASES])
def test_resolve_date(phrase: str, expected: date | None) -> None:
    assert resolve_date(phrase, TODAY) == expected


def test_enough_date_cases() -> None:
    assert len(DATE_CASES) >= 80


def test_resolve_date_non_string() -> None:
    assert resolve_date(None, TODAY) is None
    assert resolve_date(42, TODAY) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("phrase", "tz_name", "expected"),
    [
        ("1/12/2026", None, TUE2),
        ("1/12/2026", "Asia/Riyadh", TUE2),
        ("1/12/2026", "Africa/Cairo", TUE2),
        ("1/12/2026", "America/New_York", d(1, 12, 2026)),
        ("1/12/2026", "US/Pacific", d(1, 12, 2026)),
        ("12/1/2026", "America/Chicago", TUE2),
        ("5/12", "America/Los_Angeles", d(5, 12, 2027)),
        ("25/12/2026", "America/New_York", d(12, 25)),  # only one order is a date
        ("tomorrow", "America/New_York", THU),
    ],
)
def test_numeric_order_follows_time_zone(phrase: str, tz_name: str | None, expected: date) -> None:
    assert resolve_date(phrase, TODAY, tz_name=tz_name) == expected


ENGLISH_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ARABIC_DAYS = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]


@pytest.mark.parametrize("offset", range(7))
@pytest.mark.parametrize("weekday", range(7))
def test_weekday_rules_for_every_day(offset: int, weekday: int) -> None:
    today = TODAY + timedelta(days=offset)
    for name in (ENGLISH_DAYS[weekday], ARABIC_DAYS[weekday]):
        bare = resolve_date(name, today)
        assert bare is not None and bare.weekday() == weekday and 1 <= (bare - today).days <= 7
        assert resolve_date(f"next {ENGLISH_DAYS[weekday]}", today) == bare
    this = resolve_date(f"this {ENGLISH_DAYS[weekday]}", today)
    assert this is not None and this.weekday() == weekday and 0 <= (this - today).days <= 6


@pytest.mark.parametrize(
    ("today", "phrase", "expected"),
    [
        (THU, "آخر الأسبوع", THU),  # today counts
        (THU, "end of the week", FRI),
        (FRI, "end of the week", FRI),
        (FRI, "آخر الأسبوع", THU2),
        (SAT, "this week", d(12, 4)),
        (d(12, 31), "end of the month", d(12, 31)),
        (d(12, 1), "أول الشهر", d(12, 1)),
        (d(1, 31, 2027), "in a month", d(2, 28, 2027)),  # clamped to the month's end
        (d(12, 20), "end of next month", d(1, 31, 2027)),
        (d(12, 20), "the 5th", d(1, 5, 2027)),
        (d(12, 20), "5 ديسمبر", d(12, 5, 2027)),
        (d(2, 1, 2027), "the 30th", d(3, 30, 2027)),  # February has no 30th
        (d(1, 31, 2027), "the 31st of next month", None),  # February has no 31st
        (d(12, 1), "end of November", d(11, 30, 2027)),
        # mid-month: this month's 15th until it has passed; the end of the working day is today
        (d(12, 8), "منتصف الشهر", d(12, 15)),
        (d(12, 15), "نص الشهر", d(12, 15)),
        (d(12, 20), "mid-month", d(1, 15, 2027)),
        (d(12, 8), "نص الشهر الجاي", d(1, 15, 2027)),
        (d(12, 8), "by eod", d(12, 8)),
        (d(12, 8), "آخر الدوام", d(12, 8)),
        (d(12, 8), "3a2ab bacher", d(12, 10)),
        (d(12, 8), "el kheemis", d(12, 10)),
    ],
)
def test_resolve_date_other_days(today: date, phrase: str, expected: date | None) -> None:
    assert resolve_date(phrase, today) == expected


def test_resolve_date_at_the_end_of_the_calendar_is_none_not_an_error() -> None:
    last = date(9999, 12, 31)
    assert resolve_date("tomorrow", last) is None
    assert resolve_date("in 2 months", last) is None
    assert resolve_date("5/12", last) is None
    assert resolve_date("today", last) == last


TEXT_CASES: list[tuple[str | None, date | None]] = [
    ("ذكرني أتصل بالبنك بكرة", THU),
    ("remind me to call the bank tomorrow at 5pm please", THU),
    ("اعمل تاسك اتصل بأحمد يوم الخميس الجاي", THU),
    ("ana 3ayez a3mel task ba3d bokra", FRI),
    ("Call Ahmed on the 5th of December", d(12, 5)),
    ("عايز التقرير بعد ٣ أيام ان شاء الله", SAT),
    ("submit the report by the end of the month", MON),
    ("what's due today?", WED),
    ("tomorrow, I mean tomorrow", THU),  # the same date twice is not ambiguous
    ("ابغى اخلص العرض قبل ٥/١٢", d(12, 5)),
    ("المهمة ٤٢ خلصت", None),  # a task number is not a date
    ("move it from Monday to Friday", None),  # two dates: ambiguous
    ("Enjoy the sun", None),  # "sun" is Sunday only in a date phrase
    ("meeting on sat", None),
    ("أجّليها ليوم الحد", d(11, 29)),  # Egyptian "الحد" is Sunday right after "day" ...
    ("مفيش حد فاضي", None),  # ... and "anyone" elsewhere
    ("خليها يوم جمعة", FRI),
    ("خليها نهار التلاتا", d(12, 1)),  # Levantine "نهار" (day), "التلاتا" (Tuesday)
    ("نهار سعيد", None),
    ("Do it now", None),
    ("what's on my plate right now?", None),  # the time of speaking, not a day anything is due
    ("just now I saw it", None),
    ("شو عندي هلق؟", None),
    ("move it to tomorrow, right now", THU),  # "right now" is no second date
    ("اليوم الخميس", None),  # "today is Thursday": two readings
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "expected"), TEXT_CASES)
def test_resolve_date_in_text(text: str | None, expected: date | None) -> None:
    assert resolve_date_in_text(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "meant", "denied"),
    [
        ("لا لا آسفة، قصدي السبت مو بكرة", 3, 1),  # days from TODAY (a Wednesday)
        ("sorry, I meant Friday not tomorrow", 2, 1),
        ("la2 mish bokra, yom el sabt", 3, 1),
        ("no, tomorrow", 1, None),  # "no" opens a correction; it does not deny the date after it
        ("خليه السبت بدل بكرة", 3, 1),  # the date said after "instead of" is the one replaced
        ("عايزاه يتسلم السبت بدلاً من بكرة", 3, 1),
        ("due Saturday instead of tomorrow", 3, 1),
        ("Saturday rather than tomorrow", 3, 1),
        ("5aliha yom el sabt badal bokra", 3, 1),
    ],
)
def test_a_date_said_after_a_negation_is_the_one_not_meant(text: str, meant: int, denied: int | None) -> None:
    assert resolve_date_in_text(text, TODAY) == TODAY + timedelta(days=meant)
    assert dates_denied(text, TODAY) == ({TODAY + timedelta(days=denied)} if denied is not None else set())


def test_a_date_replaced_is_one_said_after_instead_of_not_after_not() -> None:
    assert dates_replaced("خليه السبت بدل بكرة", TODAY) == {TODAY + timedelta(days=1)}
    assert dates_replaced("due Saturday rather than tomorrow", TODAY) == {TODAY + timedelta(days=1)}
    assert dates_replaced("sorry, I meant Friday not tomorrow", TODAY) == set()  # denied, not replaced
    assert dates_denied("sorry, I meant Friday not tomorrow", TODAY) == {TODAY + timedelta(days=1)}


def test_resolve_date_in_text_time_zone() -> None:
    assert resolve_date_in_text("due 1/12/2026 ok", TODAY, tz_name="America/New_York") == d(1, 12, 2026)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("المهمة ٤٢", "المهمة 42"),
        ("task ۴۲ and 7", "task 42 and 7"),
        ("４２", "42"),  # fullwidth
        ("no digits", "no digits"),
        ("", ""),
    ],
)
def test_to_latin_digits(text: str, expected: str) -> None:
    assert to_latin_digits(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42, 42), ("42", 42), ("٤٢", 42), ("۴۲", 42), ("#42", 42), ("task 42", 42), ("Task #42", 42),
        ("المهمة ٤٢", 42), ("المهمة رقم ٤٢", 42), (" 42 ", 42), ("42.", 42), ("(42)", 42), ("task-42", 42),
        ("42 42", 42), ("-3", -3), ("+7", 7), ("42.0", 42), (42.0, 42), ("ba3d 42", 42),
        (42.5, None), (True, None), (False, None), (None, None), ("", None), ("x", None), ("42 and 43", None),
        ("t42", None), ("42nd", None), ("ba3d", None), ([42], None), ({"id": 42}, None),
    ],
)  # fmt: skip
def test_parse_int(value: object, expected: int | None) -> None:
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("غيري ميعاد تجهيز قاعة الاجتماعات ل 3 ديسمبر", []),
        ("move task 12 to 15/12", [12]),
        ("task 7 due 2026-12-03", [7]),
        ("أجل المهمة ٢١ ليوم ٥", [21]),
        ("task 3 to 3 dec", [3]),  # the task's 3 stays, the day's goes
        ("task 5 on the 5th", [5]),  # "5th" is no number said alone
        ("task 12 to 15", [12, 15]),  # a bare number is no date
        ("complete 3, 4 and 5", [3, 4, 5]),
        ("5alast el task 3adi", []),
    ],
)
def test_numbers_said_leave_out_the_days_of_dates(text: str, expected: list[int]) -> None:
    assert numbers_said(text) == expected


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        ("لمنى", ["منى"]),
        ("للمدير", ["لمدير", "المدير"]),
        ("لينا", ["ينا"]),
        ("علي", []),
        ("لي", []),
        ("Omar", []),
    ],
)
def test_without_glued_to(name: str, readings: list[str]) -> None:
    assert without_glued_to(name) == readings


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("me", True), ("to me", True), ("myself", True), ("أنا", True), ("على اسمي", True), ("باسمي", True),
        ("عليّا", True), ("3alaya", True), ("la 2ili", True), ("نفسي", True),
        # Ali is a name as well as "on me"; a phrase with someone else in it is not the speaker.
        ("علي", False), ("Omar", False), ("Ali", False), ("me and Omar", False), ("", False),
    ],
)  # fmt: skip
def test_is_self(phrase: str, expected: bool) -> None:
    assert is_self(phrase) is expected


PEOPLE = ["Omar Khaled", "Layla Hassan", "Sara Ali", "Hassan Mahmoud", "Omar Farouk", "محمد أحمد", "Fatima"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Omar Khaled", "Omar Khaled"),
        ("omar khaled", "Omar Khaled"),
        ("عمر خالد", "Omar Khaled"),  # transliteration table, word by word
        ("Khaled", "Omar Khaled"),  # a unique last name
        ("خالد", "Omar Khaled"),  # consonant skeleton
        ("@Layla", "Layla Hassan"),
        ("ليلى", "Layla Hassan"),
        ("Leila", "Layla Hassan"),
        ("أستاذ حسن", "Hassan Mahmoud"),  # title dropped; first name beats last name
        ("Mr. Hassan", "Hassan Mahmoud"),
        ("سارة", "Sara Ali"),
        ("ساره", "Sara Ali"),
        ("Sarah", "Sara Ali"),
        ("Mohamed", "محمد أحمد"),
        ("محمد", "محمد أحمد"),
        ("مُحَمَّد", "محمد أحمد"),  # diacritics
        ("fatma", "Fatima"),
        ("فاطمة", "Fatima"),
        ("يا فاطمة", "Fatima"),
        ("Fatima Zahra", "Fatima"),  # more than the directory knows
        ("Omar", None),  # two Omars
        ("عمر", None),
        ("Zed", None),
        ("", None),
        ("Mr.", None),
    ],
)
def test_match_name(name: str, expected: str | None) -> None:
    assert match_name(name, PEOPLE) == expected


def test_match_name_other_cases() -> None:
    assert match_name("Omar", ["Omar", "Omar Farouk"]) == "Omar"  # the exact full name wins
    assert match_name("عبد الله", ["Abdullah Saleh", "Ali"]) == "Abdullah Saleh"
    assert match_name("abdulrahman", ["عبدالرحمن الشمري"]) == "عبدالرحمن الشمري"
    assert match_name("Al-Hassan", ["حسن"]) == "حسن"
    assert match_name("إبراهيم", ["Ibrahim"]) == "Ibrahim"
    assert match_name("أحمد", ["احمد", "أحمد"]) is None  # the same name twice: two people
    assert match_name("Omar", []) is None
    assert match_name(None, PEOPLE) is None  # type: ignore[arg-type]
    assert match_name("Omar", [None, "Omar"]) == "Omar"  # type: ignore[list-item]
    assert match_name("Omar", ["a b c d e f g"]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("urgent", "high"), ("URGENT!", "high"), ("important", "high"), ("asap", "high"), ("high", "high"),
        ("high priority", "high"), ("عاجل", "high"), ("مستعجل", "high"), ("مهم", "high"), ("مهم جداً", "high"),
        ("ضروري", "high"), ("أولوية عالية", "high"), ("mesta3gel", "high"), ("urgent and important", "high"),
        ("normal", "normal"), ("medium", "normal"), ("عادي", "normal"), ("عادية", "normal"),
        ("متوسطة", "normal"), ("3adi", "normal"),
        ("low", "low"), ("minor", "low"), ("منخفضة", "low"), ("منخفض", "low"), ("بسيطة", "low"),
        ("not urgent", "low"), ("not very urgent", "low"), ("مش مستعجل", "low"), ("غير مهم", "low"),
        ("مو ضروري", "low"), ("msh mohem", "low"),
        ("not low", None), ("low high", None), ("مهمة", None), ("whatever", None), ("", None),
        (None, None), (1, None), (True, None),
        # A correction names the level it means beside the one it denies; "no" / "لا" only open it.
        ("لا لا قصدي عادية مو عالية", "normal"), ("normal, not high", "normal"), ("high, not normal", "high"),
        ("no, make it normal", "normal"), ("la2 mish mohem", "low"), ("low, not normal", "low"),
    ],
)  # fmt: skip
def test_normalize_priority(value: object, expected: str | None) -> None:
    assert normalize_priority(value) == expected


# ------------------------------------------------------------------ robustness: any text, never raises

VOCABULARY = sorted(
    {word for phrase, _ in DATE_CASES for word in phrase.split()}
    | {"0", "31", "99", "2026", "/", "-", "٠", "@", "#", "ال", "ل", "هال", "el", "the", "of", "من", "\u0640"}
)
_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(text=st.text(), today=st.dates())
def test_any_text_never_raises(text: str, today: date) -> None:
    assert isinstance(to_latin_digits(text), str)
    assert resolve_date(text, today) is None or isinstance(resolve_date(text, today), date)
    assert resolve_date(text, today, tz_name="America/New_York") is None or True
    assert resolve_date_in_text(text, today) is None or isinstance(resolve_date_in_text(text, today), date)
    assert parse_int(text) is None or isinstance(parse_int(text), int)
    assert match_name(text, PEOPLE) in (None, *PEOPLE)
    assert normalize_priority(text) in (None, "low", "normal", "high")


@_settings
@given(words=st.lists(st.sampled_from(VOCABULARY), max_size=8), today=st.dates())
def test_date_words_in_any_order_never_raise(words: list[str], today: date) -> None:
    phrase = " ".join(words)
    found = resolve_date(phrase, today)
    assert found is None or isinstance(found, date)
    assert resolve_date_in_text(f"please {phrase} thanks", today) is None or True


_MESSAGE_WORDS = [*VOCABULARY, "hello", "how", "are", "you", "(12.3)", "بالبنك"]


@_settings
@given(words=st.lists(st.sampled_from(_MESSAGE_WORDS), max_size=12), today=st.dates())
def test_a_message_s_dates_are_those_every_window_finds(words: list[str], today: date) -> None:
    """_phrases tries only the windows holding a word that may belong to a date: it finds what trying
    every window finds (`_may_date` always true)."""
    text = " ".join(words)
    for tz_name in (None, "America/New_York"):
        pruned = dates._phrases(text, today, tz_name)
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(dates, "_may_date", lambda token: True)
            assert dates._phrases(text, today, tz_name) == pruned


def _candidates_trying_every_preposition(tokens: list[str]) -> list[list[str]]:
    """dates._candidates as written before the prepositions were indexed by their first word."""
    denoised = dates._NOISE.sub(" ", " ".join(tokens)).split()
    queue: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def add(words: list[str]) -> None:
        if words and tuple(words) not in seen and len(queue) < 32:
            seen.add(tuple(words))
            queue.append(words)

    add(tokens)
    add(denoised)
    i = 0
    while i < len(queue):
        words = queue[i]
        i += 1
        for prep in dates._PREPOSITIONS:
            if tuple(words[: len(prep)]) == prep:
                add(words[len(prep) :])
        first = words[0]
        if first.startswith("لل") and len(first) > 3:
            add(["ال" + first[2:], *words[1:]])
        elif first.startswith("ل") and len(first) > 2:
            add([first[1:], *words[1:]])
    return queue


_PREPOSITION_WORDS = sorted({word for prep in dates._PREPOSITIONS for word in prep})


@_settings
@given(words=st.lists(st.sampled_from([*_MESSAGE_WORDS, *_PREPOSITION_WORDS, "لبكره", "للخميس"]), max_size=9))
def test_a_window_s_candidates_are_those_every_preposition_gives(words: list[str]) -> None:
    """The prepositions compared by their first word give the same candidates, in the same order."""
    assert all(dates._PREPOSITIONS), "an empty preposition would match every phrase"
    tokens = folding.tokens(" ".join(words))
    if tokens:
        assert list(dates._candidates(tokens)) == _candidates_trying_every_preposition(tokens)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [("la yom el 5amis", date(2027, 7, 15)), ("l yom el 7ad", date(2027, 7, 11)),
     ("lal a7ad", date(2027, 7, 11)), ("3al 5amis", date(2027, 7, 15))],
)  # fmt: skip
def test_an_arabizi_to_before_a_day_is_the_day(phrase: str, expected: date) -> None:
    assert resolve_date(phrase, date(2027, 7, 8)) == expected  # a Thursday
