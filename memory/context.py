"""The Context Manager: what a turn knows beyond the user's message.

Each turn gets the knowledge-base chunks above the relevance threshold and the user's own long-term
memories, each with a source id the answer can name. Memories are always looked up by the asking
user's wa_id (the store filters on it), so no user's memory reaches another user's answer; numbers
that are not linked to a system user only see public documents.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from base.catalog import t
from memory.grounding import supported


class KnowledgeHit(Protocol):
    source: str
    section: str | None
    text: str
    score: float


class MemoryItem(Protocol):
    text: str


class KnowledgeSearch(Protocol):
    async def search(
        self, query: str, *, k: int, threshold: float, visibility: set[str] | None = None
    ) -> Sequence[Any]: ...


class MemoryRecall(Protocol):
    async def recall(
        self, profile: str, wa_id: str, query: str, *, k: int = 3, threshold: float = 0.0
    ) -> Sequence[Any]: ...


@dataclass
class Context:
    hits: list[Any] = field(default_factory=list)
    memories: list[Any] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.hits and not self.memories

    def sources(self, limit: int = 2) -> list[str]:
        """The documents the answer draws on, best first, each named once."""
        names: list[str] = []
        for hit in self.hits:
            name = _title(hit)
            if name not in names:
                names.append(name)
        return names[:limit]

    async def within(self, budget: int, count: Callable[[str], Awaitable[int]], lang: str) -> Context:
        """The context cut to `budget` tokens of rendered text (`count`: the model's tokenizer): chunks
        are kept best first, the one that overflows is trimmed at a word to what is left (dropped when
        less than MIN_TRIMMED_TOKENS would remain), later ones dropped; memories fill what is left."""
        if self.empty or await count(self.render(lang)) <= budget:
            return self
        heading = await count(t("model.kb_heading", lang)) + 2
        left = budget - heading
        hits: list[Any] = []
        for i, hit in enumerate(self.hits, 1):
            line = _hit_line(i, hit)
            used = await count(line) + 1
            if used <= left:
                hits.append(hit)
                left -= used
                continue
            if left >= MIN_TRIMMED_TOKENS:
                text = await _trim(hit.text.strip(), left - (used - await count(hit.text.strip())), count)
                if text:
                    hits.append(_with_text(hit, text))
            left = 0
            break
        memories: list[Any] = []
        if self.memories and left > 0:
            left -= await count(t("model.memories_heading", lang)) + 2
            for memory in self.memories:
                used = await count(f"- {memory.text.strip()}") + 1
                if used > left:
                    break
                memories.append(memory)
                left -= used
        return Context(hits=hits, memories=memories)

    def render(self, lang: str) -> str:
        """The block given to the model after its byte-stable system prompt."""
        kb_head, mem_head = t("model.kb_heading", lang), t("model.memories_heading", lang)
        blocks = []
        if self.hits:
            lines = [kb_head]
            lines += [_hit_line(i, h) for i, h in enumerate(self.hits, 1)]
            blocks.append("\n".join(lines))
        if self.memories:
            blocks.append("\n".join([mem_head, *(f"- {m.text.strip()}" for m in self.memories)]))
        return "\n\n".join(blocks)


MIN_TRIMMED_TOKENS = 40  # less of a chunk than this is not worth giving


def _hit_line(i: int, hit: Any) -> str:
    return f"[{i}] ({_title(hit)}) {hit.text.strip()}"


async def _trim(text: str, budget: int, count: Callable[[str], Awaitable[int]]) -> str:
    """`text` cut at a word so that it counts at most `budget` tokens (with an ellipsis)."""
    if budget <= 0:
        return ""
    total = await count(text)
    if total <= budget:
        return text
    cut = text[: int(len(text) * budget / total)]
    for _ in range(64):  # the proportional cut is close: a few words off at most
        cut = cut.rsplit(maxsplit=1)[0] if len(cut.split()) > 1 else ""  # never half a word
        if not cut:
            return ""
        if await count(f"{cut} …") <= budget:
            return f"{cut} …"
    return ""


def _with_text(hit: Any, text: str) -> Any:
    """A copy of a hit with other text (hits are dataclasses or pydantic models)."""
    if dataclasses.is_dataclass(hit) and not isinstance(hit, type):
        return dataclasses.replace(hit, text=text)
    if hasattr(hit, "model_copy"):
        return hit.model_copy(update={"text": text})
    copy = type("TrimmedHit", (), {})()
    copy.__dict__.update(vars(hit))
    copy.text = text
    return copy


def _title(hit: Any) -> str:
    name = getattr(hit, "title", None) or hit.source
    section = getattr(hit, "section", None)
    if not section or section == name:
        return str(name)
    return str(section) if str(section).startswith(str(name)) else f"{name} › {section}"


class ContextManager:
    def __init__(
        self,
        knowledge: KnowledgeSearch | None,
        memories: MemoryRecall | None,
        *,
        top_k: int = 4,
        threshold: float = 0.80,
        memory_k: int = 3,
        memory_threshold: float | None = None,
        confident: float = 0.15,
        min_coverage: float = 0.4,
    ) -> None:
        self.knowledge = knowledge
        self.memories = memories
        self.top_k = top_k
        self.threshold = threshold
        self.memory_k = memory_k
        self.memory_threshold = threshold if memory_threshold is None else memory_threshold
        # memory/grounding.py: hits below `confident` relevance must share the question's words.
        self.confident = confident
        self.min_coverage = min_coverage

    async def gather(self, *, profile: str, wa_id: str, query: str, public_only: bool) -> Context:
        async def hits() -> list[Any]:
            if self.knowledge is None or not query.strip():
                return []
            visibility = {"public"} if public_only else None
            found = await self.knowledge.search(
                query, k=self.top_k, threshold=self.threshold, visibility=visibility
            )
            return supported(query, found, confident=self.confident, min_coverage=self.min_coverage)

        async def memories() -> list[Any]:
            if self.memories is None or not query.strip():
                return []
            found = await self.memories.recall(
                profile, wa_id, query, k=self.memory_k, threshold=self.memory_threshold
            )
            return list(found)

        kb, mem = await asyncio.gather(hits(), memories())
        return Context(hits=kb, memories=mem)
