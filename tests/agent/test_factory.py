"""The agent built from settings on the embedded path, with the small SmolLM2 model (CI has no 1.5B):
weights verified, llama.cpp started and warmed with the router prompt, a grammar-constrained request
made, the token counter used, the server stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.factory import build_agent
from agent.router import RouterError
from base.settings import Settings


# Starting a real model server and warming its prompts takes most of a minute on 2 quiet cores, and
# several times that on a busy machine: more room than the suite's 120 s default.
@pytest.mark.timeout(300)
async def test_embedded_agent_end_to_end_with_a_real_model(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        hudhud_data_dir=tmp_path,
        hudhud_local_model="smollm2",
        # One thread: llama.cpp's threads spin while they wait for each other, and on 2 cores shared with
        # other tests (pytest-xdist) two of them warmed the prompts half as fast as one.
        hudhud_local_threads=1,
        hudhud_max_reply_tokens=4,  # keeps the test fast; a router choice needs more, see below
    )
    runtime = await build_agent(settings)
    try:
        assert runtime.endpoint.local and runtime.agent.mode == "router"
        assert runtime.agent.model_name == "local:smollm2"
        assert await runtime.agent.fit("hello") == "hello"
        assert runtime.agent._system_tokens and runtime.agent._system_tokens > 500  # counted by llama.cpp
        # A reply cut at the token limit is reported as a router error (the pipeline answers honestly).
        with pytest.raises(RouterError, match="token limit"):
            await runtime.agent.route("add a task to call the bank tomorrow")
    finally:
        await runtime.aclose()
    assert runtime.server is None
