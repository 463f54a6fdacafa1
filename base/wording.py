"""Texts composed in code, per language: one lookup for every table of them (agent replies, tool
confirmations), so a missing language falls back to English and a missing value leaves a blank."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Blank(dict[str, Any]):
    """Template values where a name nobody filled reads as empty, not as a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map(Blank(values))


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def phrase(table: Mapping[str, Mapping[str, str]], key: str, lang: str, **values: Any) -> str:
    """`table[key]` in `lang` (English when the table lacks it), filled with `values`."""
    texts = table[key]
    return fill(texts.get(lang, texts["en"]), values)
