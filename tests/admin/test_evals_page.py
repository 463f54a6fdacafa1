"""The Evals page (hudhud/admin/evals.py): runs and baselines listed, a report served from the runs dir
only, two runs compared by `hudhud eval compare`, and runs started there — refused beyond the case limit,
queued in Redis, run one at a time across API processes by real `hudhud eval run` children against the
fake OpenAI-compatible model (never the real one)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from base.keys import Keys
from evals.results import CaseResult
from hudhud.admin.accounts import Accounts
from hudhud.admin.audit import AuditLog
from hudhud.admin.eval_files import EvalFiles
from hudhud.admin.eval_queue import EvalQueue, EvalRequest
from hudhud.admin.eval_runner import EvalRunner, hudhud_command
from hudhud.app import create_app
from tests.admin.conftest import PASSWORD, client, csrf_of, sign_in
from tests.evals.test_cli_run import fake_model_env
from tests.evals.test_runner import write_suite
from tests.helpers import live, wait_for

CASES = ("create-en", "delete-en", "answer-ar")


def write_run(runs: Path, name: str, passed: set[str], *, started: str, dirty: bool = False) -> Path:
    """A run directory as `hudhud eval run --out` leaves it: results.jsonl, summary.json, report.html."""
    out = runs / name
    out.mkdir(parents=True)
    results = [CaseResult(suite="mini", case_id=c, success=c in passed, quality=1.0) for c in CASES]
    (out / "results.jsonl").write_bytes(
        b"".join(orjson.dumps(r.model_dump(mode="json")) + b"\n" for r in results)
    )
    rate = round(len(passed) / len(CASES), 4)
    summary = {
        "run": {
            "started": started,
            "suites": ["mini"],
            "splits": ["dev"],
            "git": "abc1234",
            "git_dirty": dirty,
        },
        "overall": {"cases": 3, "command_success": rate, "quality": 1.0, "false_claims": 0},
        "by_split": {"dev": {"cases": 3, "command_success": rate}},
    }
    (out / "summary.json").write_text(json.dumps(summary))
    (out / "report.html").write_text(f"<html><body><h1>report of {name}</h1></body></html>")
    return out


@pytest.fixture
def evals_app(settings_factory, tmp_path: Path):
    runs = tmp_path / "runs"
    write_run(runs, "before", set(CASES), started="2026-12-01T10:00:00+00:00")
    write_run(runs, "after", {"create-en"}, started="2026-12-02T10:00:00+00:00", dirty=True)
    outside = tmp_path / "outside"
    write_run(outside, "secret", set(), started="2026-12-03T10:00:00+00:00")
    (runs / "linked").symlink_to(outside / "secret")  # a link out of the runs dir is not followed
    settings = settings_factory(
        hudhud_admin_password=PASSWORD, hudhud_eval_runs_dir=runs, hudhud_eval_max_cases=3
    )
    with live(create_app(settings)) as server:
        yield server


async def test_runs_and_baselines_listed_and_reports_served_from_the_runs_dir_only(
    evals_app, redis, redis_prefix
) -> None:
    async with client(evals_app) as http:
        assert (await http.get("/admin/evals")).headers["location"] == "/admin/login?next=/admin/evals"
        await sign_in(http)
        html = (await http.get("/admin/evals")).text
        # newest first, with split figures, commit and the dirty flag; the committed baseline too
        assert html.index('/runs/after/report.html">after') < html.index('/runs/before/report.html">before')
        assert "dev 33.3%" in html and "dev 100.0%" in html
        assert "abc1234" in html and html.count(">dirty<") == 1 and "ci-smoke" in html
        assert 'name="suite" value="ci-smoke.yaml"' in html and "test/" not in html  # dev suites only
        assert 'value="routing.yaml"' not in html  # no case ids: not a suite `eval run` runs
        report = await http.get("/admin/evals/runs/after/report.html")
        assert report.status_code == 200 and "report of after" in report.text
        assert report.headers["content-security-policy"].startswith("sandbox;")
        assert (await http.get("/admin/evals/runs/after/run.log")).status_code == 404  # not there
        for path in (
            "/admin/evals/runs/linked/report.html",  # a link to a folder outside
            "/admin/evals/runs/..%2Foutside%2Fsecret/report.html",
            "/admin/evals/runs/%2E%2E/report.html",
            "/admin/evals/runs/after/results.jsonl",  # a file the page does not serve
            "/admin/evals/runs/after/..%2F..%2Foutside%2Fsecret%2Freport.html",
        ):
            answer = await http.get(path)
            assert answer.status_code == 404 and "report of" not in answer.text, path

    await Accounts(redis, Keys(redis_prefix)).create("watcher", "watcher-pass-1234", "viewer")
    async with client(evals_app) as viewer:
        await sign_in(viewer, "watcher", "watcher-pass-1234")
        html = (await viewer.get("/admin/evals")).text
        assert "before" in html and 'id="start-run"' not in html  # the list, not the button
        refused = await viewer.post(
            "/admin/evals/runs", data={"csrf": csrf_of(html), "suite": "ci-smoke.yaml"}
        )
        assert refused.status_code == 403
    assert await EvalQueue(redis, Keys(redis_prefix)).recent() == []


async def test_two_runs_compared(evals_app) -> None:
    async with client(evals_app) as http:
        await sign_in(http)
        page = await http.get("/admin/evals/compare", params={"a": "run:before", "b": "run:after"})
        assert page.status_code == 200, page.text
        html = page.text
        assert "100.0% → 33.3%" in html and "mini/delete-en" in html and "mini/answer-ar" in html
        assert html.count(">regression<") == 2 and 'id="verdict"' in html
        # two cases cannot show a drop beyond noise (sign test): the gate holds, the noise is said
        assert "The gate passed" in html and "within noise" in html
        link = re.search(r'href="(/admin/evals/side-by-side/[0-9a-f]+)"', html)
        assert link is not None
        side = await http.get(link[1])
        assert side.status_code == 200 and "delete-en" in side.text
        assert side.headers["content-security-policy"].startswith("sandbox;")
        against = await http.get("/admin/evals/compare", params={"a": "baseline:ci-smoke", "b": "run:after"})
        assert against.status_code == 200 and "0 common cases" in against.text
        for a, b in (
            ("run:nothing", "run:after"),
            ("run:../outside/secret", "run:after"),
            ("x:y", "run:after"),
        ):
            assert (await http.get("/admin/evals/compare", params={"a": a, "b": b})).status_code == 404


async def test_a_run_beyond_the_limit_or_with_a_bad_filter_is_refused(evals_app) -> None:
    async with client(evals_app) as http:
        await sign_in(http)
        token = csrf_of((await http.get("/admin/evals")).text)

        async def start(**fields: Any) -> Any:
            return await http.post("/admin/evals/runs", data={"csrf": token, **fields})

        too_many = await start(suite="ci-smoke.yaml")
        assert (
            too_many.status_code == 422
            and "at most 3" in too_many.text
            and "HUDHUD_EVAL_MAX_CASES" in too_many.text
        )
        assert (await start(suite="ci-smoke.yaml", filter="--keep")).status_code == 422
        assert (await start(suite="ci-smoke.yaml", filter="nothing-*")).status_code == 422
        assert (await start(suite="../suites/test/x.yaml")).status_code == 422
        assert (await start()).status_code == 422


def child_env(monkeypatch: pytest.MonkeyPatch, fake_openai: Any, tmp_path: Path) -> None:
    """The environment the service's `hudhud eval run` child inherits: the fake model, no knowledge base.

    An empty HUDHUD_KB_SEED reads as unset, and `hudhud eval run` then ingests the shipped docs/kb (half a
    minute of embedding per child on 2 cores): an empty folder is a knowledge base with nothing in it."""
    empty = tmp_path / "no-kb"
    empty.mkdir(exist_ok=True)
    env = {**fake_model_env(fake_openai, tmp_path / "child-data"), "HUDHUD_KB_SEED": str(empty)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)


async def test_a_run_started_on_the_page_is_run_by_the_app(
    evals_app, redis, redis_prefix, fake_openai, monkeypatch, tmp_path
) -> None:
    child_env(monkeypatch, fake_openai, tmp_path)
    async with client(evals_app) as http:
        await sign_in(http)
        token = csrf_of((await http.get("/admin/evals")).text)
        queued = await http.post(
            "/admin/evals/runs", data={"csrf": token, "suite": "ci-smoke.yaml", "filter": "create-task-en"}
        )
        assert queued.status_code == 303 and "1+case" in queued.headers["location"]

        async def ended() -> str | None:
            html = (await http.get("/admin/evals/queue")).text
            return html if 'data-status="done"' in html or 'data-status="failed"' in html else None

        html = await wait_for(ended, timeout=90, interval=0.5)
        assert 'data-status="done"' in html, html
        run_id = (await EvalQueue(redis, Keys(redis_prefix)).recent())[0].id
        report = await http.get(f"/admin/evals/runs/{run_id}/report.html")
        assert report.status_code == 200 and "create-task-en" in report.text
        log = await http.get(f"/admin/evals/runs/{run_id}/run.log")
        assert "[1/1]" in log.text  # the child's own progress line
        listed = (await http.get("/admin/evals")).text
        assert run_id in listed and "ci-smoke" in listed
    audit = await AuditLog(redis, Keys(redis_prefix)).page()
    assert any(e.action == "eval_run" and e.target == run_id for e in audit)


BROKEN = """\
name: broken
cases:
  - id: one
    user: {wa_id: "966500000011"}
    turns: [{user: hi}]
"""  # no clock: the page lists it, `hudhud eval run` refuses it (exit code 2)


async def test_requests_run_one_at_a_time_across_processes_and_a_failing_one_is_failed(
    settings_factory, redis, redis_prefix, fake_openai, monkeypatch, tmp_path
) -> None:
    child_env(monkeypatch, fake_openai, tmp_path)
    suites = tmp_path / "suites"
    suites.mkdir()
    write_suite(suites)
    (suites / "broken.yaml").write_text(BROKEN)
    files = EvalFiles(tmp_path / "runs", suites_dir=suites)
    keys = Keys(redis_prefix)
    queue = EvalQueue(redis, keys)
    asked = [
        EvalRequest(id=f"r{i}-{EvalRequest.new_id()}", suites=[suite], filter=pattern, cases=1, by="admin")
        for i, (suite, pattern) in enumerate(
            (("mini.yaml", "answer-ar"), ("broken.yaml", ""), ("mini.yaml", "create-en"))
        )
    ]
    for r in asked:
        await queue.submit(r)
    # The first was claimed by a runner that died: it waits in `running` until a live runner puts it back.
    assert await redis.lmove(keys.eval_running, keys.eval_queue, "LEFT", "LEFT") is None
    await redis.lmove(keys.eval_queue, keys.eval_running, "LEFT", "RIGHT")

    settings = settings_factory().admin
    stop = asyncio.Event()
    runners = [
        EvalRunner(redis, keys, settings, files=files, poll_s=0.1) for _ in range(2)
    ]  # two API processes
    loops = [asyncio.create_task(r.run(stop)) for r in runners]

    async def all_ended() -> list[EvalRequest] | None:
        found = [await queue.get(r.id) for r in asked]
        return found if all(f is not None and f.status in ("done", "failed") for f in found) else None  # type: ignore[misc]

    try:
        ended = await wait_for(all_ended, timeout=110, interval=0.3)
    finally:
        stop.set()
        await asyncio.gather(*loops)
    assert [e.status for e in ended] == ["done", "failed", "done"]
    assert ended[1].exit_code == 2 and "usage" in ended[1].reason
    assert "error: broken.yaml" in (files.runs_dir / ended[1].id / "run.log").read_text()
    # one after the other, in the order asked, never two at once
    spans = [(e.started, e.finished) for e in ended]
    assert all(s is not None and f is not None for s, f in spans)
    assert spans[0][1] <= spans[1][0] and spans[1][1] <= spans[2][0]  # type: ignore[operator]
    assert all(e.attempts == 1 for e in ended)
    assert (files.runs_dir / ended[2].id / "summary.json").is_file()
    assert await redis.llen(keys.eval_queue) == 0 and await redis.llen(keys.eval_running) == 0


def test_the_child_runs_at_low_priority() -> None:
    command = hudhud_command(10, "eval", "run", "x.yaml")
    assert command[:3] == [command[0], "-n", "10"] and command[0].endswith("nice")
    assert command[-5:] == ["-m", "hudhud", "eval", "run", "x.yaml"]
    assert hudhud_command(0, "eval")[1:] == ["-m", "hudhud", "eval"]


async def queued_runner(
    settings_factory, redis, redis_prefix: str, tmp_path: Path, n: int
) -> tuple[Keys, EvalQueue, list[EvalRequest], EvalRunner]:
    """`n` requests of a one-case suite waiting in the queue, and a runner that polls it every 0.1 s."""
    suites = tmp_path / "suites"
    suites.mkdir()
    write_suite(suites)
    keys = Keys(redis_prefix)
    queue = EvalQueue(redis, keys)
    requests = [
        EvalRequest(id=f"r{i}-{EvalRequest.new_id()}", suites=["mini.yaml"], cases=3, by="admin")
        for i in range(n)
    ]
    for request in requests:
        await queue.submit(request)
    files = EvalFiles(tmp_path / "runs", suites_dir=suites)
    return keys, queue, requests, EvalRunner(redis, keys, settings_factory().admin, files=files, poll_s=0.1)


async def test_a_process_stopping_while_the_child_starts_puts_its_run_back(
    settings_factory, redis, redis_prefix, monkeypatch, tmp_path
) -> None:
    import hudhud.admin.eval_runner as eval_runner

    started = asyncio.Event()

    async def slow_start(*args: object, **kwargs: object) -> object:
        started.set()  # a loaded machine: the child's start takes a while, and the stop comes meanwhile
        await asyncio.sleep(60)
        raise AssertionError("never reached")

    monkeypatch.setattr(eval_runner.asyncio, "create_subprocess_exec", slow_start)
    keys, queue, (request,), runner = await queued_runner(settings_factory, redis, redis_prefix, tmp_path, 1)
    task = asyncio.create_task(runner.run(asyncio.Event()))
    await asyncio.wait_for(started.wait(), 30)
    assert (await queue.get(request.id)).status == "running"  # type: ignore[union-attr]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    back = await queue.get(request.id)
    assert back is not None and back.status == "queued" and back.started is None
    assert [i.decode() for i in await redis.lrange(keys.eval_queue, 0, -1)] == [request.id]
    assert await redis.llen(keys.eval_running) == 0 and await redis.get(keys.eval_lease) is None


async def test_a_stopping_api_process_puts_its_run_back_first_in_the_queue(
    settings_factory, redis, redis_prefix, monkeypatch, tmp_path
) -> None:
    import sys

    import hudhud.admin.eval_runner as eval_runner

    # A child that outlives the test unless it is stopped: what a long eval run looks like to the runner.
    monkeypatch.setattr(
        eval_runner,
        "hudhud_command",
        lambda nice, *args: [sys.executable, "-c", "import time; time.sleep(60)"],
    )
    keys, queue, (first, second), runner = await queued_runner(
        settings_factory, redis, redis_prefix, tmp_path, 2
    )
    task = asyncio.create_task(runner.run(asyncio.Event()))

    async def running() -> bool:
        found = await queue.get(first.id)
        return found is not None and found.status == "running"

    await wait_for(running)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    back = await queue.get(first.id)
    assert back is not None and back.status == "queued" and back.started is None
    assert [i.decode() for i in await redis.lrange(keys.eval_queue, 0, -1)] == [first.id, second.id]
    assert await redis.llen(keys.eval_running) == 0 and await redis.get(keys.eval_lease) is None
