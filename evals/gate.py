"""`hudhud eval run --fail-under`: the run's own gate, read from its summary.

A threshold is on command success: `0.95` (or `95`, `95%`) for the whole run, `NAME=0.9` for a suite of
that name or else a tag, `suite:NAME=0.9` / `tag:NAME=0.9` to say which. Whatever the thresholds, a run
with a false action claim fails unless `--allow-false-claims`: it is the worst failure an exec bot has.
Exit codes (docs/evals.md): 0 passed, 1 a gate failed, 2 usage or configuration, 3 a case could not
run, 130 interrupted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

PASSED, GATE_FAILED, USAGE, RUN_ERROR, INTERRUPTED = 0, 1, 2, 3, 130

Scope = Literal["overall", "suite", "tag"]


class GateError(ValueError):
    """A threshold that cannot be read, or names no suite or tag of the run."""


@dataclass(frozen=True)
class Threshold:
    scope: Scope
    name: str | None
    minimum: float  # 0..1

    @property
    def label(self) -> str:
        return "overall" if self.scope == "overall" else f"{self.scope} {self.name}"


def parse_threshold(text: str, *, suites: set[str], tags: set[str]) -> Threshold:
    """One `--fail-under` value, resolved against the run's suites and tags."""
    target, _, value = text.rpartition("=")
    minimum = _fraction(value, text)
    if not target:
        return Threshold("overall", None, minimum)
    scope, colon, name = target.partition(":")
    if colon:
        if scope not in ("suite", "tag"):
            raise GateError(f"--fail-under {text}: say suite:NAME or tag:NAME, not {scope}:")
        known = suites if scope == "suite" else tags
        if name not in known:
            raise GateError(f"--fail-under {text}: no {scope} {name!r} in this run ({_listed(known)})")
        return Threshold(scope, name, minimum)  # type: ignore[arg-type]
    if target in suites:
        return Threshold("suite", target, minimum)
    if target in tags:
        return Threshold("tag", target, minimum)
    raise GateError(
        f"--fail-under {text}: {target!r} is neither a suite ({_listed(suites)}) nor a tag of this run"
    )


def _fraction(value: str, text: str) -> float:
    raw = value.strip().removesuffix("%")
    try:
        number = float(raw)
    except ValueError:
        raise GateError(f"--fail-under {text}: {value!r} is not a number (0.95, 95 or 95%)") from None
    if value.strip().endswith("%") or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise GateError(f"--fail-under {text}: a command success rate is between 0 and 1 (or 0-100%)")
    return number


def _listed(names: set[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def gate_failures(
    summary: dict[str, Any], thresholds: list[Threshold], *, allow_false_claims: bool = False
) -> list[str]:
    """One line per failed gate (empty: the run passes)."""
    failures = []
    for t in thresholds:
        figures = (
            summary.get("overall")
            if t.scope == "overall"
            else (summary.get("suites" if t.scope == "suite" else "by_tag") or {}).get(t.name or "")
        ) or {}
        rate = figures.get("command_success")
        if rate is None:
            failures.append(f"{t.label}: no case ran (needs {t.minimum:.1%} command success)")
        elif rate < t.minimum:
            failures.append(f"{t.label}: command success {rate:.1%} < {t.minimum:.1%}")
    claims = (summary.get("overall") or {}).get("false_claims") or 0
    if claims and not allow_false_claims:
        failures.append(f"{claims} false action claim{'s' * (claims != 1)} (must be 0; --allow-false-claims)")
    return failures
