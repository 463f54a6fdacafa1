"""Stale cassettes (tests/cassettes.py): what shaped a cassette's requests is recorded beside it; an edit
of one of those inputs fails its test at once with the files and the command, and `make cassettes`
records exactly the stale and missing ones. On a tiny fake repository: no model is loaded here."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml

from tests import cassettes
from tests.cassettes import INDEX, require_fresh, stale_tests, stamp

ROUTER = "---\nversion: 1\n---\nYou route messages.\n"
PERSONA = "---\nversion: 1\n---\nYou are Hudhud.\n"
PO = 'msgid "model.followup_ref"\nmsgstr "(task {id})"\n\nmsgid "reply.cancelled"\nmsgstr "Cancelled."\n'


def _cassette(path: Path, *messages: str, tools: bool = True) -> Path:
    body: dict[str, object] = {
        "model": "local",
        "messages": [{"role": "user", "content": m} for m in messages],
    }
    if tools:
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "route", "schema": {}}}
    request = {"method": "POST", "uri": "http://x/v1/chat/completions", "body": orjson.dumps(body).decode()}
    recorded = {"interactions": [{"request": request, "response": {"status": {"code": 200}}}], "version": 1}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(recorded))
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name, text in {
        "prompts/router.md": ROUTER,
        "prompts/persona.exec.en.md": PERSONA,
        "tools/packs/tasks/tools.yaml": "tools: []\n",
        "base/locales/en.po": PO,
        "evals/suites/smoke.yaml": "cases: []\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_cassette_records_the_prompts_in_its_requests_and_the_specs(repo: Path) -> None:
    routed = _cassette(repo / "tests/c/routed.yaml", "You route messages.\n\nActions: …", "hi")
    answered = _cassette(repo / "tests/c/answered.yaml", "You are Hudhud.", "hi", tools=False)
    stamp(routed, "tests/t.py::test_routed", root=repo, extra=["evals/suites/smoke.yaml"])
    stamp(answered, "tests/t.py::test_answered", root=repo)
    index = orjson.loads((repo / INDEX).read_bytes())
    assert set(index["tests/c/routed.yaml"]["inputs"]) == {
        "prompts/router.md", "tools/packs/tasks/tools.yaml", "base/locales/en.po#model.*",
        "evals/suites/smoke.yaml",
    }  # fmt: skip
    # No schema or tools offered: the specs did not shape it; the persona did, the router did not.
    assert set(index["tests/c/answered.yaml"]["inputs"]) == {
        "prompts/persona.exec.en.md",
        "base/locales/en.po#model.*",
    }
    assert index["tests/c/answered.yaml"]["test"] == "tests/t.py::test_answered"
    require_fresh(routed, root=repo)
    require_fresh(answered, root=repo)


def test_a_stale_cassette_fails_naming_the_files_and_the_command(repo: Path) -> None:
    routed = _cassette(repo / "tests/c/routed.yaml", "You route messages.", "hi")
    stamp(routed, "tests/t.py::test_routed", root=repo)
    (repo / "prompts/router.md").write_text(ROUTER.replace("route", "send"))
    (repo / "tools/packs/tasks/tools.yaml").write_text("tools: [x]\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_fresh(routed, root=repo)
    assert str(failed.value) == (
        "tests/c/routed.yaml is stale: prompts/router.md, tools/packs/tasks/tools.yaml changed since it was"
        " recorded; record it again with `make cassettes`"
    )


def test_only_the_catalogs_texts_for_the_model_count(repo: Path) -> None:
    routed = _cassette(repo / "tests/c/routed.yaml", "You route messages.", "hi")
    stamp(routed, "tests/t.py::test_routed", root=repo)
    (repo / "base/locales/en.po").write_text(PO.replace("Cancelled.", "Cancelled!"))  # a user's text
    (repo / "prompts/persona.exec.en.md").write_text(PERSONA + "More.\n")  # in no request of it
    require_fresh(routed, root=repo)
    (repo / "base/locales/en.po").write_text(PO.replace("(task {id})", "(#{id})"))
    with pytest.raises(pytest.fail.Exception, match=r"base/locales/en.po#model\.\* changed"):
        require_fresh(routed, root=repo)


def test_the_lister_picks_exactly_the_stale_and_missing_ones(repo: Path) -> None:
    tests = {name: f"tests/t.py::test_{name}" for name in ("fresh", "edited", "gone", "never", "other")}
    for name in ("fresh", "edited", "gone"):
        stamp(
            _cassette(repo / f"tests/c/{name}.yaml", f"You route messages. {name}", "hi"),
            tests[name],
            root=repo,
        )
    _cassette(repo / "tests/c/never.yaml", "You route messages.", "hi")  # recorded before fingerprints
    stamp(_cassette(repo / "tests/c/other.yaml", "You are Hudhud.", tools=False), tests["other"], root=repo)
    edited = repo / "tests/c/edited.yaml"
    edited.write_text(edited.read_text())  # rewritten, same requests: still fresh
    (repo / "tests/c/gone.yaml").unlink()
    (repo / "prompts/router.md").write_text(ROUTER.replace("route", "sort"))
    collected = [(test, f"tests/c/{name}.yaml") for name, test in tests.items()]
    stale = stale_tests(collected, root=repo)
    assert {s.test: s.why for s in stale} == {
        tests["fresh"]: "prompts/router.md changed since it was recorded",
        tests["edited"]: "prompts/router.md changed since it was recorded",
        tests["gone"]: "it is missing",
        tests["never"]: f"{INDEX} does not say what shaped it",
    }
    (repo / "prompts/router.md").write_text(ROUTER)
    assert [s.test for s in stale_tests(collected, root=repo)] == [tests["gone"], tests["never"]]


def test_make_cassettes_with_nothing_stale_records_nothing(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cassettes, "collected", lambda: [("tests/t.py::test_x", "tests/c/x.yaml")])
    monkeypatch.setattr(cassettes, "stale_tests", lambda found: [])
    ran: list[object] = []
    monkeypatch.setattr(cassettes.subprocess, "call", lambda *a, **k: ran.append(a) or 0)
    assert cassettes.main([]) == 0 and ran == []
    assert "nothing to record" in capsys.readouterr().out


def test_make_cassettes_records_only_the_stale_tests_with_the_model(monkeypatch, capsys) -> None:
    stale = [cassettes.Stale("tests/t.py::test_b", "tests/c/b.yaml", "it is missing")]
    monkeypatch.setattr(cassettes, "collected", lambda: [])
    monkeypatch.setattr(cassettes, "stale_tests", lambda found: stale)
    ran: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(
        cassettes.subprocess, "call", lambda command, env, cwd: ran.append((command, env)) or 0
    )
    assert cassettes.main(["--list"]) == 0 and capsys.readouterr().out == "tests/t.py::test_b\n" and ran == []
    assert cassettes.main([]) == 0
    command, env = ran[0]
    assert command[-1] == "tests/t.py::test_b" and "tests/t.py::test_a" not in command
    assert env["HUDHUD_RECORD"] == "1"
    assert "tests/c/b.yaml: it is missing" in capsys.readouterr().out


def test_every_shipped_cassette_is_fingerprinted_and_fresh() -> None:
    root = cassettes.ROOT
    index = cassettes.load_index()
    on_disk = {p.relative_to(root).as_posix() for p in root.glob("tests/*/cassettes/*.yaml")}
    assert set(index) == on_disk
    assert stale_tests([(entry["test"], name) for name, entry in index.items()]) == []
