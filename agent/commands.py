"""Slash commands of the agent's per-user preferences: /lang and /tz (answered in code)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.prefs import PrefsStore
from hudhud.commands import CommandRouter
from hudhud.turn import Turn


def register_preference_commands(router: CommandRouter, prefs: PrefsStore) -> None:
    async def lang(turn: Turn, args: str) -> str:
        choice = args.strip().lower()
        if choice not in ("ar", "en"):
            return "Usage: /lang ar | /lang en\nالاستخدام: ‎/lang ar أو ‎/lang en"
        await prefs.set(turn.user.wa_id, reply_lang=choice)
        return "سأرد بالعربية." if choice == "ar" else "I'll answer in English."

    async def tz(turn: Turn, args: str) -> str:
        name = args.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return "Usage: /tz Area/City, e.g. /tz Asia/Riyadh or /tz Africa/Cairo"
        await prefs.set(turn.user.wa_id, timezone=name)
        return f"Time zone set to {name}: dates like “tomorrow” follow it."

    router.add("lang", lang, help="Answer in Arabic or English", usage="ar|en")
    router.add("tz", tz, help="Set your time zone for dates", usage="Area/City")
