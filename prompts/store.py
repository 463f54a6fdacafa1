"""Versioned prompt files, loaded by name and language and hashed, so every turn can say which it used.

A prompt is a Markdown file in this folder (or another root): `<name>.<lang>.md` (lang: ar | en) or
`<name>.md` for a language-neutral one. Names may contain dots ("persona.exec"). Each file starts with
YAML front matter:

    ---
    version: 3
    description: what the prompt is for
    ---
    The text...

The text is normalized so its bytes — and its sha256 — change only when its words do: BOM dropped,
line endings made LF, Unicode NFC, trailing spaces removed from every line, blank lines removed at
both ends. Bump `version` when the meaning changes; the hash catches edits made without a bump.

`PromptStore.get(name, lang)` looks for `<name>.<lang>.md`, then the neutral `<name>.md`, then
`<name>.en.md`. While a playground turn runs with drafts (base/drafts.py), a drafted file's text is
served in its place, labelled `<stem>@draft-<hash>` instead of its version. Files are read once; with
`reload=True` (development) every `get` stats the file and re-reads it when its mtime or size changed
— no watcher thread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from base.drafts import current_drafts, draft_tag

LANGS: tuple[str, ...] = ("ar", "en")
DEFAULT_ROOT = Path(__file__).parent
FALLBACK_LANG = "en"
SHORT_SHA = 12

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?)^---[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)


class PromptError(ValueError):
    """A prompt file is invalid; the message names the file and what is wrong."""


class PromptNotFound(PromptError, LookupError):
    """No file for a prompt; the message names the prompt, the language and the files looked for."""


@dataclass(frozen=True)
class Prompt:
    name: str
    lang: str | None  # None: the language-neutral file
    version: int
    text: str  # without front matter, normalized (see the module docstring)
    sha256: str  # hex digest of the UTF-8 text
    path: Path
    description: str = ""
    draft: bool = False  # an admin's draft of the file (base/drafts.py), served to a playground turn

    @property
    def stem(self) -> str:
        """ "persona.exec.ar", or "router": the file's name without .md, what a draft is filed under."""
        return f"{self.name}.{self.lang}" if self.lang else self.name

    @property
    def key(self) -> str:
        """ "persona.exec.ar@3", "router@2" for a neutral prompt, "persona.exec.ar@draft-1f0c2a9b" for a
        draft: what traces record."""
        return f"{self.stem}@{draft_tag(self.text) if self.draft else self.version}"

    @property
    def short_sha(self) -> str:
        return self.sha256[:SHORT_SHA]


def split_filename(filename: str) -> tuple[str, str | None] | None:
    """("persona.exec", "ar") for "persona.exec.ar.md", ("router", None) for "router.md"; None if not a
    prompt file (not .md, hidden, private, README)."""
    if not filename.endswith(".md") or filename.startswith((".", "_")) or filename.upper() == "README.MD":
        return None
    stem = filename[: -len(".md")]
    name, dot, lang = stem.rpartition(".")
    if dot and lang in LANGS and name:
        return name, lang
    return stem, None


def normalize_text(text: str) -> str:
    """The byte-stable form of a prompt's text."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def parse_prompt(path: Path, raw: str) -> Prompt:
    """A prompt from a file's content; `PromptError` naming the file if the front matter is bad."""
    parsed = split_filename(path.name)
    if parsed is None:
        raise PromptError(f"{path}: not a prompt file name (<name>.md or <name>.<lang>.md)")
    raw = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER.match(raw)
    if match is None:
        raise PromptError(f"{path}: no front matter (the file must start with '---', 'version: N', '---')")
    try:
        meta: Any = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise PromptError(f"{path}: front matter must be a mapping with 'version'")
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PromptError(f"{path}: 'version' must be an integer >= 1, got {version!r}")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise PromptError(f"{path}: 'description' must be a string")
    text = normalize_text(raw[match.end() :])
    if not text:
        raise PromptError(f"{path}: the prompt text is empty")
    name, lang = parsed
    return Prompt(
        name=name,
        lang=lang,
        version=version,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=path,
        description=description,
    )


def drafted(prompt: Prompt) -> Prompt:
    """The prompt, or the draft of its file that the running playground turn tries (base/drafts.py)."""
    drafts = current_drafts()
    text = drafts.prompts.get(prompt.stem) if drafts is not None else None
    if text is None:
        return prompt
    text = normalize_text(text)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return dataclasses.replace(prompt, text=text, sha256=sha, draft=True)


def load_prompt(path: Path) -> Prompt:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PromptError(f"{path}: not UTF-8 text: {exc}") from exc
    return parse_prompt(path, raw)


_Stamp = tuple[int, int]  # (mtime_ns, size): an edit within the mtime's resolution still changes size


class PromptStore:
    """Prompts of one folder, by name and language. Safe to share: it only caches immutable Prompts."""

    def __init__(self, root: Path | None = None, *, reload: bool = False) -> None:
        self.root = Path(root) if root is not None else DEFAULT_ROOT
        self.reload = reload
        self._files: dict[Path, tuple[_Stamp, Prompt]] = {}
        self._resolved: dict[tuple[str, str | None], Prompt] = {}  # (name, lang) → prompt, without reload

    def get(self, name: str, lang: str | None = None) -> Prompt:
        """The prompt `name` for `lang` ("ar", "en", a tag like "ar-latn" uses its first part, or None).

        Looks for `<name>.<lang>.md`, then `<name>.md`, then `<name>.en.md`; `PromptNotFound` names them.
        """
        if not _NAME.fullmatch(name):
            raise PromptNotFound(f"invalid prompt name {name!r} (lowercase letters, digits, '.', '_', '-')")
        base = lang.split("-")[0].casefold() if lang else None
        key = (name, base)
        if not self.reload and key in self._resolved:
            return drafted(self._resolved[key])
        tried: list[str] = []
        for file_lang in self._order(base):
            filename = f"{name}.{file_lang}.md" if file_lang else f"{name}.md"
            tried.append(filename)
            prompt = self._load(self.root / filename)
            if prompt is not None:
                if not self.reload:
                    self._resolved[key] = prompt
                return drafted(prompt)
        raise PromptNotFound(
            f"prompt {name!r} for language {lang!r} not found: looked for {', '.join(tried)} in {self.root}"
        )

    def names(self) -> list[str]:
        """Every prompt name in the folder, sorted (each once, whatever its languages)."""
        return sorted({parsed[0] for entry in self._entries() if (parsed := split_filename(entry.name))})

    def all(self) -> list[Prompt]:
        """Every prompt file of the folder, loaded (raises `PromptError` on the first bad one)."""
        return [self._load_fresh(entry) for entry in sorted(self._entries(), key=lambda e: e.name)]

    @staticmethod
    def hashes(prompts: Iterable[Prompt]) -> dict[str, str]:
        """{"persona.exec.ar@3": "1f0c…" (12 hex chars), "router@2": …} for a turn's trace."""
        return {prompt.key: prompt.short_sha for prompt in prompts}

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _order(lang: str | None) -> list[str | None]:
        order: list[str | None] = [lang] if lang in LANGS else []
        for fallback in (None, FALLBACK_LANG):
            if fallback not in order:
                order.append(fallback)
        return order

    def _entries(self) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.root) as it:
                return [e for e in it if e.is_file() and split_filename(e.name) is not None]
        except FileNotFoundError:
            return []

    def _load(self, path: Path) -> Prompt | None:
        """The file's prompt, from the cache unless (with reload) it changed; None if it does not exist."""
        cached = self._files.get(path)
        if cached is not None and not self.reload:
            return cached[1]
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            self._files.pop(path, None)
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        prompt = load_prompt(path)
        self._files[path] = (stamp, prompt)
        return prompt

    def _load_fresh(self, entry: os.DirEntry[str]) -> Prompt:
        prompt = self._load(Path(entry.path))
        if prompt is None:  # pragma: no cover - deleted between listing and reading
            raise PromptNotFound(f"{entry.path}: disappeared while loading")
        return prompt
