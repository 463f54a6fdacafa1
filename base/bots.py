"""Bot configuration: which phone number id is served by which profile, with which access token.

HUDHUD_BOTS points to a YAML file for several numbers:

    bots:
      - phone_number_id: "106540352242922"
        name: Tasks
        profile: exec
        model: gpt-4o-mini                 # optional: another model on the same endpoint
        access_token_env: WA_TOKEN_TASKS   # or access_token: "EAAG..."
        fallback_templates:                # optional: sent on 131047, chosen by the user's language
          ar: tasks_reply_waiting_ar       # (a key may be Meta's full code: en_US)
          en: tasks_reply_waiting_en
      - phone_number_id: "106540352242923"
        profile: query

The single-number variables (WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_ACCESS_TOKEN) are the simple case.
A bot without an access token runs in the sandbox: its outbound is captured locally. A bot without
fallback templates (or without one in the user's language) uses WHATSAPP_FALLBACK_TEMPLATE.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator

from base.settings import Settings, SettingsError
from base.yamlfile import YamlFileError, read_model

DEFAULT_PROFILE = "default"
ANY_NUMBER = "*"  # the sandbox bot of a fresh install answers whatever number a webhook names


class BotConfig(BaseModel):
    phone_number_id: str = Field(min_length=1)
    name: str | None = None
    profile: str = DEFAULT_PROFILE
    model: str | None = None  # this number's model on the configured endpoint; unset = HUDHUD_MODEL
    access_token: SecretStr | None = None
    access_token_env: str | None = None
    # Meta language code -> approved template name, sent when the 24-hour window has closed (131047).
    fallback_templates: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_templates(self) -> BotConfig:
        for code, name in self.fallback_templates.items():
            if not code.strip() or not name.strip():
                raise ValueError("fallback_templates maps a language code to a template name, neither empty")
        return self

    def fallback_template(self, language: str) -> tuple[str, str] | None:
        """(template name, Meta language code) of this bot's template in `language` ("ar", "en"): an
        exact key first, then a regional one of that language ("en_US" for "en")."""
        if language in self.fallback_templates:
            return self.fallback_templates[language], language
        for code, name in self.fallback_templates.items():
            if code.split("_", 1)[0].lower() == language:
                return name, code
        return None

    @model_validator(mode="after")
    def _resolve_token(self) -> BotConfig:
        if self.access_token is None and self.access_token_env:
            value = os.environ.get(self.access_token_env)
            if not value:
                raise ValueError(f"environment variable {self.access_token_env} is not set")
            self.access_token = SecretStr(value)
        return self

    @property
    def sandbox(self) -> bool:
        return self.access_token is None


class BotsFile(BaseModel):
    bots: list[BotConfig] = Field(min_length=1)


class BotRegistry:
    """Looks up the bot serving a phone number id."""

    def __init__(self, bots: list[BotConfig]) -> None:
        self._by_id = {b.phone_number_id: b for b in bots}
        if len(self._by_id) != len(bots):
            raise SettingsError("invalid setting HUDHUD_BOTS: a phone_number_id is listed twice")

    def get(self, phone_number_id: str) -> BotConfig | None:
        return self._by_id.get(phone_number_id) or self._by_id.get(ANY_NUMBER)

    def all(self) -> list[BotConfig]:
        return list(self._by_id.values())


def load_bots(settings: Settings) -> BotRegistry:
    if settings.whatsapp.bots is not None:
        try:
            return BotRegistry(read_model(Path(settings.whatsapp.bots), BotsFile).bots)
        except YamlFileError as exc:
            raise SettingsError(f"invalid setting HUDHUD_BOTS: {exc}") from None
    pnid = settings.whatsapp.phone_number_id
    if settings.whatsapp.access_token is not None and not pnid:
        raise SettingsError(
            "invalid setting WHATSAPP_PHONE_NUMBER_ID: required when WHATSAPP_ACCESS_TOKEN is set"
        )
    return BotRegistry(
        [
            BotConfig(
                phone_number_id=pnid or ANY_NUMBER,
                profile=DEFAULT_PROFILE,
                access_token=settings.whatsapp.access_token,
            )
        ]
    )
