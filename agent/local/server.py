"""llama.cpp's OpenAI-compatible server, in this process (xllamacpp), on a random loopback port.

Anything that speaks OpenAI uses it: `ChatOpenAI(base_url=server.base_url, api_key=…, model="local")`.
Measured facts that shape this class:
- Loading holds the GIL (xllamacpp's constructor does not release it): `astart()` moves it to a thread,
  but the event loop still stalls for the load (≈0.4 s SmolLM2, ≈3 s the 1.5B). Start it before serving.
- Once loaded, requests run on llama.cpp's own threads; Python is free while a reply is generated.
- The prompt cache is on: a request whose prefix (system prompt, tool list) matches the previous one only
  processes the new tail, so `warm()` with the real system prompt spares the first user the cold prompt.
- With `state_dir`, llama.cpp's slot save/restore (`POST /slots/0?action=save|restore`) writes the
  slot's processed prompt (its KV cache) to a file and reads it back in milliseconds: a restart restores
  the warmed prompts instead of processing them again (agent/local/prompt_state.py). Restoring replaces
  the slot without keeping its previous prompt in the RAM prompt cache; `flush()` makes llama.cpp keep it
  there (any request with another prompt does).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx
import structlog

from agent.local.errors import ModelLoadError, ModelNotInstalled
from agent.tokens import llama_tokenize

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

log = structlog.get_logger(__name__)

MODEL_ALIAS = "local"
_WARM_TIMEOUT_S = 600.0
WARM_MESSAGE = "hi"  # the user message of a warm-up request (part of the saved prompt state's key)


class LocalModelServer:
    """One llama.cpp server for one GGUF file.

    `n_ctx` is the context of one conversation slot; `parallel` slots decode concurrently and llama.cpp is
    given `n_ctx * parallel` in total. `api_key` (optional) makes the server require
    `Authorization: Bearer <key>` on everything but /health and /v1/models — worth setting where other
    local users or processes should not reach the model. Browsers are refused either way (CORS limited to
    the server's own origin, web UI off).
    """

    model = MODEL_ALIAS

    def __init__(
        self,
        path: Path,
        *,
        threads: int,
        n_ctx: int = 4096,
        parallel: int = 1,
        api_key: str | None = None,
        cache_ram_mib: int = 1024,
        verbosity: int = 1,
        state_dir: Path | None = None,
    ) -> None:
        if threads < 1 or n_ctx < 1 or parallel < 1:
            raise ValueError("threads, n_ctx and parallel must be positive")
        self.path = Path(path)
        self.threads = threads
        self.n_ctx = n_ctx
        self.parallel = parallel
        self.api_key = api_key
        self.cache_ram_mib = cache_ram_mib  # llama.cpp's default (8 GiB of cached prompts) is a lot here
        self.verbosity = verbosity  # llama.cpp log level: 1 errors, 2 + warnings, 3 + info
        self.state_dir = Path(state_dir) if state_dir is not None else None  # slot save/restore files
        self.load_seconds: float | None = None
        self._server: Any = None
        self._address: str | None = None
        self._lock = threading.Lock()

    # --- life cycle ---

    def start(self) -> None:
        """Load the model and start serving; blocks (and holds the GIL) while loading. Idempotent."""
        with self._lock:
            if self._server is not None:
                return
            try:
                import xllamacpp
            except ImportError as exc:
                raise ModelNotInstalled(
                    "llama.cpp (xllamacpp) is not installed: pip install -e '.[local]' (`make run` does it)"
                ) from exc
            if not self.path.is_file():
                raise ModelLoadError(f"no model file at {self.path}")
            params = xllamacpp.CommonParams()
            params.model.path = str(self.path)
            params.model_alias = {MODEL_ALIAS}
            params.n_ctx = self.n_ctx * self.parallel
            params.n_parallel = self.parallel
            params.cpuparams.n_threads = self.threads
            params.cpuparams_batch.n_threads = self.threads
            params.cache_ram_mib = self.cache_ram_mib
            params.verbosity = self.verbosity
            params.ui = False
            params.cors_origins = "http://127.0.0.1"  # no web page may call the model from a browser
            if self.api_key:
                params.api_keys = [self.api_key]
            if self.state_dir is not None:
                self.state_dir.mkdir(parents=True, exist_ok=True)
                # llama.cpp joins this and the file name as strings: the trailing separator matters.
                params.slot_save_path = f"{self.state_dir}/"
            started = time.perf_counter()
            try:
                server = xllamacpp.Server(params)
            except RuntimeError as exc:
                raise ModelLoadError(
                    f"llama.cpp could not load {self.path} ({exc}); is it a complete GGUF file of a model "
                    "this llama.cpp supports?"
                ) from exc
            self.load_seconds = time.perf_counter() - started
            self._server = server
            self._address = str(server.listening_address).rstrip("/")
        log.info(
            "local model loaded",
            path=str(self.path),
            seconds=round(self.load_seconds, 2),
            threads=self.threads,
            n_ctx=self.n_ctx,
            parallel=self.parallel,
            address=self._address,
        )

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    def stop(self) -> None:
        """Stop serving and free the model. Idempotent."""
        with self._lock:
            server, self._server, self._address = self._server, None, None
        if server is not None:
            del server  # xllamacpp stops the HTTP loop and frees the model when the Server is collected
            log.info("local model stopped", path=str(self.path))

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)  # waits for a reply in progress to end

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await self.astart()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.astop()

    # --- endpoints ---

    @property
    def address(self) -> str:
        """http://127.0.0.1:PORT (llama.cpp's own endpoints: /health, /tokenize, /props)."""
        if self._address is None:
            raise RuntimeError("the local model server is not running: call start() first")
        return self._address

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL: http://127.0.0.1:PORT/v1."""
        return f"{self.address}/v1"

    def chat_model(self, **overrides: Any) -> ChatOpenAI:
        """A ChatOpenAI bound to this server (temperature 0 unless overridden)."""
        from langchain_openai import ChatOpenAI

        values: dict[str, Any] = {
            "base_url": self.base_url,
            "api_key": self.api_key or "local",
            "model": MODEL_ALIAS,
            "temperature": 0,
        }
        values.update(overrides)
        return ChatOpenAI(**values)

    async def warm(self, system_prompt: str | None = None) -> float:
        """Run one 1-token completion so the first user does not pay the cold start; returns its seconds.

        Give it the exact system prompt the agent will send: the prompt cache then already holds it and a
        real turn only processes its own messages.
        """
        seconds, _ = await self.warm_counted(system_prompt)
        return seconds

    async def warm_counted(self, system_prompt: str | None = None) -> tuple[float, int]:
        """`warm()`, with the number of prompt tokens llama.cpp had to process (not found in its cache)."""
        messages: list[dict[str, str]] = (
            [{"role": "system", "content": system_prompt}] if system_prompt else []
        )
        messages.append({"role": "user", "content": WARM_MESSAGE})
        body = {"model": MODEL_ALIAS, "messages": messages, "max_tokens": 1, "temperature": 0}
        started = time.perf_counter()
        # A cold long prompt on a busy 2-core machine can take minutes; wrap in asyncio.timeout to cap it.
        async with httpx.AsyncClient(timeout=_WARM_TIMEOUT_S, headers=self._auth()) as client:
            response = await client.post(f"{self.base_url}/chat/completions", json=body)
            response.raise_for_status()
        seconds = time.perf_counter() - started
        timings = response.json().get("timings") or {}
        processed = int(timings.get("prompt_n") or 0)
        log.info(
            "local model warmed",
            seconds=round(seconds, 2),
            system_prompt_chars=len(system_prompt or ""),
            processed_tokens=processed,
            cached_tokens=int(timings.get("cache_n") or 0),
        )
        return seconds, processed

    async def flush(self) -> None:
        """A 1-token request with another prompt: llama.cpp moves the slot's prompt to its RAM cache."""
        body = {"model": MODEL_ALIAS, "prompt": ".", "max_tokens": 1, "temperature": 0}
        async with httpx.AsyncClient(timeout=_WARM_TIMEOUT_S, headers=self._auth()) as client:
            response = await client.post(f"{self.base_url}/completions", json=body)
            response.raise_for_status()

    async def save_slot(self, filename: str) -> None:
        """Write slot 0's processed prompt to `state_dir/filename` (written aside, then renamed)."""
        if self.state_dir is None:
            raise RuntimeError("the local model server has no state_dir")
        partial = f"{filename}.{os.getpid()}.partial"  # two processes on one data dir never share one
        await self._slot_action("save", partial)
        (self.state_dir / partial).replace(self.state_dir / filename)

    async def restore_slot(self, filename: str) -> bool:
        """Read `state_dir/filename` into slot 0; False when it is missing or llama.cpp refuses it."""
        if self.state_dir is None or not (self.state_dir / filename).is_file():
            return False
        try:
            await self._slot_action("restore", filename)
        except httpx.HTTPStatusError as exc:
            log.warning("prompt state not restored", file=filename, status=exc.response.status_code)
            return False
        return True

    async def _slot_action(self, action: str, filename: str) -> None:
        async with httpx.AsyncClient(timeout=_WARM_TIMEOUT_S, headers=self._auth()) as client:
            response = await client.post(
                f"{self.address}/slots/0", params={"action": action}, json={"filename": filename}
            )
            response.raise_for_status()

    async def tokenize(self, text: str) -> list[int]:
        """The model's token ids for `text` (llama.cpp POST /tokenize)."""
        return await llama_tokenize(self.address, text, api_key=self.api_key)

    def _auth(self) -> dict[str, str] | None:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else None
