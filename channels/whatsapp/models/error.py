"""Errors as the Cloud API reports them inside webhooks (value level, message level, status level)."""

from __future__ import annotations

from ._base import WebhookModel


class ErrorData(WebhookModel):
    details: str | None = None


class WebhookError(WebhookModel):
    """One error object, e.g. code 131047 "Re-engagement message" on a failed status."""

    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: ErrorData | None = None
    href: str | None = None

    @property
    def details(self) -> str | None:
        return self.error_data.details if self.error_data else None
