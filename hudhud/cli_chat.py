"""`hudhud chat`: talk to the agent in the terminal; press buttons; see the prompt and the trace.

Through the running service when one answers at HUDHUD_SERVICE_URL (hudhud/chat.py), else with a model
of its own — the first line says which.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.text import Text

from base.settings import Settings, SettingsError, load_settings
from base.turn import ButtonsPart, ListPart, MediaPart, ReplyPart, TemplatePart, TextPart
from hudhud.chat import Chat, ChatError, ChatSession, LocalChat, ServiceChat
from hudhud.cli_kb import KbError, find_service
from hudhud.playground import MARGIN_S, Press, TurnReport

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
SHORT_SHA = 12


def chat_command(
    as_user: Annotated[str, typer.Option("--as", help="The WhatsApp number (wa_id) to talk as")],
    profile: Annotated[str, typer.Option(help="Bot profile: exec, query or default")] = "default",
    message: Annotated[list[str] | None, typer.Option("--message", "-m", help="Send these and exit")] = None,
    show_prompt: Annotated[
        bool, typer.Option("--show-prompt", help="Print what the model was given in each turn")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="With --show-prompt: print the router's system prompt too")
    ] = False,
    trace: Annotated[bool, typer.Option("--trace", help="Print each turn's full trace (JSON)")] = False,
) -> None:
    """Talk to the agent in the terminal, through the same pipeline as WhatsApp turns.

    `/confirm`, `/cancel` or an option's number press the buttons and list rows of the latest reply."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    view = View(show_prompt=show_prompt, full=full, trace=trace)
    try:
        asyncio.run(_chat(settings, as_user, profile, message or [], view))
    except ChatError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from None


async def _open(settings: Settings, wa_id: str, profile: str) -> Chat:
    """The service's playground when a service answers, else a responder of this process's own."""
    try:
        service = await find_service(settings)
    except KbError as exc:
        raise ChatError(str(exc)) from None
    if service is not None:
        err_console.print(f"[dim]chatting through the service at {service.url} as {wa_id} ({profile})[/dim]")
        wait_s = settings.queue.turn_timeout_ms / 1000 + MARGIN_S + 10
        return ServiceChat(service, wa_id=wa_id, profile=profile, wait_s=wait_s)
    from hudhud.container import Container

    err_console.print(
        f"[dim]no service at {settings.admin.service_url}: chatting with a model of this process's own"
        f" (start `make run` to chat with the service's) as {wa_id} ({profile})[/dim]"
    )
    try:
        container = await Container.open(settings)
    except SettingsError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return LocalChat(container, wa_id=wa_id, profile=profile)


async def _chat(settings: Settings, wa_id: str, profile: str, scripted: list[str], view: View) -> None:
    chat = await _open(settings, wa_id, profile)
    session = ChatSession(chat)
    try:
        lines = iter(scripted) if scripted else None
        if lines is None:
            err_console.print("[dim]Ctrl-D to quit; /confirm, /cancel or a number press a button[/dim]")
        while True:
            try:
                text = (
                    next(lines)
                    if lines is not None
                    else await asyncio.to_thread(console.input, "[bold]you>[/bold] ")
                )
            except (StopIteration, EOFError, KeyboardInterrupt):
                break
            if not text.strip():
                continue
            said, report = await session.say(text)
            view.turn(said, report)
    finally:
        await chat.aclose()


class View:
    """How a turn is printed: the replies with their options, a summary line, and on request the
    rendered prompts and the full trace."""

    def __init__(self, *, show_prompt: bool, full: bool, trace: bool) -> None:
        self.show_prompt = show_prompt
        self.full = full
        self.trace = trace

    def turn(self, said: str | Press, report: TurnReport) -> None:
        if isinstance(said, Press):
            console.print(Text(f"(pressed {said.title or said.id})", style="dim"))
        if self.show_prompt:
            for trace in report.agent:
                self.prompts(trace)
        self.replies(report.parts)
        if report.agent:
            console.print(Text(_summary(report.agent[-1]), "dim"))
        if self.trace:
            shown = report.model_dump(mode="json", exclude={"parts"})
            for t in shown["agent"]:
                t.pop("rendered", None)
            console.print(Text(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode(), style="cyan"))

    def replies(self, parts: Sequence[ReplyPart]) -> None:
        number = 0
        for part in parts:
            console.print(Text.assemble(("bot> ", "green"), _words(part)))
            options: list[tuple[str, str]] = []
            if isinstance(part, ButtonsPart):
                options = [(b.title, "") for b in part.buttons]
            elif isinstance(part, ListPart):
                options = [(r.title, r.description or "") for s in part.sections for r in s.rows]
            for title, description in options:
                number += 1
                console.print(Text(f"     [{number}] {title}" + (f" — {description}" if description else "")))

    def prompts(self, trace: dict[str, Any]) -> None:
        calls = trace.get("rendered") or []
        for index, call in enumerate(calls, 1):
            offered = f"router, schema {call['schema_name']}" if call.get("schema_name") else ""
            if call.get("tools"):
                offered = f"tools: {', '.join(call['tools'])}"
            head = f"┄ model call {index}/{len(calls)} · {call.get('model') or trace.get('model')}"
            console.print(Text(head + (f" · {offered}" if offered else ""), style="magenta"))
            for message in call["messages"]:
                content = message["content"]
                if message["role"] == "system" and call.get("schema_name") and not self.full:
                    content = _abbreviated(content, trace.get("prompts") or {})
                console.print(Text.assemble((f"[{message['role']}] ", "bold magenta"), content))
            if call.get("answer"):
                console.print(Text.assemble(("→ ", "bold magenta"), call["answer"]))


def _summary(t: dict[str, Any]) -> str:
    """The agent's decision in one line: action and arguments, outcome, time, model."""
    said = f"{t.get('action')} {t.get('args') or ''}"
    return f"{said} · {t.get('outcome')} · {t.get('ms', 0):.0f} ms · {t.get('model')}"


def _abbreviated(system: str, prompts: dict[str, str]) -> str:
    """The router's byte-stable system prompt by its parts' hashes: the same every turn."""
    digest = hashlib.sha256(system.encode()).hexdigest()[:SHORT_SHA]
    parts = ", ".join(f"{key} {sha}" for key, sha in prompts.items() if key.startswith("router"))
    return f"({parts} and the tools' lines: {len(system)} characters, sha256 {digest}; --full prints it)"


def _words(part: ReplyPart) -> str:
    if isinstance(part, TextPart | ButtonsPart | ListPart):
        return part.text
    if isinstance(part, TemplatePart):
        return f"[template {part.name}]"
    assert isinstance(part, MediaPart)
    return f"[{part.media_type}] {part.caption or part.link or part.media_id or ''}".rstrip()
