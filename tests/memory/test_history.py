"""Conversation history on the real Redis: encryption at rest, rotation, idempotent turns, retention,
the token-budget window and its cost, privacy (forget, export)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
import redis.asyncio as aioredis
import structlog

from agent.tokens import TiktokenCounter
from base.keys import Keys
from memory.crypto import Cipher, generate_key
from memory.history import ConversationHistory, HistoryEntry, estimate_tokens
from tests.conftest import REDIS_TEST_URL

WA = "966500000001"
OTHER = "966500000002"
ARABIC = "أضف مهمة حجز قاعة الاجتماعات غداً"
ENGLISH = "Assign the meeting room booking to Omar"


@pytest.fixture(scope="module")
def tiktoken_counter(tmp_path_factory: pytest.TempPathFactory) -> TiktokenCounter:
    return TiktokenCounter("gpt-4o-mini", cache_dir=tmp_path_factory.mktemp("tiktoken"))


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def cipher(key: str) -> Cipher:
    return Cipher(key)


@pytest.fixture
def history(redis: aioredis.Redis, redis_prefix: str, cipher: Cipher) -> ConversationHistory:
    return ConversationHistory(redis, redis_prefix, cipher, ttl_s=3600, max_messages=2000)


def user(text: str, **kw) -> HistoryEntry:
    return HistoryEntry(role="user", text=text, **kw)


def bot(text: str, **kw) -> HistoryEntry:
    return HistoryEntry(role="assistant", text=text, **kw)


def tool_turn() -> list[HistoryEntry]:
    return [
        user(ARABIC, message_ids=["wamid.1"], lang="ar"),
        bot("", tool_calls=[{"name": "create_task", "args": {"title": "حجز قاعة الاجتماعات"}}], lang="ar"),
        HistoryEntry(
            role="tool", tool_result={"ok": True, "refs": {"task_id": 42}, "summary": "Task #42 made"}
        ),
        bot("تمت إضافة المهمة #42 ✅", lang="ar"),
    ]


async def fill(history: ConversationHistory, n: int, *, wa_id: str = WA, profile: str = "exec",
               per_turn: int = 100, tokens: int = 20, start: int = 0) -> None:  # fmt: skip
    """n messages, alternating user/assistant, `tokens` each (given, so filling does not tokenize)."""
    for first in range(start, start + n, per_turn):
        entries = [
            HistoryEntry(role="assistant" if i % 2 else "user", text=f"message {i}", tokens=tokens)
            for i in range(first, min(first + per_turn, start + n))
        ]
        assert await history.append_turn(profile, wa_id, f"turn-{first}", entries)


async def all_raw_values(redis: aioredis.Redis, prefix: str) -> dict[str, bytes]:
    """Every stored byte under the prefix, by key, whatever the type."""
    found: dict[str, bytes] = {}
    async for key in redis.scan_iter(match=f"{prefix}:*", count=500):
        kind = (await redis.type(key)).decode()
        if kind == "list":
            parts = await redis.lrange(key, 0, -1)
        elif kind == "hash":
            parts = [b for pair in (await redis.hgetall(key)).items() for b in pair]
        elif kind == "zset":
            parts = await redis.zrange(key, 0, -1)
        elif kind == "set":
            parts = list(await redis.smembers(key))
        else:
            parts = [await redis.get(key)]
        found[key.decode()] = b"\n".join(parts)
    return found


# ------------------------------------------------------------------ storing and reading


async def test_round_trip_keeps_every_field(history: ConversationHistory) -> None:
    assert await history.append_turn("exec", WA, "turn-1", tool_turn())
    got = await history.read("exec", WA)
    assert [e.seq for e in got] == [1, 2, 3, 4]
    assert [e.role for e in got] == ["user", "assistant", "tool", "assistant"]
    assert {e.turn_id for e in got} == {"turn-1"}
    assert got[0].text == ARABIC and got[0].message_ids == ["wamid.1"] and got[0].lang == "ar"
    assert got[1].tool_calls == [{"name": "create_task", "args": {"title": "حجز قاعة الاجتماعات"}}]
    assert got[2].tool_result == {"ok": True, "refs": {"task_id": 42}, "summary": "Task #42 made"}
    await history.append_turn("exec", WA, "turn-2", [user("timed", ts=1_764_000_000.25)])
    assert (await history.read("exec", WA, offset=4))[0].ts == 1_764_000_000.25
    assert all(e.tokens > 0 for e in got)  # counted at append, tool calls and results included
    assert got[0].tokens == estimate_tokens(ARABIC)  # no counter given: the cheap estimate
    assert await history.length("exec", WA) == 5
    assert await history.conversations(WA) == ["exec"]


async def test_raw_redis_holds_no_plaintext(
    history: ConversationHistory, redis: aioredis.Redis, redis_prefix: str
) -> None:
    await history.append_turn("exec", WA, "turn-1", tool_turn())
    await history.append_turn("exec", WA, "turn-2", [user(ENGLISH), bot("Done: Omar has task #42")])
    await history.set_summary("exec", WA, "The user booked the meeting room; Omar was assigned.", 4)
    raw = await all_raw_values(redis, redis_prefix)
    assert any(k.endswith(":log") for k in raw) and any(k.endswith(":meta") for k in raw)
    blob = b"\n".join(raw.values()).decode()
    for secret in (ARABIC, "قاعة", "حجز", "تمت", ENGLISH, "Omar", "meeting", "Task #42", "booked"):
        assert secret not in blob, secret
    assert "v1." in blob  # and the values are really our ciphertexts
    assert (await history.window("exec", WA, max_tokens=1000)).summary.startswith("The user booked")


async def test_persists_across_a_new_connection(
    history: ConversationHistory, key: str, redis_prefix: str
) -> None:
    """A restart: a new client, a new history object, a cipher rebuilt from the same key."""
    await history.append_turn("exec", WA, "turn-1", [user(ARABIC), bot("حسناً")])
    fresh = aioredis.from_url(REDIS_TEST_URL)
    try:
        again = ConversationHistory(fresh, Keys(redis_prefix), Cipher(key), ttl_s=60, max_messages=9)
        window = await again.window("exec", WA, max_tokens=500)
        assert [m.text for m in window.messages] == [ARABIC, "حسناً"]
    finally:
        await fresh.aclose()


async def test_read_pages_for_the_dashboard(history: ConversationHistory) -> None:
    await fill(history, 30, per_turn=7)
    assert [e.seq for e in await history.read("exec", WA, limit=5)] == [1, 2, 3, 4, 5]
    assert [e.seq for e in await history.read("exec", WA, offset=10, limit=3)] == [11, 12, 13]
    assert [e.seq for e in await history.read("exec", WA, limit=3, newest_first=True)] == [30, 29, 28]
    assert [e.seq for e in await history.read("exec", WA, offset=28, limit=5, newest_first=True)] == [2, 1]
    assert await history.read("exec", WA, limit=0) == []
    assert await history.read("exec", WA, offset=-1) == []
    assert await history.read("exec", "nobody") == []


async def test_histories_are_per_profile_and_user(history: ConversationHistory) -> None:
    await history.append_turn("exec", WA, "t", [user("exec one")])
    await history.append_turn("query", WA, "t", [user("query one")])  # same turn id, other conversation
    await history.append_turn("exec", OTHER, "t", [user("other user")])
    assert [e.text for e in await history.read("exec", WA)] == ["exec one"]
    assert [e.text for e in await history.read("query", WA)] == ["query one"]
    assert [e.text for e in await history.read("exec", OTHER)] == ["other user"]
    assert await history.conversations(WA) == ["exec", "query"]
    assert await history.conversations("nobody") == []


# ------------------------------------------------------------------ turns, trimming, retention


async def test_a_retried_turn_is_recorded_once(history: ConversationHistory) -> None:
    assert await history.append_turn("exec", WA, "turn-1", [user("hi"), bot("hello")])
    assert not await history.append_turn("exec", WA, "turn-1", [user("hi"), bot("hello again")])
    results = await asyncio.gather(
        *(history.append_turn("exec", WA, "turn-2", [user("x"), bot("y")]) for _ in range(8))
    )
    assert sorted(results) == [False] * 7 + [True]
    assert [e.seq for e in await history.read("exec", WA)] == [1, 2, 3, 4]
    assert [e.text for e in await history.read("exec", WA)] == ["hi", "hello", "x", "y"]
    assert not await history.append_turn("exec", WA, "turn-3", [])  # nothing to record
    assert await history.length("exec", WA) == 4


async def test_history_is_trimmed_to_max_messages(
    redis: aioredis.Redis, redis_prefix: str, cipher: Cipher
) -> None:
    small = ConversationHistory(redis, redis_prefix, cipher, ttl_s=60, max_messages=5)
    small.max_turn_ids = 3
    for t in range(4):
        await small.append_turn("exec", WA, f"turn-{t}", [user(f"q{t}"), bot(f"a{t}")])
    assert await small.length("exec", WA) == 5
    assert [e.seq for e in await small.read("exec", WA)] == [4, 5, 6, 7, 8]
    assert [e.text for e in await small.read("exec", WA)] == ["a1", "q2", "a2", "q3", "a3"]
    assert await redis.zcard(small.keys.history_turns("exec", WA)) == 3  # remembered turn ids bounded
    # seq arithmetic still right after the head was trimmed
    await small.set_summary("exec", WA, "old", 4)
    assert [e.seq for e in await small.unsummarized("exec", WA, keep_tokens=1)] == [5, 6, 7]


async def test_every_key_gets_the_retention_ttl_again_on_append(
    redis: aioredis.Redis, redis_prefix: str, cipher: Cipher
) -> None:
    history = ConversationHistory(redis, redis_prefix, cipher, ttl_s=1000, max_messages=50)
    await history.append_turn("exec", WA, "turn-1", [user("hi")])
    await history.set_summary("exec", WA, "greeting", 1)
    keys = [k.decode() async for k in redis.scan_iter(match=f"{redis_prefix}:*")]
    assert sorted(k.rsplit(":", 1)[-1] for k in keys) == [WA, "log", "meta", "turns"]  # WA: the user index
    for key in keys:
        assert 990 <= await redis.ttl(key) <= 1000, key
        await redis.expire(key, 5)
    await history.append_turn("exec", WA, "turn-2", [user("again")])
    for key in keys:
        assert 990 <= await redis.ttl(key) <= 1000, key
    with pytest.raises(ValueError):
        ConversationHistory(redis, redis_prefix, cipher, ttl_s=0, max_messages=1)


async def test_expired_conversation_is_not_listed(
    history: ConversationHistory, redis: aioredis.Redis
) -> None:
    await history.append_turn("exec", WA, "t", [user("a")])
    await history.append_turn("query", WA, "t", [user("b")])
    await redis.delete(history.keys.history("query", WA))  # as if its TTL had run out first
    assert await history.conversations(WA) == ["exec"]


# ------------------------------------------------------------------ the window


async def test_window_fills_the_token_budget_newest_last(
    redis: aioredis.Redis, redis_prefix: str, cipher: Cipher, tiktoken_counter: TiktokenCounter
) -> None:
    history = ConversationHistory(redis, redis_prefix, cipher, ttl_s=60, max_messages=500,
                                  counter=tiktoken_counter)  # fmt: skip
    texts = [f"{ARABIC} ({i})" if i % 2 else f"{ENGLISH} #{i}" for i in range(40)]
    for i in range(0, 40, 2):
        await history.append_turn("exec", WA, f"t{i}", [user(texts[i]), bot(texts[i + 1])])
    counts = [await tiktoken_counter.count(t) for t in texts]
    stored = await history.read("exec", WA, limit=100)
    assert [e.tokens for e in stored] == counts  # the model's tokenizer, counted once at append

    for budget in (1, counts[-1], 100, 333, 10_000):
        window = await history.window("exec", WA, max_tokens=budget)
        n = len(window.messages)
        assert window.tokens == sum(counts[40 - n :]) <= budget
        assert n == 40 or sum(counts[40 - n - 1 :]) > budget  # one more would not fit
        assert [m.text for m in window.messages] == texts[40 - n :]  # newest last
        assert window.summary is None and window.summary_upto == 0
    assert (await history.window("exec", WA, max_tokens=0)).messages == []
    assert (await history.window("exec", "nobody", max_tokens=100)).messages == []


async def test_window_counts_the_summary_in_its_budget(history: ConversationHistory) -> None:
    await fill(history, 20, tokens=10)
    await history.set_summary("exec", WA, "s" * 89, 10)  # estimate: 30 tokens
    window = await history.window("exec", WA, max_tokens=100)
    assert window.summary == "s" * 89 and window.summary_upto == 10
    assert len(window.messages) == 7 and window.tokens == 100
    # a summary larger than the budget is left out rather than crowding out every message
    window = await history.window("exec", WA, max_tokens=25)
    assert window.summary is None and len(window.messages) == 2


async def test_window_does_not_start_with_an_orphaned_tool_result(history: ConversationHistory) -> None:
    await history.append_turn("exec", WA, "t1", [
        user("create it", tokens=5),
        bot("", tool_calls=[{"name": "create_task", "args": {}}], tokens=5),
        HistoryEntry(role="tool", tool_result={"ok": True}, tokens=5),
        bot("done", tokens=5),
    ])  # fmt: skip
    window = await history.window("exec", WA, max_tokens=10)
    assert [m.role for m in window.messages] == ["assistant"]  # the tool result before it was dropped
    window = await history.window("exec", WA, max_tokens=15)
    assert [m.role for m in window.messages] == ["assistant", "tool", "assistant"] and window.tokens == 15
    window = await history.window("exec", WA, max_tokens=20)
    assert [m.role for m in window.messages] == ["user", "assistant", "tool", "assistant"]


async def test_window_cost_depends_on_the_window_not_the_history(
    redis: aioredis.Redis, redis_prefix: str, cipher: Cipher
) -> None:
    def make(profile: str) -> ConversationHistory:
        return ConversationHistory(redis, f"{redis_prefix}:{profile}", cipher, ttl_s=60, max_messages=20_000)

    sizes = {"short": 200, "long": 10_000}
    cost = {}
    for name, size in sizes.items():
        history = make(name)
        await fill(history, size, tokens=20)
        window = await history.window("exec", WA, max_tokens=1024)
        assert len(window.messages) == 51 and window.messages[-1].seq == size
        cost[name] = (history.entries_scanned, history.entries_read)
    # one page looked at in Redis, only the window sent over, whatever the length
    assert cost["short"] == cost["long"] == (16 + 32 + 64, 51)  # pages double from budget/64
    # a budget larger than the first page still costs about the window, not the history
    history = make("long")
    window = await history.window("exec", WA, max_tokens=6000)
    assert len(window.messages) == 300 and history.entries_read == 300
    assert history.entries_scanned <= 2 * 300 + 94
    # the older-than-window read for the summary is addressed by seq, not searched
    history.entries_scanned = history.entries_read = 0
    older = await history.unsummarized("exec", WA, keep_tokens=1024, limit=10)
    assert [e.seq for e in older] == list(range(1, 11))
    assert (history.entries_scanned, history.entries_read) == (112, 10)


# ------------------------------------------------------------------ summary bookkeeping


async def test_unsummarized_is_between_the_summary_and_the_window(history: ConversationHistory) -> None:
    await fill(history, 30, tokens=10)
    assert [e.seq for e in await history.unsummarized("exec", WA, keep_tokens=100)] == list(range(1, 21))
    assert [e.seq for e in await history.unsummarized("exec", WA, keep_tokens=100, limit=5)] == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert len(await history.unsummarized("exec", WA, keep_tokens=0)) == 30
    assert await history.unsummarized("exec", WA, keep_tokens=10_000) == []
    assert await history.set_summary("exec", WA, "first twelve", 12)
    assert [e.seq for e in await history.unsummarized("exec", WA, keep_tokens=100)] == list(
        range(13, 22)
    )  # its 5 tokens leave 9 messages
    assert await history.unsummarized("exec", "nobody", keep_tokens=0) == []


async def test_set_summary_only_moves_forward_and_never_revives_a_deleted_user(
    history: ConversationHistory,
) -> None:
    assert not await history.set_summary("exec", WA, "nothing to summarize", 3)  # no history
    assert await history.summary("exec", WA) is None
    await fill(history, 10)
    assert await history.set_summary("exec", WA, "up to 6", 6)
    assert not await history.set_summary("exec", WA, "stale fold", 4)
    summary = await history.summary("exec", WA)
    assert summary is not None and (summary.text, summary.upto_seq) == ("up to 6", 6)
    assert summary.tokens == estimate_tokens("up to 6")
    await history.delete_user(WA)
    assert not await history.set_summary("exec", WA, "late fold after /forget", 9)
    assert await history.conversations(WA) == []


async def test_fold_lock_admits_one_holder(history: ConversationHistory, redis: aioredis.Redis) -> None:
    async with history.fold_lock("exec", WA) as first:
        async with history.fold_lock("exec", WA) as second:
            assert first and not second
        assert await redis.exists(history.keys.history_fold_lock("exec", WA))  # the loser did not release
    assert not await redis.exists(history.keys.history_fold_lock("exec", WA))
    async with history.fold_lock("exec", WA) as again:
        assert again


# ------------------------------------------------------------------ keys: binding and rotation


async def test_a_value_moved_to_another_user_is_not_shown(
    history: ConversationHistory, redis: aioredis.Redis
) -> None:
    await history.append_turn("exec", WA, "t", [user("private to user one")])
    await history.append_turn("exec", OTHER, "t", [user("user two's own")])
    stolen = await redis.lindex(history.keys.history("exec", WA), 0)
    item = orjson.loads(stolen)
    item["seq"] = 2
    await redis.rpush(history.keys.history("exec", OTHER), orjson.dumps(item))
    with structlog.testing.capture_logs() as logs:
        got = await history.read("exec", OTHER)
    assert [e.text for e in got] == ["user two's own"]
    assert [entry["event"] for entry in logs] == ["history.undecryptable"]
    assert "failed authentication" in logs[0]["reason"]


async def test_rotation_old_messages_readable_and_missing_key_skipped(
    redis: aioredis.Redis, redis_prefix: str
) -> None:
    key_a, key_b = generate_key(), generate_key()

    def with_keys(current: str, *old: str) -> ConversationHistory:
        return ConversationHistory(redis, redis_prefix, Cipher(current, old), ttl_s=60, max_messages=100)

    await with_keys(key_a).append_turn("exec", WA, "t1", [user("under A"), bot("also A")])
    await with_keys(key_a).set_summary("exec", WA, "summary under A", 1)
    rotated = with_keys(key_b, key_a)  # B current, A moved to HUDHUD_ENCRYPTION_OLD_KEYS
    assert [e.text for e in await rotated.read("exec", WA)] == ["under A", "also A"]
    await rotated.append_turn("exec", WA, "t2", [user("under B")])
    window = await rotated.window("exec", WA, max_tokens=100)
    assert [m.text for m in window.messages] == ["under A", "also A", "under B"]
    assert window.summary == "summary under A"

    only_b = with_keys(key_b)  # A dropped too early: its entries are skipped, the rest still reads
    with structlog.testing.capture_logs() as logs:
        window = await only_b.window("exec", WA, max_tokens=100)
        assert [e.text for e in await only_b.read("exec", WA)] == ["under B"]
    assert [m.text for m in window.messages] == ["under B"] and window.summary is None
    events = [entry["event"] for entry in logs]
    assert events.count("history.undecryptable") == 4 and "history.summary_undecryptable" in events
    assert Cipher(key_a).key_id in logs[0]["reason"]
    exported = await only_b.export_user(WA)
    assert [m.get("text") for m in exported["conversations"]["exec"]["messages"]] == [None, None, "under B"]
    assert "undecryptable" in exported["conversations"]["exec"]["messages"][0]


async def test_reencrypt_all_lets_the_old_key_go(redis: aioredis.Redis, redis_prefix: str) -> None:
    key_a, key_b = generate_key(), generate_key()
    old = ConversationHistory(redis, redis_prefix, Cipher(key_a), ttl_s=60, max_messages=100)
    await old.append_turn("exec", WA, "t1", tool_turn())
    await old.append_turn("query", OTHER, "t1", [user("question"), bot("answer")])
    await old.set_summary("exec", WA, "summary under A", 2)
    rotated = ConversationHistory(redis, redis_prefix, Cipher(key_b, [key_a]), ttl_s=60, max_messages=100)
    await rotated.append_turn("query", OTHER, "t2", [user("already under B")])
    ttl_before = await redis.ttl(old.keys.history("exec", WA))

    report = await rotated.reencrypt_all()
    assert (report.conversations, report.reencrypted, report.unreadable) == (2, 7, 0)
    assert await redis.ttl(old.keys.history("exec", WA)) <= ttl_before  # retention untouched
    only_b = ConversationHistory(redis, redis_prefix, Cipher(key_b), ttl_s=60, max_messages=100)
    assert [e.text for e in await only_b.read("exec", WA)] == [e.text for e in tool_turn()]
    assert [e.text for e in await only_b.read("query", OTHER)] == ["question", "answer", "already under B"]
    assert (await only_b.summary("exec", WA)).text == "summary under A"
    again = await rotated.reencrypt_all()
    assert (again.reencrypted, again.unreadable) == (0, 0)

    # values no key opens are counted and left in place
    await old.append_turn("exec", WA, "t9", [user("lost key")])
    lost = await only_b.reencrypt_all()
    assert (lost.reencrypted, lost.unreadable) == (0, 1)
    assert await only_b.length("exec", WA) == 5


# ------------------------------------------------------------------ privacy


async def test_delete_user_leaves_no_key_of_theirs(
    history: ConversationHistory, redis: aioredis.Redis, redis_prefix: str
) -> None:
    await history.append_turn("exec", WA, "t1", tool_turn())
    await history.append_turn("query", WA, "t1", [user("what is Hudhud?"), bot("A WhatsApp agent.")])
    await history.set_summary("query", WA, "asked about Hudhud", 1)
    await history.append_turn("exec", OTHER, "t1", [user("keep me")])
    async with history.fold_lock("exec", WA):
        deleted = await history.delete_user(WA)
    assert deleted == 8  # index + (log, meta, turns) x 2 + the fold lock
    left = [k.decode() async for k in redis.scan_iter(match=f"{redis_prefix}:*", count=500)]
    assert left and not [k for k in left if WA in k]
    assert all(OTHER in k for k in left)
    assert await history.conversations(WA) == [] and await history.read("exec", WA) == []
    assert [e.text for e in await history.read("exec", OTHER)] == ["keep me"]
    assert await history.delete_user(WA) == 0
    assert await history.append_turn("exec", WA, "t1", [user("a new start")])  # turn ids were forgotten too


async def test_export_user_is_decrypted_json(history: ConversationHistory) -> None:
    await history.append_turn("exec", WA, "t1", tool_turn())
    await history.set_summary("exec", WA, "created task 42", 4)
    await history.append_turn("query", WA, "t1", [user(ENGLISH)])
    await history.append_turn("exec", OTHER, "t1", [user("not theirs")])
    data = orjson.loads(orjson.dumps(await history.export_user(WA)))  # JSON-able
    assert data["wa_id"] == WA and set(data["conversations"]) == {"exec", "query"}
    exec_conv = data["conversations"]["exec"]
    assert [m["text"] for m in exec_conv["messages"]] == [e.text for e in tool_turn()]
    assert exec_conv["messages"][2]["tool_result"]["refs"] == {"task_id": 42}
    assert exec_conv["summary"]["text"] == "created task 42" and exec_conv["summary"]["upto_seq"] == 4
    assert 0 < exec_conv["expires_in_s"] <= 3600
    assert data["conversations"]["query"]["summary"] is None
    assert "not theirs" not in orjson.dumps(data).decode()
    assert (await history.export_user("nobody"))["conversations"] == {}


async def test_from_settings(redis: aioredis.Redis, settings_factory, tmp_path: Path) -> None:
    settings = settings_factory(hudhud_history_ttl_s=77, hudhud_history_max_messages=3,
                                hudhud_encryption_key=generate_key())  # fmt: skip
    cipher = Cipher.from_settings(settings.memory, settings.runtime)
    history = ConversationHistory.from_settings(
        redis, Keys(settings.queue.redis_prefix), settings.memory, cipher
    )
    assert (history.ttl_s, history.max_messages, history.keys.prefix) == (77, 3, settings.queue.redis_prefix)
    assert history.cipher.key_id == Cipher(settings.memory.encryption_key.get_secret_value()).key_id
    await history.append_turn("exec", WA, "t", [user(str(i)) for i in range(5)])
    assert await history.length("exec", WA) == 3
    assert await history.count("") == 0


async def test_window_reads_entries_whatever_their_key_order(
    history: ConversationHistory, redis: aioredis.Redis
) -> None:
    await history.append_turn("exec", WA, "t1", [user("first", tokens=5)])
    stored = orjson.loads(await redis.lindex(history.keys.history("exec", WA), 0))
    assert list(stored)[:2] == ["seq", "tokens"]  # what the script reads without a JSON parser
    reordered = {k: v for k, v in reversed(stored.items())} | {"seq": 2, "tokens": 7}
    reordered["c"] = history.cipher.encrypt(
        orjson.dumps({"text": "second"}), "hudhud:hist:exec:966500000001:log"
    )
    await redis.rpush(history.keys.history("exec", WA), orjson.dumps(reordered))
    window = await history.window("exec", WA, max_tokens=7)
    assert [(m.seq, m.text, m.tokens) for m in window.messages] == [(2, "second", 7)]
    assert window.tokens == 7
