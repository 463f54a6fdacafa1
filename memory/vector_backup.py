"""Every Chroma collection written out and read back, with its vectors (docs/operations.md#backups).

Through the client rather than by copying files: the same for the embedded store and a Chroma server,
consistent while the service runs (a file copy of a store being written is not), and readable by a newer
Chroma. The embeddings go with the records, so a restore computes none.

One JSON-lines file per collection: a head line (the name, metadata and index settings), then one line
per record (id, document, metadata, embedding).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson

from memory.vectors import VectorStore

_PAGE = 500
_HNSW_KEPT = ("space", "ef_construction", "ef_search", "max_neighbors")  # what creation accepts


def export_collections(store: VectorStore, into: Path) -> dict[str, int]:
    """Each collection to `into/<name>.jsonl`; records per collection."""
    into.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for listed in store.client.list_collections():
        raw = store.client.get_collection(listed.name)
        hnsw = (raw.configuration or {}).get("hnsw") or {}
        head = {"collection": raw.name, "metadata": raw.metadata, "hnsw": _kept(hnsw)}
        n = 0
        with (into / f"{raw.name}.jsonl").open("wb") as out:
            out.write(orjson.dumps(head) + b"\n")
            while True:
                page = raw.get(include=["embeddings", "documents", "metadatas"], limit=_PAGE, offset=n)
                if not page["ids"]:
                    break
                for i, record_id in enumerate(page["ids"]):
                    record = {
                        "id": record_id,
                        "document": page["documents"][i],
                        "metadata": page["metadatas"][i],
                        "embedding": page["embeddings"][i],
                    }
                    out.write(orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
                n += len(page["ids"])
        counts[raw.name] = n
    return counts


def import_collections(store: VectorStore, source: Path) -> dict[str, int]:
    """The collections of `source` back, each replacing the collection of that name; records each."""
    counts: dict[str, int] = {}
    for path in sorted(source.glob("*.jsonl")):
        with path.open("rb") as lines:
            head = orjson.loads(next(lines))
            name = head["collection"]
            if name in {c.name for c in store.client.list_collections()}:
                store.client.delete_collection(name)
            raw = store.client.create_collection(
                name,
                metadata=head.get("metadata") or None,
                configuration={"hnsw": head.get("hnsw") or {"space": "cosine"}},
                embedding_function=store.embedding,
            )
            batch: list[dict[str, Any]] = []
            counts[name] = 0
            for line in lines:
                batch.append(orjson.loads(line))
                if len(batch) == _PAGE:
                    counts[name] += _add(raw, batch)
            counts[name] += _add(raw, batch)
    return counts


async def export_store(store: VectorStore, into: Path) -> dict[str, int]:
    return await asyncio.to_thread(export_collections, store, into)


async def import_store(store: VectorStore, source: Path) -> dict[str, int]:
    counts = await asyncio.to_thread(import_collections, store, source)
    store.forget_collections()  # handles opened before point at the collections just replaced
    return counts


def _add(raw: Any, batch: list[dict[str, Any]]) -> int:
    if not batch:
        return 0
    raw.add(
        ids=[r["id"] for r in batch],
        documents=[r["document"] for r in batch],
        metadatas=[r["metadata"] or None for r in batch],
        embeddings=[r["embedding"] for r in batch],
    )
    n = len(batch)
    batch.clear()
    return n


def _kept(hnsw: dict[str, Any]) -> dict[str, Any]:
    return {k: hnsw[k] for k in _HNSW_KEPT if hnsw.get(k) is not None}
