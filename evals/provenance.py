"""What a run's figures were measured on, so two summaries can be told apart: the model (and its
weights' hash when known), every prompt's hash, the tool specs' hash, each suite's hash, the git commit
with a dirty flag, the judge model. Written into summary.json (`provenance`) and kept in baselines."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import orjson

from base.settings import Settings
from evals.splits import split_hash
from evals.suite import ReplaySuite, Suite


def provenance(
    settings: Settings,
    suites: list[Suite | ReplaySuite],
    *,
    model: str | None,
    weights_sha256: str | None,
    judge_model: str | None,
) -> dict[str, Any]:
    return {
        "model": {"name": model, "weights_sha256": weights_sha256},
        "judge_model": judge_model,
        "prompts": prompt_hashes(settings.model.prompts_dir),
        "tool_specs": tool_spec_hash(settings),
        "suites": {s.name: suite_hash(s) for s in suites},
        "git": git_state(),
    }


def prompt_hashes(root: Path | None = None) -> dict[str, str]:
    """Every prompt file's key and short hash, as a turn's trace records them (prompts/store.py)."""
    from prompts.store import PromptStore

    return PromptStore.hashes(PromptStore(root).all())


def tool_spec_hash(settings: Settings) -> str | None:
    """SHA-256 of the tool specs of the configured packs (HUDHUD_TOOL_PACKS), in name order: what the
    model is told about each tool and what the tools reply."""
    from tools.registry import ToolRegistry

    try:
        registry = ToolRegistry.shipped(settings.core.tool_packs)
    except ValueError:  # a bad pack fails the run itself; the fingerprint just says it is unknown
        return None
    specs = sorted((spec.model_dump(mode="json") for spec in registry), key=lambda s: s["name"])
    return hashlib.sha256(orjson.dumps(specs, option=orjson.OPT_SORT_KEYS)).hexdigest()


def suite_hash(suite: Suite | ReplaySuite) -> str | None:
    """SHA-256 of the suite file's bytes (of a replay directory's files, in path order)."""
    if suite.path is None:
        return None
    path = Path(suite.path)
    if path.is_dir():
        return split_hash(path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def git_state(cwd: Path | None = None) -> dict[str, Any]:
    """The short commit and whether tracked files differ from it (untracked files do not count: a
    suite run from outside the repository has its own hash above)."""
    commit = _git(["rev-parse", "--short", "HEAD"], cwd)
    if commit is None:
        return {"commit": None, "dirty": None}
    changes = _git(["status", "--porcelain", "--untracked-files=no"], cwd)
    return {"commit": commit, "dirty": None if changes is None else bool(changes)}


def _git(args: list[str], cwd: Path | None) -> str | None:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, check=False, cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
