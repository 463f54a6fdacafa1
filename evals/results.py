"""What one run of a case leaves: the transcript, tool calls, end state, scores. One line of
results.jsonl per case x trial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, Field


class ReplyRecord(BaseModel):
    kind: str  # text | buttons | list | template | media
    text: str = ""
    buttons: list[dict[str, str]] = Field(default_factory=list)  # [{id, title}]


class ToolCallRecord(BaseModel):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    outcome: str  # ok | error | unavailable (sent to the core API) | confirm (held for confirmation)
    status: int = 0
    ms: float = 0.0


class TraceRecord(BaseModel):
    """The agent's trace of the turn (absent for turns answered in code: slash commands, buttons)."""

    action: str = ""
    args: dict[str, Any] = Field(default_factory=dict)
    # The model's own reading before the packs' corrections and the argument layer: what a miss is
    # debugged from (a correction that did not fire, an argument the code filled in).
    routed_action: str = ""
    raw_args: dict[str, Any] = Field(default_factory=dict)
    outcome: str = ""
    lang: str = ""
    model: str = ""
    mode: str = ""
    prompts: dict[str, str] = Field(default_factory=dict)
    ms: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    rules: list[str] = Field(default_factory=list)  # corrections and agent rules that changed the turn


class TurnRecord(BaseModel):
    index: int
    user: str | None = None
    press: str | None = None
    replies: list[ReplyRecord] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    traces: list[TraceRecord] = Field(default_factory=list)
    status: str = ""  # the worker's: ok | failed | timeout | unsupported | dead | no_reply
    latency_ms: float = 0.0  # webhook accepted -> turn finished (replies sent)
    error: str | None = None
    # The core API's tasks after this turn (the truthful scorer's per-turn change); None: not read.
    state_after: list[dict[str, Any]] | None = None
    cost: float | None = None  # the traces' tokens priced (evals/pricing.py); None: a model without price

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies if r.text)

    @property
    def tokens_in(self) -> int:
        return sum(t.tokens_in for t in self.traces)

    @property
    def tokens_out(self) -> int:
        return sum(t.tokens_out for t in self.traces)

    @property
    def asked_confirmation(self) -> bool:
        return any(b["id"].startswith("confirm:") for r in self.replies for b in r.buttons)


class Score(BaseModel):
    name: str
    passed: bool | None = None  # None: measured, no pass/fail (e.g. a similarity without threshold)
    value: float | None = None  # 0..1
    details: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class CaseResult(BaseModel):
    suite: str
    case_id: str
    trial: int = 0
    seed: int | None = None
    tags: list[str] = Field(default_factory=list)
    split: str = "dev"  # dev | test (docs/evals.md); results written before splits existed are dev
    lang: str = ""
    profile: str = ""
    model: str = ""
    clock: str = ""
    turns: list[TurnRecord] = Field(default_factory=list)
    state_before: list[dict[str, Any]] = Field(default_factory=list)
    state_after: list[dict[str, Any]] | None = None  # None: the case did not get as far as reading it
    scores: dict[str, Score] = Field(default_factory=dict)
    success: bool = False  # command success (the τ-bench criterion)
    quality: float | None = None
    error: str | None = None  # the harness could not run the case
    duration_ms: float = 0.0
    cost: float | None = None  # the turns' cost; None: not priced (a model without price, an old run)

    def reasons(self, per_score: int | None = None) -> list[str]:
        """Why the case failed: the harness error, else each turn's error and the failed scores'
        details (the first `per_score` of each)."""
        if self.error:
            return [self.error]
        return [
            *(f"turn {t.index}: {t.error}" for t in self.turns if t.error),
            *(
                d
                for s in self.scores.values()
                if s.passed is False
                for d in (s.details[:per_score] or [f"{s.name}: failed"])
            ),
        ]

    @property
    def prompts(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for turn in self.turns:
            for trace in turn.traces:
                out.update(trace.prompts)
        return out


class ResultsWriter:
    """Appends each result as soon as it is scored, so an interrupted run keeps what finished."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("ab")

    def write(self, result: CaseResult) -> None:
        self._file.write(orjson.dumps(result.model_dump(mode="json")) + b"\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def read_results(path: Path) -> list[CaseResult]:
    """results.jsonl of a run directory (or the file itself)."""
    file = path / "results.jsonl" if path.is_dir() else path
    out = []
    with file.open("rb") as f:
        for line in f:
            if line.strip():
                out.append(CaseResult.model_validate(orjson.loads(line)))
    return out
