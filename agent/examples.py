"""Router examples retrieved by similarity from an example bank (issue 13, point 7).

The router's fixed examples (prompts/router-examples.md) stay in its byte-stable system prompt; the bank
(prompts/router-bank.md, same `message -> {json}` lines, written from the languages and never from an
eval suite: tests/evals/test_example_overlap.py) holds many more. For each message the `k` bank lines
nearest to it by multilingual-e5 cosine are shown to the model as earlier turns of the conversation,
after the cached prefix, so only they and the message are processed on a warm turn. The nearest comes
last, next to the message; a character cap bounds what they add to a command turn's prompt.

The bank's vectors are computed once per bank text (a playground draft of the bank gets its own) and
each message's vector is one e5 query (~20 ms of CPU).
"""

from __future__ import annotations

import asyncio
import re
import threading

import numpy as np

from base.text.folding import to_latin_digits
from memory.embeddings import E5Embeddings
from prompts.store import Prompt

BANK = "router-bank"
ARROW = " -> {"
_NUMBER = re.compile(r"\d+")
KEPT = 4  # bank texts whose vectors are kept (the shipped one and drafts of it)


def _compared(text: str) -> str:
    """What is embedded: every number masked, so task 12 is not near task 12 for its number alone (on the
    bank, each line's nearest other line had its action 50% of the time masked, 43% not)."""
    return _NUMBER.sub("N", to_latin_digits(text))


def bank_lines(text: str) -> list[tuple[str, str]]:
    """(message, output JSON) of every `message -> {json}` line of a bank prompt's text."""
    out = []
    for line in text.splitlines():
        if ARROW in line:
            said, output = line.split(ARROW, 1)
            out.append((said.strip(), "{" + output.strip()))
    return out


class ExampleBank:
    """The bank's lines and their vectors; `nearest` picks a message's examples."""

    def __init__(self, *, k: int = 3, max_chars: int = 600, embeddings: E5Embeddings | None = None) -> None:
        self.k = k
        self.max_chars = max_chars
        self.embeddings = embeddings or E5Embeddings()
        self._vectors: dict[str, tuple[list[tuple[str, str]], np.ndarray]] = {}  # by the bank's sha256
        self._lock = threading.Lock()

    def _indexed(self, bank: Prompt) -> tuple[list[tuple[str, str]], np.ndarray]:
        with self._lock:
            found = self._vectors.get(bank.sha256)
            if found is None:
                lines = bank_lines(bank.text)
                # Both sides are e5 "query:" texts: message against message is a symmetric comparison.
                said = [_compared(message) for message, _ in lines]
                vectors = np.asarray(self.embeddings.embed_query(said), dtype=np.float32)
                found = self._vectors[bank.sha256] = (lines, vectors.reshape(len(lines), -1))
                while len(self._vectors) > KEPT:  # drafts tried one after another: keep the last few
                    self._vectors.pop(next(iter(self._vectors)))
            return found

    def nearest(self, bank: Prompt, text: str) -> list[tuple[str, str]]:
        """The examples for `text`, least similar first; at most `k`, within `max_chars` together."""
        if self.k <= 0 or not text.strip():
            return []
        lines, vectors = self._indexed(bank)
        if not lines:
            return []
        scores = vectors @ self.embeddings.query_vector(_compared(text))[0]
        chosen: list[tuple[str, str]] = []
        used = 0
        for i in np.argsort(-scores)[: self.k]:
            said, output = lines[int(i)]
            used += len(said) + len(output)
            if chosen and used > self.max_chars:
                break
            chosen.append((said, output))
        return chosen[::-1]

    async def anearest(self, bank: Prompt, text: str) -> list[tuple[str, str]]:
        """`nearest` off the event loop (embedding is CPU work)."""
        return await asyncio.to_thread(self.nearest, bank, text)

    async def warm(self, bank: Prompt) -> None:
        """Embed the bank now rather than on the first message."""
        await asyncio.to_thread(self._indexed, bank)
