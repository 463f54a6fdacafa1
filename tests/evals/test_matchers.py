"""The value matchers of tool-call arguments and task fields."""

from __future__ import annotations

from datetime import date

import pytest

from evals.matchers import is_matcher, matcher_error, matches, mismatch, text_of


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("Review contract", "  review CONTRACT "),  # trimmed, case-insensitive
        ("مراجعة العقد", "مراجعة العقد"),
        (7, "7"),  # numbers and numeric strings by value
        (7, 7.0),
        ("2026-11-26", date(2026, 11, 26)),  # ISO string and date
        (date(2026, 11, 26), "2026-11-26"),
        (None, None),
        (True, True),
        (["open", "done"], ["OPEN", "done"]),
        ({"contains": "العقد"}, "مراجعة العقد يوم الخميس"),
        ({"contains": "budget"}, "Review the BUDGET"),
        ({"contains": 42}, "task 42"),
        ({"regex": r"^\d{4}-11-2[67]$"}, "2026-11-26"),
        ({"any_of": ["open", "in_progress"]}, "in_progress"),
        ({"any_of": [{"contains": "x"}, {"absent": True}]}, None),
        ({"absent": True}, None),
        ({"absent": True}, ""),
        ({"absent": False}, "present"),
        ({"contains": "b"}, ["a", "b"]),  # a list reads as its lines
    ],
)
def test_matches(expected: object, actual: object) -> None:
    assert matches(expected, actual)
    assert mismatch(expected, actual) is None


@pytest.mark.parametrize(
    ("expected", "actual", "reason"),
    [
        ("Review", "Review contract", "!= 'Review'"),
        (7, "8", "!="),
        (True, "true", "!="),
        (["open"], ["open", "done"], "!="),
        (["open"], "open", "!="),
        (["open", "x"], ["open", "y"], "!="),
        ({"contains": "budget"}, "Review the plan", "lacks 'budget'"),
        ({"contains": "budget"}, None, "missing"),
        ({"regex": r"^\d+$"}, "12a", "does not match"),
        ({"any_of": ["open", "done"]}, "in_progress", "is none of"),
        ({"absent": True}, "x", "present"),
        ({"absent": False}, None, "missing"),
    ],
)
def test_mismatches_say_why(expected: object, actual: object, reason: str) -> None:
    why = mismatch(expected, actual)
    assert why is not None and reason in why
    assert not matches(expected, actual)


def test_long_values_are_shortened_in_reasons() -> None:
    why = mismatch("x", "y" * 200)
    assert why is not None and "..." in why and len(why) < 120


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"contains": "x", "regex": "y"}, "exactly one of"),
        ({"equals": 1}, "exactly one of"),
        ({}, "got nothing"),
        ({"regex": "("}, "regex: invalid"),
        ({"regex": 5}, "regex: must be a string"),
        ({"contains": ["x"]}, "contains: must be a string"),
        ({"any_of": []}, "any_of: must be a non-empty list"),
        ({"any_of": [{"regex": "("}]}, "any_of: regex: invalid"),
        ({"absent": "yes"}, "absent: must be true or false"),
        ([{"regex": "["}], "regex: invalid"),
    ],
)
def test_matcher_errors(value: object, problem: str) -> None:
    found = matcher_error(value)
    assert found is not None and problem in found


def test_valid_expectations_have_no_error() -> None:
    for value in ("x", 3, None, [1, "a"], {"contains": "x"}, {"any_of": [1, {"absent": True}]}):
        assert matcher_error(value) is None
    assert is_matcher({"regex": "x"}) and not is_matcher({"regex": "x", "other": 1}) and not is_matcher("x")


def test_text_of() -> None:
    assert text_of(["a", date(2026, 1, 2)]) == "a\n2026-01-02"
    assert text_of(None) == "" and text_of(5) == "5"
