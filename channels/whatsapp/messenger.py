"""What the service needs from an outbound WhatsApp client.

GraphClient (real Cloud API) and SandboxClient (records to Redis when no token is configured) both
satisfy it, so the pipeline depends on this protocol and never on which one it runs with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from base.turn import Button, ListSection, ReplyPart
from channels.whatsapp.payloads import MediaType


@runtime_checkable
class Messenger(Protocol):
    """Every send returns the wamid of the sent message; failures raise GraphError."""

    async def send_text(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        *,
        reply_to: str | None = None,
        preview_url: bool = False,
    ) -> str: ...

    async def send_buttons(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        buttons: Sequence[Button],
        *,
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
    ) -> str: ...

    async def send_list(
        self,
        phone_number_id: str,
        to: str,
        text: str,
        button: str,
        sections: Sequence[ListSection],
        *,
        header: str | None = None,
        footer: str | None = None,
        reply_to: str | None = None,
    ) -> str: ...

    async def send_template(
        self,
        phone_number_id: str,
        to: str,
        name: str,
        language: str,
        components: Sequence[dict[str, Any]] | None = None,
    ) -> str: ...

    async def send_media(
        self,
        phone_number_id: str,
        to: str,
        media_type: MediaType,
        *,
        media_id: str | None = None,
        link: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
        reply_to: str | None = None,
    ) -> str: ...

    async def send_part(
        self, phone_number_id: str, to: str, part: ReplyPart, *, reply_to: str | None = None
    ) -> str: ...

    async def upload_media(self, phone_number_id: str, data: bytes, mime_type: str, filename: str) -> str: ...

    async def download_media(self, media_id: str) -> tuple[bytes, str]: ...

    async def mark_read(self, phone_number_id: str, message_id: str, *, typing: bool = True) -> None: ...

    async def aclose(self) -> None: ...
