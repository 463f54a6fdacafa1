"""Slash commands of the memory layer: /remember, /memories, and /forget where no core API is
connected (with one, the tools layer's /forget also unlinks and calls the same deletion)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hudhud.commands import CommandRouter
from hudhud.turn import Turn
from memory.privacy import UserData

if TYPE_CHECKING:
    from memory.longterm import UserMemories


def register_memory_commands(
    router: CommandRouter, user_data: UserData, memories: UserMemories | None, *, with_forget: bool
) -> None:
    async def forget(turn: Turn, args: str) -> str:
        await user_data.forget(turn.user.wa_id)
        return "Done: your conversation history, memories and preferences are deleted. تم حذف بياناتك."

    async def remember(turn: Turn, args: str) -> str:
        fact = args.strip()
        if len(fact) < 3 or memories is None:
            return "Usage: /remember <a fact about you>, e.g. /remember I prefer short answers"
        await memories.remember(turn.profile, turn.user.wa_id, fact, turn_id=turn.turn_id)
        return "Noted — I'll remember that. حسناً، سأتذكر ذلك."

    async def list_memories(turn: Turn, args: str) -> str:
        found = await memories.list(turn.user.wa_id) if memories is not None else []
        if not found:
            return "I keep no memories about you. لا أحتفظ بأي معلومات عنك."
        return "\n".join(f"- {m.text}" for m in found) + "\n\n/forget deletes them all."

    if with_forget:
        router.add("forget", forget, help="Delete everything this bot keeps about you")
    if memories is not None:
        router.add("remember", remember, help="Ask me to remember a fact about you", usage="<fact>")
        router.add("memories", list_memories, help="What I remember about you")
