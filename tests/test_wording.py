"""Texts composed in code: English when a language is missing, blanks for values nobody filled."""

from __future__ import annotations

import pytest

from hudhud.wording import fill, phrase, shorten

TABLE = {"hello": {"en": "Hello {name}{suffix}", "ar": "أهلاً {name}"}}


def test_phrase_in_the_language_asked_else_english() -> None:
    assert phrase(TABLE, "hello", "ar", name="سارة") == "أهلاً سارة"
    assert phrase(TABLE, "hello", "fr", name="Sara", suffix="!") == "Hello Sara!"


def test_a_value_nobody_filled_is_blank_and_an_unknown_key_is_an_error() -> None:
    assert fill("Task #{id}{due_line}", {"id": 7}) == "Task #7"
    with pytest.raises(KeyError):
        phrase(TABLE, "bye", "en")


def test_shorten_marks_the_cut() -> None:
    assert shorten("Prepare Q3 report", 60) == "Prepare Q3 report"
    assert shorten("abcdef", 4) == "abc…" and len(shorten("x" * 2000, 1024)) == 1024
