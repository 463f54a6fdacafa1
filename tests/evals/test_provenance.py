"""What a run was measured on: git commit and dirty flag, prompt, tool-spec and suite hashes."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from base.settings import Settings
from evals.provenance import git_state, provenance, suite_hash
from evals.suite import load_suite
from prompts.store import PromptStore
from tests.evals.test_runner import write_suite


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_state_says_commit_and_dirty(tmp_path: Path) -> None:
    assert git_state(tmp_path) == {"commit": None, "dirty": None}  # not a repository
    git(tmp_path, "init", "-q")
    (tmp_path / "prompt.md").write_text("one")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "first")
    clean = git_state(tmp_path)
    assert clean["dirty"] is False and clean["commit"] and len(clean["commit"]) >= 7
    (tmp_path / "notes.txt").write_text("untracked")  # does not change what was measured
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "prompt.md").write_text("two")  # an edited prompt does
    assert git_state(tmp_path) == {"commit": clean["commit"], "dirty": True}


def test_provenance_names_what_the_figures_depend_on(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    found = provenance(settings, [suite], model="gpt-test", weights_sha256=None, judge_model="judge-1")
    assert (
        found["model"] == {"name": "gpt-test", "weights_sha256": None} and found["judge_model"] == "judge-1"
    )
    assert found["suites"] == {"mini": hashlib.sha256((tmp_path / "mini.yaml").read_bytes()).hexdigest()}
    assert found["prompts"] == PromptStore.hashes(PromptStore().all()) and any(
        key.startswith("router@") for key in found["prompts"]
    )
    assert (
        len(found["tool_specs"]) == 64
        and found["tool_specs"]
        == provenance(settings, [], model=None, weights_sha256=None, judge_model=None)["tool_specs"]
    )  # stable
    (tmp_path / "mini.yaml").write_text((tmp_path / "mini.yaml").read_text() + "# changed\n")
    assert suite_hash(suite) != found["suites"]["mini"]
    replay = load_suite(Path(__file__).parents[2] / "evals" / "suites" / "webhook-replay")
    assert len(suite_hash(replay) or "") == 64
