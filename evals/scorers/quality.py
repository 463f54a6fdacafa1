"""Response quality: language match, WhatsApp format rules, and semantic similarity to the reference
answer with the same embeddings as memory."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from evals.embeddings import Embedder
from evals.language import speaks
from evals.results import CaseResult, Score
from evals.scorers.base import Scorer
from evals.suite import Case, Suite

MAX_MESSAGE = 4096
FORMAT_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("Markdown header", re.compile(r"^\s{0,3}#{1,6}\s+\S.*$", re.MULTILINE)),
    ("Markdown table", re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)),
    ("Markdown **bold**", re.compile(r"\*\*[^*\n]+\*\*")),
]


class LanguageScorer(Scorer):
    """Each reply in the language the turn expects (`reply.language`, else the case's language tag)."""

    name = "language"

    def applies(self, suite: Suite, case: Case) -> bool:
        return bool(case.lang) or any(t.expect.reply and t.expect.reply.language for t in case.turns)

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        total = ok = 0
        details = []
        for spec, turn in zip(case.turns, result.turns, strict=False):
            if not turn.text:
                continue
            lang = (spec.expect.reply.language if spec.expect.reply else None) or case.lang
            total += 1
            if speaks(turn.text, lang):
                ok += 1
            else:
                details.append(f"turn {turn.index}: not in {lang}: {turn.text[:60]!r}")
        value = ok / total if total else None
        return Score(
            name=self.name,
            passed=ok == total if total else None,
            value=value,
            details=details,
            extra={"matched": ok, "total": total},
        )


class FormatScorer(Scorer):
    """What WhatsApp shows as written: at most 4096 characters a message, no leftover Markdown."""

    name = "format"

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        details = []
        for turn in result.turns:
            for reply in turn.replies:
                if len(reply.text) > MAX_MESSAGE:
                    details.append(f"turn {turn.index}: {len(reply.text)} characters (max {MAX_MESSAGE})")
                for label, pattern in FORMAT_RULES:
                    if found := pattern.search(reply.text):
                        details.append(f"turn {turn.index}: {label}: {found.group(0).strip()[:40]!r}")
        return Score(name=self.name, passed=not details, value=0.0 if details else 1.0, details=details)


class SimilarityScorer(Scorer):
    """Cosine similarity of the last reply to `reference_answer`; passes at the suite's threshold."""

    name = "similarity"

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or Embedder()

    def applies(self, suite: Suite, case: Case) -> bool:
        return bool(case.reference_answer)

    async def score(self, suite: Suite, case: Case, result: CaseResult) -> Score:
        reply = next((t.text for t in reversed(result.turns) if t.text), "")
        if not reply:
            return Score(name=self.name, passed=False, value=0.0, details=["no reply to compare"])
        value: Any = await asyncio.to_thread(self.embedder.similarity, reply, case.reference_answer or "")
        value = round(float(value), 4)
        passed = value >= suite.similarity_threshold
        details = [] if passed else [f"similarity {value:.3f} < {suite.similarity_threshold}"]
        return Score(name=self.name, passed=passed, value=value, details=details)
