"""Long-term memories on a real embedded Chroma: recall by meaning, dedupe, and strict per-user
isolation (near-identical memories of two users never cross), forget, delete and export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory.longterm import MAX_CHARS, UserMemories
from memory.vectors import VectorStore

SARA = "966500000001"
OMAR = "966500000002"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[VectorStore]:
    s = VectorStore.embedded(tmp_path / "chroma")
    yield s
    s.close()


@pytest.fixture
def memories(store: VectorStore) -> UserMemories:
    return UserMemories(store, threshold=0.05)


async def test_recall_finds_the_users_fact_across_languages(memories: UserMemories) -> None:
    await memories.remember("exec", SARA, "My manager is Omar.", turn_id="t1")
    await memories.remember("exec", SARA, "I prefer short answers in Arabic.")
    await memories.remember("exec", SARA, "My birthday is on March 3rd.")
    found = await memories.recall("exec", SARA, "من هو مديري؟", k=1)
    assert [m.text for m in found] == ["My manager is Omar."]
    assert found[0].turn_id == "t1" and found[0].wa_id == SARA and found[0].profile == "exec"
    assert found[0].score is not None and found[0].relevance is not None and found[0].relevance >= 0.05
    assert await memories.recall("exec", SARA, "What is the capital of Japan?") == []
    assert await memories.recall("exec", SARA, "  ") == []


async def test_near_identical_memories_of_two_users_never_cross(
    memories: UserMemories, store: VectorStore
) -> None:
    await memories.remember("query", SARA, "My manager is Omar and my team is finance.")
    await memories.remember("query", OMAR, "My manager is Omar and my team is finance!")
    await memories.remember("query", OMAR, "My manager is Khalid and my team is sales.")
    for wa_id, other in ((SARA, OMAR), (OMAR, SARA)):
        found = await memories.recall(
            "query", wa_id, "Who is my manager and which team am I on?", k=10, threshold=-1
        )
        assert found and all(m.wa_id == wa_id for m in found)
        assert all(m.wa_id != other for m in found)
    assert len(await memories.recall("query", SARA, "manager", k=10, threshold=-1)) == 1
    # The same question without the user filter would have found all three: isolation is the filter.
    col = await store.collection("hudhud_memories")
    assert len(await col.query("Who is my manager and which team am I on?", k=10)) == 3


async def test_profiles_are_separate_when_given(memories: UserMemories) -> None:
    await memories.remember("exec", SARA, "Assign my reviews to Omar.")
    await memories.remember("query", SARA, "Answer me in English.")
    exec_only = await memories.recall("exec", SARA, "Who gets my reviews?", k=5, threshold=-1)
    assert [m.profile for m in exec_only] == ["exec"]
    every = await memories.recall(None, SARA, "Who gets my reviews?", k=5, threshold=-1)
    assert {m.profile for m in every} == {"exec", "query"}
    assert [m.profile for m in await memories.list(SARA, "query")] == ["query"]


async def test_same_text_is_remembered_once(memories: UserMemories) -> None:
    first = await memories.remember("exec", SARA, "My manager is Omar.")
    again = await memories.remember("exec", SARA, "  my   manager is OMAR. ")
    other_user = await memories.remember("exec", OMAR, "My manager is Omar.")
    assert first == again != other_user
    assert [m.text for m in await memories.list(SARA)] == ["My manager is Omar."]
    assert await memories.count() == 2


async def test_forget_only_deletes_the_owners_memory(memories: UserMemories) -> None:
    mine = await memories.remember("exec", SARA, "My car is blue.")
    assert await memories.forget(OMAR, mine) is False  # someone else's id: untouched
    assert [m.id for m in await memories.list(SARA)] == [mine]
    assert await memories.forget(SARA, mine) is True
    assert await memories.forget(SARA, mine) is False
    assert await memories.list(SARA) == []


async def test_delete_user_really_deletes_and_export_lists_everything(
    memories: UserMemories, store: VectorStore
) -> None:
    await memories.remember("exec", SARA, "My manager is Omar.", turn_id="t9")
    await memories.remember("query", SARA, "أفضّل الردود القصيرة.")
    await memories.remember("exec", OMAR, "My manager is Khalid.")
    exported = await memories.export_user(SARA)
    assert [(e["profile"], e["text"], e["turn_id"]) for e in exported] == [
        ("exec", "My manager is Omar.", "t9"),
        ("query", "أفضّل الردود القصيرة.", None),
    ]
    assert set(exported[0]) == {"id", "profile", "wa_id", "text", "created_at", "turn_id"}
    assert await memories.delete_user(SARA) == 2
    # Checked in Chroma itself, not through the class: nothing of Sara's is left, Omar's is intact.
    col = await store.collection("hudhud_memories")
    assert await col.get(where={"wa_id": SARA}) == []
    assert [m["wa_id"] for _, m, _ in await col.get()] == [OMAR]
    assert await col.count() == 1
    assert await memories.delete_user(SARA) == 0


async def test_bad_input_is_refused(memories: UserMemories) -> None:
    with pytest.raises(ValueError, match="wa_id is required"):
        await memories.recall("exec", "", "anything")
    with pytest.raises(ValueError, match="wa_id is required"):
        await memories.delete_user("  ")
    with pytest.raises(ValueError, match="needs some text"):
        await memories.remember("exec", SARA, " \n ")
    with pytest.raises(ValueError, match=f"at most {MAX_CHARS}"):
        await memories.remember("exec", SARA, "x" * (MAX_CHARS + 1))


async def test_a_user_at_the_cap_stores_nothing_more(store: VectorStore) -> None:
    from memory.longterm import MemoryFull

    capped = UserMemories(store, max_per_user=2)
    await capped.remember("exec", SARA, "My manager is Omar.")
    await capped.remember("query", SARA, "I prefer short answers.")  # every profile counts
    assert await capped.remember("exec", SARA, "my manager is omar.") != ""  # a repeat is not new
    with pytest.raises(MemoryFull, match="at most 2"):
        await capped.remember("exec", SARA, "My birthday is on March 3rd.")
    await capped.remember("exec", OMAR, "My birthday is on March 3rd.")  # another user's own cap
    assert len(await capped.list(SARA)) == 2 and len(await capped.list(OMAR)) == 1
