"""Command lines written down in docs, images, compose and CI, checked against what exists: a `hudhud`
line's subcommands and options against the CLI (its click command tree, and `--help` run through typer's
CliRunner), a `make` line's target against the Makefile. Nothing is run but `--help`."""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from hudhud.cli import app

ROOT = Path(__file__).resolve().parent.parent
_SEPARATORS = {"&&", "||", "|", ";", "&"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def fenced_lines(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line inside a fenced code block."""
    inside = False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            yield number, line


def commands_in(line: str) -> Iterator[list[str]]:
    """The `hudhud …` and `make …` commands of one shell line (comments, `&&`/`|`/`&`, leading VAR=…
    assignments and `.venv/bin/` dropped; `[-k 4]`-style optional parts read as written)."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:
        return
    command: list[str] = []
    for token in [*tokens, ";"]:
        if token in _SEPARATORS:
            while command and _ASSIGNMENT.match(command[0]):
                command.pop(0)
            program = command[0].removeprefix(".venv/bin/") if command else ""
            if program in ("hudhud", "make"):
                yield [program, *(t.strip("[]") for t in command[1:] if t.strip("[]"))]
            command = []
        else:
            command.append(token)


@functools.cache
def _command_tree() -> Any:
    # typer's own click (typer._click since 0.26): read as duck types, groups being those with commands.
    return typer.main.get_command(app)


@functools.cache
def _help_runs(path: tuple[str, ...]) -> bool:
    return CliRunner().invoke(app, [*path, "--help"]).exit_code == 0


def check_hudhud(argv: list[str]) -> list[str]:
    """What is wrong with `hudhud <argv…>`: an unknown subcommand or an option the command lacks."""
    node = _command_tree()
    path: list[str] = []
    problems: list[str] = []
    rest = list(argv)
    while hasattr(node, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        child = node.commands.get(name)
        if child is None:
            return [f"no command `hudhud {' '.join([*path, name])}`"]
        node, path = child, [*path, name]
    if hasattr(node, "commands") and path:
        return [f"`hudhud {' '.join(path)}` needs a subcommand"]
    if not _help_runs(tuple(path)):
        problems.append(f"`hudhud {' '.join([*path, '--help'])}` failed")
    known = {opt for param in node.params for opt in (*param.opts, *param.secondary_opts)}
    for token in rest:
        if token.startswith("-") and token not in ("-", "--"):
            option = token.split("=", 1)[0]
            if option not in known:
                problems.append(f"`hudhud {' '.join(path)}` has no option {option}")
    return problems


@functools.cache
def make_targets() -> frozenset[str]:
    text = (ROOT / "Makefile").read_text()
    return frozenset(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, flags=re.M))


def check_make(argv: list[str]) -> list[str]:
    targets = [a for a in argv if not a.startswith("-") and "=" not in a]
    return [f"no make target {t!r}" for t in targets if t not in make_targets()]


def check(command: list[str]) -> list[str]:
    """`command` as `commands_in` yields it: ["hudhud", …] or ["make", …]."""
    return check_hudhud(command[1:]) if command[0] == "hudhud" else check_make(command[1:])
