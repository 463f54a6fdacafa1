"""Shared fixtures of the memory tests."""

from __future__ import annotations

import pytest
import structlog

import memory.history
import memory.summary


@pytest.fixture(autouse=True)
def _fresh_loggers(monkeypatch: pytest.MonkeyPatch) -> None:
    """structlog caches a logger's processors on first use (hudhud/logging.py): a module logger first used
    by an earlier test would bypass `capture_logs`. Fresh lazy loggers bind inside the capture."""
    for module in (memory.history, memory.summary):
        monkeypatch.setattr(module, "log", structlog.get_logger(module.__name__))
