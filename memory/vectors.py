"""The vector store: Chroma, as a server (CHROMA_URL) or embedded under HUDHUD_DATA_DIR/chroma.

The embedded store (a PersistentClient) belongs to ONE process: Chroma keeps its index in memory and
writes it back from that process, so two processes on one directory lose or corrupt each other's
writes. Hudhud therefore lets the service own it — `hudhud kb` talks to the running service's admin API
when one answers — and deployments with several processes (`hudhud serve` + `hudhud worker`) point
CHROMA_URL at a Chroma server (`chroma run --path …`).

chromadb's client is synchronous (and embedding is CPU work): every call here runs in a worker thread
(`asyncio.to_thread`) so the event loop keeps serving webhooks meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from base.settings import MemorySettings, SettingsError
from memory.embeddings import E5Embeddings, baseline

Where = dict[str, Any]
Metadata = Mapping[str, str | int | float | bool]


class VectorStoreUnavailable(RuntimeError):
    """Chroma could not be reached or opened; the message says where and why."""


@dataclass(frozen=True)
class Match:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float  # cosine similarity (1 - cosine distance)
    relevance: float  # score minus the question's off-topic baseline (memory.embeddings.baseline)


# How long "this collection is empty" is believed without asking Chroma again. Every add through this
# process's handle forgets it at once; what another process stores (another worker, `hudhud kb` without a
# service, a Chroma server other tools write to) is searched at most this long later — a person's next
# message comes seconds after the last, while at hundreds of turns a second the count it saves is ~1 %
# of a core (tests/memory/test_vectors.py stores from another process, then asks).
EMPTY_RECHECK_S = 0.5


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a shared check's failure as seen: its callers each had it raised, or were cancelled."""
    if not future.cancelled():
        future.exception()


class VectorCollection:
    """One Chroma collection (cosine space, our embedding function) with async methods."""

    def __init__(
        self,
        collection: Any,
        embedding: E5Embeddings,
        *,
        empty_recheck_s: float = EMPTY_RECHECK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._c = collection
        self._ef = embedding
        self._empty_recheck_s = empty_recheck_s
        self._clock = clock
        self._empty_until = 0.0  # until then the whole collection is known to be empty
        self._writes = 0  # adds finished through this handle: an emptiness seen across one is not kept
        # The emptiness check in flight, with the writes it started after (`holds_any`).
        self._probe: tuple[int, asyncio.Future[bool | None]] | None = None

    async def add(
        self,
        ids: Sequence[str],
        documents: Sequence[str],
        metadatas: Sequence[Metadata],
        *,
        embed_texts: Sequence[str] | None = None,
        embeddings: np.ndarray | None = None,
    ) -> None:
        """Store documents; they are embedded from `embed_texts` when given (e.g. the text with its
        section title), else from the documents themselves, unless `embeddings` are supplied."""

        def run() -> None:
            vectors = embeddings if embeddings is not None else self._ef(list(embed_texts or documents))
            self._c.upsert(
                ids=list(ids), documents=list(documents), metadatas=list(metadatas), embeddings=vectors
            )

        if ids:
            try:
                await asyncio.to_thread(run)
            finally:
                self._wrote()

    async def query(self, text: str, *, k: int, where: Where | None = None) -> list[Match]:
        """The k nearest documents to a question (embedded as a query), best first."""

        def run() -> list[Match]:
            vector = self._ef.query_vector(text)
            base = float(baseline(vector, self._ef.variant)[0])
            return self._matches(self._c.query(query_embeddings=vector, n_results=k, where=where), base)

        return await asyncio.to_thread(run)

    async def query_vector(self, vector: np.ndarray, *, k: int, where: Where | None = None) -> list[Match]:
        """The k nearest to a pre-computed vector (relevance is then the plain score)."""
        result = await asyncio.to_thread(
            self._c.query, query_embeddings=np.asarray(vector).reshape(1, -1), n_results=k, where=where
        )
        return self._matches(result, 0.0)

    @staticmethod
    def _matches(result: Mapping[str, Any], base: float) -> list[Match]:
        ids = result["ids"][0]
        docs = result["documents"][0] if result.get("documents") else [""] * len(ids)
        metas = result["metadatas"][0] if result.get("metadatas") else [{}] * len(ids)
        return [
            Match(
                id=i,
                text=d or "",
                metadata=dict(m or {}),
                score=1.0 - float(dist),
                relevance=1.0 - float(dist) - base,
            )
            for i, d, m, dist in zip(ids, docs, metas, result["distances"][0], strict=True)
        ]

    async def get(
        self,
        *,
        ids: Sequence[str] | None = None,
        where: Where | None = None,
        limit: int | None = None,
        documents: bool = False,
    ) -> list[tuple[str, dict[str, Any], str]]:
        """(id, metadata, document) of matching records; documents only when asked for."""
        include = ["metadatas", "documents"] if documents else ["metadatas"]
        result = await asyncio.to_thread(
            self._c.get, ids=list(ids) if ids is not None else None, where=where, limit=limit, include=include
        )
        docs = result.get("documents") or [""] * len(result["ids"])
        return [
            (i, dict(m or {}), d or "")
            for i, m, d in zip(result["ids"], result["metadatas"], docs, strict=True)
        ]

    async def page(self, *, offset: int, limit: int) -> list[tuple[str, dict[str, Any], str]]:
        """(id, metadata, document) of a page of every record, in the store's order (key rotation)."""
        result = await asyncio.to_thread(
            self._c.get, offset=offset, limit=limit, include=["metadatas", "documents"]
        )
        docs = result.get("documents") or [""] * len(result["ids"])
        return [
            (i, dict(m or {}), d or "")
            for i, m, d in zip(result["ids"], result["metadatas"], docs, strict=True)
        ]

    async def replace_documents(self, ids: Sequence[str], documents: Sequence[str]) -> None:
        """New documents for existing records, their vectors kept as they are (never embedded from the
        new documents: an encrypted memory's vector is its clear text's)."""

        def run() -> None:
            found = self._c.get(ids=list(ids), include=["embeddings", "metadatas"])
            by_id = dict(zip(ids, documents, strict=True))
            self._c.upsert(
                ids=found["ids"],
                documents=[by_id[i] for i in found["ids"]],
                metadatas=found["metadatas"],
                embeddings=found["embeddings"],
            )

        if ids:
            await asyncio.to_thread(run)

    async def delete(self, *, ids: Sequence[str] | None = None, where: Where | None = None) -> None:
        if ids is not None and not ids:
            return
        await asyncio.to_thread(self._c.delete, ids=list(ids) if ids is not None else None, where=where)

    async def count(self) -> int:
        return int(await asyncio.to_thread(self._c.count))

    async def holds_any(self, where: Where | None = None) -> bool:
        """Whether the collection (or the records `where` selects) holds anything: a count or a one-row
        lookup, well under a millisecond, against ~20 ms of CPU to embed a question. An empty collection
        is remembered for `empty_recheck_s` (or until this handle adds something), so that while nothing
        is stored — no knowledge base, no memories yet — a turn asks Chroma nothing at all."""
        if self._clock() < self._empty_until:
            return False
        writes = self._writes
        probe = self._probe
        if probe is not None and probe[0] == writes and not probe[1].done():
            # Another turn is asking Chroma already, since this handle's last add: if it finds the whole
            # collection empty, so would this one. Turns that arrive together once the emptiness is
            # forgotten ask once, not each in a thread of its own (~0.4 ms of CPU each).
            with contextlib.suppress(Exception):  # its failure is its own: this one asks for itself
                if await asyncio.shield(probe[1]) is False:
                    return False
        ask = asyncio.ensure_future(self._holds(where))
        ask.add_done_callback(_retrieved)
        if self._probe is None or self._probe[1].done():
            self._probe = (writes, ask)
        held = await asyncio.shield(ask)  # a caller cancelled leaves the answer to those who joined it
        if held is False and writes == self._writes:  # an add that finished meanwhile may have landed
            self._empty_until = self._clock() + self._empty_recheck_s
        return bool(held)

    async def _holds(self, where: Where | None) -> bool | None:
        """True: something (matching `where`) is there; None: nothing matches but the collection holds
        some; False: the collection is empty."""
        if where is None:
            return await self.count() > 0
        return await asyncio.to_thread(self._first_of, where)

    def _first_of(self, where: Where) -> bool | None:
        """True when a record matches `where`; None when none does but the collection holds some; False
        when it is empty (a count, asked only when the lookup found nothing)."""
        if self._c.get(where=where, limit=1, include=[])["ids"]:
            return True
        return None if self._c.count() else False

    def _wrote(self) -> None:
        self._writes += 1
        self._empty_until = 0.0


class VectorStore:
    """A Chroma client and Hudhud's embedding function; `collection()` opens collections with both."""

    def __init__(self, client: Any, *, location: str, embedding: E5Embeddings | None = None) -> None:
        self.client = client
        self.location = location
        self.embedding = embedding or E5Embeddings()
        self._collections: dict[str, VectorCollection] = {}

    @classmethod
    def open(cls, memory: MemorySettings, data_dir: Path) -> VectorStore:
        """A Chroma server when CHROMA_URL is set, else the embedded store under HUDHUD_DATA_DIR/chroma."""
        if memory.chroma_url:
            return cls.remote(memory.chroma_url)
        return cls.embedded(Path(data_dir) / "chroma")

    @classmethod
    def embedded(cls, path: Path) -> VectorStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(
                path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
            )
        except Exception as exc:
            raise VectorStoreUnavailable(f"cannot open the embedded Chroma store at {path}: {exc}") from exc
        return cls(client, location=str(path))

    @classmethod
    def remote(cls, url: str) -> VectorStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"invalid setting CHROMA_URL: expected http(s)://host:port, got {url!r}")
        ssl = parts.scheme == "https"
        try:
            client = chromadb.HttpClient(
                host=parts.hostname,
                port=parts.port or (443 if ssl else 8000),
                ssl=ssl,
                settings=ChromaSettings(anonymized_telemetry=False),
            )
        except Exception as exc:
            raise VectorStoreUnavailable(f"cannot reach Chroma at {url}: {exc}") from exc
        return cls(client, location=url)

    async def collection(self, name: str, *, hnsw: Mapping[str, Any] | None = None) -> VectorCollection:
        """Get or create a collection in cosine space with our embedding function (never Chroma's
        default, which would download a model). `hnsw` adds index settings (ef_search, max_neighbors…)."""
        found = self._collections.get(name)
        if found is None:
            configuration = {"hnsw": {"space": "cosine", **(hnsw or {})}}
            raw = await asyncio.to_thread(
                self.client.get_or_create_collection,
                name,
                configuration=configuration,
                embedding_function=self.embedding,
            )
            found = self._collections[name] = VectorCollection(raw, self.embedding)
        return found

    async def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        await asyncio.to_thread(self.client.delete_collection, name)

    def forget_collections(self) -> None:
        """Drop the collection handles opened so far (a restore replaced the collections under them)."""
        self._collections.clear()

    def close(self) -> None:
        """Release the client (the embedded store flushes and frees its files)."""
        self._collections.clear()
        close = getattr(self.client, "close", None)
        if close is not None:
            close()
