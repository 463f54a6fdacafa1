"""Slash commands of the memory layer: /remember, /memories, and /forget where no core API is
connected (with one, the tools layer's /forget also unlinks and calls the same deletion).

Texts are the catalog's (base/locales). `lang_of` says the user's language; without it the replies
are in every language, since this layer does not know which the user reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from base.catalog import t
from base.commands import CommandRouter, LangOf
from base.turn import Turn
from memory.longterm import MemoryFull
from memory.privacy import UserData

if TYPE_CHECKING:
    from memory.longterm import UserMemories


def register_memory_commands(
    router: CommandRouter,
    user_data: UserData,
    memories: UserMemories | None,
    *,
    with_forget: bool,
    lang_of: LangOf | None = None,
) -> None:
    async def language(turn: Turn) -> str | None:
        return await (lang_of or router.language)(turn)

    async def forget(turn: Turn, args: str) -> str:
        lang = await language(turn)  # before the preferences are gone
        await user_data.forget(turn.user.wa_id)
        return t("forget.done_memory", lang)

    async def remember(turn: Turn, args: str) -> str:
        fact = args.strip()
        if len(fact) < 3 or memories is None:
            return t("memory.remember_usage", await language(turn))
        try:
            await memories.remember(turn.profile, turn.user.wa_id, fact, turn_id=turn.turn_id)
        except MemoryFull:
            return t("memory.full", await language(turn), max=memories.max_per_user)
        return t("reply.remembered", await language(turn))

    async def list_memories(turn: Turn, args: str) -> str:
        found = await memories.list(turn.user.wa_id) if memories is not None else []
        lang = await language(turn)
        if not found:
            return t("memory.none", lang)
        return "\n".join(f"- {m.text}" for m in found) + "\n\n" + t("memory.list_footer", lang)

    if with_forget:
        router.add("forget", forget, help="help.forget_memory")
    if memories is not None:
        router.add("remember", remember, help="help.remember", usage="usage.remember")
        router.add("memories", list_memories, help="help.memories")
