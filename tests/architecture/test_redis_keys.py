"""Every Redis key is built in base/keys.py: no other module of the product composes one from the
prefix (the names operators and migrations rely on live in one file)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("base", "prompts", "memory", "channels", "tools", "agent", "hudhud", "evals")


def _builds_a_key(node: ast.AST) -> bool:
    """An f-string that puts something named *prefix* right before a colon: `f"{x.prefix}:..."`."""
    if not isinstance(node, ast.JoinedStr):
        return False
    for here, after in itertools.pairwise(node.values):
        named = ast.unparse(here.value) if isinstance(here, ast.FormattedValue) else ""
        text = str(after.value) if isinstance(after, ast.Constant) else ""
        # "prefix: message" (a colon and a space) is prose, not a key
        if "prefix" in named and text[:1] == ":" and not text[1:2].isspace():
            return True
    return False


def test_no_module_but_keys_builds_a_redis_key() -> None:
    offenders = []
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "base" / "keys.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if _builds_a_key(node):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_check_sees_a_key_built_by_hand() -> None:
    assert _builds_a_key(ast.parse('f"{self._keys.prefix}:link:{wa_id}"', mode="eval").body)
    assert not _builds_a_key(ast.parse('f"{prefix}.{name}"', mode="eval").body)
