"""The knowledge base: the organization's documents, chunked and embedded in one Chroma collection.

A document is known by its *source*: its path under the directory it was added from, led by that
directory's name (`hudhud kb add docs/kb` → `kb/en/faq.md`), or its file name when added as a file, or
the upload's name. Ingesting is idempotent: a document whose hash (of its
bytes, the requested visibility and the parser version) is unchanged is skipped; a changed one gets its
new chunks written first and its old chunks deleted after, so a failure half-way never leaves it missing.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from memory.chunking import (
    PARSER_VERSION,
    VISIBILITIES,
    UnreadableDocument,
    parse,
    supported,
    unsupported_reason,
)
from memory.occupancy import Occupied

if TYPE_CHECKING:  # chromadb loads only when a store is opened, not when the admin API is mounted
    from base.settings import MemorySettings
    from memory.vectors import VectorCollection, VectorStore

COLLECTION = "hudhud_kb"
MAX_BYTES = 20 * 1024 * 1024

Visibility = Literal["public", "internal"]
Progress = Callable[[int, int, str], None]  # (documents done, documents in all, source just done)


class IngestError(BaseModel):
    source: str
    reason: str


class IngestReport(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed_chunks: int = 0  # old chunks of updated documents, deleted
    chunks: int = 0  # chunks written
    errors: list[IngestError] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # files of unsupported types inside directories

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed_chunks += other.removed_chunks
        self.chunks += other.chunks
        self.errors += other.errors
        self.skipped += other.skipped

    def summary(self) -> str:
        text = (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}; "
            f"{self.chunks} chunks written, {self.removed_chunks} old chunks removed"
        )
        if self.skipped:
            text += f"; {len(self.skipped)} unsupported files skipped"
        if self.errors:
            text += f"; {len(self.errors)} errors"
        return text


class Hit(BaseModel):
    id: str
    source: str
    title: str
    section: str
    text: str
    score: float  # cosine similarity to the question
    relevance: float  # score minus the question's off-topic baseline: what the threshold applies to
    visibility: str
    lang: str


class DocInfo(BaseModel):
    source: str
    title: str
    chunks: int
    visibility: str
    hash: str
    lang: str


@dataclass(frozen=True)
class SourceFile:
    source: str
    path: Path | None = None
    data: bytes | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        size = self.path.stat().st_size
        if size > MAX_BYTES:
            raise UnreadableDocument(
                f"too large ({size // 1_048_576} MiB; the limit is {MAX_BYTES // 1_048_576})"
            )
        return self.path.read_bytes()


def clean_source(name: str) -> str:
    """A source name as stored: a relative POSIX path without '.', '..' or empty parts."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    if not parts:
        raise ValueError(f"invalid document name {name!r}")
    return "/".join(parts)


def expand(paths: Iterable[Path], report: IngestReport, *, within: Path | None = None) -> list[SourceFile]:
    """The documents under these paths: files as given, directories recursively (hidden entries and
    unsupported types in directories are skipped). Missing paths and named unsupported files become
    errors in the report; a source name seen twice is an error for the second file. With `within`, a
    file whose real path (links followed) lies outside it is an error, never read."""
    found: dict[str, SourceFile] = {}

    def take(source: str, path: Path) -> None:
        if within is not None and not path.resolve().is_relative_to(within):
            report.errors.append(IngestError(source=str(path), reason=f"links outside {within}"))
        elif source in found:
            reason = f"a document named {source!r} is already being added from {found[source].path}"
            report.errors.append(IngestError(source=str(path), reason=reason))
        else:
            found[source] = SourceFile(source=source, path=path)

    for root in paths:
        if root.is_dir():
            # The directory's own name leads its documents' sources: adding docs/kb/en and docs/kb/ar
            # gives en/faq.md and ar/faq.md, not two faq.md.
            base = PurePosixPath(root.resolve().name or "root")
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root)
                if path.is_dir() or any(part.startswith(".") for part in rel.parts):
                    continue
                if supported(path.name):
                    take((base / rel.as_posix()).as_posix(), path)
                else:
                    report.skipped.append((base / rel.as_posix()).as_posix())
        elif root.is_file():
            if supported(root.name):
                take(root.name, root)
            else:
                report.errors.append(IngestError(source=str(root), reason=unsupported_reason(root.name)))
        else:
            report.errors.append(IngestError(source=str(root), reason="no such file or directory"))
    return list(found.values())


def _hash(data: bytes, visibility: str) -> str:
    h = hashlib.sha256(f"hudhud-kb/{PARSER_VERSION}/{visibility}\0".encode())
    h.update(data)
    return h.hexdigest()


class KnowledgeBase:
    def __init__(
        self,
        store: VectorStore,
        *,
        top_k: int = 4,
        threshold: float = 0.09,  # on relevance (docs/memory.md, "Relevance, not raw cosine")
        collection: str = COLLECTION,
    ) -> None:
        self.store = store
        self.top_k = top_k
        self.threshold = threshold
        self._collection_name = collection
        self._lock = asyncio.Lock()  # one ingest at a time: two adds of one source must not interleave
        self._occupied = Occupied()

    @classmethod
    def from_settings(cls, memory: MemorySettings, store: VectorStore) -> KnowledgeBase:
        return cls(store, top_k=memory.kb_top_k, threshold=memory.kb_threshold)

    async def _col(self) -> VectorCollection:
        return await self.store.collection(self._collection_name)

    async def seed(self, spec: str | None, *, visibility: Visibility = "public") -> IngestReport | None:
        """Ingest HUDHUD_KB_SEED (comma-separated paths) — unchanged files are skipped, so this is cheap
        at every start-up. None when nothing is configured."""
        paths = [p.strip() for p in (spec or "").split(",") if p.strip()]
        return await self.add_paths(paths, visibility=visibility) if paths else None

    async def add_paths(
        self,
        paths: Sequence[Path | str],
        *,
        visibility: Visibility = "public",
        progress: Progress | None = None,
        within: Path | None = None,
    ) -> IngestReport:
        """Ingest files and directories (recursively); see the module docstring for what is skipped.
        `within`: read nothing whose real path lies outside this folder (the admin API's root)."""
        report = IngestReport()
        files = expand([Path(p) for p in paths], report, within=within)
        report.merge(await self.add_files(files, visibility=visibility, progress=progress))
        return report

    async def add_bytes(self, source: str, data: bytes, *, visibility: Visibility = "public") -> IngestReport:
        """Ingest one document given as bytes (an upload); `source` names it and decides its format."""
        return await self.add_files(
            [SourceFile(source=clean_source(source), data=data)], visibility=visibility
        )

    async def add_files(
        self,
        files: Sequence[SourceFile],
        *,
        visibility: Visibility = "public",
        progress: Progress | None = None,
    ) -> IngestReport:
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be public or internal, not {visibility!r}")
        report = IngestReport()
        if progress:
            progress(0, len(files), "")
        async with self._lock:
            for done, file in enumerate(files, 1):
                try:
                    await self._add_one(file, visibility, report)
                except UnreadableDocument as exc:
                    report.errors.append(IngestError(source=file.source, reason=str(exc)))
                except OSError as exc:
                    report.errors.append(
                        IngestError(source=file.source, reason=f"cannot read: {exc.strerror or exc}")
                    )
                if progress:
                    progress(done, len(files), file.source)
        return report

    async def _add_one(self, file: SourceFile, visibility: str, report: IngestReport) -> None:
        col = await self._col()
        data = await asyncio.to_thread(file.read)
        doc_hash = _hash(data, visibility)
        existing = await col.get(where={"source": file.source})
        if existing and all(
            m.get("doc_hash") == doc_hash and m.get("chunks") == len(existing) for _, m, _ in existing
        ):
            report.unchanged.append(file.source)
            return
        doc = await asyncio.to_thread(parse, file.source, data)
        effective = doc.visibility or visibility
        now = time.time()
        ids = [f"{file.source}#{doc_hash[:12]}:{c.index}" for c in doc.chunks]
        metadatas = [
            {
                "source": file.source,
                "title": doc.title,
                "section": c.section,
                "doc_hash": doc_hash,
                "chunk": c.index,
                "chunks": len(doc.chunks),
                "visibility": effective,
                "lang": c.lang,
                "added_at": now,
            }
            for c in doc.chunks
        ]
        # The section path goes into what is embedded: a chunk deep in "Tasks > Assigning" matches a
        # question about assigning tasks even when its own words do not say "task".
        embed_texts = [f"{c.section or doc.title}\n{c.text}" for c in doc.chunks]
        await col.add(ids, [c.text for c in doc.chunks], metadatas, embed_texts=embed_texts)
        new_ids = set(ids)
        stale = [i for i, _, _ in existing if i not in new_ids]
        await col.delete(ids=stale)
        report.chunks += len(ids)
        report.removed_chunks += len(stale)
        (report.updated if existing else report.added).append(file.source)

    async def search(
        self,
        query: str,
        *,
        k: int | None = None,
        threshold: float | None = None,
        visibility: set[str] | None = None,
    ) -> list[Hit]:
        """The chunks most similar to the question, best first, only those scoring ≥ threshold;
        `visibility` limits them (e.g. {"public"} for people outside the organization)."""
        if not query.strip():
            raise ValueError("empty query")
        where: dict[str, Any] | None = {"visibility": {"$in": sorted(visibility)}} if visibility else None
        limit = threshold if threshold is not None else self.threshold
        col = await self._col()
        if not await self._occupied.check("kb", col):
            return []  # an empty knowledge base: no question is embedded for it
        matches = await col.query(query, k=k or self.top_k, where=where)
        return [
            Hit(
                id=m.id,
                source=str(m.metadata.get("source", "")),
                title=str(m.metadata.get("title", "")),
                section=str(m.metadata.get("section", "")),
                text=m.text,
                score=round(m.score, 4),
                relevance=round(m.relevance, 4),
                visibility=str(m.metadata.get("visibility", "public")),
                lang=str(m.metadata.get("lang", "")),
            )
            for m in matches
            if m.relevance >= limit
        ]

    async def list_documents(self) -> list[DocInfo]:
        docs: dict[str, DocInfo] = {}
        for _, meta, _ in await (await self._col()).get():
            source = str(meta.get("source", ""))
            info = docs.get(source)
            if info is None:
                docs[source] = DocInfo(
                    source=source,
                    title=str(meta.get("title", "")),
                    chunks=1,
                    visibility=str(meta.get("visibility", "public")),
                    hash=str(meta.get("doc_hash", "")),
                    lang=str(meta.get("lang", "")),
                )
            else:
                info.chunks += 1
        return sorted(docs.values(), key=lambda d: d.source)

    async def remove(self, source: str) -> int:
        """Delete a document's chunks; returns how many there were (0: no such document)."""
        async with self._lock:
            col = await self._col()
            ids = [i for i, _, _ in await col.get(where={"source": source})]
            await col.delete(ids=ids)
            return len(ids)

    async def count(self) -> int:
        return await (await self._col()).count()
