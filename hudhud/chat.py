"""A terminal conversation with the agent, turn by turn, with what each turn did.

Through the running service when one answers at HUDHUD_SERVICE_URL (`ServiceChat`: the admin
playground, hudhud/playground.py — the service's own model and stores, nothing opened here); otherwise
with a responder of its own (`LocalChat`: a Container, so its own model and stores). Either way a turn
comes back as a `TurnReport`: the parts as WhatsApp would show them, the agent's traces with the
rendered prompts, the tool calls.

Buttons and list rows of the latest reply that had any can be pressed: `/confirm` and `/cancel` press
the confirmation's buttons, a number presses the option shown with it; `\\` before a line sends it as
typed ("\\1" is the text "1").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import httpx

from base.notes import taking_notes
from base.turn import ButtonsPart, InboundMessage, ListPart, ReplyPart, Turn, UserRef, make_turn_id
from hudhud.cli_kb import Service
from hudhud.playground import PREFIX, Press, TurnReport, stream_tails, turn_details

CHAT_NUMBER = "chat"  # the bot address of a local chat's turns
PRESSES = {"/confirm": "confirm:", "/cancel": "cancel:"}  # tools/confirm.py: the buttons' id prefixes


class ChatError(Exception):
    """A one-line error for the user."""


def options_of(parts: Sequence[ReplyPart]) -> list[Press]:
    """What can be pressed in these parts, numbered from 1 in this order: buttons, then list rows."""
    found: list[Press] = []
    for part in parts:
        if isinstance(part, ButtonsPart):
            found.extend(Press(id=b.id, title=b.title) for b in part.buttons)
        elif isinstance(part, ListPart):
            found.extend(Press(id=r.id, title=r.title, row=True) for s in part.sections for r in s.rows)
    return found


def read_line(line: str, options: Sequence[Press]) -> str | Press:
    """The text to send, or the option a line presses (see the module docstring)."""
    said = line.strip()
    if said.startswith("\\"):
        return said[1:]
    prefix = PRESSES.get(said.lower())
    if prefix is not None:
        return next((o for o in options if o.id.startswith(prefix)), said)
    if said.isdigit() and 1 <= int(said) <= len(options):
        return options[int(said) - 1]
    return said


class Chat(Protocol):
    async def send(self, said: str | Press) -> TurnReport: ...

    async def aclose(self) -> None: ...


class ServiceChat:
    """Turns through the running service's playground."""

    def __init__(self, service: Service, *, wa_id: str, profile: str, wait_s: float = 300) -> None:
        self.service = service
        self.wa_id = wa_id
        self.profile = profile
        self.wait_s = wait_s  # past the service's own wait for the turn (hudhud/playground.py)

    async def send(self, said: str | Press) -> TurnReport:
        body: dict[str, Any] = {"wa_id": self.wa_id, "profile": self.profile}
        body.update({"press": said.model_dump()} if isinstance(said, Press) else {"text": said})
        url = self.service.url
        try:
            response = await self.service.http.post(f"{PREFIX}/turn", json=body, timeout=self.wait_s)
        except httpx.HTTPError as exc:
            raise ChatError(f"the service at {url} stopped answering: {exc!r}") from None
        if response.status_code == 404:
            raise ChatError(
                f"the service at {url} has no playground: only a service in HUDHUD_ENV=dev has one"
            )
        if response.status_code == 401:
            raise ChatError(f"the service at {url} refused the admin password (set HUDHUD_ADMIN_PASSWORD)")
        if response.status_code >= 400:
            raise ChatError(f"the service at {url} answered {response.status_code}: {_detail(response)}")
        return TurnReport.model_validate(response.json())

    async def aclose(self) -> None:
        await self.service.aclose()


class LocalChat:
    """Turns through a responder of its own, built from the settings as the service builds it."""

    def __init__(self, container: Any, *, wa_id: str, profile: str) -> None:
        self.container = container
        self.wa_id = wa_id
        self.profile = profile

    async def send(self, said: str | Press) -> TurnReport:
        message = InboundMessage(
            id=f"wamid.chat.{uuid.uuid4().hex}",
            wa_id=self.wa_id,
            phone_number_id=CHAT_NUMBER,
            timestamp=int(time.time()),
            **(
                {"type": "interactive", "text": said.title, "payload": said.id}
                if isinstance(said, Press)
                else {"type": "text", "text": said}
            ),
        )
        turn = Turn(
            turn_id=make_turn_id([message.id]),
            message_ids=[message.id],
            messages=[message],
            user=UserRef(wa_id=self.wa_id),
            phone_number_id=CHAT_NUMBER,
            profile=self.profile,
        )
        redis, keys = self.container.redis, self.container.keys
        tails = await stream_tails(redis, keys)
        with taking_notes(inspect=True):
            parts = await self.container.responder.respond(turn)
        agent, tools = await turn_details(redis, keys, turn.turn_id, tails, self.container.cipher)
        fitted = self.container.whatsapp.fit(parts)
        return TurnReport(turn_id=turn.turn_id, status="ok", parts=fitted, agent=agent, tools=tools)

    async def aclose(self) -> None:
        await self.container.aclose()


class ChatSession:
    """One user's conversation: what was last offered to press, and each turn's report."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat
        self.options: list[Press] = []

    async def say(self, line: str) -> tuple[str | Press, TurnReport]:
        said = read_line(line, self.options)
        report = await self.chat.send(said)
        self.options = options_of(report.parts) or self.options
        return said, report


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        return response.text
    if isinstance(detail, list):  # FastAPI's validation errors: field and message
        return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg')}" for d in detail)
    return str(detail)
