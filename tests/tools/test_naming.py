"""The matcher of tasks named by their title (tools/naming.py), with the task pack's words: positives and
negatives per dialect group, and typed picks from a list."""

from __future__ import annotations

import pytest

from tools.naming import Option, best, forms, typed_pick, words
from tools.packs.tasks.naming import NAMING

TASKS = [
    {"id": 1, "title": "Prepare slides for the board"},
    {"id": 2, "title": "Sign supplier contract"},
    {"id": 3, "title": "Call the supplier"},
    {"id": 4, "title": "مراجعة العقد مع المورد"},
    {"id": 5, "title": "دفع الفواتير"},
    {"id": 6, "title": "فاتورة الكهرباء"},
    {"id": 7, "title": "Q3 report"},
    {"id": 8, "title": "تقرير المبيعات"},
]


def found(message: str) -> list[int]:
    return [int(t["id"]) for t in best(NAMING.query(message), TASKS)]


@pytest.mark.parametrize(
    ("message", "ids"),
    [
        # English
        ("mark the slides one done", [1]),
        ("delete the supplier contract task", [2]),
        ("the supplier one", [2, 3]),  # two: the user is asked, never a guess
        ("tick off the slide", [1]),
        ("close the q3 task", [7]),
        # MSA
        ("أنجز مهمة الفواتير", [5]),
        ("احذف مهمة مراجعة العقد", [4]),
        # Gulf
        ("خلصت حق العقد", [4]),
        ("سكر مهمة فاتورة الكهرباء", [6]),
        # Egyptian
        ("خلصنا التاسك بتاع التقرير", [8]),
        ("امسح المهمة بتاعة الكهربا", []),  # a dialect spelling of the word itself: not matched
        # Levantine
        ("خلصت المهمة تبع المبيعات", [8]),
        ("شيل مهمة والعقد", [4]),  # a proclitic و
        # Arabic without ال and with ة typed as ه
        ("خلصت مهمه فاتوره كهرباء", [6]),
        ("عقد", [4]),
        # digits as words, Arabic-Indic too
        ("mark the ٣ report done", [7]),
        # a chatty sentence: its small words name nothing
        ("ugh, the slides are not done anymore, it's still open", [1]),
        ("خلاص بس لسه ما خلصت الفواتير", [5]),
        ("ya3ni lessa mesh 5alsa el supplier contract", [2]),
    ],
)
def test_titles_are_matched(message: str, ids: list[int]) -> None:
    assert found(message) == ids


@pytest.mark.parametrize(
    "message",
    [
        "mark it done",  # no title word at all
        "خلصت المهمة",
        "delete the unicorn task",
        "احذف مهمة السفر",
        "mark the marketing plan done",
        "5alast el task",
    ],
)
def test_no_title_words_or_no_title_match_nothing(message: str) -> None:
    assert found(message) == []


@pytest.mark.parametrize(
    ("message", "ids"),
    [
        # most of the title inside a long, chatty message: the query is long, the title covered
        ("ok so um omar was saying the supplier contract is urgent now because legal wants it", [2]),
        ("honestly I'm going to sign it myself, put the supplier contract on me", [2]),
        ("والله يا جماعة موضوع مراجعة العقد مع المورد صار مستعجل، خلوه عالي", [4]),
        # a title covered by too little (one of three words) is not named
        ("ok so um omar was saying the contract is urgent now because legal wants it", []),
    ],
)
def test_a_title_covered_inside_a_chatty_message(message: str, ids: list[int]) -> None:
    assert [int(t["id"]) for t in best(NAMING.query(message), TASKS, naming=NAMING)] == ids


def test_english_endings_meet_their_stem() -> None:
    assert forms("planning") & forms("plan") and forms("renewal") & forms("renew")
    assert forms("booked") & forms("book") and forms("moved") & forms("move")
    assert not forms("sing") & forms("s")


def test_a_skipped_word_leaves_only_as_many_occurrences_from_the_end() -> None:
    text = "صيانة السيارات، عدّل اسمها: صيانة سيارات الشركة"
    assert NAMING.query(text, skip=["صيانة سيارات الشركة"]) == ["صيانه", "السيارات"]  # folded


def test_half_of_the_words_at_least() -> None:
    # "supplier" alone is in two titles; "supplier invoice budget" names none well enough.
    assert found("the supplier invoice budget task") == []


def test_stems_and_scripts() -> None:
    assert "فواتير" in forms("الفواتير") and "عقد" in forms("والعقد") and "slide" in forms("slides")
    assert words("Q3 تقرير٤") == ["q", "3", "تقرير", "4"]
    assert words("GLASS")[0] == "glass" and "glas" not in forms("glass")


OPTIONS = [Option(id=12, title="Prepare slides"), Option(id=15, title="Send slides to Omar")]


@pytest.mark.parametrize(
    ("answer", "picked"),
    [
        ("12", 12),
        ("#15", 15),
        ("١٢", 12),
        ("the first one", 12),
        ("the second one", 15),
        ("the last one", 15),
        ("الأولى", 12),
        ("الثانية", 15),
        ("التاني", 15),
        ("التانية لو سمحت", 15),
        ("tani", 15),
        ("el awal", 12),
        ("2nd please", 15),
        ("omar", 15),
        ("send", 15),
    ],
)
def test_typed_picks(answer: str, picked: int) -> None:
    option = typed_pick(answer, OPTIONS, NAMING)
    assert option is not None and option.id == picked


@pytest.mark.parametrize("answer", ["slides", "hmm", "7", "12 or 15", "the third one", "first or second?"])
def test_unclear_picks_are_none(answer: str) -> None:
    assert typed_pick(answer, OPTIONS, NAMING) is None


def test_the_first_title_phrase_of_a_message_is_looked_for_alone() -> None:
    from tools.naming import lead
    from tools.registry import ToolRegistry

    naming = ToolRegistry.shipped().naming("task_id")
    assert naming is not None
    text = "مهمة طباعة الاستمارات رجعها مفتوحة، طلع فيها نقص"  # a reason after the command adds words
    assert lead(naming, text) == ["طباعه", "الاستمارات"]
    assert lead(naming, "the slides one, mark it done") == []  # one word: the whole message names it


@pytest.mark.parametrize(
    ("message", "ids"),
    [
        ("meen 3indo task el 7arasa?", [1]),  # Arabizi for an Arabic title: by consonants
        ("5alast ta2reer el mabee3at", [3]),  # "2" as the qaf of تقرير
        ("5alast el kratin", [2]),  # no digit: four consonants
        ("done with the routine check", []),  # three consonants without a digit meet nothing
        ("خلصت فاتورة المورد", [4]),  # Arabic words of one root meet by their forms only
    ],
)
def test_arabizi_meets_arabic_titles_by_their_sounds(message: str, ids: list[int]) -> None:
    tasks = [
        {"id": 1, "title": "تجديد عقد الحراسة"},
        {"id": 2, "title": "طلب كراتين جديدة"},
        {"id": 3, "title": "تقرير المبيعات"},
        {"id": 4, "title": "دفع فاتورة المورد"},
        {"id": 5, "title": "ترتيب الفواتير"},
    ]
    assert [int(t["id"]) for t in best(NAMING.query(message), tasks, naming=NAMING)] == ids
