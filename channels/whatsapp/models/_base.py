"""The base every webhook model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WebhookModel(BaseModel):
    """Tolerant by design: Meta adds fields to webhooks without notice, so unknown fields are kept
    (readable from `model_extra`) instead of failing the whole delivery. Ids that Meta documents as
    strings are accepted as numbers too, since test tools and older payloads send them unquoted."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)
