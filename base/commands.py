"""Slash commands: answered in code, never by the model.

Register with the decorator:

    router = CommandRouter(fallback=agent)

    @router.command("ping", help="Check that the bot answers")
    async def ping(turn: Turn, args: str) -> str:
        return "pong"

A turn whose messages are all commands is answered by their handlers; in a turn that mixes commands
and plain messages the commands run first and the plain messages go to the fallback responder.

`help` and `usage` may be catalog keys ("help.link"): /help shows them in the user's language once a
layer that knows it calls `router.use_language(lang_of)`; until then /help and "unknown command" are
bilingual (base/catalog.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from base.catalog import has, t
from base.notes import note_path
from base.responder import Responder, StaticResponder
from base.turn import ReplyPart, TextPart, Turn

CommandResult = str | Sequence[ReplyPart]
CommandHandler = Callable[[Turn, str], Awaitable[CommandResult]]
LangOf = Callable[[Turn], Awaitable[str | None]]  # the user's reply language; None: not known


@dataclass(frozen=True)
class Command:
    name: str
    handler: CommandHandler
    help: str
    usage: str = ""


def parse_command(text: str) -> tuple[str, str] | None:
    """`/Name  args` -> ("name", "args"); None when the text is not a command."""
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] != "/" or stripped[1].isspace() or stripped[1] == "/":
        return None
    name, _, args = stripped[1:].partition(" ")
    return name.lower(), args.strip()


class CommandRouter:
    def __init__(self, fallback: Responder | None = None) -> None:
        self.fallback: Responder = fallback or StaticResponder()
        self._commands: dict[str, Command] = {}
        self._payloads: dict[str, CommandHandler] = {}
        self._text_hooks: list[tuple[Callable[[str], str | None], CommandHandler]] = []
        self._lang_of: LangOf | None = None
        self.add("help", self._help, help="help.help")
        self.add("ping", self._ping, help="help.ping")

    def use_language(self, lang_of: LangOf) -> None:
        """Word the router's own texts (/help, unknown commands) in the language `lang_of` gives."""
        self._lang_of = lang_of

    async def language(self, turn: Turn) -> str | None:
        """The user's language when a layer told the router how to know it; None: not known."""
        return await self._lang_of(turn) if self._lang_of is not None else None

    def add(self, name: str, handler: CommandHandler, *, help: str, usage: str = "") -> None:
        key = name.lower().lstrip("/")
        if not key or any(c.isspace() for c in key):
            raise ValueError(f"invalid command name {name!r}")
        self._commands[key] = Command(key, handler, help, usage)

    def on_payload(self, prefix: str, handler: CommandHandler) -> None:
        """Handle button/list replies whose id starts with `prefix` (e.g. "confirm:") in code."""
        self._payloads[prefix] = handler

    def on_text(self, match: Callable[[str], str | None], handler: CommandHandler) -> None:
        """Answer plain messages that `match` recognises (it returns the handler's args) in code,
        e.g. a link code said in words; other plain messages go to the fallback."""
        self._text_hooks.append((match, handler))

    def command(self, name: str, *, help: str, usage: str = "") -> Callable[[CommandHandler], CommandHandler]:
        def register(handler: CommandHandler) -> CommandHandler:
            self.add(name, handler, help=help, usage=usage)
            return handler

        return register

    @property
    def commands(self) -> list[Command]:
        return sorted(self._commands.values(), key=lambda c: c.name)

    async def respond(self, turn: Turn) -> Sequence[ReplyPart]:
        parts: list[ReplyPart] = []
        plain = []
        named: list[str] = []  # the slash commands, for the interaction log
        for message in turn.messages:
            handler = next(
                (h for p, h in self._payloads.items() if (message.payload or "").startswith(p)), None
            )
            if handler is not None:
                result = await handler(turn, message.payload or "")
                parts.extend([TextPart(text=result)] if isinstance(result, str) else result)
                continue
            parsed = parse_command(message.text)
            if parsed is None:
                hooked = next(
                    ((h, a) for m, h in self._text_hooks if (a := m(message.text)) is not None), None
                )
                if hooked is not None:
                    result = await hooked[0](turn, hooked[1])
                    parts.extend([TextPart(text=result)] if isinstance(result, str) else result)
                else:
                    plain.append(message)
                continue
            name, args = parsed
            named.append(name)
            command = self._commands.get(name)
            if command is None:
                unknown = t("command.unknown", await self.language(turn), name=name)
                parts.append(TextPart(text=unknown))
                continue
            result = await command.handler(turn, args)
            parts.extend([TextPart(text=result)] if isinstance(result, str) else result)
        if len(plain) < len(turn.messages):  # answered in code: a command, whatever else the turn held
            note_path("command", action=f"/{named[0]}" if named else "")
        if plain:
            rest = turn if len(plain) == len(turn.messages) else turn.model_copy(update={"messages": plain})
            parts.extend(await self.fallback.respond(rest))
        return parts

    async def _help(self, turn: Turn, args: str) -> CommandResult:
        lang = await self.language(turn)
        lines = [t("command.help_heading", lang).replace("\n", " / ")]
        for c in self.commands:
            usage = f" {_word(c.usage, lang or 'en')}" if c.usage else ""
            lines.append(f"/{c.name}{usage} — {_word(c.help, lang)}")
        return "\n".join(lines)

    async def _ping(self, turn: Turn, args: str) -> CommandResult:
        newest = max((m.timestamp for m in turn.messages), default=0)
        lang = await self.language(turn)
        if not newest:
            return t("command.pong", lang)
        return t("command.pong_lag", lang, seconds=max(0, int(time.time()) - newest))


def _word(text: str, lang: str | None) -> str:
    """A command's help or usage: a catalog key in `lang` (every language, on one line, when it is not
    known), or the handler's own words as given."""
    return t(text, lang).replace("\n", " / ") if has(text) else text
