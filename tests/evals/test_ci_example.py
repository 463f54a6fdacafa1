"""docs/ci/evals.yml, the example CI workflow, stays runnable: the files it names exist and every option
it passes to `hudhud eval run` and `compare` is one the command has."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
import yaml

from hudhud.cli import app

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "docs" / "ci" / "evals.yml"


def options_of(*path: str) -> set[str]:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_the_example_workflow_names_real_files_and_options() -> None:
    workflow = yaml.safe_load(EXAMPLE.read_text())
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    assert len(runs) == 5
    text = " ".join(runs)
    for path in re.findall(r"(?:tests|evals/baselines)/[\w./-]+\.(?:py|json)", text):
        if not path.endswith("dev.json"):  # the dev baseline is saved from a full run, not shipped
            assert (ROOT / path).exists(), path
    for command, line in (("run", "hudhud eval run"), ("compare", "hudhud eval compare")):
        used = {o for r in runs if line in r for o in re.findall(r"(--[a-z-]+)", r)}
        assert used and used <= options_of("eval", command), used - options_of("eval", command)
    assert "tests/evals/test_ci_smoke.py" in text and "--fail-under" in text and "--junit" in text
