"""Language detection: Arabic script, Arabizi or English, and which language the agent answers in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.language import LANGUAGES, Language, detect_language, reply_language

SAMPLES: list[tuple[str, Language]] = [
    # Modern Standard Arabic
    ("أضف مهمة: تحديث قائمة الأسعار يوم السبت", "ar"),
    ("ما هي المهام المتأخرة لدى الفريق؟", "ar"),
    ("احذف المهمة رقم ٢٧ من فضلك", "ar"),
    ("شكراً جزيلاً على المساعدة", "ar"),
    ("علّق على المهمة ٤: تم إرسال الفاتورة", "ar"),
    # Gulf
    ("ابغى اسوي مهمة بكرة", "ar"),
    ("وش صار على المهمة ٧٣؟", "ar"),
    ("خل المهمة ٩٠ أولويتها منخفضة", "ar"),
    ("الله يعطيك العافية يا غالي", "ar"),
    ("حوّل المهمة ٥ على أبو فهد", "ar"),
    # Egyptian
    ("عايز اعمل تاسك جديدة", "ar"),
    ("المهمة ٣٦ خلصت خلاص", "ar"),
    ("وريني مهام الفريق المتأخرة", "ar"),
    ("ازيك عامل ايه النهارده", "ar"),
    # Levantine
    ("شو صار بالمهمة ٤٢", "ar"),
    ("بدي ذكّر حالي إدفع الفاتورة بعد بكرا", "ar"),
    ("كيفك؟ بدي شوف المهام تبعي", "ar"),
    # a single Arabic word is enough
    ("تمام", "ar"),
    ("بكرة", "ar"),
    # Arabizi
    ("2olli eh el task 66", "ar-latn"),
    ("shil el task 3 men fadlak", "ar-latn"),
    ("ana 3ayez a3mel task bokra", "ar-latn"),
    ("5alast el task 19", "ar-latn"),
    ("ems7 el task 5", "ar-latn"),
    ("7awel task 14 le Layla", "ar-latn"),
    ("wesh sar 3la el task", "ar-latn"),
    ("msh fahem ya3ni eh", "ar-latn"),
    ("enta fein?", "ar-latn"),
    ("yalla", "ar-latn"),
    ("shukran ya habibi", "ar-latn"),
    ("ezay a3mel keda?", "ar-latn"),
    ("inshallah bokra", "ar-latn"),
    ("thanks habibi", "ar-latn"),
    ("kifak? shu fi 3andak el yom", "ar-latn"),
    # English
    ("Create a task for Hassan to book the meeting room tomorrow", "en"),
    ("What's the tallest mountain in the world?", "en"),
    ("Move task 21 to next Tuesday", "en"),
    ("Assign task 14 to Layla", "en"),
    ("Can you add el task?", "en"),  # one weak Arabizi word does not outweigh English
    ("Ask Ana about the report", "en"),  # "Ana" is also a name
    ("I'll call at 5pm on the 3rd", "en"),  # units and ordinals are not Arabizi
    ("meeting in Q3 with the team, see you 2day gr8", "en"),
    ("The men are here", "en"),
    ("Please list my overdue tasks", "en"),
    ("Project Phoenix kickoff slides review", "en"),
    ("khally charbel yestalem task 917 badaly", "ar-latn"),  # no digit-letter, its verbs and "instead of me"
    ("5allih ya5od el task 3anni", "ar-latn"),
    # mixed: the dominant script wins, ties go to Arabic
    ("Add task: اتصل بالبنك", "ar"),
    ("ابغى اسوي meeting بكرة", "ar"),
    ("Please add a task to call the bank مهمة", "en"),
]


@pytest.mark.parametrize(("text", "expected"), SAMPLES)
def test_detect_language(text: str, expected: Language) -> None:
    assert detect_language(text) == expected


def test_enough_samples() -> None:
    assert len(SAMPLES) >= 40


NEUTRAL = ["ok", "OK", "👍", "👍🙏", "/help", "/ping hello", "42", "٤٢", "...", "", "   ", "https://x.com/a",
           "Omar", "Layla Hassan", "thanks", "hi", "ok thanks", "el"]  # fmt: skip


@pytest.mark.parametrize("text", NEUTRAL)
@pytest.mark.parametrize("previous", [None, "ar", "ar-latn", "en"])
def test_neutral_texts_keep_the_previous_language(text: str, previous: Language | None) -> None:
    assert detect_language(text, previous=previous) == (previous or "en")


def test_a_clear_text_overrides_the_previous_language() -> None:
    assert detect_language("Please list my tasks", previous="ar") == "en"
    assert detect_language("وريني مهامي", previous="en") == "ar"
    assert detect_language("2olli eh el task 66", previous="en") == "ar-latn"


def test_unknown_previous_and_non_text_inputs() -> None:
    assert detect_language("ok", previous="fr") == "en"  # type: ignore[arg-type]
    assert detect_language(None, previous="ar") == "ar"  # type: ignore[arg-type]


@pytest.mark.parametrize(("lang", "expected"), [("ar", "ar"), ("ar-latn", "ar"), ("en", "en"), ("fr", "en")])
def test_reply_language(lang: str, expected: str) -> None:
    assert reply_language(lang) == expected


@settings(max_examples=200, deadline=None)
@given(text=st.text(), previous=st.sampled_from([None, *LANGUAGES]))
def test_any_text_gives_a_language(text: str, previous: Language | None) -> None:
    assert detect_language(text, previous=previous) in LANGUAGES
