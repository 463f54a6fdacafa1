"""The `hudhud` command line: doctor, dead letters, bad settings, and `hudhud up` end to end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
from redis import Redis as SyncRedis
from typer.testing import CliRunner

from base.sealing import aad_inbox
from hudhud.cli import app
from memory.crypto import Cipher, dev_key
from tests.conftest import REDIS_TEST_URL
from tests.helpers import body_of, envelope, message, signed_headers

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_prefix: str) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    env = {
        "REDIS_URL": REDIS_TEST_URL,
        "HUDHUD_REDIS_PREFIX": redis_prefix,
        "WHATSAPP_APP_SECRET": "s",
        "WHATSAPP_VERIFY_TOKEN": "v",
        "HUDHUD_DATA_DIR": str(tmp_path / "data"),
        "HUDHUD_RESPONDER": "none",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def test_doctor_reports_sandbox_and_redis(cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "sandbox" in result.output and "redis" in result.output
    assert "persistence" in result.output


def test_doctor_fails_on_unreachable_graph(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "t")
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "111")
    monkeypatch.setenv("WHATSAPP_API_BASE", "http://127.0.0.1:1/v25.0")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "unreachable" in result.output


def test_doctor_and_worker_name_a_bad_variable(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUDHUD_PORT", "99999")
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 1 and "HUDHUD_PORT" in doctor.output
    worker = runner.invoke(app, ["worker"])
    assert worker.exit_code == 2 and "HUDHUD_PORT" in worker.output


def test_the_worker_runs_on_uvloop() -> None:
    """As `hudhud serve` and `up` do through uvicorn (tests/test_worker_crash.py runs a worker's turns)."""
    import asyncio

    import uvloop

    from hudhud.cli import _event_loop_factory

    factory = _event_loop_factory()
    assert factory is uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        assert isinstance(runner.get_loop(), uvloop.Loop)


def test_doctor_flags_redis_down(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1 and "FAIL" in result.output


def test_dead_letters_list_and_retry(cli_env: dict[str, str], redis_prefix: str) -> None:
    client = SyncRedis.from_url(REDIS_TEST_URL)
    msg = {"id": "wamid.dl", "wa_id": "9665", "phone_number_id": "p", "type": "text", "text": "hi"}
    try:
        entry = client.xadd(
            f"{redis_prefix}:dead",
            {"kind": "turn", "conv": "p:9665", "error": "boom", "messages": orjson.dumps([msg])},
        ).decode()
        listed = runner.invoke(app, ["dead", "list"])
        assert listed.exit_code == 0 and "boom" in listed.output and "p:9665" in listed.output
        retried = runner.invoke(app, ["dead", "retry", entry])
        assert retried.exit_code == 0, retried.output
        # A dead letter stored in clear (before encryption at rest) goes back to the inbox encrypted.
        requeued = client.lindex(f"{redis_prefix}:inbox:p:9665", 0)
        cipher = Cipher(dev_key(Path(cli_env["HUDHUD_DATA_DIR"])))
        assert orjson.loads(cipher.decrypt(requeued, aad_inbox("p:9665")))["id"] == "wamid.dl"
        assert client.xlen(f"{redis_prefix}:in") == 1
        assert runner.invoke(app, ["dead", "retry", entry]).exit_code == 1
        assert "no dead letters" in runner.invoke(app, ["dead", "list"]).output
    finally:
        keys = list(client.scan_iter(match=f"{redis_prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_up_serves_webhooks_and_answers_in_the_sandbox(tmp_path: Path) -> None:
    """`hudhud up` with nothing configured: embedded Redis, in-process worker, sandbox outbound."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUDHUD_", "WHATSAPP_", "REDIS_"))}
    env.update(
        {
            "HUDHUD_DATA_DIR": str(tmp_path / "data"),
            "WHATSAPP_APP_SECRET": "s",
            "HUDHUD_BLOCK_MS": "100",
            "HUDHUD_RESPONDER": "none",  # the agent's model has its own tests
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hudhud", "up", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError(f"hudhud up did not become healthy: {proc.communicate()[0].decode()}")
            time.sleep(0.1)
        body = body_of(envelope([message("wamid.up", "966500000009", "/ping")]))
        assert (
            httpx.post(
                url + "/webhook/whatsapp", content=body, headers=signed_headers(body, b"s")
            ).status_code
            == 200
        )
        deadline = time.monotonic() + 15
        while not (sent := httpx.get(url + "/sandbox/messages").json()):
            assert time.monotonic() < deadline, "no reply in the sandbox"
            time.sleep(0.1)
        assert sent[0]["to"] == "966500000009"
        # The reference core API is served too, under /core, with its own secrets in the data dir.
        assert httpx.get(url + "/core/healthz").status_code == 200
        assert "create_task" in httpx.get(url + "/core/openapi.json").text
        assert sent[0]["payload"]["text"]["body"].startswith("pong")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode in (0, -15), out.decode()  # uvicorn re-raises SIGTERM after a clean shutdown
    assert b"Traceback" not in out
    assert (tmp_path / "data" / "appendonly.aof").exists()
    assert not _servers_in(tmp_path), "the embedded redis-server outlived `hudhud up`"


def _servers_in(path: Path) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        try:
            if proc.info["name"] == "redis-server" and str(path) in proc.cwd():
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def test_serve_refuses_a_missing_model_in_one_line(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUDHUD_RESPONDER", "agent")
    monkeypatch.setenv("HUDHUD_LOCAL_MODEL", "/nonexistent/model.gguf")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "HUDHUD_LOCAL_MODEL" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("HUDHUD_RESPONDER", "no_such_module:factory")
    result = runner.invoke(app, ["up", "--port", "1"])
    assert result.exit_code == 2 and "HUDHUD_RESPONDER" in result.output


def test_doctor_reports_the_model(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUDHUD_RESPONDER", "agent")
    monkeypatch.setenv("HUDHUD_LOCAL_MODEL", "smollm2")
    ok = runner.invoke(app, ["doctor"])
    assert ok.exit_code == 0 and "embedded" in ok.output and "SmolLM2" in ok.output
    monkeypatch.setenv("HUDHUD_LOCAL_MODEL", "/nonexistent.gguf")
    bad = runner.invoke(app, ["doctor"])
    assert bad.exit_code == 1 and "model" in bad.output
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("HUDHUD_MODEL", "gpt-x")
    remote = runner.invoke(app, ["doctor"])  # nothing listens there: the endpoint check fails
    assert remote.exit_code == 1 and "gpt-x" in remote.output and "model endpoint" in remote.output


def test_links_admin_commands(cli_env: dict[str, str]) -> None:
    assert "no links" in runner.invoke(app, ["links", "list"]).output
    assert (
        runner.invoke(
            app, ["links", "set", "966500000001", "7", "--role", "manager", "--name", "Mona"]
        ).exit_code
        == 0
    )
    listed = runner.invoke(app, ["links", "list"]).output
    assert "966500000001" in listed and "Mona" in listed and "manager" in listed
    assert "blocked" in runner.invoke(app, ["links", "block", "966500000001"]).output
    assert "True" in runner.invoke(app, ["links", "list"]).output
    assert "unblocked" in runner.invoke(app, ["links", "block", "966500000001", "--undo"]).output
    assert runner.invoke(app, ["links", "unlink", "966500000001"]).output.strip() == "unlinked"
    assert runner.invoke(app, ["links", "unlink", "966500000001"]).output.strip() == "was not linked"
