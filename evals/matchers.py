"""Value matchers of tool-call arguments and task fields (BFCL-style).

- a plain value: equal (strings trimmed, compared case-insensitively; numbers and numeric strings,
  dates and ISO strings compare by value)
- `{contains: "x"}`: the value's text contains x (case-insensitive)
- `{regex: "..."}`: re.search on the value's text
- `{any_of: [a, b]}`: any of the options (each a value or a matcher)
- `{absent: true}`: the value is missing or null (`absent: false`: present)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

KINDS = ("contains", "regex", "any_of", "absent")
MISSING: Any = None  # a missing argument or field reads as null


def is_matcher(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in KINDS


def matcher_error(value: Any) -> str | None:
    """Why `value` is not a valid expectation, or None."""
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in KINDS:
            got = ", ".join(map(str, value)) or "nothing"
            return f"a matcher has exactly one of {', '.join(KINDS)} (got {got})"
        kind, arg = next(iter(value.items()))
        if kind == "regex":
            if not isinstance(arg, str):
                return "regex: must be a string"
            try:
                re.compile(arg)
            except re.error as exc:
                return f"regex: invalid: {exc}"
        elif kind == "contains" and not isinstance(arg, str | int | float):
            return "contains: must be a string"
        elif kind == "any_of":
            if not isinstance(arg, list) or not arg:
                return "any_of: must be a non-empty list"
            for option in arg:
                if (problem := matcher_error(option)) is not None:
                    return f"any_of: {problem}"
        elif kind == "absent" and not isinstance(arg, bool):
            return "absent: must be true or false"
        return None
    if isinstance(value, list):
        for item in value:
            if (problem := matcher_error(item)) is not None:
                return problem
    return None


def matches(expected: Any, actual: Any) -> bool:
    return mismatch(expected, actual) is None


def mismatch(expected: Any, actual: Any) -> str | None:
    """None when `actual` satisfies `expected`, else a short reason for the report."""
    if is_matcher(expected):
        kind, arg = next(iter(expected.items()))
        if kind == "absent":
            missing = actual is None or actual == "" or actual == []
            return None if missing == bool(arg) else ("present" if arg else "missing")
        if kind == "any_of":
            return None if any(matches(o, actual) for o in arg) else f"{_show(actual)} is none of {arg}"
        if actual is None:
            return "missing"
        text = text_of(actual)
        if kind == "contains":
            return None if str(arg).casefold() in text.casefold() else f"{_show(actual)} lacks {arg!r}"
        return None if re.search(arg, text) else f"{_show(actual)} does not match /{arg}/"
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{_show(actual)} != {expected}"
        for e, a in zip(expected, actual, strict=True):
            if (why := mismatch(e, a)) is not None:
                return why
        return None
    return None if _norm(expected) == _norm(actual) else f"{_show(actual)} != {_show(expected)}"


def text_of(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return "" if value is None else str(value)


def _norm(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text.casefold()
        except ValueError:  # pragma: no cover - the pattern only lets numbers through
            return text.casefold()
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
