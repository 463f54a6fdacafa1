"""The prompt store: loading, language fallback, byte-stable hashing, reload, errors, shipped prompts."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from prompts import Prompt, PromptError, PromptNotFound, PromptStore
from prompts.store import DEFAULT_ROOT, normalize_text, parse_prompt, split_filename


def write(root: Path, filename: str, text: str, *, version: int = 1, extra: str = "") -> Path:
    path = root / filename
    path.write_text(f"---\nversion: {version}\ndescription: test\n{extra}---\n{text}", encoding="utf-8")
    return path


def bump_mtime(path: Path, seconds: int = 10) -> None:
    """Make an edit visible even on file systems with coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path, "persona.exec.en.md", "You are Hudhud.\n")
    write(tmp_path, "persona.exec.ar.md", "أنت هدهد.\n", version=2)
    write(tmp_path, "router.md", "Route it.\n", version=3)
    write(tmp_path, "style.en.md", "Be short.\n")
    write(tmp_path, "neutral-and-en.md", "neutral\n")
    write(tmp_path, "neutral-and-en.en.md", "english\n")
    (tmp_path / "README.md").write_text("not a prompt", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a prompt", encoding="utf-8")
    (tmp_path / "_draft.md").write_text("not a prompt", encoding="utf-8")
    return tmp_path


def test_get_loads_name_lang_version_text_and_hash(root: Path) -> None:
    prompt = PromptStore(root).get("persona.exec", "ar")
    assert isinstance(prompt, Prompt)
    assert (prompt.name, prompt.lang, prompt.version, prompt.description) == ("persona.exec", "ar", 2, "test")
    assert prompt.text == "أنت هدهد."
    assert prompt.sha256 == hashlib.sha256("أنت هدهد.".encode()).hexdigest()
    assert prompt.path == root / "persona.exec.ar.md"
    assert prompt.key == "persona.exec.ar@2"
    assert prompt.short_sha == prompt.sha256[:12]


@pytest.mark.parametrize(
    ("name", "lang", "filename"),
    [
        ("persona.exec", "en", "persona.exec.en.md"),
        ("persona.exec", "ar", "persona.exec.ar.md"),
        ("persona.exec", "ar-latn", "persona.exec.ar.md"),  # a language tag uses its first part
        ("persona.exec", "AR", "persona.exec.ar.md"),
        ("persona.exec", None, "persona.exec.en.md"),  # no neutral file: English
        ("persona.exec", "fr", "persona.exec.en.md"),
        ("router", "ar", "router.md"),  # ar → neutral
        ("router", "en", "router.md"),
        ("router", None, "router.md"),
        ("style", "ar", "style.en.md"),  # ar → neutral → en
        ("neutral-and-en", "ar", "neutral-and-en.md"),  # the neutral file comes before English
        ("neutral-and-en", "en", "neutral-and-en.en.md"),
    ],
)
def test_fallback_order(root: Path, name: str, lang: str | None, filename: str) -> None:
    assert PromptStore(root).get(name, lang).path == root / filename


def test_not_found_names_what_was_looked_for(root: Path) -> None:
    with pytest.raises(PromptNotFound) as err:
        PromptStore(root).get("missing", "ar")
    message = str(err.value)
    assert "missing.ar.md" in message and "missing.md" in message and "missing.en.md" in message
    assert str(root) in message
    assert isinstance(err.value, LookupError) and isinstance(err.value, PromptError)


@pytest.mark.parametrize("name", ["../secrets", "Persona", "", "a/b", ".hidden"])
def test_invalid_names_are_not_found(root: Path, name: str) -> None:
    with pytest.raises(PromptNotFound, match="invalid prompt name"):
        PromptStore(root).get(name)


def test_names_lists_each_prompt_once(root: Path) -> None:
    assert PromptStore(root).names() == ["neutral-and-en", "persona.exec", "router", "style"]


def test_missing_root_has_no_prompts(tmp_path: Path) -> None:
    store = PromptStore(tmp_path / "nowhere")
    assert store.names() == [] and store.all() == []
    with pytest.raises(PromptNotFound):
        store.get("router")


def test_hashes(root: Path) -> None:
    store = PromptStore(root)
    used = [store.get("persona.exec", "ar"), store.get("router")]
    assert store.hashes(used) == {"persona.exec.ar@2": used[0].sha256[:12], "router@3": used[1].sha256[:12]}
    assert PromptStore.hashes([]) == {}


def test_text_is_byte_stable(tmp_path: Path) -> None:
    a = write(tmp_path, "a.md", "\n\nline one   \r\nline two\t\r\n\n\n")
    b = write(tmp_path, "b.md", "line one\nline two")
    bom = tmp_path / "c.md"
    bom.write_text("\ufeff---\r\nversion: 1\r\n---\r\nline one\r\nline two\r\n", encoding="utf-8")
    loaded = [PromptStore(tmp_path).get(n) for n in ("a", "b", "c")]
    assert {p.text for p in loaded} == {"line one\nline two"}
    assert len({p.sha256 for p in loaded}) == 1
    assert a.exists() and b.exists()
    # canonically equivalent Arabic (alef + combining hamza vs. precomposed أ) hashes the same
    assert normalize_text("ا\u0654حمد") == normalize_text("أحمد")


def test_hash_is_stable_across_reads_and_changed_by_an_edit(root: Path) -> None:
    first = PromptStore(root).get("router").sha256
    assert PromptStore(root).get("router").sha256 == first
    assert PromptStore(root, reload=True).get("router").sha256 == first
    path = root / "router.md"
    path.write_text(path.read_text(encoding="utf-8") + "   \n\n", encoding="utf-8")  # whitespace only
    assert PromptStore(root).get("router").sha256 == first
    write(root, "router.md", "Route it well.\n", version=3)  # same version, new words
    assert PromptStore(root).get("router").sha256 != first


def test_reload_picks_up_an_edit_only_when_enabled(root: Path) -> None:
    cached, live = PromptStore(root), PromptStore(root, reload=True)
    assert cached.get("router").text == live.get("router").text == "Route it."
    path = write(root, "router.md", "Route it now.\n", version=4)
    bump_mtime(path)
    assert cached.get("router").text == "Route it."  # read once, never re-read
    assert cached.get("router").version == 3
    assert live.get("router").text == "Route it now."
    assert live.get("router").version == 4
    assert live.get("router") is live.get("router")  # unchanged file: served from the cache


def test_reload_follows_a_deleted_file_to_the_fallback(root: Path) -> None:
    live = PromptStore(root, reload=True)
    assert live.get("neutral-and-en", "ar").text == "neutral"
    (root / "neutral-and-en.md").unlink()
    assert live.get("neutral-and-en", "ar").text == "english"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("no front matter at all", "no front matter"),
        ("---\nversion: 1\nno closing line", "no front matter"),
        ("---\nversion: [1\n---\ntext", "not valid YAML"),
        ("---\n- 1\n- 2\n---\ntext", "must be a mapping"),
        ("---\n---\ntext", "must be a mapping"),
        ("---\ndescription: x\n---\ntext", "'version' must be an integer"),
        ("---\nversion: 0\n---\ntext", "'version' must be an integer"),
        ("---\nversion: two\n---\ntext", "'version' must be an integer"),
        ("---\nversion: true\n---\ntext", "'version' must be an integer"),
        ("---\nversion: 1\ndescription: [a]\n---\ntext", "'description' must be a string"),
        ("---\nversion: 1\n---\n  \n\n", "empty"),
    ],
)
def test_bad_files_raise_prompt_error_naming_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.en.md"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PromptError, match=problem) as err:
        PromptStore(tmp_path).get("bad", "en")
    assert str(path) in str(err.value)


def test_non_utf8_file_is_a_prompt_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("---\nversion: 1\n---\ncafé".encode("latin-1"))
    with pytest.raises(PromptError, match="not UTF-8"):
        PromptStore(tmp_path).get("latin1")


def test_parse_prompt_rejects_non_prompt_file_names(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="not a prompt file name"):
        parse_prompt(tmp_path / "x.txt", "---\nversion: 1\n---\ntext")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("persona.exec.ar.md", ("persona.exec", "ar")),
        ("persona.exec.en.md", ("persona.exec", "en")),
        ("persona.exec.md", ("persona.exec", None)),
        ("router.md", ("router", None)),
        ("router.fr.md", ("router.fr", None)),
        (".en.md", None),
        ("README.md", None),
        ("_draft.md", None),
        ("notes.txt", None),
    ],
)
def test_split_filename(filename: str, expected: tuple[str, str | None] | None) -> None:
    assert split_filename(filename) == expected


# ------------------------------------------------------------------ the shipped prompts

SHIPPED = PromptStore()


def test_default_root_is_the_prompts_package() -> None:
    assert SHIPPED.root == DEFAULT_ROOT == Path(__file__).resolve().parents[2] / "prompts"


def test_every_shipped_prompt_loads_with_a_version() -> None:
    prompts = SHIPPED.all()
    assert len(prompts) >= 8
    for prompt in prompts:
        assert prompt.version >= 1, prompt.path
        assert prompt.text and prompt.description, prompt.path


@pytest.mark.parametrize(
    ("name", "langs"),
    [
        ("persona.exec", ("ar", "en")),
        ("persona.query", ("ar", "en")),
        ("reply-style", ("ar", "en")),
        ("router", (None,)),
        ("router-examples", (None,)),
    ],
)
def test_shipped_prompts_exist_in_their_languages(name: str, langs: tuple[str | None, ...]) -> None:
    for lang in langs:
        assert SHIPPED.get(name, lang).lang == lang


def test_router_prompt_has_no_date_and_asks_for_copied_phrases() -> None:
    text = SHIPPED.get("router").text
    assert "exactly ONE action" in text and "null for fields that don't apply" in text
    assert not any(year in text for year in ("2025", "2026", "2027")), "the calendar is added by code"
    assert "Never calculate a date" in text


def _examples() -> list[tuple[str, dict[str, object]]]:
    pairs = []
    for line in SHIPPED.get("router-examples").text.splitlines():
        message, arrow, output = line.rpartition(" -> ")
        assert arrow and message, line
        pairs.append((message, json.loads(output)))
    return pairs


def test_router_examples_cover_every_action_and_language() -> None:
    from agent.language import detect_language

    examples = _examples()
    assert len(examples) >= 20
    from tools.registry import ToolRegistry

    actions = {output["action"] for _, output in examples}
    assert actions == {
        *(s.name for s in ToolRegistry.shipped().offered()),
        "answer",
    }  # what the router may pick
    assert "clarify" not in actions
    langs = {detect_language(message) for message, _ in examples}
    assert langs == {"ar", "ar-latn", "en"}


def test_router_examples_match_the_tool_schemas_and_copy_phrases() -> None:
    """Every example has exactly its tool's arguments, and dates/ids are phrases the code resolves."""
    from datetime import date

    from base.text.dates import resolve_date
    from base.text.numbers import parse_int
    from tools.registry import ToolRegistry

    registry = ToolRegistry.shipped()
    for message, output in _examples():
        action = output.pop("action")
        if action == "answer":
            assert output == {}, message
            continue
        spec = registry.get(str(action))
        assert spec is not None, action
        assert set(output) == set(spec.offered_args), message  # what the router is shown
        for name, value in output.items():
            arg = spec.args[name]
            if value is None:
                continue
            if arg.kind == "boolean":
                assert isinstance(value, bool), message
                continue
            assert isinstance(value, str), message
            if arg.enum:
                assert value in arg.enum, message
            if arg.kind == "date":
                assert resolve_date(value, date(2026, 11, 25)) is not None, value
                assert value in message, "dates are copied as written"
            if arg.kind == "task_id":
                assert parse_int(value) is not None and value in message, value


def test_a_draft_is_served_only_where_drafts_are_in_effect(root: Path) -> None:
    """base/drafts.py: a playground turn's draft replaces its file's text, labelled as a draft; a
    neutral file is drafted by its own stem, and outside `using_drafts` the file is served again."""
    from base.drafts import Drafts, draft_tag, using_drafts

    store = PromptStore(root)
    saved = store.get("persona.exec", "en")
    drafts = Drafts(prompts={"persona.exec.en": "Draft persona.  \r\n", "router": "Draft routing."})
    with using_drafts(drafts):
        drafted, router = store.get("persona.exec", "en"), store.get("router")
        assert store.get("persona.exec", "ar").text == "أنت هدهد."  # another language's file: not drafted
    assert drafted.text == "Draft persona." and drafted.draft and drafted.version == saved.version
    assert drafted.key == f"persona.exec.en@{draft_tag('Draft persona.')}"
    assert drafted.sha256 == hashlib.sha256(b"Draft persona.").hexdigest()
    assert router.key.startswith("router@draft-") and router.text == "Draft routing."
    assert store.get("persona.exec", "en") == saved and saved.key == "persona.exec.en@1"
