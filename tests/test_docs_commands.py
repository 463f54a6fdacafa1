"""Every `hudhud …` and `make …` command in a fenced block of README.md and docs/*.md exists as written:
the subcommand, with the options used (checked against the CLI and `--help`), or the Makefile target."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_lines import ROOT, check, commands_in, fenced_lines

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Commands written down on purpose although the check would refuse them: "page:line" -> why. None today.
EXCEPTIONS: dict[str, str] = {}


def _commands(page: Path) -> list[tuple[str, list[str]]]:
    return [
        (f"{page.relative_to(ROOT)}:{number}", command)
        for number, line in fenced_lines(page.read_text(encoding="utf-8"))
        for command in commands_in(line)
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_documented_command_exists(page: Path) -> None:
    problems = [
        f"{where}: {problem}"
        for where, command in _commands(page)
        if where not in EXCEPTIONS
        for problem in check(command)
    ]
    assert problems == []


def test_the_docs_do_show_commands_and_the_check_can_fail() -> None:
    found = [command for page in PAGES for _, command in _commands(page)]
    assert sum(c[0] == "hudhud" for c in found) >= 10 and sum(c[0] == "make" for c in found) >= 3
    page = "```sh\nhudhud chat --as 1 --profil exec\nhudhud memory rotat\nmake tests\n```\n"
    assert [check(c) for _, line in fenced_lines(page) for c in commands_in(line)] == [
        ["`hudhud chat` has no option --profil"],
        ["no command `hudhud memory`"],
        ["no make target 'tests'"],
    ]


def test_exceptions_name_real_lines() -> None:
    lines = {where for page in PAGES for where, _ in _commands(page)}
    assert set(EXCEPTIONS) <= lines, "an exception whose line moved or went: update EXCEPTIONS"
