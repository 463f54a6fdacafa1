"""Integers said in text: "42", "٤٢", "#42", "task 42", "المهمة ٤٢"; lists of task numbers."""

from __future__ import annotations

import re
from collections import Counter

from base.text import folding
from base.text.dates import numbers_in_dates

_SIGNED_INT = re.compile(r"[+-]?[0-9]+(?:\.0+)?")
_STANDALONE_INT = re.compile(r"(?<![^\W_])[0-9]+(?![^\W_])")  # not glued to a letter or digit


def parse_int(value: object) -> int | None:
    """The integer in `value`: 42, "42", "٤٢", "#42", "task 42", "المهمة ٤٢", " 42 ", 42.0.

    A string gives its one number standing apart from letters (the digits in Arabizi words such as
    "ba3d" do not count); several different numbers are ambiguous and give None. Booleans, fractions
    and values without a number give None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = folding.to_latin_digits(value).strip()
    if _SIGNED_INT.fullmatch(text):
        return int(float(text)) if "." in text else int(text)
    numbers = {int(n) for n in _STANDALONE_INT.findall(text)}
    return numbers.pop() if len(numbers) == 1 else None


# Digits not glued to a Latin letter: "#3", "3,4", "و٤" count; the digits of Arabizi words ("ba3d") don't.
_ID_NUMBER = re.compile(r"(?<![A-Za-z0-9])[0-9]+(?![A-Za-z0-9])")


def numbers_said(text: str) -> list[int]:
    """The numbers a message says standing alone, in order ("task 7", "#12", "المهمة ٤٣"): not the
    digits of a code ("Q4", "fy24") or of an Arabizi word ("5alast", "3adi"), nor the day of a date
    ("3 December", "15/12", "the 5th")."""
    said = [int(n) for n in _ID_NUMBER.findall(folding.to_latin_digits(text))]
    if not said:
        return said
    # The day of a date is no task number: "غيري ميعاد تجهيز القاعة ل 3 ديسمبر" names no task 3.
    dated = Counter(numbers_in_dates(text))
    kept: list[int] = []
    for n in said:
        if dated[n] > 0:
            dated[n] -= 1
        else:
            kept.append(n)
    return kept


def parse_int_list(value: object) -> list[int] | None:
    """The task numbers in `value`, in order, each once: "3, 4 and 5", "٣ و٤ و٥", "#3 #4", "3،4",
    [3, "4", "#5"]. None when there is no number (booleans and fractions are not numbers). Ranges
    ("3 to 5") are not expanded: "3 to 5" is tasks 3 and 5.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        single = parse_int(value)
        return [single] if single is not None else None
    if isinstance(value, list | tuple):
        found: list[int] = []
        for item in value:
            found.extend(parse_int_list(item) or [])
        return list(dict.fromkeys(found)) or None
    if not isinstance(value, str):
        return None
    numbers = [int(n) for n in _ID_NUMBER.findall(folding.to_latin_digits(value))]
    return list(dict.fromkeys(numbers)) or None
