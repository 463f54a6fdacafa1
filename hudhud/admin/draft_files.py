"""The playground's drafts on disk: copied into a run's folder for an eval run, or saved for good.

- `materialize`: a copy of the service's prompts folder with the drafted files' texts, and a
  HUDHUD_TOOL_DESCRIPTIONS file, for an eval child to run with (eval_runner.py passes their paths).
- `publish_prompt`: the draft becomes the prompt file's text with its `version` bumped (prompts/store.py:
  the version lives in the file's front matter; the hash alone would not say the meaning changed).
- `publish_tool`: the draft becomes the tool's `description:` line in its pack's tools.yaml, the rest of
  the file (comments, layout) untouched; checked by loading the file again.
Each writes a temporary file and renames it, so a reader never sees half a file. Blocking: call them in
a thread.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import yaml

from base.drafts import Drafts
from prompts.store import Prompt, PromptError, PromptStore, load_prompt, normalize_text, split_filename
from tools.pack import DomainPack
from tools.registry import DescriptionsFile, load_specs

PROMPTS = "prompts"
TOOLS_FILE = "tool-descriptions.yaml"
_VERSION = re.compile(r"^version:[ \t]*\d+[ \t]*$", re.MULTILINE)


class DraftFileError(ValueError):
    """The draft cannot be written there; the message says why in one line."""


def materialize(drafts: Drafts, root: Path, out: Path) -> tuple[Path, Path | None]:
    """`out/prompts` (root's prompt files, the drafted ones with their draft text) and, when a tool is
    drafted, `out/tool-descriptions.yaml`: what HUDHUD_PROMPTS_DIR and HUDHUD_TOOL_DESCRIPTIONS name."""
    folder = out / PROMPTS
    folder.mkdir(parents=True, exist_ok=True)
    for prompt in PromptStore(root).all():
        text = drafts.prompts.get(prompt.stem)
        target = folder / prompt.path.name
        if text is None:
            shutil.copyfile(prompt.path, target)
        else:
            _write(target, _with_text(prompt, text))
    unknown = sorted(set(drafts.prompts) - {p.stem for p in PromptStore(folder).all()})
    if unknown:
        raise DraftFileError(f"no prompt file for the draft of {', '.join(unknown)} in {root}")
    if not drafts.tools:
        return folder, None
    tools = out / TOOLS_FILE
    body = DescriptionsFile(descriptions=dict(drafts.tools)).model_dump()
    _write(tools, yaml.safe_dump(body, allow_unicode=True, sort_keys=True))
    return folder, tools


def publish_prompt(root: Path, stem: str, text: str) -> Prompt:
    """The prompt file `<stem>.md` of `root` with `text` and its version bumped; the new prompt."""
    path = root / f"{stem}.md"
    if split_filename(path.name) is None or not path.is_file():
        raise DraftFileError(f"no prompt file {path.name} in {root}")
    current = load_prompt(path)
    if normalize_text(text) == current.text:
        raise DraftFileError(f"the draft of {stem} is the text of version {current.version} already")
    _write(path, _with_text(current, text, version=current.version + 1))
    try:
        return load_prompt(path)
    except PromptError as exc:  # pragma: no cover - _with_text keeps the front matter it read
        raise DraftFileError(str(exc)) from None


def publish_tool(packs: Iterable[DomainPack], name: str, text: str) -> Path:
    """The `description:` of tool `name` in the tools.yaml of the pack that defines it; that file."""
    description = " ".join(text.split())
    for pack in packs:
        if any(spec.name == name for spec in load_specs([pack.specs])):
            _write(pack.specs, _with_description(pack.specs.read_text(encoding="utf-8"), name, description))
            spec = next(s for s in load_specs([pack.specs]) if s.name == name)
            if spec.description != description:  # pragma: no cover - a layout _with_description misread
                raise DraftFileError(f"{pack.specs}: the description of {name} did not take")
            return pack.specs
    raise DraftFileError(f"no pack defines a tool {name!r}")


def _with_text(prompt: Prompt, text: str, *, version: int | None = None) -> str:
    """The prompt file's front matter (its version replaced when given) followed by `text`."""
    raw = prompt.path.read_text(encoding="utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    _, front, _ = raw.split("---", 2)
    if version is not None:
        front = _VERSION.sub(f"version: {version}", front, count=1)
    return f"---{front}---\n{normalize_text(text)}\n"


def _with_description(source: str, name: str, description: str) -> str:
    """tools.yaml with the `description:` line of tool `name` (its first, before the next tool) replaced."""
    lines = source.split("\n")
    start = next(
        (i for i, line in enumerate(lines) if re.fullmatch(rf"\s*- name: {re.escape(name)}\s*", line)), None
    )
    if start is None:
        raise DraftFileError(f"no '- name: {name}' line in the tools file")
    indent = len(lines[start]) - len(lines[start].lstrip()) + 2  # the keys of the list item
    for i in range(start + 1, len(lines)):
        if re.match(r"\s*- name:", lines[i]):
            break
        if lines[i].startswith(" " * indent + "description:"):
            lines[i] = f"{' ' * indent}description: {json.dumps(description, ensure_ascii=False)}"
            return "\n".join(lines)
    raise DraftFileError(f"tool {name} has no one-line description to replace in the tools file")


def _write(path: Path, content: str) -> None:
    temporary = path.with_name(f".{path.name}.draft-tmp")
    temporary.write_text(content, encoding="utf-8")
    os.replace(temporary, path)
