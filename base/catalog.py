"""One catalog for every text a user reads: `t(key, lang, **values)`, `tn(key, n, lang, **values)`.

The texts live in gettext catalogs, one per language (`base/locales/<lang>.po`), read with Babel when
first used and kept. A message's `msgid` is a stable key ("task.created"), never an English sentence;
its `msgstr` is a `str.format` template filled with the values (a name nobody filled reads as empty).
Plural messages carry one form per CLDR plural category of the language, in CLDR order
(zero, one, two, few, many, other — those the language has): English two, Arabic six, so
"3 مهام" but "11 مهمة". docs/catalog.md says how to add a text, a language or a plural.

Language rules (issue 12): a known language gets its own text and nothing else; a language the catalog
does not have gets English; `lang=None` (the caller does not know the user's language) gets every
language, English first, one per line.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.pofile import read_po

from base.wording import fill

LOCALES = Path(__file__).with_name("locales")
DEFAULT = "en"
# CLDR's plural categories in the order gettext catalogs (and Babel's Plural-Forms) number them.
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

# A text as a spec or a caller may give it: a catalog key, or inline texts per language (plug-in tool
# specs outside this repository; the shipped ones name keys).
Text = str | Mapping[str, str]


@dataclass(frozen=True)
class Language:
    code: str
    messages: Mapping[str, str | tuple[str, ...]]
    categories: tuple[str, ...]  # the plural categories this language has, in msgstr[i] order
    locale: Locale

    def form(self, n: int) -> int:
        """Which msgstr[i] of a plural message says `n` things."""
        return self.categories.index(self.locale.plural_form(abs(n)))


_lock = threading.Lock()


@cache
def catalogs() -> dict[str, Language]:
    """Every language of `base/locales/`, read once."""
    with _lock:
        found: dict[str, Language] = {}
        for path in sorted(LOCALES.glob("*.po")):
            code = path.stem
            with path.open("rb") as f:
                po = read_po(f, locale=code)
            locale = Locale.parse(code)
            tags = locale.plural_form.tags
            categories = tuple(c for c in _CATEGORIES if c in tags or c == "other")
            messages: dict[str, str | tuple[str, ...]] = {}
            for message in po:
                if not message.id:
                    continue  # the header
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                messages[key] = tuple(message.string) if message.pluralizable else message.string
            found[code] = Language(code, messages, categories, locale)
        if DEFAULT not in found:  # pragma: no cover - a broken checkout
            raise RuntimeError(f"no {DEFAULT}.po in {LOCALES}")
        return found


def languages() -> tuple[str, ...]:
    """The languages the catalog has, the default first."""
    codes = catalogs()
    return (DEFAULT, *sorted(c for c in codes if c != DEFAULT))


def resolve(lang: str | None) -> str:
    """The catalog language for `lang`: itself, its base ("ar-latn", "ar_SA" → "ar"), else English."""
    codes = catalogs()
    if lang is None:
        return DEFAULT
    if lang in codes:
        return lang
    base = lang.replace("_", "-").split("-")[0].lower()
    return base if base in codes else DEFAULT


def has(key: str) -> bool:
    return key in catalogs()[DEFAULT].messages


def is_plural(key: str) -> bool:
    return isinstance(catalogs()[DEFAULT].messages.get(key), tuple)


def all_keys() -> list[str]:
    return sorted(catalogs()[DEFAULT].messages)


def _message(key: str, lang: str) -> tuple[Language, str | tuple[str, ...]]:
    codes = catalogs()
    language = codes[resolve(lang)]
    found = language.messages.get(key) or None
    if found is None or (isinstance(found, tuple) and not all(found)):
        language = codes[DEFAULT]  # a text not translated yet: the tests say which
        found = language.messages.get(key)
    if found is None:
        raise KeyError(f"no text {key!r} in the catalog (base/locales/{DEFAULT}.po)")
    return language, found


def t(key: str, lang: str | None, /, **values: Any) -> str:
    """The text `key` in `lang`, filled with `values`; `lang=None`: every language, one per line."""
    if lang is None:
        return both(key, **values)
    _, found = _message(key, lang)
    if isinstance(found, tuple):
        count = values.get("count")
        return tn(key, count if isinstance(count, int) else 0, lang, **values)
    return fill(found, values)


def tn(key: str, n: int, lang: str | None, /, **values: Any) -> str:
    """The plural text `key` for `n` things in `lang` (`{count}` is `n` unless given)."""
    values.setdefault("count", n)
    if lang is None:
        return "\n".join(dict.fromkeys(tn(key, n, code, **values) for code in languages()))
    language, found = _message(key, lang)
    if not isinstance(found, tuple):
        return fill(found, values)
    return fill(found[language.form(n)], values)


def both(key: str, /, **values: Any) -> str:
    """Every language's text, English first, one per line (a text the same in each, once): for a reader
    whose language is not known."""
    return "\n".join(dict.fromkeys(t(key, code, **values) for code in languages()))


def text_of(text: Text | None, lang: str, /, **values: Any) -> str | None:
    """A spec's text (a catalog key, or inline texts per language) in `lang`; None when there is none."""
    if not text:
        return None
    if isinstance(text, str):
        return t(text, lang, **values)
    template = text.get(resolve(lang)) or text.get(lang) or text.get(DEFAULT)
    return fill(template, values) if template else None
