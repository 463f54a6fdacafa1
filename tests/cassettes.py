"""Model cassettes and what shaped them: a stale cassette fails at once and says how to record it again.

A cassette (tests/agent/cassettes/, tests/evals/cassettes/) holds the embedded model's answers to the
exact requests a test made. What shaped those requests is recorded beside it, in tests/cassettes.json,
when it is recorded: for each cassette its test's node id and, for each input, the input's sha256 —

- the prompt files (prompts/*.md) whose text is in one of its requests, and the example bank when one
  of its lines is a message of a request (a retrieved example);
- every domain pack's tools.yaml, when a request offers tools or the router's schema;
- the catalogs' texts given to the model (`model.*` entries of base/locales/*.po, docs/catalog.md);
- what the test itself names (the ci-smoke suite's YAML).

At replay a cassette whose inputs changed fails before any request, naming the changed files and the
command that records it again (`require_fresh`). `python -m tests.cassettes` (`make cassettes`) lists
the stale or missing cassettes' tests and records only those, with the embedded model (HUDHUD_RECORD=1);
`--list` only prints their node ids; `make cassettes-all` records every one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INDEX = "tests/cassettes.json"
# The tests that record cassettes; `make cassettes-all` records all of them.
RECORDED_TESTS = ("tests/agent/test_agent_recorded.py", "tests/evals/test_ci_smoke.py")
MODEL_TEXTS = "#model.*"  # an input that is a catalog's texts for the model, not the whole file
COMMAND = "make cassettes"


@dataclass(frozen=True)
class Stale:
    test: str  # the pytest node id that records the cassette
    cassette: str
    why: str


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def input_hash(root: Path, name: str) -> str | None:
    """The hash of one input as recorded (None: the file is gone)."""
    path = root / name.removesuffix(MODEL_TEXTS)
    if not path.is_file():
        return None
    if not name.endswith(MODEL_TEXTS):
        return _sha(path.read_bytes())
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    model = sorted((str(m.id), str(m.string)) for m in catalog if str(m.id).startswith("model."))
    return _sha(orjson.dumps(model))


def _contents(cassette: Path) -> tuple[list[str], bool]:
    """Every message text of the cassette's requests, and whether any offered tools or a schema."""
    recorded = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
    texts: list[str] = []
    offered = False
    for interaction in recorded.get("interactions") or []:
        body = (interaction.get("request") or {}).get("body")
        try:
            request = orjson.loads(body) if body else {}
        except orjson.JSONDecodeError:
            continue
        offered = offered or bool(request.get("tools") or request.get("response_format"))
        for message in request.get("messages") or []:
            content = message.get("content")
            parts = content if isinstance(content, list) else [content]
            texts.extend(p.get("text", "") if isinstance(p, dict) else str(p or "") for p in parts)
    return texts, offered


def inputs_of(cassette: Path, *, root: Path = ROOT, extra: Iterable[str] = ()) -> dict[str, str]:
    """What shaped the cassette's requests, each with its hash (see the module docstring)."""
    from agent.examples import bank_lines
    from prompts.store import load_prompt, split_filename

    texts, offered = _contents(cassette)
    names: list[str] = []
    said = set(texts)
    for path in sorted((root / "prompts").glob("*.md")):
        if split_filename(path.name) is None:
            continue
        text = load_prompt(path).text
        # A bank's lines reach a request one by one, as retrieved examples (agent/examples.py).
        if any(text in t for t in texts) or any(m in said for m, _ in bank_lines(text)):
            names.append(_name(path, root))
    if offered:
        names += [_name(p, root) for p in sorted((root / "tools" / "packs").glob("*/tools.yaml"))]
    names += [_name(p, root) + MODEL_TEXTS for p in sorted((root / "base" / "locales").glob("*.po"))]
    names += list(extra)
    return {name: input_hash(root, name) or "" for name in names}


def _name(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()


def load_index(root: Path = ROOT) -> dict[str, Any]:
    path = root / INDEX
    return orjson.loads(path.read_bytes()) if path.is_file() else {}


def stamp(cassette: Path, test: str, *, root: Path = ROOT, extra: Iterable[str] = ()) -> None:
    """Record what shaped a cassette just recorded, beside the others (sorted, so diffs stay small)."""
    index = load_index(root)
    index[_name(cassette, root)] = {
        "test": test,
        "inputs": inputs_of(cassette, root=root, extra=extra),
    }
    body = orjson.dumps(index, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    (root / INDEX).write_bytes(body)


def changed(entry: dict[str, Any], root: Path = ROOT) -> list[str]:
    """The inputs of an index entry whose hash is no longer the recorded one (or that are gone)."""
    return [name for name, sha in entry.get("inputs", {}).items() if input_hash(root, name) != sha]


def why_stale(cassette: str, root: Path = ROOT) -> str | None:
    """Why a cassette cannot be replayed as it is; None when it can."""
    entry = load_index(root).get(cassette)
    if not (root / cassette).is_file():
        return "it is missing"
    if entry is None:
        return f"{INDEX} does not say what shaped it"
    names = changed(entry, root)
    if names:
        return f"{', '.join(names)} changed since it was recorded"
    return None


def require_fresh(cassette: Path, root: Path = ROOT) -> None:
    """Fail the test at once when its cassette is stale or missing, saying which inputs and the command."""
    name = _name(cassette, root)
    why = why_stale(name, root)
    if why is not None:
        pytest.fail(f"{name} is stale: {why}; record it again with `{COMMAND}`", pytrace=False)


def stale_tests(collected: Sequence[tuple[str, str]], root: Path = ROOT) -> list[Stale]:
    """Of the (node id, cassette) pairs of the cassette tests, those whose cassette must be recorded."""
    out = []
    for test, cassette in collected:
        why = why_stale(cassette, root)
        if why is not None:
            out.append(Stale(test, cassette, why))
    return out


def collected(root: Path = ROOT) -> list[tuple[str, str]]:
    """(node id, cassette) of every test in RECORDED_TESTS, from pytest's own collection (each test
    names its cassette with the `cassette` marker)."""

    class Collect:
        def __init__(self) -> None:
            self.found: list[tuple[str, str]] = []

        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            for item in items:
                marker = item.get_closest_marker("cassette")
                if marker is not None:
                    self.found.append((item.nodeid, cassette_of(item, marker)))

    plugin = Collect()
    args = ["--collect-only", "-p", "no:cacheprovider", "-p", "no:terminal", *RECORDED_TESTS]
    code = pytest.main(args, plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise SystemExit(f"collecting {', '.join(RECORDED_TESTS)} failed (pytest exit code {int(code)})")
    return plugin.found


def cassette_of(item: pytest.Item, marker: pytest.Mark | None = None) -> str:
    """The cassette a test records: the `cassette` marker's path, `{name}` replaced by the test's name."""
    marker = marker or item.get_closest_marker("cassette")
    assert marker is not None, f"{item.nodeid} has no cassette marker"
    return str(marker.args[0]).format(name=item.name)


def main(argv: Sequence[str]) -> int:
    stale = stale_tests(collected())
    if "--list" in argv:
        print("\n".join(s.test for s in stale))
        return 0
    if not stale:
        print("every cassette matches its prompts, tool specs and model texts: nothing to record")
        return 0
    for s in stale:
        print(f"{s.cassette}: {s.why}")
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *(s.test for s in stale)]
    print(f"recording with the embedded model: HUDHUD_RECORD=1 {' '.join(command[1:])}", flush=True)
    return subprocess.call(command, env={**os.environ, "HUDHUD_RECORD": "1"}, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
