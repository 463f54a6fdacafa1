"""Media messages: image, audio (voice notes included), video, document, sticker.

The webhook carries only the media id; the bytes are fetched from the Graph API with it.
"""

from __future__ import annotations

from ._base import WebhookModel


class Media(WebhookModel):
    id: str | None = None
    mime_type: str | None = None
    sha256: str | None = None
    # Newer API versions include a short-lived download URL; older ones do not.
    url: str | None = None


class Image(Media):
    caption: str | None = None


class Audio(Media):
    # True for push-to-talk voice notes, false/absent for forwarded or attached audio files.
    voice: bool = False


class Video(Media):
    caption: str | None = None


class Document(Media):
    caption: str | None = None
    filename: str | None = None


class Sticker(Media):
    animated: bool = False
