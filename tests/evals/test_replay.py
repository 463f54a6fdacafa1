"""Webhook replay against a live service on loopback: status and reply count per raw body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from evals.replay import replay_suite
from evals.suite import ReplaySuite, load_suite
from evals.webhook import recipients, with_fresh_ids
from hudhud.app import create_app
from hudhud.cli import app
from tests.helpers import APP_SECRET, LiveServer, live

EXAMPLE = Path(__file__).parents[2] / "evals" / "suites" / "webhook-replay"


@pytest.fixture
def service(settings_factory: Any) -> Iterator[tuple[LiveServer, Any]]:
    settings = settings_factory(hudhud_responder="none")
    with live(create_app(settings, workers=1)) as server:
        yield server, settings


def example() -> ReplaySuite:
    suite = load_suite(EXAMPLE)
    assert isinstance(suite, ReplaySuite)
    return suite


async def test_the_shipped_example_replays_cleanly(service: tuple[LiveServer, Any]) -> None:
    server, settings = service
    results = await replay_suite(example(), server.url, settings, timeout_s=15, settle_s=0.3)
    by_name = {r.case_id: r for r in results}
    assert [r.case_id for r in results] == sorted(by_name)
    for r in results:
        assert r.success, (r.case_id, r.scores["replay"].details)
    assert by_name["01-text-ping.json"].turns[0].text.startswith("pong")
    assert by_name["03-unsupported.json"].turns[0].replies
    assert by_name["04-status-delivered.json"].turns[0].replies == []
    # ids get a fresh suffix: a second replay is answered again instead of deduplicated
    again = await replay_suite(example(), server.url, settings, timeout_s=15, settle_s=0.3)
    assert all(r.success for r in again)


async def test_wrong_counts_and_signatures_fail(service: tuple[LiveServer, Any]) -> None:
    server, settings = service
    suite = example()
    ping = suite.bodies[0].model_copy(update={"replies": 2})
    status = suite.bodies[3].model_copy(update={"status": 202})
    strict = suite.model_copy(update={"bodies": [ping, status]})
    results = await replay_suite(strict, server.url, settings, timeout_s=1.5, settle_s=0.2)
    assert results[0].scores["replay"].details == ["1 replies, expected 2"] and not results[0].success
    assert results[1].scores["replay"].details == ["HTTP 200, expected 202"]
    assert results[1].turns[0].status == "http_200"
    unsigned = settings.replace(whatsapp_app_secret=None)
    results = await replay_suite(suite.model_copy(update={"bodies": [suite.bodies[0]]}), server.url, unsigned,
                                 timeout_s=1, settle_s=0.1)  # fmt: skip
    assert results[0].scores["replay"].details[0] == "HTTP 401, expected 200"


async def test_replay_reads_the_guarded_sandbox_with_the_admin_password(settings_factory: Any) -> None:
    settings = settings_factory(hudhud_responder="none", hudhud_admin_password="replay-pass-123")
    ping = example().bodies[0]
    suite = example().model_copy(update={"bodies": [ping]})
    with live(create_app(settings, workers=1)) as server:
        results = await replay_suite(suite, server.url, settings, timeout_s=15, settle_s=0.3)
        assert results[0].success, results[0].scores["replay"].details
        wrong = settings.replace(hudhud_admin_password=SecretStr("not-the-password"))
        results = await replay_suite(suite, server.url, wrong, timeout_s=1, settle_s=0.1)
        assert not results[0].success and "401" in str(results[0].error)


async def test_an_unreachable_service_is_an_error(settings_factory: Any) -> None:
    results = await replay_suite(
        example(), "http://127.0.0.1:9", settings_factory(), timeout_s=1, settle_s=0.1
    )
    assert all(r.error and "is the service running at http://127.0.0.1:9" in r.error for r in results)
    assert not any(r.success for r in results)


def test_replay_through_the_command(
    service: tuple[LiveServer, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    server, _settings = service
    monkeypatch.setenv("WHATSAPP_APP_SECRET", APP_SECRET.decode())
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        app, ["eval", "run", str(EXAMPLE), "--url", server.url, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["overall"]["command_success"] == 1.0 and summary["suites"]["webhook-replay"]["bodies"] == 4


def test_fresh_ids_and_recipients() -> None:
    body = orjson.loads((EXAMPLE / "01-text-ping.json").read_bytes())
    fresh = with_fresh_ids(body, "r1")
    value = fresh["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["id"] == "wamid.replay.ping.r1"
    assert body["entry"][0]["changes"][0]["value"]["messages"][0]["id"] == "wamid.replay.ping"  # a copy
    assert recipients(fresh) == ["966500000090"]
    status = orjson.loads((EXAMPLE / "04-status-delivered.json").read_bytes())
    assert recipients(status) == [] and with_fresh_ids(status, "x")["entry"][0]["changes"][0]["value"][
        "statuses"
    ][0]["id"].endswith(".x")
