"""The ci-smoke suite through the real runner, replayed from a cassette of the embedded model.

`make cassettes` re-records it when stale (HUDHUD_RECORD=1: the 1.5B model answers, its replies are
recorded); CI replays with record mode "none". After an edit of a prompt, a tool spec, the catalog's
model texts or the suite, it fails at once naming the changed files (tests/cassettes.py). Only the
model's HTTP calls are recorded: the core API, Redis and the pipeline run for real. The model's
accuracy is measured by `hudhud eval run`; this test asserts what does not depend on it — the runner
ran every turn, the scorers scored, the outputs are complete — and gates the replay on the committed
baseline evals/baselines/ci-smoke.json, as CI gates a real run: a replay is deterministic, so any case
that passed there and fails here is a regression (`alpha=1`, no noise). HUDHUD_SAVE_BASELINE=1 (set by
`make cassettes`) writes the baseline from this run instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import vcr

from agent.model import ModelEndpoint
from base.settings import Settings
from evals.baseline import BASELINES, load_outcomes, save_baseline
from evals.compare import Limits, compare
from evals.gate import gate_failures, parse_threshold
from evals.provenance import suite_hash
from evals.runner import RunOptions, run_eval
from evals.suite import load_suite
from tests.agent.test_agent_recorded import local_endpoint
from tests.cassettes import ROOT, require_fresh, stamp
from tests.conftest import REDIS_TEST_URL

RECORD = os.environ.get("HUDHUD_RECORD") == "1"
SAVE_BASELINE = os.environ.get("HUDHUD_SAVE_BASELINE") == "1"
CASSETTE_NAME, SUITE_NAME = "tests/evals/cassettes/ci-smoke.yaml", "evals/suites/ci-smoke.yaml"
CASSETTE, SUITE = ROOT / CASSETTE_NAME, ROOT / SUITE_NAME
BASELINE = BASELINES / "ci-smoke.json"


def model_calls_only(request: vcr.request.Request) -> vcr.request.Request | None:
    """Record the model's chat completions; everything else (core API, state reads) goes through."""
    return request if request.path.endswith("/chat/completions") else None


@pytest.fixture(scope="module")
def endpoint() -> Iterator[ModelEndpoint]:
    yield from local_endpoint()


@pytest.mark.cassette(CASSETTE_NAME)
@pytest.mark.timeout(1800 if RECORD else 120)
async def test_ci_smoke_suite_runs_end_to_end(
    endpoint: ModelEndpoint, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if not RECORD:
        require_fresh(CASSETTE)
    recorder = vcr.VCR(
        record_mode="all" if RECORD else "none",
        match_on=["method", "path", "body"],
        before_record_request=model_calls_only,
        filter_headers=["authorization", "x-stainless-retry-count"],
        decode_compressed_response=True,
    )
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        redis_url=REDIS_TEST_URL,
        hudhud_data_dir=tmp_path / "data",
        hudhud_model_retries=0,
        hudhud_model_timeout_s=300 if RECORD else 10,
        hudhud_turn_timeout_ms=600_000 if RECORD else 20_000,
    )
    suite = load_suite(SUITE)
    options = RunOptions(endpoint=endpoint, out=tmp_path / "out", concurrency=1, kb="")
    if RECORD:
        CASSETTE.unlink(missing_ok=True)  # a fresh recording: no stale interaction survives
    with recorder.use_cassette(str(CASSETTE), allow_playback_repeats=True):
        outcome = await run_eval([suite], options, settings)
    if RECORD:
        stamp(CASSETTE, request.node.nodeid, extra=[SUITE_NAME])

    results = {r.case_id: r for r in outcome.results}
    assert set(results) == {c.id for c in suite.cases} and not outcome.interrupted
    for r in results.values():
        assert r.error is None, (r.case_id, r.error)
        for turn in r.turns:
            # A press finds no button only when the model did not ask; every message got an answer.
            assert turn.status == "ok" or (turn.press and turn.status == "no_buttons"), (r.case_id, turn)
            assert turn.replies or turn.press, (r.case_id, turn)
        assert r.state_after is not None
        assert not [d for s in r.scores.values() for d in s.details if d.startswith("scorer error")]
        assert {"replies", "language", "format"} <= set(r.scores)
    # What no model can change: an unlinked number runs nothing and leaves the database as it was.
    refusal = results["unlinked-refusal-en"]
    assert refusal.scores["state"].passed and refusal.scores["tool_calls"].passed
    assert any("/link" in t.text for t in refusal.turns)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["overall"]["results"] == 5 and summary["run"]["tool_mode"] == "router"
    assert summary["prompts"], "the agent's prompt hashes are in the summary"
    report = (tmp_path / "out" / "report.html").read_text()
    assert all(case_id in report for case_id in results)
    provenance = summary["provenance"]
    assert provenance["suites"]["ci-smoke"] == suite_hash(suite) and provenance["tool_specs"]
    assert provenance["model"]["name"] == "local" and set(provenance["git"]) == {"commit", "dirty"}
    assert summary["overall"]["cost"]["total"] == 0  # the embedded model is priced 0
    if SAVE_BASELINE:
        print("ci-smoke baseline:", save_baseline(tmp_path / "out", "ci-smoke"))
        return
    gate_on_baseline(summary, outcome.results)
    print(
        "ci-smoke:",
        json.dumps({k: summary["overall"][k] for k in ("command_success", "tool_call_accuracy", "quality")}),
    )


def gate_on_baseline(summary: dict[str, object], results: list[object]) -> None:
    """The replay against evals/baselines/ci-smoke.json: the gates CI runs on a real run."""
    assert BASELINE.exists(), f"{BASELINE} is missing: HUDHUD_SAVE_BASELINE=1 pytest {__file__}"
    baseline = json.loads(BASELINE.read_text())
    kept = baseline["summary"]["provenance"]["suites"]["ci-smoke"]
    assert kept == summary["provenance"]["suites"]["ci-smoke"], (  # type: ignore[index]
        "evals/suites/ci-smoke.yaml changed since its baseline: `make cassettes` records both again"
    )
    comparison = compare(load_outcomes(BASELINE), results, limits=Limits(alpha=1.0))  # type: ignore[arg-type]
    assert comparison.common == len(baseline["cases"]) and comparison.ok, comparison.failed_gates
    floor = parse_threshold(str(baseline["summary"]["overall"]["command_success"]), suites=set(), tags=set())
    assert gate_failures(summary, [floor]) == []  # no false claim, and at least the baseline's success
