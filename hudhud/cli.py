"""The `hudhud` command line."""

from __future__ import annotations

import asyncio
import importlib.metadata
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from base.settings import Settings, SettingsError, load_settings
from evals.cli import register_eval_commands
from hudhud import cli_users
from hudhud.cli_chat import chat_command
from hudhud.cli_config import config_app
from hudhud.cli_demo import demo_app
from hudhud.cli_kb import kb_app
from hudhud.cli_log import log_command
from hudhud.cli_memory import memory_app
from hudhud.cli_ops import backup_command, migrate_command, restore_command

app = typer.Typer(help="Hudhud: WhatsApp AI agents.", no_args_is_help=True, add_completion=False)
dead_app = typer.Typer(help="Inspect and retry dead-lettered jobs and turns.", no_args_is_help=True)
app.add_typer(dead_app, name="dead")
links_app = typer.Typer(help="Admin: which WhatsApp numbers act as which users.", no_args_is_help=True)
app.add_typer(links_app, name="links")
eval_app = typer.Typer(
    help="Measure the agent: routing accuracy, command success, quality.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
app.add_typer(kb_app, name="kb")  # hudhud/cli_kb.py
app.add_typer(config_app, name="config")  # hudhud/cli_config.py
app.add_typer(memory_app, name="memory")  # hudhud/cli_memory.py: rotate
app.add_typer(demo_app, name="demo")  # hudhud/cli_demo.py: seed
app.command("export")(cli_users.export)  # hudhud/cli_users.py
app.command("forget")(cli_users.forget)
app.command("unblock")(cli_users.unblock)
app.command("exempt")(cli_users.exempt)
app.command("log")(log_command)  # hudhud/cli_log.py
app.command("backup")(backup_command)  # hudhud/cli_ops.py
app.command("restore")(restore_command)
app.command("migrate")(migrate_command)
app.command("chat")(chat_command)  # hudhud/cli_chat.py
register_eval_commands(eval_app)  # run, compare (evals/cli.py); routing is below
console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        print(f"hudhud {importlib.metadata.version('hudhud')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit"),
    ] = False,
) -> None:
    """Hudhud: WhatsApp AI agents."""


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _first_admin(host: str, port: int) -> Callable[[str], None]:
    def show(password: str) -> None:
        """Once, on the terminal only (never logged): the dashboard account made for this dev machine."""
        console.print(
            f"[bold]Dashboard:[/bold] http://{host}:{port}/admin — user [bold]admin[/bold], password"
            f" [bold]{password}[/bold] (made now, shown once; HUDHUD_ADMIN_PASSWORD chooses it)",
            highlight=False,
        )

    return show


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from hudhud.app import create_app
    from hudhud.container import preflight
    from hudhud.logging import configure_logging, log_privacy

    settings = _settings()
    configure_logging(settings.observability.log_level, **log_privacy(settings))
    try:
        settings = settings.replace(hudhud_host=host, hudhud_port=port)
        preflight(settings)
        application = create_app(
            settings, workers=workers, embed_core=workers > 0, announce=_first_admin(host, port)
        )
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(
        f"Hudhud on http://{host}:{port}  ({'sandbox' if settings.whatsapp.sandbox else 'live'} WhatsApp)"
    )
    # log_config=None: uvicorn's lines go through our handler (one JSON format, the privacy redactor).
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False, log_config=None)


HostOpt = Annotated[str, typer.Option(help="Interface to listen on")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on")]


@app.command()
def up(host: HostOpt = "127.0.0.1", port: PortOpt = 8000) -> None:
    """Run everything in one process: API, workers and embedded services."""
    _serve(host, port, workers=1)


@app.command()
def serve(host: HostOpt = "127.0.0.1", port: PortOpt = 8000) -> None:
    """Run only the API (webhooks); run workers with `hudhud worker`."""
    _serve(host, port, workers=0)


@app.command()
def coreapi(host: HostOpt = "127.0.0.1", port: PortOpt = 8100) -> None:
    """Run the reference core API (tasks, users, JWT) standalone; point CORE_API_URL at it."""
    from coreapi.server import run

    run(host=host, port=port)


@app.command()
def keygen() -> None:
    """Print a new HUDHUD_ENCRYPTION_KEY (32 random bytes, urlsafe base64)."""
    from memory.crypto import generate_key

    print(generate_key())


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Turns run at once (default from settings)")] = None,
) -> None:
    """Run a worker against the configured Redis (many may run on many machines)."""
    from hudhud.logging import configure_logging, log_privacy

    settings = _settings()
    configure_logging(settings.observability.log_level, **log_privacy(settings))
    with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
        runner.run(_run_worker(settings, concurrency))


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (uvicorn[standard] brings it, and `hudhud serve`/`up` already run on
    it through uvicorn): a worker's turn is mostly Redis and HTTP round trips, each cheaper on uvloop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is not built for Windows
        return None
    return uvloop.new_event_loop


async def _run_worker(settings: Settings, concurrency: int | None) -> None:
    from hudhud.container import Container

    try:
        container = await Container.open(settings)
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    w = container.worker(concurrency=concurrency)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, w.stop)
    try:
        await w.run()
    finally:
        await container.aclose()


@app.command()
def doctor() -> None:
    """Check settings, Redis, Meta (token, number, subscription, app secret), our webhook, the core API,
    Chroma and the model endpoint; say the next step for each failure."""
    code = asyncio.run(_doctor())
    raise typer.Exit(code)


async def _doctor() -> int:
    import httpx

    from base.bots import load_bots
    from hudhud import doctor as checks
    from hudhud.container import check_security
    from hudhud.redis_conn import connect, persistence_warning

    table = Table("check", "status", "detail", "next step")
    failed = False

    def row(check: str, ok: bool | None, detail: str, fix: str = "") -> None:
        nonlocal failed
        failed = failed or ok is False
        mark = {True: "[green]ok[/green]", False: "[red]FAIL[/red]", None: "[yellow]warn[/yellow]"}[ok]
        table.add_row(check, mark, detail, "" if ok else fix)

    try:
        settings = load_settings()
        row("settings", True, f"env={settings.runtime.env.value}, data dir {settings.runtime.data_dir}")
        for warning in check_security(settings):
            row("security", None, warning, "docs/security.md")
        bots = load_bots(settings)
    except SettingsError as exc:
        row("settings", False, str(exc), "fix the variable it names (docs/configuration.md)")
        console.print(table)
        return 1
    try:
        handle = await connect(settings)
        row("redis", True, ("embedded " if handle.embedded is not None else "") + handle.url)
        warning = await persistence_warning(handle.client)
        row("redis persistence", None if warning else True, warning or "data kept on disk",
            "turn on appendonly (docs/operations.md#redis)")  # fmt: skip
        await handle.aclose()
    except Exception as exc:
        row("redis", False, f"{settings.queue.redis_url or 'embedded'}: {exc}",
            "start Redis or fix REDIS_URL")  # fmt: skip
    row(*_model_row(settings), "see docs/agent.md")
    from agent.probe import doctor_row

    row(*await doctor_row(settings))  # the tool mode; a remote model is probed now
    async with httpx.AsyncClient(timeout=10) as http:
        found = await checks.model_endpoint_check(http, settings)
        if found is not None:
            row(found.name, found.ok, found.detail, found.fix)
        for check in (
            await checks.own_webhook_check(http, settings),
            await checks.core_api_check(http, settings),
            await checks.chroma_check(http, settings),
        ):
            row(check.name, check.ok, check.detail, check.fix)
        meta = checks.MetaChecks(http, settings)
        for bot in bots.all():
            if bot.sandbox:
                row(f"whatsapp {bot.phone_number_id}", True,
                    f"sandbox (profile {bot.profile}): outbound captured locally")  # fmt: skip
                continue
            for check in await meta.bot(bot):
                row(check.name, check.ok, check.detail, check.fix)
    console.print(table)
    return 1 if failed else 0


@eval_app.command("routing")
def eval_routing(
    suite: Annotated[Path | None, typer.Option(help="Routing suite YAML")] = None,
    out: Annotated[Path | None, typer.Option(help="Write results.jsonl and summary.json here")] = None,
) -> None:
    """Route every message of the suite with the configured model; accuracy per language group."""
    import orjson

    summary = asyncio.run(_eval_routing(_settings(), suite, out))
    print(orjson.dumps({"eval": "routing", **summary}).decode())


async def _eval_routing(settings: Settings, suite_path: Path | None, out: Path | None) -> dict[str, object]:
    from agent.factory import build_agent
    from evals.routing import SUITES_DIR, RoutingSuite, run_suite, summarize, write_results

    suite = RoutingSuite.load(suite_path or SUITES_DIR / "routing.yaml")
    runtime = await build_agent(settings)
    runtime.agent.clock = suite.clock
    try:
        results = await run_suite(runtime.agent, suite)
    finally:
        await runtime.aclose()
    summary = summarize(results)
    table = Table("group", "n", "action", "action+args", "p50 ms", "p95 ms")
    for group, st in summary.items():
        table.add_row(group, str(st["n"]), f"{st['action_acc']:.0%}", f"{st['full_acc']:.0%}",
                      str(st["p50_ms"]), str(st["p95_ms"]))  # fmt: skip
    console.print(table)
    for r in results:
        if not r.args_ok:
            console.print(
                f"[red]✗[/red] [{r.group}] {r.text} → {r.action} {r.args} (wrong: {r.wrong or 'action'})"
            )
    if out:
        write_results(results, summary, out)
    return {"model": runtime.agent.model_name, "mode": runtime.agent.mode, "groups": summary}


def _model_row(settings: Settings) -> tuple[str, bool | None, str]:
    if settings.runtime.responder != "agent":
        return "model", True, f"not used (HUDHUD_RESPONDER={settings.runtime.responder})"
    if settings.model.base_url or settings.model.api_key:
        return "model", True, f"endpoint {settings.model.base_url or 'OpenAI'} model {settings.model.name}"
    from agent.local import LocalModelError, locate_parts, resolve

    try:
        source = resolve(settings.model.local_model)
        if source.path is None:
            locate_parts(source)
    except LocalModelError as exc:
        return "model", False, str(exc)
    return "model", True, f"embedded {source.display_name} ({settings.model.local_threads} threads)"


async def _with_links(action):
    from base.keys import Keys
    from hudhud.redis_conn import connect
    from memory.links import IdentityLinks

    settings = _settings()
    handle = await connect(settings)
    try:
        return await action(IdentityLinks(handle.client, Keys(settings.queue.redis_prefix)))
    finally:
        await handle.aclose()


@links_app.command("list")
def links_list() -> None:
    """Every linked or blocked number."""
    found = asyncio.run(_with_links(lambda links: links.all()))
    table = Table("wa_id", "user id", "name", "role", "blocked")
    for link in sorted(found, key=lambda x: x.wa_id):
        table.add_row(
            link.wa_id, str(link.user_id or ""), link.display_name or "", link.role or "", str(link.blocked)
        )
    console.print(table if found else "no links")


@links_app.command("set")
def links_set(
    wa_id: str,
    user_id: int,
    role: Annotated[str, typer.Option(help="member, manager or admin")] = "member",
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Link a number to a user id (what /link does after the code check), mirrored in the core API."""
    asyncio.run(_with_links(lambda links: links.link(wa_id, user_id, display_name=name, role=role)))
    console.print(f"linked {wa_id} → user {user_id}")
    _mirror("PUT", wa_id, {"user_id": user_id})


@links_app.command("unlink")
def links_unlink(wa_id: str) -> None:
    """Remove a number's link, here and in the core API's mirror."""
    removed = asyncio.run(_with_links(lambda links: links.unlink(wa_id)))
    console.print("unlinked" if removed else "was not linked")
    _mirror("DELETE", wa_id)


def _mirror(method: str, wa_id: str, body: dict[str, int] | None = None) -> None:
    """The link in the core API too, when one is configured: a cached link is re-checked against it
    (HUDHUD_LINK_RECHECK_S), and one the core API does not hold would then be dropped."""
    settings = _settings()
    if not settings.core.url or settings.core.token is None:
        return
    import httpx

    from tools.client import CoreApiClient, CoreApiError

    async def call() -> None:
        client = CoreApiClient(settings.core.url or "", settings.core.token.get_secret_value(), retries=1)
        try:
            await client.service(method, f"/links/{wa_id}", json=body)
        finally:
            await client.aclose()

    try:
        asyncio.run(call())
    except (CoreApiError, OSError, httpx.HTTPError) as exc:
        err_console.print(f"[yellow]warning:[/yellow] the core API's mirror was not updated: {exc}")


@links_app.command("block")
def links_block(wa_id: str, undo: Annotated[bool, typer.Option("--undo", help="Unblock")] = False) -> None:
    """Block a number: it runs no command until unblocked."""
    asyncio.run(_with_links(lambda links: links.block(wa_id, not undo)))
    console.print(("unblocked " if undo else "blocked ") + wa_id)


@dead_app.command("list")
def dead_list(limit: Annotated[int, typer.Option(help="How many, newest first")] = 20) -> None:
    """List dead-lettered jobs and turns with their errors."""
    asyncio.run(_dead_list(limit))


async def _dead_list(limit: int) -> None:
    from hudhud.deadletters import DeadLetters
    from hudhud.redis_conn import connect

    settings = _settings()
    handle = await connect(settings)
    try:
        entries = await DeadLetters.from_settings(handle.client, settings).list(limit)
    finally:
        await handle.aclose()
    table = Table("id", "kind", "conversation", "error")
    for e in entries:
        table.add_row(e.id, e.kind, e.conv, e.error)
    console.print(table if entries else "no dead letters")


@dead_app.command("retry")
def dead_retry(
    entry_id: Annotated[str, typer.Argument(help="Dead-letter id from `hudhud dead list`")],
) -> None:
    """Queue a dead-lettered turn's messages (or job) again."""
    ok = asyncio.run(_dead_retry(entry_id))
    if not ok:
        err_console.print(f"[red]error:[/red] no dead letter {entry_id}")
        raise typer.Exit(1)
    console.print(f"requeued {entry_id}")


async def _dead_retry(entry_id: str) -> bool:
    from hudhud.deadletters import DeadLetters
    from hudhud.redis_conn import connect

    settings = _settings()
    handle = await connect(settings)
    try:
        return await DeadLetters.from_settings(handle.client, settings).retry(entry_id)
    finally:
        await handle.aclose()


def main() -> None:  # pragma: no cover - console entry point
    app(sys.argv[1:])
