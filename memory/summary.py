"""The rolling summary: messages that slid out of the prompt's window are folded, a batch at a time, into a
short summary that the prompt keeps instead of them.

Folding runs in the background after a reply and costs one short model call per `every` messages. Two
folds of one conversation never run at once (a short Redis lock), and the store accepts a summary only
if it covers more than the one there (see `ConversationHistory.set_summary`).
"""

from __future__ import annotations

import orjson
import structlog
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from memory.history import ConversationHistory, HistoryEntry
from prompts.store import PromptStore

log = structlog.get_logger(__name__)

PROMPT = "summary"


class Summarizer:
    def __init__(
        self,
        llm: BaseChatModel,
        *,
        prompts: PromptStore | None = None,
        max_batch: int = 50,
        max_chars: int = 600,
        lock_ms: int = 120_000,
    ) -> None:
        self.llm = llm
        self.prompts = prompts or PromptStore()
        self.max_batch = max_batch  # messages per fold: a long backlog is caught up over several folds
        self.max_chars = max_chars  # of one message in the fold's input: summaries need the gist
        self.lock_ms = lock_ms

    async def fold(self, previous: str | None, entries: list[HistoryEntry], lang: str | None) -> str:
        """The summary of `previous` followed by `entries`, in `lang` (one model call)."""
        prompt = self.prompts.get(PROMPT, lang)
        transcript = "\n".join(self._line(entry) for entry in entries)
        human = f"Previous summary:\n{previous or '(none)'}\n\nMessages:\n{transcript}"
        reply = await self.llm.ainvoke([SystemMessage(prompt.text), HumanMessage(human)])
        content = reply.content if isinstance(reply.content, str) else _text_of(reply.content)
        return content.strip()

    async def maybe_fold(
        self, history: ConversationHistory, profile: str, wa_id: str, *, window_tokens: int, every: int
    ) -> bool:
        """Fold when at least `every` messages sit outside the window unsummarized; True when folded.

        Never raises for a model failure (it runs after the reply, with nobody to tell): it logs, and the
        next turn tries again.
        """
        batch = max(every, self.max_batch)
        pending = await history.unsummarized(profile, wa_id, keep_tokens=window_tokens, limit=batch)
        if len(pending) < every:
            return False
        async with history.fold_lock(profile, wa_id, ttl_ms=self.lock_ms) as held:
            if not held:
                return False
            # Read again under the lock: a fold that just finished may have covered these.
            pending = await history.unsummarized(profile, wa_id, keep_tokens=window_tokens, limit=batch)
            if len(pending) < every:
                return False
            previous = await history.summary(profile, wa_id)
            lang = next((e.lang for e in reversed(pending) if e.lang), None)
            try:
                text = await self.fold(previous.text if previous else None, pending, lang)
            except Exception as exc:
                log.warning("summary.fold_failed", profile=profile, error=f"{type(exc).__name__}: {exc}")
                return False
            if not text:
                log.warning("summary.fold_empty", profile=profile)
                return False
            return await history.set_summary(profile, wa_id, text, pending[-1].seq)

    def _line(self, entry: HistoryEntry) -> str:
        parts = [entry.text] if entry.text else []
        for call in entry.tool_calls:
            args = orjson.dumps(call.get("args", {})).decode()
            parts.append(f"[called {call.get('name', '?')} {args}]")
        if entry.tool_result is not None:
            result = entry.tool_result
            shown = {k: result[k] for k in ("ok", "refs", "summary", "error") if k in result} or result
            parts.append(f"[result {orjson.dumps(shown).decode()}]")
        text = " ".join(parts)
        if len(text) > self.max_chars:
            text = text[: self.max_chars] + "…"
        return f"{entry.role}: {text}"


def _text_of(content: list) -> str:
    """The text of a multi-part message content (providers may return a list of blocks)."""
    return "".join(
        part if isinstance(part, str) else str(part.get("text", ""))
        for part in content
        if isinstance(part, str | dict)
    )
