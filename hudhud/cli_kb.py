"""`hudhud kb`: add, search, list and remove knowledge-base documents.

The embedded Chroma store has one owner. When a Hudhud service answers at HUDHUD_SERVICE_URL, these
commands go through its admin API (/admin/api/kb, HTTP Basic with HUDHUD_ADMIN_PASSWORD); only when
nothing listens there do they open the store themselves (embedded under HUDHUD_DATA_DIR, or CHROMA_URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from base.settings import Settings, SettingsError, load_settings
from memory.kb import DocInfo, Hit, IngestError, IngestReport, KnowledgeBase, expand

if TYPE_CHECKING:
    from memory.vectors import VectorStore

kb_app = typer.Typer(help="The knowledge base: add, search, list and remove documents.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")
API = "/admin/api/kb"
HEALTH_TIMEOUT_S = 5.0


class KbError(Exception):
    """A one-line error for the user."""


def _fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None


class Service:
    """The running service's admin API."""

    def __init__(self, url: str, password: str | None) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.AsyncClient(
            base_url=self.url,
            auth=("admin", password) if password else None,
            timeout=httpx.Timeout(300, connect=5),
        )

    async def call(self, method: str, path: str, *, api: str = API, **kwargs: Any) -> Any:
        try:
            response = await self.http.request(method, api + path, **kwargs)
        except httpx.HTTPError as exc:
            raise KbError(f"the service at {self.url} stopped answering: {exc}") from None
        if response.status_code == 401:
            raise KbError(f"the service at {self.url} refused the admin password (set HUDHUD_ADMIN_PASSWORD)")
        if response.status_code == 404 and _json(response).get("detail", "Not Found") == "Not Found":
            raise KbError(f"no Hudhud admin API at {self.url} (HTTP 404)")
        if response.status_code >= 400:
            detail = _json(response).get("detail", response.text)
            raise KbError(detail if isinstance(detail, str) else f"HTTP {response.status_code}: {detail}")
        return response.json()

    async def aclose(self) -> None:
        await self.http.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def find_service(settings: Settings) -> Service | None:
    """The service when something listens at HUDHUD_SERVICE_URL; None when nothing does.

    Whatever listens there owns the store, so once connected a slow or failing health check is an error,
    never a reason to open the store from here as well. (The listening probe is a bare asyncio
    connection: cheap, and a refused connection raises nothing through httpx's stack.)
    """
    url = settings.admin.service_url.rstrip("/")
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), HEALTH_TIMEOUT_S)
    except (OSError, TimeoutError):
        return None
    writer.close()
    try:
        async with httpx.AsyncClient(timeout=HEALTH_TIMEOUT_S) as http:
            await http.get(f"{url}/healthz")
    except httpx.HTTPError as exc:
        raise KbError(f"the service at {url} did not answer its health check: {exc!r}") from None
    password = settings.admin.password
    return Service(url, password.get_secret_value() if password else None)


async def open_store(settings: Settings) -> VectorStore:
    """The vector store this command opens itself (no service owns it): KbError when it cannot."""
    from memory.vectors import VectorStore, VectorStoreUnavailable

    try:
        return await asyncio.to_thread(VectorStore.open, settings.memory, settings.runtime.data_dir)
    except (VectorStoreUnavailable, SettingsError) as exc:
        raise KbError(str(exc)) from None


async def _direct(settings: Settings, action: Callable[[KnowledgeBase], Awaitable[T]]) -> T:
    store = await open_store(settings)
    try:
        return await action(KnowledgeBase.from_settings(settings.memory, store))
    finally:
        store.close()


def _run(remote: Callable[[Service], Awaitable[T]], local: Callable[[KnowledgeBase], Awaitable[T]]) -> T:
    return via_service(remote, lambda settings: _direct(settings, local))


def via_service(remote: Callable[[Service], Awaitable[T]], direct: Callable[[Settings], Awaitable[T]]) -> T:
    """Run through the service's admin API when one answers, else directly; errors as one line."""
    settings = _settings()

    async def go() -> T:
        service = await find_service(settings)
        if service is None:
            return await direct(settings)
        try:
            return await remote(service)
        finally:
            await service.aclose()

    try:
        return asyncio.run(go())
    except KbError as exc:
        raise _fail(str(exc)) from None


@kb_app.command("add")
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (Markdown, text, PDF, HTML)")],
    internal: Annotated[bool, typer.Option("--internal", help="Only for people of the organization")] = False,
) -> None:
    """Ingest documents; unchanged ones are skipped, changed ones replaced."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise _fail(f"no such file or directory: {', '.join(missing)}", 2)
    visibility = "internal" if internal else "public"
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("ingesting", total=None)

        def progress(done: int, total: int, source: str) -> None:
            bar.update(task, completed=done, total=total, description=source or "ingesting")

        async def remote(service: Service) -> IngestReport:
            report = IngestReport()
            files = expand(paths, report)
            progress(0, len(files), "")
            for done, file in enumerate(files, 1):
                try:
                    body = await asyncio.to_thread(file.read)
                    answer = await service.call(
                        "PUT",
                        f"/documents/{quote(file.source)}",
                        params={"visibility": visibility},
                        content=body,
                    )
                    report.merge(IngestReport.model_validate(answer))
                except KbError as exc:
                    if "refused the admin password" in str(exc) or "stopped answering" in str(exc):
                        raise
                    report.errors.append(
                        IngestError(source=file.source, reason=str(exc).removeprefix(f"{file.source}: "))
                    )
                except (OSError, ValueError) as exc:
                    report.errors.append(IngestError(source=file.source, reason=f"cannot read: {exc}"))
                progress(done, len(files), file.source)
            return report

        report = _run(remote, lambda kb: kb.add_paths(paths, visibility=visibility, progress=progress))  # type: ignore[arg-type]
    console.print(report.summary(), highlight=False)
    for error in report.errors:
        err_console.print(f"  [red]✗[/red] {error.source}: {error.reason}", highlight=False)
    if report.errors:
        raise typer.Exit(1)


@kb_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="A question, in any language")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many chunks at most")] = 4,
    threshold: Annotated[
        float | None,
        typer.Option(help="Minimum relevance (default HUDHUD_KB_THRESHOLD); -1 shows everything"),
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="Only public documents")] = False,
) -> None:
    """Show what the bot would retrieve for a question, with scores."""
    if not query.strip():
        raise _fail("the query is empty", 2)
    visibility = {"public"} if public else None

    async def remote(service: Service) -> list[Hit]:
        params: dict[str, Any] = {"q": query, "k": k}
        if threshold is not None:
            params["threshold"] = threshold
        if public:
            params["visibility"] = "public"
        return [Hit.model_validate(h) for h in (await service.call("GET", "/search", params=params))["hits"]]

    hits = _run(remote, lambda kb: kb.search(query, k=k, threshold=threshold, visibility=visibility))
    if not hits:
        console.print("nothing relevant found (the bot would say it does not know)")
        return
    table = Table("relevance", "score", "source", "section", "text")
    for h in hits:
        text = " ".join(h.text.split())
        table.add_row(
            f"{h.relevance:.3f}",
            f"{h.score:.3f}",
            h.source,
            h.section,
            text[:160] + ("…" if len(text) > 160 else ""),
        )
    console.print(table)


@kb_app.command("list")
def list_documents() -> None:
    """Every document in the knowledge base."""

    async def remote(service: Service) -> list[DocInfo]:
        return [DocInfo.model_validate(d) for d in (await service.call("GET", "/documents"))["documents"]]

    docs = _run(remote, lambda kb: kb.list_documents())
    if not docs:
        console.print("the knowledge base is empty (add documents with `hudhud kb add PATH`)")
        return
    table = Table("source", "title", "chunks", "visibility", "lang", "hash")
    for d in docs:
        table.add_row(d.source, d.title, str(d.chunks), d.visibility, d.lang, d.hash[:12])
    console.print(table)


@kb_app.command("remove")
def remove(
    source: Annotated[str, typer.Argument(help="The document's source, as `hudhud kb list` shows it")],
) -> None:
    """Remove a document and its chunks."""

    async def remote(service: Service) -> int:
        try:
            return int((await service.call("DELETE", f"/documents/{quote(source)}"))["removed"])
        except KbError as exc:
            if str(exc).startswith("no document named"):
                return 0
            raise

    removed = _run(remote, lambda kb: kb.remove(source))
    if not removed:
        raise _fail(f"no document named {source!r} (see `hudhud kb list`)")
    console.print(f"removed {source} ({removed} chunks)", highlight=False)
