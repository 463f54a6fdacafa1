"""The import contracts (pyproject.toml, [tool.importlinter]) hold, and a forbidden import breaks them
naming itself: checked on a copy of the tree with one planted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("base", "prompts", "memory", "channels", "tools", "agent", "hudhud", "evals", "coreapi")
LINT = str(Path(sys.executable).parent / "lint-imports")  # the venv's, as `make test` runs it

TYPE_CHECKING_ONLY = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import agent.tokens\n"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT, "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__", "*.gguf")
        )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "named"),
    [
        ("channels/whatsapp/planted.py", "import memory.links\n",
         "channels.whatsapp.planted -> memory.links"),
        ("memory/planted.py", TYPE_CHECKING_ONLY, "memory.planted -> agent.tokens"),
        ("base/planted.py", "from hudhud import metrics\n", "base.planted -> hudhud.metrics"),
        ("coreapi/planted.py", "import base.turn\n", "coreapi.planted -> base.turn"),
        ("tools/planted.py", "def later():\n    import coreapi.models\n", "tools.planted -> coreapi.models"),
        ("agent/planted.py", "from tools.packs.tasks import cues\n", "agent.planted -> tools.packs.tasks"),
    ],
)  # fmt: skip
def test_a_forbidden_import_fails_and_names_itself(tree: Path, module: str, planted: str, named: str) -> None:
    path = tree / module
    path.write_text(planted)
    try:
        result = _lint(tree)
    finally:
        path.unlink()
    assert result.returncode == 1
    assert named in result.stdout
