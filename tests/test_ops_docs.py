"""The operator's guides keep up with the code: troubleshooting names every Graph error code Hudhud
classifies or alerts on, the going-live steps `hudhud doctor` points at exist, and the Arabic guide runs
the same commands as the English one."""

from __future__ import annotations

import re

from channels.whatsapp import errors
from hudhud import doctor
from hudhud.alerts import QUALITY_CODES
from tests.cli_lines import ROOT, commands_in, fenced_lines

DOCS = ROOT / "docs"


def anchors(page: str) -> set[str]:
    """GitHub's anchors of a page's headings."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", (DOCS / page).read_text(encoding="utf-8"), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_troubleshooting_names_every_graph_code() -> None:
    page = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    rows = "\n".join(line for line in page.splitlines() if line.startswith("| `"))
    named = {int(code) for code in re.findall(r"`(\d+)`", rows)}
    codes = (
        errors.THROTTLING_CODES | errors.TRANSIENT_CODES | errors.PERMANENT_CODES | QUALITY_CODES
        | {errors.PAIR_RATE_LIMIT_CODE, errors.REENGAGEMENT_CODE, errors.UNDELIVERABLE_CODE}
        | {c for c in errors.AUTH_CODES if c < 200}
    )  # fmt: skip
    assert codes - named == set()
    assert "`200`–`299`" in rows  # the permission range, as one row


def test_the_steps_doctor_names_exist() -> None:
    steps = [doctor.TOKEN_STEP, doctor.NUMBER_STEP, doctor.SUBSCRIBE_STEP, doctor.URL_STEP]
    assert {step.split("#")[1] for step in steps} <= anchors("going-live.md")
    assert "fallback-templates" in anchors("going-live.md")


def test_the_arabic_guide_runs_the_english_commands() -> None:
    def commands(page: str) -> list[list[str]]:
        text = (DOCS / page).read_text(encoding="utf-8")
        return [c for _, line in fenced_lines(text) for c in commands_in(line)]

    english, arabic = commands("going-live.md"), commands("going-live.ar.md")
    assert english and arabic == english
