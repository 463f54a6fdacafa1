"""Router examples must not be eval messages (issue 13, point 7): an example that equals a suite message
teaches the model that very answer, and the suite then measures recall instead of understanding.

Every router example — each `message -> {json}` line of the prompt files in prompts/ (today
prompts/router-examples.md, the fixed examples, and prompts/router-bank.md, the bank the retrieved
examples come from) — is compared with every message of every suite under evals/suites/, dev
and test: the `user:` turns of case suites, the routing suite's texts and the text bodies of webhook
replays. Both sides are folded first with base/text/folding.py (`tokens`: case folded, Arabic
diacritics, tatweel and letter variants folded, Arabic-Indic digits made Latin, punctuation dropped),
then every run of digits is masked ("#") and every person's name is masked ("@") — the names of the
suites' fixture users: usernames and each word of their display names, also with an attached
Arabic "ل"/"و"/"ب". A pair overlaps when the folded texts are equal or when the **Jaccard index** of
their word sets (|A ∩ B| / |A ∪ B|) is above 0.8. Jaccard, not containment: a short example inside a
long message ("Good morning!" in a rambling message) is not the same message.

Pairs let through are listed in ALLOWED (none today). Any other pair fails the test, and so does an
entry of ALLOWED that no longer overlaps.

The held-out split gets the same check against the router examples and, in addition, against every
dev message: a test case must not be a dev case in other words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import orjson
import yaml

from agent.examples import bank_lines
from base.text.folding import tokens

ROOT = Path(__file__).parents[2]
PROMPTS = ROOT / "prompts"
SUITES = ROOT / "evals" / "suites"
THRESHOLD = 0.8
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?^---[ \t]*\n", re.DOTALL | re.MULTILINE)
_DIGITS = re.compile(r"\d+")
_PREFIXES = ("ل", "و", "ب")

# (router example, suite message) pairs let through. Empty: the 13 pairs that overlapped when this test
# was written (router examples version 5) were rewritten in version 6 — the examples, not the cases.
ALLOWED: set[tuple[str, str]] = set()


def router_examples() -> list[str]:
    """The message side of every `message -> {json}` line of the prompt files."""
    found = []
    for path in sorted(PROMPTS.glob("*.md")):
        text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"), count=1)
        found.extend(said for said, _ in bank_lines(text))
    return found


def _suite_files() -> list[Path]:
    return sorted(p for p in SUITES.rglob("*.yaml") if p.name != "expect.yaml")


def suite_messages(split: str | None = None) -> list[str]:
    """Every message a suite sends (`split`: only the case suites of that split)."""
    found: list[str] = []
    for path in _suite_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if split is not None and data.get("split", "dev") != split:
            continue
        for case in data.get("cases") or []:
            if "text" in case:  # the routing suite
                found.append(case["text"])
            found.extend(t["user"] for t in case.get("turns") or [] if "user" in t)
    if split in (None, "dev"):
        for path in sorted(SUITES.rglob("*.json")):
            body = orjson.loads(path.read_bytes())
            for entry in body.get("entry") or []:
                for change in entry.get("changes") or []:
                    for message in (change.get("value") or {}).get("messages") or []:
                        if message.get("type") == "text":
                            found.append(message["text"]["body"])
    return list(dict.fromkeys(found))


@cache
def person_names() -> frozenset[str]:
    """Folded names of every fixture user of every suite: usernames and display-name words."""
    names: set[str] = set()
    for path in _suite_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        fixtures = [
            data.get("fixtures") or {},
            *((c or {}).get("fixtures") or {} for c in data.get("cases") or []),
        ]
        for fixture in fixtures:
            for user in fixture.get("users") or []:
                for part in (user.get("username"), user.get("name")):
                    names.update(tokens(str(part)) if part else [])
    return frozenset(n for n in names if len(n) > 1)


def folded(text: str) -> tuple[str, ...]:
    """Words folded, digits masked as "#", people's names as "@"."""
    names = person_names()
    out = []
    for word in tokens(text):
        word = _DIGITS.sub("#", word)
        if word in names or (word[:1] in _PREFIXES and word[1:] in names):
            word = "@"
        out.append(word)
    return tuple(out)


def jaccard(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left | right else 1.0


def overlaps(examples: list[str], messages: list[str]) -> Iterator[tuple[str, str, float]]:
    """(example, message, jaccard) for each pair that is equal after folding or above the threshold."""
    folded_messages = [(m, folded(m)) for m in messages]
    for example in examples:
        fe = folded(example)
        for message, fm in folded_messages:
            score = jaccard(fe, fm)
            if fe == fm or score > THRESHOLD:
                yield example, message, score


# ---------------------------------------------------------------------------------------------- tests


def test_folding_masks_case_marks_digits_and_names() -> None:
    assert folded("احذفْ المهمــة رقم ٢٧!") == folded("احذف المهمه رقم 31")
    assert folded("Assign task 14 to Lina") == ("assign", "task", "#", "to", "@")
    assert folded("حوّل المهمة ٩ لخالد") == ("حول", "المهمه", "#", "@")
    assert jaccard(("a", "b", "c", "d", "e"), ("a", "b", "c", "d")) == 0.8  # not above: allowed
    assert len(router_examples()) >= 40 and "Mark #8 as done" in router_examples()
    messages = suite_messages()
    assert "delete task 7" in messages  # a case suite
    assert "أسند المهمة ١٢ إلى عمر" in messages  # the routing suite
    assert not set(suite_messages("test")) & set(suite_messages("dev"))


def test_no_router_example_is_a_suite_message() -> None:
    found = {(e, m): s for e, m, s in overlaps(router_examples(), suite_messages())}
    held_out = set(suite_messages("test"))  # never printed: whoever tunes reads this failure
    new = sorted(set(found) - ALLOWED)
    assert not new, (
        "router examples that equal suite messages (rewrite the example, not the case):\n"
        + "\n".join(
            f"  {e!r} ~ {m if m not in held_out else '(a held-out message)'!r} (jaccard {found[(e, m)]:.2f})"
            for e, m in new
        )
    )
    stale = sorted(ALLOWED - set(found))
    assert not stale, "allowed overlaps that no longer overlap (remove them from ALLOWED):\n" + "\n".join(
        f"  {e!r} ~ {m!r}" for e, m in stale
    )


def test_held_out_messages_are_not_dev_messages_or_examples() -> None:
    held_out = suite_messages("test")
    assert len(held_out) >= 100
    seen = [*router_examples(), *suite_messages("dev")]
    # Only the dev side is printed: a failure read by whoever tunes must not show the held-out text.
    close = sorted({e for e, _, _ in overlaps(seen, held_out)})
    assert not close, "dev messages or router examples too close to a held-out message (rewrite them):\n" + (
        "\n".join(f"  {e!r}" for e in close)
    )
