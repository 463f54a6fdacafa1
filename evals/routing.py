"""The routing suite: how often the agent picks the right action and arguments, per language group.

Accuracy is measured here, never asserted in unit tests: `hudhud eval routing` runs the suite on the
configured model (the embedded 1.5B by default) and prints a table and one JSON line.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, Field

from agent.agent import Agent
from base.yamlfile import read_model

SUITES_DIR = Path(__file__).parent / "suites"


class RoutingCase(BaseModel):
    group: str
    text: str
    action: str
    args: dict[str, Any] = Field(default_factory=dict)
    title_contains: str | None = None


class RoutingSuite(BaseModel):
    name: str
    today: date
    timezone: str = "Asia/Riyadh"
    cases: list[RoutingCase]

    @classmethod
    def load(cls, path: Path) -> RoutingSuite:
        """Raises YamlFileError naming the file, the case index and the field."""
        return read_model(path, cls)

    def clock(self) -> datetime:
        return datetime.combine(self.today, dtime(10, 0), tzinfo=ZoneInfo(self.timezone))


class CaseResult(BaseModel):
    group: str
    text: str
    expected_action: str
    action: str
    args: dict[str, Any]
    action_ok: bool
    args_ok: bool
    wrong: list[str] = Field(default_factory=list)
    ms: float
    error: str | None = None


def check(case: RoutingCase, action: str, args: dict[str, Any]) -> tuple[bool, bool, list[str]]:
    action_ok = action == case.action
    wrong = [k for k, v in case.args.items() if _norm(args.get(k)) != _norm(v)]
    if case.title_contains and case.title_contains.lower() not in str(args.get("title", "")).lower():
        wrong.append("title")
    return action_ok, action_ok and not wrong, wrong


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


async def run_suite(agent: Agent, suite: RoutingSuite) -> list[CaseResult]:
    results = []
    for case in suite.cases:
        started = time.perf_counter()
        try:
            routed = await agent.route(case.text, today=suite.today)
            action = routed.decision.action
            args = routed.prepared.args if routed.prepared else {}
            error = None
        except Exception as exc:
            action, args, error = "error", {}, f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        action_ok, args_ok, wrong = check(case, action, args)
        results.append(
            CaseResult(
                group=case.group, text=case.text, expected_action=case.action, action=action, args=args,
                action_ok=action_ok, args_ok=args_ok, wrong=wrong, ms=round(ms, 1), error=error,
            )
        )  # fmt: skip
    return results


def summarize(results: list[CaseResult]) -> dict[str, Any]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        groups[r.group].append(r)
    groups["all"] = list(results)

    def stats(rs: list[CaseResult]) -> dict[str, Any]:
        ms = sorted(r.ms for r in rs)
        return {
            "n": len(rs),
            "action_acc": round(sum(r.action_ok for r in rs) / len(rs), 3),
            "full_acc": round(sum(r.args_ok for r in rs) / len(rs), 3),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        }

    return {name: stats(rs) for name, rs in groups.items() if rs}


def write_results(results: list[CaseResult], summary: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("wb") as f:
        for r in results:
            f.write(orjson.dumps(r.model_dump()) + b"\n")
    (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
