"""The shipped suites, dev and test: every one loads, the held-out split is well formed.

The held-out cases (evals/suites/test/) are checked for what the loader cannot see: ids unique across
the whole split, an end state for every case (a concrete one — tasks or absent — for every case that
asks for a change and is not refused), task numbers that exist in the case's fixtures, and a fair
share of every dialect group. The cases are never run here (docs/evals.md: run to report only)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from base.text.folding import to_latin_digits
from evals.splits import split_hash
from evals.suite import ReplaySuite, Suite, load_suites

SUITES = Path(__file__).parents[2] / "evals" / "suites"
TEST_DIR = SUITES / "test"
GROUPS = ("msa", "gulf", "egyptian", "levantine", "arabizi")  # Arabic cases carry exactly one; English: en
CHANGES = {
    "create",
    "update",
    "assign",
    "complete",
    "reopen",
    "comment",
    "delete",
    "undo",
    "multi",
    "correction",
}
REFUSED = {"unlinked", "blocked", "permissions", "cancel-typed", "ambiguous", "none", "unknown"}
_TASK_NUMBER = re.compile(r"(?<![\d-])\d{3}(?![\d-])")  # the held-out tasks are numbered 101-699


def load(paths: list[Path]) -> list[Suite]:
    skipped: list[str] = []
    suites = load_suites(paths, skipped=skipped)
    return [s for s in suites if isinstance(s, Suite)]


def held_out() -> list[Suite]:
    return load(sorted(TEST_DIR.glob("*.yaml")))


def test_every_suite_dev_and_test_loads() -> None:
    skipped: list[str] = []
    dev_paths = sorted(SUITES.glob("*.yaml"))
    test_paths = sorted(TEST_DIR.glob("*.yaml"))
    assert len(test_paths) >= 5
    suites = load_suites([*dev_paths, *test_paths, SUITES / "webhook-replay"], skipped=skipped)
    assert len(skipped) == 1  # routing.yaml
    by_split = Counter(s.split for s in suites)
    assert by_split["dev"] == len(dev_paths) and by_split["test"] == len(test_paths)
    assert all(s.split == "dev" for s in suites if isinstance(s, ReplaySuite))
    assert all(s.split == "test" for s in suites if s.path is not None and s.path.parent == TEST_DIR)
    assert sorted(p.name for p in TEST_DIR.iterdir()) == sorted(p.name for p in test_paths)  # only suites


def test_held_out_ids_are_unique_across_the_split() -> None:
    ids = Counter(case.id for suite in held_out() for case in suite.cases)
    assert sum(ids.values()) >= 110
    assert [i for i, n in ids.items() if n > 1] == []


def test_every_held_out_case_has_an_end_state() -> None:
    missing, vague = [], []
    for suite in held_out():
        for case in suite.cases:
            where = f"{suite.name}/{case.id}"
            state = case.expect_state
            if state is None:
                missing.append(where)
            elif (
                set(case.tags) & CHANGES
                and not set(case.tags) & REFUSED
                and not (state.tasks or state.absent)
            ):
                vague.append(where)  # a change is asked for: say which tasks end how
    assert missing == [] and vague == []


def test_held_out_references_resolve() -> None:
    problems = []
    for suite in held_out():
        for case in suite.cases:
            fixtures = suite.fixtures_of(case)
            people = {u.username.lower() for u in fixtures.users}
            ids = {t.id for t in fixtures.tasks}
            where = f"{suite.name}/{case.id}"
            state = case.expect_state
            for wanted in [*(state.tasks if state else []), *(state.absent if state else [])]:
                if isinstance(wanted.get("id"), int) and wanted["id"] not in ids:
                    problems.append(f"{where}: expect_state names task {wanted['id']}, not in the fixtures")
                for field in ("assignee", "created_by"):
                    if isinstance(wanted.get(field), str) and wanted[field].lower() not in people:
                        problems.append(f"{where}: expect_state {field} {wanted[field]!r} is no fixture user")
            if "unknown" in case.tags:
                continue  # a task that does not exist, on purpose
            for turn in case.turns:
                for number in _TASK_NUMBER.findall(to_latin_digits(turn.user or "")):
                    if int(number) not in ids:
                        problems.append(f"{where}: the message names task {number}, not in the fixtures")
    assert problems == []


def test_held_out_covers_every_dialect_group_fairly() -> None:
    counts: Counter[str] = Counter()
    for suite in held_out():
        for case in suite.cases:
            groups = [t for t in case.tags if t in GROUPS]
            if case.lang == "en":
                assert groups == [], f"{case.id}: an English case has no dialect group"
                counts["en"] += 1
            else:
                assert len(groups) == 1, f"{case.id}: an Arabic case has exactly one of {GROUPS}"
                counts[groups[0]] += 1
    total = sum(counts.values())
    assert set(counts) == {*GROUPS, "en"}
    assert all(n >= total * 0.12 for n in counts.values()), counts


def test_the_recorded_hash_is_the_split_s() -> None:
    """docs/evals.md records the test split's hash: a change to a held-out file shows in review."""
    docs = (SUITES.parents[1] / "docs" / "evals.md").read_text(encoding="utf-8")
    assert f"`{split_hash()}`" in docs, "the test split changed: record its new hash in docs/evals.md"
