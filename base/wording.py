"""Filling texts: a template's values (a name nobody filled reads as empty), and cutting to a width.
The texts themselves are the catalog's (base/catalog.py)."""

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
