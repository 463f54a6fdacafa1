"""`hudhud eval run --junit PATH`: the run as JUnit XML, the format CI systems read (one testsuite per
suite, one testcase per case and trial, a failure with its reasons, an error when the case could not
run). tests/evals/junit.xsd is the schema it keeps to."""

from __future__ import annotations

import re
import socket
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from evals.results import CaseResult

# What XML 1.0 cannot carry at all (a reply may hold anything): dropped, or the file would not parse.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def junit_xml(summary: dict[str, Any], results: list[CaseResult]) -> bytes:
    run = summary.get("run") or {}
    stamp = _timestamp(run.get("started"))
    by_suite: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        by_suite[r.suite].append(r)
    root = ET.Element("testsuites", name="hudhud evals")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for index, (name, cases) in enumerate(by_suite.items()):
        errors = sum(r.error is not None for r in cases)
        failures = sum(not r.success and r.error is None for r in cases)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(cases)),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=_seconds(sum(r.duration_ms for r in cases)),
            timestamp=stamp,
            hostname=socket.gethostname() or "localhost",
            id=str(index),
        )
        properties = ET.SubElement(suite, "properties")
        meta = (summary.get("suites") or {}).get(name) or {}
        for key, value in (
            ("model", run.get("model")),
            ("git", run.get("git")),
            ("split", meta.get("split")),
            ("clock", meta.get("clock")),
        ):
            if value is not None:
                ET.SubElement(properties, "property", name=key, value=str(value))
        for r in cases:
            suite.append(_testcase(r))
        totals["tests"] += len(cases)
        totals["failures"] += failures
        totals["errors"] += errors
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", _seconds(sum(r.duration_ms for r in results)))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, summary: dict[str, Any], results: list[CaseResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(summary, results))


def _testcase(r: CaseResult) -> ET.Element:
    name = r.case_id if not r.trial else f"{r.case_id}#{r.trial}"
    case = ET.Element("testcase", name=name, classname=f"evals.{r.suite}", time=_seconds(r.duration_ms))
    if r.error is not None:
        error = ET.SubElement(case, "error", message=_line(r.error), type="harness")
        error.text = _clean(r.error)
    elif not r.success:
        reasons = r.reasons() or ["a turn was not answered"]
        failed = [s.name for s in r.scores.values() if s.passed is False]
        failure = ET.SubElement(
            case, "failure", message=_line(reasons[0]), type=",".join(failed) or "command_success"
        )
        failure.text = _clean("\n".join(reasons))
    transcript = "\n".join(
        f"[{t.index}] {t.user if t.user is not None else f'(pressed {t.press})'} -> {t.text or '(no reply)'}"
        for t in r.turns
    )
    if transcript:
        ET.SubElement(case, "system-out").text = _clean(transcript)
    return case


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)


def _line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return _clean(first[:300])


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}"


def _timestamp(started: str | None) -> str:
    """ISO 8601 without a zone (the form JUnit consumers read): the run's start, in UTC."""
    try:
        moment = datetime.fromisoformat(started) if started else datetime.now()
    except ValueError:
        moment = datetime.now()
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")
