"""Agent Markdown → WhatsApp text, and splitting long replies into sendable parts.

WhatsApp has its own small syntax (*bold*, _italic_, ~strike~, `code`, ```block```, "- " lists,
"1. " lists, "> " quotes) and no links, headers or tables, so those become plain readable text.
Only markup is rewritten: all other characters, Arabic included, pass through as they came (no bidi
controls are added and nothing is reordered).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable

# ---------------------------------------------------------------- to_whatsapp

# Markers used while rewriting a line, from the Unicode noncharacters, which are reserved for
# exactly this kind of internal use and never appear in real text (they are stripped from input).
_BOLD, _ITALIC, _STRIKE, _KEEP_OPEN, _KEEP_CLOSE = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3", "\ufdd4"
_STRIP_MARKERS = str.maketrans(dict.fromkeys(map(ord, "\ufdd0\ufdd1\ufdd2\ufdd3\ufdd4")))
_FINAL_MARKERS = str.maketrans({_BOLD: "*", _ITALIC: "_", _STRIKE: "~"})

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_HEADER = re.compile(r"^[ ]{0,3}(#{1,6})[ \t]+(.*)$")
_EMPTY_HEADER = re.compile(r"^[ ]{0,3}#{1,6}[ \t]*$")
_SETEXT_H1 = re.compile(r"^[ ]{0,3}=+[ \t]*$")
_RULE = re.compile(r"^[ ]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+(.*)$")
_NUMBERED = re.compile(r"^([ \t]*)(\d{1,9}[.)])[ \t]+(.*)$")
_QUOTE = re.compile(r"^[ \t]*>[ \t]?(.*)$")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)

_BACKTICKS = re.compile(r"`+")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_URL_PART = r"(?:[^()\s<>]|\([^()\s<>]*\))+"
# Every scan below stops at the next delimiter of its kind (no `.+?` across the line), which keeps
# the rewriting linear even on hostile input such as thousands of unmatched "_a " or "[".
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\(\s*<?(" + _URL_PART + r")>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK = re.compile(r"\[([^\[\]]+)\]\(\s*<?(" + _URL_PART + r")>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]+)>")
_BARE_URL = re.compile(r"https?://[^\s<>" + _KEEP_OPEN + _KEEP_CLOSE + r"]+")
_URL_TRAILER = re.compile(r"[*_~.,;:!?)\]'\"]+$")
_KEPT = re.compile(_KEEP_OPEN + r"(\d+)" + _KEEP_CLOSE)

_STRONG_EM = re.compile(r"\*\*\*(?=\S)([^*]+?)(?<=\S)\*\*\*")
# `__x__` and `_x_` must not fire inside words (snake_case, __init__-like names in prose).
_STRONG = re.compile(
    r"\*\*(?=\S)((?:[^*]|\*(?!\*))+?)(?<=\S)\*\*|(?<!\w)__(?=\S)((?:[^_]|_(?!_))+?)(?<=\S)__(?!\w)"
)
_STRIKETHROUGH = re.compile(r"~~(?=\S)((?:[^~]|~(?!~))+?)(?<=\S)~~")
# `*x*` is not taken inside words either, so arithmetic like 2*3*4 survives.
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])|(?<!\w)_(?=[^\s_])([^_]+?)(?<=[^\s_])_(?!\w)"
)


def _emphasis(text: str) -> str:
    # Bold first, into markers, so the italic pass cannot mistake a `**` for two `*`.
    text = _STRONG_EM.sub(lambda m: f"{_BOLD}{_ITALIC}{m[1]}{_ITALIC}{_BOLD}", text)
    text = _STRONG.sub(lambda m: f"{_BOLD}{m[1] if m[1] is not None else m[2]}{_BOLD}", text)
    text = _STRIKETHROUGH.sub(lambda m: f"{_STRIKE}{m[1]}{_STRIKE}", text)
    return _EMPHASIS.sub(lambda m: f"{_ITALIC}{m[1] if m[1] is not None else m[2]}{_ITALIC}", text)


def _link(text: str, url: str) -> str:
    label = text.strip()
    bare = re.sub(r"^(?:https?://|mailto:)", "", url).rstrip("/")
    if not label or label in (url, bare, url.rstrip("/")):
        return url
    return f"{label} ({url})"


def _keep_code_spans(text: str, keep: Callable[[str], str]) -> str:
    """Set aside code spans: a backtick run up to the next run of the same length (CommonMark)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    if len(runs) < 2:
        return text
    # The next run of equal length for every run, found in one backward pass (linear, not a search).
    partner: list[int | None] = [None] * len(runs)
    latest: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        width = runs[i][1] - runs[i][0]
        partner[i] = latest.get(width)
        latest[width] = i
    pieces, position, i = [], 0, 0
    while i < len(runs):
        j = partner[i]
        if j is None:
            i += 1
            continue
        span = text[runs[i][0] : runs[j][1]]
        code = text[runs[i][1] : runs[j][0]]
        # ``code`` becomes WhatsApp's `code`; ```text``` is WhatsApp's own monospace and stays as is.
        rendered = f"`{code}`" if runs[i][1] - runs[i][0] == 2 and "`" not in code else span
        pieces += [text[position : runs[i][0]], keep(rendered)]
        position, i = runs[j][1], j + 1
    pieces.append(text[position:])
    return "".join(pieces)


def _keep_url(url: str, keep: Callable[[str], str]) -> str:
    # Trailing punctuation stays outside the protected URL, so "**https://x.com**" still gets its bold.
    trailer = _URL_TRAILER.search(url)
    if trailer is None:
        return keep(url)
    return keep(url[: trailer.start()]) + trailer[0]


def _inline(text: str) -> str:
    """Rewrite inline markup of one line; the result still holds the emphasis markers."""
    text = text.translate(_STRIP_MARKERS)
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"{_KEEP_OPEN}{len(kept) - 1}{_KEEP_CLOSE}"

    def keeper(render: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
        return lambda m: keep(render(m))

    # Code, escapes and URLs are set aside first so emphasis rules never touch their characters.
    text = _keep_code_spans(text, keep)
    text = _ESCAPE.sub(keeper(lambda m: m[1]), text)
    text = _IMAGE.sub(keeper(lambda m: _link(m[1], m[2])), text)
    text = _LINK.sub(keeper(lambda m: _link(_emphasis(m[1]), m[2])), text)
    text = _AUTOLINK.sub(keeper(lambda m: m[1]), text)
    text = _BARE_URL.sub(lambda m: _keep_url(m[0], keep), text)
    text = _emphasis(text)

    def restore(value: str) -> str:
        # A kept value only holds placeholders created before it, so this recursion terminates.
        return _KEPT.sub(lambda m: restore(kept[int(m[1])]), value)

    return restore(text)


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row.removeprefix("|")
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [
        _inline(_HTML_BREAK.sub(" ", cell.strip()).replace("\\|", "|")) for cell in _CELL_SPLIT.split(row)
    ]


def _table(header: str, rows: list[str]) -> list[str]:
    """A table becomes one line per row, "col: value · col: value"; WhatsApp cannot align columns."""
    names = _cells(header)
    if not rows:
        return [" · ".join(n for n in names if n)]
    lines = []
    for row in rows:
        pairs = []
        for i, value in enumerate(_cells(row)):
            if not value:
                continue
            name = names[i] if i < len(names) else ""
            pairs.append(f"{name}: {value}" if name else value)
        if pairs:
            lines.append(" · ".join(pairs))
    return lines


def _indent_width(indent: str) -> int:
    return len(indent.expandtabs(4))


class _Lists:
    """Tracks list nesting so 2-, 3- or 4-space Markdown indents all become 2 spaces per level."""

    def __init__(self) -> None:
        self.stack: list[int] = []

    def level(self, indent: str) -> int:
        width = _indent_width(indent)
        while self.stack and self.stack[-1] > width:
            self.stack.pop()
        if not self.stack or self.stack[-1] < width:
            self.stack.append(width)
        return len(self.stack) - 1

    def reset(self) -> None:
        self.stack.clear()


def _strip_closing_hashes(title: str) -> str:
    # "## Title ##" → "Title"; done with string methods since a regex here backtracks on long spaces.
    title = title.rstrip(" \t")
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):
        title = bare.rstrip(" \t")
    return title


def _is_table_start(lines: list[str], i: int) -> bool:
    if "|" not in lines[i] or i + 1 >= len(lines) or "|" not in lines[i + 1]:
        return False
    return bool(_TABLE_SEPARATOR.match(lines[i + 1]))


def to_whatsapp(markdown: str) -> str:
    """Convert Markdown (as LLMs write it) to WhatsApp formatting."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    out: list[tuple[str, bool]] = []  # (line, is_code): code lines are never rewritten or collapsed
    lists = _Lists()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence and not (fence[1][0] == "`" and "`" in fence[2]):
            # A fenced block: the language tag is dropped, the content is kept byte for byte.
            marker = fence[1]
            out.append(("```", True))
            i += 1
            while i < len(lines):
                closing = lines[i].strip()
                if closing.startswith(marker[0] * len(marker)) and not closing.strip(marker[0]):
                    break
                out.append((lines[i], True))
                i += 1
            out.append(("```", True))
            i += 1
            lists.reset()
            continue
        if _is_table_start(lines, i):
            header, i = line, i + 2
            rows = []
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(lines[i])
                i += 1
            out.extend((row, False) for row in _table(header, rows))
            lists.reset()
            continue
        i += 1
        if _RULE.match(line) or _EMPTY_HEADER.match(line):
            continue
        if _SETEXT_H1.match(line) and out and out[-1][0].strip() and not out[-1][1]:
            previous = out.pop()[0]
            out.append((f"{_BOLD}{previous.strip().replace(_BOLD, '')}{_BOLD}", False))
            continue
        if header := _HEADER.match(line):
            title = _inline(_strip_closing_hashes(header[2])).replace(_BOLD, "")  # the header is bold already
            if title.strip():
                out.append((f"{_BOLD}{title}{_BOLD}", False))
            lists.reset()
        elif bullet := _BULLET.match(line):
            out.append(("  " * lists.level(bullet[1]) + "- " + _inline(bullet[2]), False))
        elif numbered := _NUMBERED.match(line):
            out.append(("  " * lists.level(numbered[1]) + numbered[2] + " " + _inline(numbered[3]), False))
        elif quote := _QUOTE.match(line):
            out.append((f"> {_inline(quote[1])}".rstrip(), False))
        else:
            if line and not line[0].isspace():
                lists.reset()
            out.append((_inline(line), False))
    return _join(out)


def _join(out: list[tuple[str, bool]]) -> str:
    lines: list[str] = []
    blank_run = 0
    for line, is_code in out:
        if not is_code and not line.strip():
            blank_run += 1
            if blank_run > 1:  # at most one empty line between blocks
                continue
            line = ""
        else:
            blank_run = 0
        lines.append(line if is_code else line.translate(_FINAL_MARKERS))
    return "\n".join(lines).strip("\n")


# ---------------------------------------------------------------- split_message

WHATSAPP_TEXT_LIMIT = 4096

# Cut candidates, best first. Each pattern's group 1 (or the whole match) ends the part before it.
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_LINE = re.compile(r"\n")
_SENTENCE = re.compile(r"[.!?؟۔…](?=\s)")
_CLAUSE = re.compile(r"[،؛,;:](?=\s)")
_SPACE = re.compile(r"\s")
# (pattern, cut after the match?) — punctuation stays with its sentence, whitespace is dropped.
_LEVELS: list[tuple[re.Pattern[str], bool]] = [
    (_PARAGRAPH, False),
    (_LINE, False),
    (_SENTENCE, True),
    (_CLAUSE, True),
    (_SPACE, False),
]
_FENCE_MARK = re.compile(r"```")
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # zero-width joiner, text/emoji variation selectors


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``` blocks, pairing fences in order; an unclosed fence runs to the end."""
    marks = [m.start() for m in _FENCE_MARK.finditer(text)]
    spans = []
    for k in range(0, len(marks), 2):
        end = marks[k + 1] + 3 if k + 1 < len(marks) else len(text)
        spans.append((marks[k], end))
    return spans


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    # Spans are ordered and disjoint: only the last one starting before `pos` can contain it.
    k = bisect.bisect_left(spans, (pos, -1)) - 1
    return k >= 0 and pos < spans[k][1]


def _attaches_to_previous(char: str) -> bool:
    return bool(unicodedata.combining(char)) or char in _JOINERS or "\U0001f3fb" <= char <= "\U0001f3ff"


def _safe_hard_cut(text: str, start: int, end: int) -> int:
    """Cut at `end`, moved back so a letter keeps its combining marks (Arabic harakat) and an emoji
    keeps its ZWJ sequence, variation selector or skin tone; at `end` if nothing better exists."""
    cut = end
    while cut > start and (_attaches_to_previous(text[cut]) or text[cut - 1] == "\u200d"):
        cut -= 1
    return cut if cut > start else end


def _find_cut(text: str, start: int, limit: int, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """(end of this part, start of the next) for the part beginning at `start`."""
    end = start + limit
    floor = start + limit // 4  # a very early boundary would leave a tiny part: try weaker ones first
    for minimum, allow_code in ((floor, False), (start + 1, False), (start + 1, True)):
        for pattern, after in _LEVELS:
            if allow_code and pattern in (_SENTENCE, _CLAUSE):
                continue  # inside code only line and space boundaries make sense
            best = None
            for m in pattern.finditer(text, start, min(end + 1, len(text))):
                cut = m.end() if after else m.start()
                if minimum <= cut <= end and (allow_code or not _inside(cut, spans)):
                    best = (cut, m.end())
            if best:
                return best
    cut = _safe_hard_cut(text, start, end)
    return cut, cut


def split_message(text: str, limit: int = WHATSAPP_TEXT_LIMIT) -> list[str]:
    """Split `text` into stripped parts of at most `limit` characters, at the best boundary available:
    paragraph, line, sentence, clause, whitespace, and only then mid-word. ``` blocks are kept whole
    when they fit. Nothing but the whitespace at a cut is lost."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip()
    spans = _code_spans(text)
    parts: list[str] = []
    start = 0
    while start < len(text):
        if len(text) - start <= limit:
            parts.append(text[start:].strip())
            break
        cut, resume = _find_cut(text, start, limit, spans)
        parts.append(text[start:cut].strip())  # never empty: `start` is on a non-space character
        start = resume
        while start < len(text) and text[start].isspace():
            start += 1
    return parts
