"""`hudhud eval matrix`: one run per prompts × model × temperature and one page over them (the scripted
model: 2 prompt folders × 1 model × 1 temperature)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from evals.matrix import Combination, combinations, run_matrix
from evals.runner import RunOptions
from evals.suite import load_suite
from prompts.store import DEFAULT_ROOT
from tests.evals.test_judge import SUITE
from tests.evals.test_runner import settings_for

MARK = "Always answer like a pirate."


def test_combinations_cover_every_axis() -> None:
    combos = combinations([Path("p1"), Path("p2")], ["m1", "m2"], [0, 0.7])
    assert len(combos) == 8 and combos[0] == Combination(Path("p1"), "m1", 0)
    assert combinations([], [], []) == [Combination(None, None, None)]
    assert Combination(Path("x/pirate"), "gpt-4o", 0.7).slug == "pirate_gpt-4o_t-0.7"


async def test_a_two_by_one_by_one_matrix(fake_openai: Any, tmp_path: Path) -> None:
    pirate = tmp_path / "pirate"
    shutil.copytree(DEFAULT_ROOT, pirate, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    persona = pirate / "persona.exec.en.md"
    persona.write_text(persona.read_text(encoding="utf-8") + f"\n{MARK}\n", encoding="utf-8")
    suite_file = tmp_path / "judged.yaml"
    suite_file.write_text(SUITE)
    suite = load_suite(suite_file)
    settings = settings_for(fake_openai, tmp_path)
    out = tmp_path / "matrix"
    combos = combinations([DEFAULT_ROOT, pirate], ["gpt-test"], [0])
    runs = await run_matrix([suite], combos, RunOptions(kb="", concurrency=1, filter="hello"), settings, out)

    # Each combination ran with its own prompts: only the second told the model to be a pirate.
    systems = [r["messages"][0]["content"] for r in fake_openai.requests]
    assert len(systems) == 2 and MARK not in systems[0] and MARK in systems[1]
    hashes = [o.summary["prompts"]["persona.exec.en@1"] for _, o in runs]
    assert hashes[0] != hashes[1]  # each run's summary says which prompts it measured
    # One page over the runs, each row linking its run's report.
    rows = json.loads((out / "matrix.json").read_text())["runs"]
    assert [r["prompts"] for r in rows] == [str(DEFAULT_ROOT), str(pirate)]
    assert [r["temperature"] for r in rows] == [0, 0] and all(r["model"] == "gpt-test" for r in rows)
    for r in rows:
        assert (out / r["report"]).is_file() and r["cases"] == 1
    page = (out / "matrix.html").read_text()
    assert page.count("<a href='") == 2 and "01-prompts_gpt-test_t-0/report.html" in page
    assert "command success" in page and "latency p95" in page


def test_matrix_cli_refuses_a_missing_prompts_folder(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hudhud.cli import app

    suite_file = tmp_path / "judged.yaml"
    suite_file.write_text(SUITE)
    result = CliRunner().invoke(app, ["eval", "matrix", str(suite_file), "--prompts", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "is not a folder" in result.output
    bad = CliRunner().invoke(app, ["eval", "matrix", str(suite_file), "--temperatures", "3"])
    assert bad.exit_code == 2 and "between 0 and 2" in bad.output
