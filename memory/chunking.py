"""Documents to chunks: Markdown, plain text, PDF and HTML read from bytes, split with
langchain-text-splitters.

Markdown (and HTML, whose h1–h6 are turned into Markdown headers first) is split on its headers so each
chunk knows its section; long sections, text and PDF pages are then split recursively into chunks of
about CHUNK_SIZE characters with CHUNK_OVERLAP characters of overlap.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

CHUNK_SIZE = 800
CHUNK_OVERLAP = 100
MIN_INTRO = 200  # shorter texts under a parent heading join the first sub-section
# Part of every document hash: raising it re-ingests unchanged files after a change to the chunking.
PARSER_VERSION = "1"

MARKDOWN = frozenset({".md", ".markdown"})
TEXT = frozenset({".txt", ".text"})
HTML = frozenset({".html", ".htm"})
PDF = frozenset({".pdf"})
SUPPORTED = MARKDOWN | TEXT | HTML | PDF
VISIBILITIES = ("public", "internal")

_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


class UnreadableDocument(ValueError):
    """The document cannot be turned into text; the message is the reason, for the ingest report."""


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    section: str  # "" when the document has no headings (plain text)
    lang: str


@dataclass
class ParsedDocument:
    title: str
    chunks: list[Chunk] = field(default_factory=list)
    visibility: str | None = None  # from Markdown front matter; overrides the requested visibility


def supported(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in SUPPORTED


def unsupported_reason(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return f"unsupported file type {suffix or '(none)'!r} (supported: {', '.join(sorted(SUPPORTED))})"


def detect_lang(text: str) -> str:
    """ "ar" when at least 30% of the letters are Arabic, else "en": cheap, and enough to tag chunks."""
    letters = len(_LETTER.findall(text))
    return "ar" if letters and len(_ARABIC.findall(text)) / letters >= 0.3 else "en"


def parse(name: str, data: bytes) -> ParsedDocument:
    """Read and chunk one document; `name` (a file name or relative path) decides the format."""
    suffix = PurePosixPath(name).suffix.lower()
    stem = PurePosixPath(name).stem
    if suffix in MARKDOWN:
        doc = _markdown(_decode(data), stem)
    elif suffix in TEXT:
        doc = ParsedDocument(title=stem, chunks=_split([("", _decode(data))]))
    elif suffix in HTML:
        doc = _html(data, stem)
    elif suffix in PDF:
        doc = _pdf(data, stem)
    else:
        raise UnreadableDocument(unsupported_reason(name))
    if not doc.chunks:
        raise UnreadableDocument("no text found in the document")
    return doc


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableDocument("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"not valid UTF-8 text (byte {exc.start})") from None


def _markdown(text: str, stem: str) -> ParsedDocument:
    visibility = None
    title = None
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            meta = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise UnreadableDocument(f"invalid front matter: {str(exc).splitlines()[0]}") from None
        if not isinstance(meta, dict):
            raise UnreadableDocument("invalid front matter: expected key: value lines")
        text = text[match.end() :]
        visibility = meta.get("visibility")
        if visibility is not None and visibility not in VISIBILITIES:
            raise UnreadableDocument(f"invalid front matter visibility {visibility!r} (public or internal)")
        title = str(meta["title"]) if meta.get("title") else None
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    sections = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(text)
    pieces = [(" > ".join(str(v) for v in d.metadata.values()), d.page_content) for d in sections]
    if title is None:
        title = next((str(d.metadata["h1"]) for d in sections if d.metadata.get("h1")), stem)
    return ParsedDocument(title=title, chunks=_split(pieces), visibility=visibility)


def _html(data: bytes, stem: str) -> ParsedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "template", "svg", "head", "title", "nav", "footer"]):
        tag.decompose()
    # Headings become Markdown headers so the header-aware splitter gives HTML chunks their sections.
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        level = min(int(heading.name[1]), 4)
        heading.replace_with(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n")
    text = _BLANK_LINES.sub("\n\n", soup.get_text("\n")).strip()
    doc = _markdown(text, stem)
    doc.title = title or doc.title
    return doc


def _pdf(data: bytes, stem: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableDocument("the PDF is encrypted")
        pages = [(f"page {n}", page.extract_text() or "") for n, page in enumerate(reader.pages, 1)]
        title = (reader.metadata or {}).get("/Title") or stem
    except UnreadableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableDocument(f"not a readable PDF: {exc}") from None
    doc = ParsedDocument(title=str(title), chunks=_split(pages))
    if not doc.chunks:
        raise UnreadableDocument("no text found in the PDF (a scanned image? it needs OCR first)")
    return doc


def _split(pieces: list[tuple[str, str]]) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks: list[Chunk] = []
    for section, text in _merge_intros(pieces):
        for part in splitter.split_text(text):
            part = part.strip()
            if part:
                chunks.append(Chunk(index=len(chunks), text=part, section=section, lang=detect_lang(part)))
    return chunks


def _merge_intros(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A short text right under a heading that has sub-sections (a document's one-line intro) joins
    its first sub-section: alone it is a tiny, generic chunk that scores high against any question."""
    merged: list[tuple[str, str]] = []
    carry = ""
    for i, (section, text) in enumerate(pieces):
        text = f"{carry}\n\n{text}" if carry else text
        carry = ""
        following = pieces[i + 1][0] if i + 1 < len(pieces) else None
        if following is not None and len(text) < MIN_INTRO and following.startswith(section):
            carry = text
            continue
        merged.append((section, text))
    return merged
