"""report.html: one self-contained file, failures first, every case's transcript and scores."""

from __future__ import annotations

import re

from evals.report import bar_chart, histogram, render_report
from evals.results import CaseResult, ReplyRecord, Score, ToolCallRecord, TraceRecord, TurnRecord
from evals.summary import summarize

TASK = {
    "id": 7,
    "title": "Review contract",
    "status": "open",
    "priority": "normal",
    "assignee": "sara",
    "created_by": "omar",
    "due": None,
    "description": "",
    "comments": [],
}


def results() -> list[CaseResult]:
    trace = TraceRecord(
        action="delete_task",
        outcome="confirm",
        lang="en",
        tokens_in=120,
        tokens_out=9,
        prompts={"router@3": "1a2b3c"},
    )
    asked = TurnRecord(
        index=0,
        user="delete task 7 <script>alert(1)</script>",
        status="ok",
        latency_ms=812.0,
        traces=[trace],
        replies=[
            ReplyRecord(
                kind="buttons", text="Please confirm", buttons=[{"id": "confirm:x", "title": "Confirm"}]
            )
        ],
        tool_calls=[ToolCallRecord(name="delete_task", args={"task_id": 7}, outcome="confirm")],
    )
    pressed = TurnRecord(
        index=1,
        press="confirm",
        status="ok",
        latency_ms=95.0,
        replies=[ReplyRecord(kind="text", text="🗑️ حُذفت المهمة #7.")],
    )
    passed = CaseResult(
        suite="tasks",
        case_id="delete-ok",
        tags=["delete", "en"],
        lang="en",
        model="local:1.5b",
        success=True,
        quality=1.0,
        turns=[asked, pressed],
        state_before=[TASK],
        state_after=[],
        scores={"state": Score(name="state", passed=True, value=1.0)},
    )
    failed = CaseResult(
        suite="tasks",
        case_id="create-bad",
        tags=["create", "ar"],
        lang="ar",
        model="local:1.5b",
        success=False,
        quality=0.5,
        turns=[TurnRecord(index=0, user="أضف مهمة", status="failed", latency_ms=2300.0, error="boom")],
        state_before=[],
        state_after=[{**TASK, "id": 8, "title": "مهمة"}],
        scores={
            "replies": Score(name="replies", passed=False, value=0.0, details=["turn 0: lacks 'تم'"]),
            "similarity": Score(name="similarity", passed=None, value=0.71),
        },
    )
    crashed = CaseResult(suite="tasks", case_id="crashed", success=False, error="RuntimeError: no core API")
    return [passed, failed, crashed]


def render(**run: object) -> str:
    found = results()
    meta = {
        "tasks": {
            "clock": "2026-11-25T09:00:00+03:00",
            "trials": 1,
            "trials_asked": 3,
            "pass_k_note": "temperature 0: trials are identical, one was run and pass^k = pass^1",
        }
    }
    summary = summarize(
        found,
        meta,
        {
            "suites": ["tasks"],
            "model": "local:1.5b",
            "started": "2026-11-25T07:00:00",
            "duration_s": 12.5,
            "concurrency": 1,
            "git": "abc123",
            "filter": "*",
            **run,
        },
    )
    return render_report(summary, found)


def test_report_is_self_contained() -> None:
    html = render()
    assert not re.search(r"https?://", html)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|\bsrc=|\bhref=", html, re.IGNORECASE)
    assert "<style>" in html and "<svg" in html


def test_failures_come_first_with_their_details() -> None:
    html = render()
    assert max(html.index("tasks/create-bad"), html.index("tasks/crashed")) < html.index("tasks/delete-ok")
    assert "Harness error: RuntimeError: no core API" in html
    assert "turn 0: lacks &#x27;تم&#x27;" in html and "error: boom" in html
    assert "2 of 3 failed" in html
    # the transcript, the buttons, tool calls, state diff, prompt hashes and the model
    assert "delete task 7 &lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped, never markup
    assert "[pressed confirm]" in html and "<span class='button'>Confirm</span>" in html
    assert "delete_task" in html and "task_id=7" in html and "- #7 &#x27;Review contract&#x27;" in html
    assert "router@3" in html and "1a2b3c" in html and "local:1.5b" in html and "commit abc123" in html
    assert "temperature 0: trials are identical" in html
    assert "details class='case' open" in html  # failures open, passes closed


def test_interrupted_runs_say_so() -> None:
    assert "Interrupted" in render(interrupted=True)
    assert "Interrupted" not in render()


def test_charts() -> None:
    chart = bar_chart("x", [("ar", 0.97), ("en", 0.85), ("tag", 0.2), ("none", None)])
    assert chart.count("<rect") == 4 and "#1a7f37" in chart and "#9a6700" in chart and "#cf222e" in chart
    assert "—" in chart
    hist = histogram("lat", [100.0, 100.0, 250.0, 900.0])
    assert hist.count("<rect") == 12 and "100 ms" in hist and "900 ms" in hist
    assert "no data" in histogram("lat", [])
    assert "<rect" in histogram("one", [5.0])


def test_empty_run_renders() -> None:
    html = render_report(summarize([], {}, {}), [])
    assert "No case finished" in html and not re.search(r"https?://", html)
