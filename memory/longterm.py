"""Long-term memories: facts and preferences a user stated ("my manager is Omar", "I prefer short
answers"), kept per user in their own Chroma collection and recalled by meaning.

Isolation is enforced here, not by callers: every read and delete carries the user's wa_id (and the bot
profile when given) in Chroma's `where`, so a query can only ever see that user's records, however
similar another user's memories are. A blank wa_id is refused rather than turned into "everyone".

A memory's text is stored encrypted, bound to its user, profile and id (base/sealing.py); its vector is
embedded from the clear text before, so recall by meaning works as before. Chroma's files (its SQLite
full-text index included) hold no words a user wrote. A memory stored before encryption at rest reads
as it is.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

import structlog
from pydantic import BaseModel

from base.sealing import Sealer, aad_memory, is_sealed, seal_text, unseal_text
from memory.crypto import UndecryptableError
from memory.occupancy import Occupied
from memory.vectors import VectorCollection, VectorStore, Where

log = structlog.get_logger(__name__)

COLLECTION = "hudhud_memories"
MAX_CHARS = 1_000
_SPACES = re.compile(r"\s+")


class Memory(BaseModel):
    id: str
    profile: str
    wa_id: str
    text: str
    created_at: float
    turn_id: str | None = None
    score: float | None = None  # cosine similarity, on recall
    relevance: float | None = None  # score minus the question's off-topic baseline, on recall


def _user_where(wa_id: str, profile: str | None = None) -> Where:
    if not isinstance(wa_id, str) or not wa_id.strip():
        raise ValueError("a wa_id is required: memories are only ever read per user")
    if profile is None:
        return {"wa_id": wa_id}
    return {"$and": [{"wa_id": wa_id}, {"profile": profile}]}


def _aad(mid: str, meta: dict[str, Any]) -> str:
    return aad_memory(str(meta.get("profile", "")), str(meta.get("wa_id", "")), mid)


def _memory(mid: str, meta: dict[str, Any], text: str, **extra: float) -> Memory:
    return Memory(
        id=mid,
        profile=str(meta.get("profile", "")),
        wa_id=str(meta.get("wa_id", "")),
        text=text,
        created_at=float(meta.get("created_at", 0.0)),
        turn_id=str(meta["turn_id"]) if meta.get("turn_id") else None,
        **extra,
    )


class MemoryFull(ValueError):
    """The user already holds as many memories as one user may (a cap against filling the store)."""


class UserMemories:
    def __init__(
        self,
        store: VectorStore,
        *,
        collection: str = COLLECTION,
        threshold: float = 0.05,
        max_per_user: int = 200,
        cipher: Sealer | None = None,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.threshold = threshold
        self.max_per_user = max_per_user
        self._collection_name = collection
        self._occupied = Occupied()

    async def _col(self) -> VectorCollection:
        return await self.store.collection(self._collection_name)

    async def remember(self, profile: str, wa_id: str, text: str, *, turn_id: str | None = None) -> str:
        """Store a memory; the same text (ignoring case and spacing) for the same user and profile is
        kept once and returns the existing id. A user at the cap gets MemoryFull (nothing is evicted:
        what someone asked to be remembered is not dropped behind their back)."""
        where = _user_where(wa_id, profile)  # validates wa_id
        text = _SPACES.sub(" ", text).strip()
        if not text:
            raise ValueError("a memory needs some text")
        if len(text) > MAX_CHARS:
            raise ValueError(f"a memory is at most {MAX_CHARS} characters (got {len(text)})")
        digest = hashlib.sha256(f"{profile}\0{wa_id}\0{text.casefold()}".encode()).hexdigest()
        mid = f"mem_{digest[:24]}"
        col = await self._col()
        if await col.get(ids=[mid], where=where):
            return mid
        if len(await col.get(where=_user_where(wa_id))) >= self.max_per_user:
            raise MemoryFull(f"at most {self.max_per_user} memories per user")
        meta = {"profile": profile, "wa_id": wa_id, "created_at": time.time(), "turn_id": turn_id or ""}
        sealed = seal_text(self.cipher, text, aad_memory(profile, wa_id, mid))
        await col.add([mid], [sealed], [meta], embed_texts=[text])
        return mid

    async def recall(
        self,
        profile: str | None,
        wa_id: str,
        query: str,
        *,
        k: int = 3,
        threshold: float | None = None,
    ) -> list[Memory]:
        """This user's memories closest to the question, best first, relevance ≥ threshold."""
        where = _user_where(wa_id, profile)
        if not query.strip():
            return []
        limit = self.threshold if threshold is None else threshold
        col = await self._col()
        if not await self._occupied.check(wa_id, col, _user_where(wa_id)):
            return []  # a user with no memories: the question is not embedded for them
        matches = await col.query(query, k=k, where=where)
        return [
            _memory(m.id, m.metadata, text, score=round(m.score, 4), relevance=round(m.relevance, 4))
            for m in matches
            if m.relevance >= limit and m.metadata.get("wa_id") == wa_id  # belt and braces
            if (text := self._open(m.id, m.metadata, m.text)) is not None
        ]

    async def forget(self, wa_id: str, memory_id: str) -> bool:
        """Delete one memory — only if it is this user's."""
        col = await self._col()
        found = await col.get(ids=[memory_id], where=_user_where(wa_id))
        await col.delete(ids=[i for i, _, _ in found])
        return bool(found)

    async def delete_user(self, wa_id: str) -> int:
        """Delete every memory of this user (all profiles); returns how many there were."""
        col = await self._col()
        ids = [i for i, _, _ in await col.get(where=_user_where(wa_id))]
        await col.delete(ids=ids)
        return len(ids)

    async def export_user(self, wa_id: str) -> list[dict[str, Any]]:
        """Everything held about this user here, as JSON-ready dicts, oldest first."""
        return [m.model_dump(exclude={"score", "relevance"}) for m in await self.list(wa_id)]

    async def count(self) -> int:
        return await (await self._col()).count()

    async def reencrypt_all(self, *, batch: int = 500) -> tuple[int, int, list[str]]:
        """Rewrite every memory's text under the current key (key rotation), vectors untouched; returns
        (memories looked at, rewritten, ids no key opens — left as they are)."""
        if self.cipher is None:
            raise ValueError("key rotation needs the cipher")
        col = await self._col()
        seen, rewritten, unreadable = 0, 0, []
        offset = 0
        while page := await col.page(offset=offset, limit=batch):
            offset += len(page)
            ids, docs = [], []
            for mid, meta, doc in page:
                seen += 1
                if not is_sealed(doc) or not self.cipher.needs_reencrypt(doc):
                    continue  # stored in clear before encryption at rest, or already current
                try:
                    text = unseal_text(self.cipher, doc, _aad(mid, meta))
                except UndecryptableError:
                    unreadable.append(mid)
                    continue
                ids.append(mid)
                docs.append(seal_text(self.cipher, text, _aad(mid, meta)))
            await col.replace_documents(ids, docs)
            rewritten += len(ids)
        return seen, rewritten, unreadable

    def _open(self, mid: str, meta: dict[str, Any], document: str) -> str | None:
        """A memory's text; None (with a warning naming the key, never the text) when no key opens it."""
        try:
            return unseal_text(self.cipher, document, _aad(mid, meta))
        except UndecryptableError as exc:
            log.warning("memory.undecryptable", memory_id=mid, reason=str(exc))
            return None

    # Last, so that `list` in the annotations above still means the builtin when they are evaluated.
    async def list(self, wa_id: str, profile: str | None = None) -> list[Memory]:
        """This user's memories, oldest first."""
        found = await (await self._col()).get(where=_user_where(wa_id, profile), documents=True)
        opened = [(i, m, text) for i, m, d in found if (text := self._open(i, m, d)) is not None]
        return sorted((_memory(i, m, text) for i, m, text in opened), key=lambda m: m.created_at)
