"""What a channel adapter provides, in the pipeline's neutral words.

A channel turns its webhooks into queued jobs (messages, statuses, events), sends neutral reply parts,
and declares its limits. Reply parts are channel-neutral: any number of buttons, titles of any length.
Before sending, the channel fits them to what it can show (`degrade` here does the generic part: more
buttons than allowed become a list, a longer list keeps its first rows and says the rest in text, long
titles are shortened), so a reply never fails at send time for being too big. The agent reads the
limits from the turn (`Turn.limits`) when it wants to stay inside them.

WhatsApp is one implementation (`channels/whatsapp/channel.py`); tests run a second, loopback one
through the same queue, workers and agent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from base.turn import Button, ButtonsPart, ChannelLimits, ListPart, ListRow, ListSection, ReplyPart, TextPart
from base.wording import shorten

JobKind = Literal["message", "status", "event"]

# A list's button label, the same in every language (no text a user must read).
LIST_BUTTON = "☰"


@dataclass(slots=True)
class Job:
    """One thing a webhook delivered, ready for the queue (hudhud/enqueue.py dedupes and queues it)."""

    dedupe_id: str  # the channel's message id; "st:<id>:<status>" for statuses; a hash for events
    kind: JobKind
    conv: str  # conversation id for messages and statuses, the webhook field for events
    data: bytes  # JSON: an InboundMessage for messages
    user: str = ""  # the sender an event is about (a message kept, not answered): forget finds it


# What a webhook whose queue is down answers (503): the cause stays in the logs, the sender delivers again.
UNAVAILABLE = "temporarily unavailable; deliver again later"


class BodyTooLarge(Exception):
    pass


async def read_capped(chunks: AsyncIterator[bytes], limit: int, declared: str | None = None) -> bytes:
    """A request body read whole, BodyTooLarge as soon as it (or its declared Content-Length) passes
    `limit` bytes: a webhook never buffers more than it accepts."""
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        parts.append(chunk)
    return b"".join(parts)


class ChannelRejected(Exception):
    """A webhook the channel refuses: the HTTP status and a one-line reason for the sender."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@runtime_checkable
class Sender(Protocol):
    """Sends one reply part as `number` (the bot's address on the channel) to `to`; returns the id the
    channel gave the sent message. Failures raise; the pipeline retries the turn from the unsent part."""

    async def send_part(self, number: str, to: str, part: ReplyPart) -> str: ...


@runtime_checkable
class Channel(Protocol):
    name: str
    webhook_path: str
    limits: ChannelLimits

    def parse(self, raw: bytes, headers: Mapping[str, str]) -> list[Job]:
        """Verify and parse one webhook delivery (headers in lower case); ChannelRejected if refused."""
        ...

    def fit(self, parts: Sequence[ReplyPart]) -> list[ReplyPart]:
        """The parts as this channel shows them: within its limits, in its text syntax."""
        ...

    def sender(self, number: str) -> Sender: ...

    async def seen(self, number: str, message_id: str) -> None:
        """Tell the user their message was read and an answer is coming, where the channel can."""
        ...


def degrade(parts: Sequence[ReplyPart], limits: ChannelLimits) -> list[ReplyPart]:
    """The parts fitted to `limits`, losing nothing a user must read: see the module docstring."""
    out: list[ReplyPart] = []
    for part in parts:
        if isinstance(part, ButtonsPart):
            out.extend(_buttons(part, limits))
        elif isinstance(part, ListPart):
            out.extend(_list(part, limits))
        else:
            out.append(part)
    return out


def _buttons(part: ButtonsPart, limits: ChannelLimits) -> list[ReplyPart]:
    if len(part.buttons) > limits.buttons:
        rows = [ListRow(id=b.id, title=b.title) for b in part.buttons]
        as_list = ListPart(
            text=part.text, button=LIST_BUTTON, sections=[ListSection(rows=rows)], header=part.header,
            footer=part.footer,
        )  # fmt: skip
        return _list(as_list, limits)
    before: list[ReplyPart] = []
    text = part.text
    if len(text) > limits.buttons_body:  # the whole text first, then the buttons under its end
        before.append(TextPart(text=text))
        text = shorten(text[-limits.buttons_body :], limits.buttons_body)
    buttons = [Button(id=b.id, title=shorten(b.title, limits.button_title)) for b in part.buttons]
    fitted = part.model_copy(
        update={"text": text, "buttons": buttons, **_edges(part.header, part.footer, limits)}
    )
    return [*before, fitted]


def _list(part: ListPart, limits: ChannelLimits) -> list[ReplyPart]:
    kept: list[ListSection] = []
    rest: list[ListRow] = []
    room = limits.list_rows
    for section in part.sections:
        taken, over = section.rows[:room], section.rows[room:]
        room -= len(taken)
        rest.extend(over)
        if taken:
            title = shorten(section.title, limits.row_title) if section.title else None
            kept.append(ListSection(title=title, rows=[_row(r, limits) for r in taken]))
    fitted = part.model_copy(
        update={
            "text": shorten(part.text, limits.text),
            "button": shorten(part.button, limits.list_button),
            "sections": kept,
            **_edges(part.header, part.footer, limits),
        }
    )
    out: list[ReplyPart] = [fitted]
    if rest:  # rows the list cannot hold are still said, as text under it
        out.append(TextPart(text="\n".join(f"• {r.title}" for r in rest)))
    return out


def _row(row: ListRow, limits: ChannelLimits) -> ListRow:
    description = row.description
    if description is not None:
        description = shorten(description, limits.row_description)
    return ListRow(id=row.id, title=shorten(row.title, limits.row_title), description=description)


def _edges(header: str | None, footer: str | None, limits: ChannelLimits) -> dict[str, str | None]:
    return {
        "header": shorten(header, limits.header) if header else header,
        "footer": shorten(footer, limits.footer) if footer else footer,
    }
