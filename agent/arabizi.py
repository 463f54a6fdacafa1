"""Arabizi ("ezay a3mel link", Arabic in Latin letters) into Arabic script, for retrieval.

The multilingual embeddings place an Arabizi question far from the Arabic and English documents that
answer it (relevance 0.03–0.05, below unrelated questions); the same question in Arabic script scores
0.12–0.13, as any Arabic question does (docs/memory.md). `egyptian-arabizi-franco` is a 3M-parameter
character-level transformer (ONNX, bundled, offline) with rules that keep English words in Latin
letters. Only the search query is converted: the model still reads the user's own words.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class ArabiziConverter:
    """Loads its model on first use (about a second), then converts in a worker thread (~50 ms)."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._converter: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._converter is None:
                from egyptian_arabizi_franco import Converter

                self._converter = Converter(threads=self.threads)
            return self._converter

    def convert_sync(self, text: str) -> str:
        return str(self._load().convert(text))

    async def convert(self, text: str) -> str:
        """The text in Arabic script; the text itself when conversion fails (search still runs)."""
        try:
            return await asyncio.to_thread(self.convert_sync, text)
        except Exception as exc:  # a retrieval aid: never fail a turn for it
            log.warning("arabizi conversion failed", error=str(exc))
            return text
