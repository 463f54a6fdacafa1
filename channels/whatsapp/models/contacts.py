"""`type: "contacts"` messages: contact cards the user shared (not the sender, see envelope.Contact)."""

from __future__ import annotations

from pydantic import Field

from ._base import WebhookModel


class ContactName(WebhookModel):
    formatted_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    prefix: str | None = None
    suffix: str | None = None


class ContactPhone(WebhookModel):
    phone: str | None = None
    wa_id: str | None = None
    type: str | None = None


class ContactEmail(WebhookModel):
    email: str | None = None
    type: str | None = None


class ContactAddress(WebhookModel):
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    type: str | None = None


class ContactOrg(WebhookModel):
    company: str | None = None
    department: str | None = None
    title: str | None = None


class ContactUrl(WebhookModel):
    url: str | None = None
    type: str | None = None


class SharedContact(WebhookModel):
    name: ContactName | None = None
    phones: list[ContactPhone] = Field(default_factory=list)
    emails: list[ContactEmail] = Field(default_factory=list)
    addresses: list[ContactAddress] = Field(default_factory=list)
    org: ContactOrg | None = None
    urls: list[ContactUrl] = Field(default_factory=list)
    birthday: str | None = None

    @property
    def display_name(self) -> str | None:
        if self.name is None:
            return None
        if self.name.formatted_name:
            return self.name.formatted_name
        parts = [p for p in (self.name.first_name, self.name.last_name) if p]
        return " ".join(parts) or None
