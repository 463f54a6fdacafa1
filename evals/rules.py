"""Each rule's benefit, measured on the dev split: the cases where it fired, run again with it off.

Every correction of a domain pack (`tasks.overdue`) and every rule of the agent (`withhold_claims`,
`capabilities`, `did_you_mean`) can be switched off (HUDHUD_DISABLED_CORRECTIONS,
HUDHUD_DISABLED_AGENT_RULES), and each turn's trace names the rules that changed it. A rule that did not
fire in a case cannot change that case at temperature 0, so rerunning only the cases where it fired,
with it off, measures what it is worth: the cases it fixes (pass only with it) and the cases it breaks
(pass only without it). `hudhud eval rules RUN_DIR SUITES... [--measure]` (docs/evals.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from agent.agent import AGENT_RULES
from evals.results import CaseResult


def case_key(result: CaseResult) -> str:
    return f"{result.suite}/{result.case_id}"


def fired(results: Iterable[CaseResult]) -> dict[str, list[str]]:
    """Rule -> the cases (suite/case) where it changed at least one turn, both sorted."""
    found: dict[str, set[str]] = {}
    for result in results:
        for turn in result.turns:
            for trace in turn.traces:
                for rule in trace.rules:
                    found.setdefault(rule, set()).add(case_key(result))
    return {rule: sorted(cases) for rule, cases in sorted(found.items())}


def switched_off(rule: str) -> dict[str, str]:
    """The setting that switches `rule` off, as environment variables."""
    if rule in AGENT_RULES:
        return {"HUDHUD_DISABLED_AGENT_RULES": rule}
    return {"HUDHUD_DISABLED_CORRECTIONS": rule}


@dataclass
class Benefit:
    rule: str
    cases: list[str]
    with_rule: int = 0  # cases that passed with the rule on (the original run)
    without: int = 0  # ... with it off
    fixes: list[str] = field(default_factory=list)  # pass only with the rule
    breaks: list[str] = field(default_factory=list)  # pass only without it

    @property
    def net(self) -> int:
        return len(self.fixes) - len(self.breaks)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "cases": len(self.cases),
            "with": self.with_rule,
            "without": self.without,
            "net": self.net,
            "fixes": self.fixes,
            "breaks": self.breaks,
        }


def benefit(rule: str, cases: list[str], on: Iterable[CaseResult], off: Iterable[CaseResult]) -> Benefit:
    """Compare the cases where `rule` fired: `on` the original run, `off` the rerun with it off. A case
    missing from the rerun counts as failed there (it did not get an answer)."""
    wanted = set(cases)
    passed_on = {case_key(r) for r in on if case_key(r) in wanted and r.success}
    passed_off = {case_key(r) for r in off if case_key(r) in wanted and r.success}
    return Benefit(
        rule=rule,
        cases=cases,
        with_rule=len(passed_on),
        without=len(passed_off),
        fixes=sorted(passed_on - passed_off),
        breaks=sorted(passed_off - passed_on),
    )
