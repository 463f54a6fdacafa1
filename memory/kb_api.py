"""Admin HTTP API of the knowledge base, under /admin/api/kb (JSON in and out).

    POST   /admin/api/kb/documents            {"paths": [...], "visibility": …}: ingest server-side files
    PUT    /admin/api/kb/documents/{source}   the raw bytes of one document (an upload); ?visibility=
    GET    /admin/api/kb/documents            what is in the knowledge base
    DELETE /admin/api/kb/documents/{source}   remove a document
    GET    /admin/api/kb/search?q=…&k=…       what the bot would retrieve

Access: HTTP Basic, user `admin`, password HUDHUD_ADMIN_PASSWORD. While the password is unset the API
answers loopback clients only (the operator on the machine, and `hudhud kb`), and in prod it refuses
everyone: a reverse proxy on the same host would make every client look like loopback.

The embedded Chroma store has one owner, the service: this API is how `hudhud kb` reaches it while the
service runs. The KnowledgeBase is `app.state.knowledge`, else the container's `knowledge`, else opened
here from the settings on first use (and closed with the container).
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from base.settings import Environment, Settings
from memory.chunking import supported
from memory.kb import MAX_BYTES, DocInfo, Hit, IngestReport, KnowledgeBase, Visibility, clean_source

PREFIX = "/admin/api/kb"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_basic = HTTPBasic(auto_error=False, realm="hudhud-admin")


class AddPaths(BaseModel):
    paths: list[str] = Field(min_length=1, description="Files or directories on the service's machine")
    visibility: Visibility = "public"


class SearchResult(BaseModel):
    hits: list[Hit]


class Documents(BaseModel):
    documents: list[DocInfo]


class Removed(BaseModel):
    source: str
    removed: int


def admin_guard(settings: Settings):
    """A dependency that lets the admin in: the Basic password, or loopback while none is set."""

    def check(request: Request, creds: Annotated[HTTPBasicCredentials | None, Depends(_basic)]) -> None:
        password = settings.admin.password
        if password is None:
            if settings.runtime.env == Environment.prod:
                raise HTTPException(403, "the admin API is disabled: set HUDHUD_ADMIN_PASSWORD")
            host = request.client.host if request.client else ""
            if host not in LOOPBACK:
                raise HTTPException(
                    403, "the admin API only answers loopback clients while HUDHUD_ADMIN_PASSWORD is unset"
                )
            return
        ok = creds is not None and secrets.compare_digest(creds.username.encode(), b"admin")
        ok = (
            secrets.compare_digest(
                (creds.password if creds else "").encode(), password.get_secret_value().encode()
            )
            and ok
        )
        if not ok:
            raise HTTPException(
                401,
                "admin credentials required (HTTP Basic, user admin, password HUDHUD_ADMIN_PASSWORD)",
                headers={"WWW-Authenticate": 'Basic realm="hudhud-admin"'},
            )

    return check


def knowledge_dependency(settings: Settings):
    """A dependency giving the service's KnowledgeBase (see the module docstring for where it comes from)."""
    lock = asyncio.Lock()

    async def knowledge(request: Request) -> KnowledgeBase:
        state = request.app.state
        container = getattr(state, "container", None)
        found = getattr(state, "knowledge", None) or getattr(container, "knowledge", None)
        if found is not None:
            return found
        async with lock:
            found = getattr(state, "knowledge", None)
            if found is None:
                found = state.knowledge = await _open(settings, state, container)
        return found

    return knowledge


async def _open(settings: Settings, state: Any, container: Any) -> KnowledgeBase:
    from memory.vectors import VectorStore, VectorStoreUnavailable

    try:
        store = await asyncio.to_thread(VectorStore.open, settings.memory, settings.runtime.data_dir)
    except VectorStoreUnavailable as exc:
        raise HTTPException(503, str(exc)) from None

    async def close() -> None:
        state.knowledge = None
        store.close()

    closers = getattr(container, "closers", None)
    if closers is not None:
        closers.append(close)
    return KnowledgeBase.from_settings(settings.memory, store)


def kb_root(settings: Settings) -> Path | None:
    """Where server-side paths may be read from over HTTP: HUDHUD_KB_ROOT; in dev, unset means the
    service's working directory; elsewhere unset means nowhere (uploads still work)."""
    if settings.admin.kb_root is not None:
        return settings.admin.kb_root.resolve()
    return Path.cwd().resolve() if settings.runtime.env == Environment.dev else None


def inside_root(root: Path | None, path: str) -> None:
    """403 unless `path` (symbolic links followed) lies under `root`: the admin API must not become a
    way to read any file the service can."""
    if root is None:
        raise HTTPException(
            403, "reading server paths over HTTP is off: set HUDHUD_KB_ROOT (uploads still work)"
        )
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_relative_to(root):
        raise HTTPException(403, f"{path} is outside HUDHUD_KB_ROOT ({root})")


def kb_router(settings: Settings, guard: Any = None) -> APIRouter:
    """`guard`: the dependency that lets an admin in (the service passes the dashboard's sign-in,
    hudhud/admin/auth.py); by default `admin_guard`."""
    router = APIRouter(
        prefix=PREFIX, tags=["admin: knowledge base"], dependencies=[Depends(guard or admin_guard(settings))]
    )
    knowledge = Depends(knowledge_dependency(settings))

    root = kb_root(settings)

    @router.post(
        "/documents", summary="Ingest files or directories under HUDHUD_KB_ROOT on the service's machine"
    )
    async def add_paths(body: AddPaths, kb: KnowledgeBase = knowledge) -> IngestReport:
        for path in body.paths:
            inside_root(root, path)
        return await kb.add_paths(body.paths, visibility=body.visibility, within=root)

    @router.put(
        "/documents/{source:path}", summary="Upload one document (the raw bytes; the name decides the format)"
    )
    async def upload(
        request: Request, source: str, kb: KnowledgeBase = knowledge, visibility: Visibility = "public"
    ) -> IngestReport:
        try:
            name = clean_source(source)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        if not supported(name):
            raise HTTPException(415, f"{name}: unsupported file type (Markdown, text, PDF or HTML)")
        data = await _body(request)
        report = await kb.add_bytes(name, data, visibility=visibility)
        if report.errors:
            raise HTTPException(422, f"{name}: {report.errors[0].reason}")
        return report

    @router.get("/documents", summary="Every document: chunks, visibility, hash")
    async def documents(kb: KnowledgeBase = knowledge) -> Documents:
        return Documents(documents=await kb.list_documents())

    @router.delete("/documents/{source:path}", summary="Remove a document and its chunks")
    async def remove(source: str, kb: KnowledgeBase = knowledge) -> Removed:
        removed = await kb.remove(source)
        if not removed:
            raise HTTPException(404, f"no document named {source!r} (see GET {PREFIX}/documents)")
        return Removed(source=source, removed=removed)

    @router.get("/search", summary="The chunks the bot would retrieve for a question")
    async def search(
        kb: KnowledgeBase = knowledge,
        q: str = "",
        k: Annotated[int | None, Query(ge=1, le=50)] = None,
        threshold: Annotated[float | None, Query(ge=-1, le=1)] = None,
        visibility: Literal["public", "internal"] | None = None,
    ) -> SearchResult:
        if not q.strip():
            raise HTTPException(400, "the query parameter q is required")
        return SearchResult(
            hits=await kb.search(q, k=k, threshold=threshold, visibility={visibility} if visibility else None)
        )

    return router


async def _body(request: Request) -> bytes:
    """The request body, refused past MAX_BYTES without reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise HTTPException(413, f"document too large (limit {MAX_BYTES // 1_048_576} MiB)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise HTTPException(413, f"document too large (limit {MAX_BYTES // 1_048_576} MiB)")
        chunks.append(chunk)
    if not size:
        raise HTTPException(400, "empty body: send the document's bytes")
    return b"".join(chunks)
