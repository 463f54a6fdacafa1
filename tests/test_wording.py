"""Texts composed in code: the catalog's in the language asked (English for a language it lacks),
blanks for values nobody filled, an unknown key an error."""

from __future__ import annotations

import pytest

from base.catalog import t
from base.wording import fill, shorten


def test_a_text_in_the_language_asked_else_english() -> None:
    assert t("reply.unclear", "ar", what="«س»") == "عذراً، لم أفهم «س». هل يمكنك كتابته بطريقة أخرى؟"
    english = "Sorry, I couldn't understand “x”. Could you say it differently?"
    assert t("reply.unclear", "fr", what="“x”") == english


def test_a_value_nobody_filled_is_blank_and_an_unknown_key_is_an_error() -> None:
    assert fill("Task #{id}{due_line}", {"id": 7}) == "Task #7"
    with pytest.raises(KeyError):
        t("reply.no_such_text", "en")


def test_shorten_marks_the_cut() -> None:
    assert shorten("Prepare Q3 report", 60) == "Prepare Q3 report"
    assert shorten("abcdef", 4) == "abc…" and len(shorten("x" * 2000, 1024)) == 1024
