"""`hudhud kb` through typer's CliRunner: on the store directly when no service answers, and through a
running service's admin API (the embedded store's one owner) when one does."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hudhud import cli_kb
from hudhud.app import create_app
from hudhud.cli import app
from tests.helpers import LiveServer, live

DOCS = Path(__file__).resolve().parent.parent / "fixtures" / "kb" / "docs"
PASSWORD = "s3cret-admin"
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUDHUD_SERVICE_URL", f"http://127.0.0.1:{_free_port()}")  # nothing listens
    monkeypatch.setenv("HUDHUD_KB_THRESHOLD", "0.09")
    monkeypatch.setenv("COLUMNS", "220")  # rich tables unwrapped
    monkeypatch.delenv("CHROMA_URL", raising=False)
    monkeypatch.delenv("HUDHUD_ADMIN_PASSWORD", raising=False)
    return tmp_path


def test_direct_add_list_search_remove(env: Path) -> None:
    added = runner.invoke(app, ["kb", "add", str(DOCS)])
    assert added.exit_code == 0, added.output
    assert "added 6, updated 0, unchanged 0" in added.output and "1 unsupported files skipped" in added.output
    assert (env / "data" / "chroma").is_dir()  # the embedded store, opened here

    again = runner.invoke(app, ["kb", "add", str(DOCS / "office.txt"), "--internal"])
    assert "added 1" in again.output  # office.txt as a file is a new source

    listed = runner.invoke(app, ["kb", "list"])
    assert listed.exit_code == 0
    for source in ("docs/accounts.md", "docs/ar/leave.md", "docs/shipping.pdf", "office.txt"):
        assert source in listed.output
    assert "internal" in listed.output

    found = runner.invoke(
        app, ["kb", "search", "How long does delivery take inside Saudi Arabia?", "-k", "2"]
    )
    assert found.exit_code == 0 and "docs/shipping.pdf" in found.output and "page 1" in found.output
    nothing = runner.invoke(app, ["kb", "search", "What is the capital of Japan?"])
    assert "nothing relevant found" in nothing.output
    everything = runner.invoke(
        app, ["kb", "search", "What is the capital of Japan?", "--threshold", "-1", "--public"]
    )
    assert "docs/" in everything.output and "docs/oncall.md" not in everything.output

    removed = runner.invoke(app, ["kb", "remove", "docs/shipping.pdf"])
    assert removed.exit_code == 0 and "removed docs/shipping.pdf (1 chunks)" in removed.output
    missing = runner.invoke(app, ["kb", "remove", "docs/shipping.pdf"])
    assert missing.exit_code == 1 and "no document named 'docs/shipping.pdf'" in missing.output


def test_direct_errors_are_one_line(env: Path) -> None:
    bad_path = runner.invoke(app, ["kb", "add", str(env / "nope.md")])
    assert (
        bad_path.exit_code == 2 and f"error: no such file or directory: {env / 'nope.md'}" in bad_path.output
    )
    (env / "slides.pptx").write_bytes(b"PK")
    (env / "ok.txt").write_text("The cafeteria opens at 7 am.", encoding="utf-8")
    partly = runner.invoke(app, ["kb", "add", str(env / "slides.pptx"), str(env / "ok.txt")])
    assert partly.exit_code == 1
    assert "added 1" in partly.output and "unsupported file type '.pptx'" in partly.output
    empty = runner.invoke(app, ["kb", "list"])
    assert "ok.txt" in empty.output
    assert runner.invoke(app, ["kb", "search", "  "]).exit_code == 2
    assert "Traceback" not in partly.output + bad_path.output


def test_empty_list_and_bad_settings(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "the knowledge base is empty" in runner.invoke(app, ["kb", "list"]).output
    monkeypatch.setenv("CHROMA_URL", "not-a-url")
    bad = runner.invoke(app, ["kb", "list"])
    assert bad.exit_code == 1 and "invalid setting CHROMA_URL" in bad.output
    monkeypatch.setenv("HUDHUD_KB_TOP_K", "0")
    assert "invalid setting HUDHUD_KB_TOP_K" in runner.invoke(app, ["kb", "list"]).output


@pytest.fixture
def service(env: Path, settings_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    settings = settings_factory(
        hudhud_data_dir=env / "service-data", hudhud_admin_password=PASSWORD, hudhud_kb_threshold=0.09
    )
    with live(create_app(settings)) as server:
        monkeypatch.setenv("HUDHUD_SERVICE_URL", server.url)
        monkeypatch.setenv("HUDHUD_ADMIN_PASSWORD", PASSWORD)
        yield server


def test_through_the_running_service(env: Path, service: LiveServer) -> None:
    added = runner.invoke(app, ["kb", "add", str(DOCS / "ar"), str(DOCS / "shipping.pdf"), "--internal"])
    assert added.exit_code == 0, added.output
    assert "added 2, updated 0, unchanged 0; 3 chunks written" in added.output
    # The service wrote them into its own store; the CLI never opened one.
    assert (env / "service-data" / "chroma").is_dir() and not (env / "data").exists()
    kb = service.server.config.app.state.knowledge
    assert kb is not None and kb.store.location == str(env / "service-data" / "chroma")

    again = runner.invoke(app, ["kb", "add", str(DOCS / "ar"), str(DOCS / "shipping.pdf"), "--internal"])
    assert "unchanged 2" in again.output

    listed = runner.invoke(app, ["kb", "list"])
    assert "ar/leave.md" in listed.output and "shipping.pdf" in listed.output and "internal" in listed.output
    found = runner.invoke(app, ["kb", "search", "How many days of annual leave do employees get?"])
    assert found.exit_code == 0 and "ar/leave.md" in found.output
    public_only = runner.invoke(app, ["kb", "search", "annual leave", "--public", "--threshold", "-1"])
    assert "nothing relevant found" in public_only.output  # both documents are internal

    (env / "bad.pdf").write_bytes(b"%PDF-1.4 junk")
    failed = runner.invoke(app, ["kb", "add", str(env / "bad.pdf")])
    assert failed.exit_code == 1 and "bad.pdf: not a readable PDF" in failed.output

    assert runner.invoke(app, ["kb", "remove", "shipping.pdf"]).exit_code == 0
    missing = runner.invoke(app, ["kb", "remove", "shipping.pdf"])
    assert missing.exit_code == 1 and "no document named 'shipping.pdf'" in missing.output


def test_service_errors_are_one_line(env: Path, service: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUDHUD_ADMIN_PASSWORD", "wrong")
    for args in (["kb", "list"], ["kb", "add", str(DOCS / "office.txt")], ["kb", "search", "x"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert f"error: the service at {service.url} refused the admin password" in result.output
        assert "Traceback" not in result.output


def test_something_else_at_the_service_url(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    other = FastAPI()

    @other.get("/admin/api/kb/documents")
    async def broken() -> PlainTextResponse:
        return PlainTextResponse("upstream exploded", status_code=502)

    with live(other) as server:
        monkeypatch.setenv("HUDHUD_SERVICE_URL", server.url)
        result = runner.invoke(app, ["kb", "search", "anything"])
        broken_answer = runner.invoke(app, ["kb", "list"])
    assert result.exit_code == 1 and f"no Hudhud admin API at {server.url} (HTTP 404)" in result.output
    assert broken_answer.exit_code == 1 and "error: upstream exploded" in broken_answer.output


def test_a_service_that_does_not_answer_is_not_bypassed(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # accepts connections (the backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        monkeypatch.setenv("HUDHUD_SERVICE_URL", f"http://127.0.0.1:{sock.getsockname()[1]}")
        monkeypatch.setattr(cli_kb, "HEALTH_TIMEOUT_S", 0.3)
        result = runner.invoke(app, ["kb", "list"])
    assert result.exit_code == 1 and "did not answer its health check" in result.output
    assert not (env / "data").exists()  # the store was not opened behind the service's back
