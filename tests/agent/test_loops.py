from __future__ import annotations

import pytest

from agent.loops import cut_loop


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("إذا كنت تشعر بالقلق أو تشعر بالحالة، أو تشعر بالقلق أو تشعر بالحالة، "
         "أو تشعر بالقلق أو تشعر بالحالة، أو",
         "إذا كنت تشعر بالقلق أو تشعر بالحالة"),
        ("Call IT. Call IT. Call IT. Call IT.", "Call IT"),
        ("the the the the", "the"),
    ],
)  # fmt: skip
def test_a_loop_is_cut_after_its_first_round(text: str, kept: str) -> None:
    assert cut_loop(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "Leave is 30 days a year. Ask HR for more.",
        "very very important",  # twice is emphasis, not a loop
        "1. Open the app. 2. Open the menu. 3. Open settings.",
        "",
    ],
)
def test_text_without_a_loop_is_unchanged(text: str) -> None:
    assert cut_loop(text) == text
