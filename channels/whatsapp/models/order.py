"""`type: "order"` messages: a cart sent from a catalog."""

from __future__ import annotations

from pydantic import Field

from ._base import WebhookModel


class ProductItem(WebhookModel):
    product_retailer_id: str | None = None
    quantity: int | None = None
    item_price: float | None = None
    currency: str | None = None


class Order(WebhookModel):
    catalog_id: str | None = None
    text: str | None = None  # the note the customer typed with the order
    product_items: list[ProductItem] = Field(default_factory=list)
