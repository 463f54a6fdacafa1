"""Slash commands of the agent's per-user preferences: /lang and /tz (answered in code)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.language import reply_language
from agent.prefs import PrefsStore
from base.catalog import t
from base.commands import CommandRouter, LangOf
from base.turn import Turn


def preferred_language(prefs: PrefsStore) -> LangOf:
    """The user's reply language as the preferences know it (chosen with /lang, else the language they
    last wrote in); None for a user the bot has not heard in words yet."""

    async def lang_of(turn: Turn) -> str | None:
        saved = await prefs.get(turn.user.wa_id)
        if saved.reply_lang:
            return saved.reply_lang
        return reply_language(saved.lang) if saved.lang else None

    return lang_of


def register_preference_commands(router: CommandRouter, prefs: PrefsStore) -> None:
    lang_of = preferred_language(prefs)
    router.use_language(lang_of)  # /help in the user's language (the exec commands may refine it)

    async def lang(turn: Turn, args: str) -> str:
        choice = args.strip().lower()
        if choice not in ("ar", "en"):
            return t("prefs.lang_usage", await lang_of(turn))
        await prefs.set(turn.user.wa_id, reply_lang=choice)
        return t("prefs.lang_set", choice)

    async def tz(turn: Turn, args: str) -> str:
        name = args.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return t("prefs.tz_usage", await lang_of(turn))
        await prefs.set(turn.user.wa_id, timezone=name)
        return t("prefs.tz_set", await lang_of(turn), name=name)

    router.add("lang", lang, help="help.lang", usage="usage.lang")
    router.add("tz", tz, help="help.tz", usage="usage.tz")
