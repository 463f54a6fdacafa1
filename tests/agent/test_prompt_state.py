"""Warmed prompts saved with llama.cpp's slot save/restore and restored at the next start, keyed by
model and prompt hash (agent/local/prompt_state.py): the real llama.cpp with SmolLM2-135M, and the
orchestration with a recording stand-in."""

from __future__ import annotations

from pathlib import Path

from agent.local import LocalModelServer
from agent.local.prompt_state import model_key, prompt_key, state_file, warm_prompts

ROUTER = "You are Hudhud's router. Reply with one JSON object. " * 12
PERSONA = "You are Hudhud, a knowledge assistant on WhatsApp. " * 12


def _names(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


class FakeServer:
    """Slot 0 of a llama.cpp server: what it holds, what restoring and warming cost."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.slot: str | None = None
        self.calls: list[tuple[str, str]] = []

    async def restore_slot(self, name: str) -> bool:
        path = self.state_dir / name
        if not path.is_file():
            return False
        self.slot = path.read_text()  # what was warmed when it was saved
        self.calls.append(("restore", name))
        return True

    async def save_slot(self, name: str) -> None:
        (self.state_dir / name).write_text(self.slot or "")
        self.calls.append(("save", name))

    async def warm_counted(self, prompt: str) -> tuple[float, int]:
        processed = 1 if self.slot == prompt else 300
        self.slot = prompt
        self.calls.append(("warm" if processed > 1 else "reuse", prompt[:8]))
        return 0.1, processed

    async def flush(self) -> None:
        self.calls.append(("flush", ""))


async def test_saved_state_is_keyed_by_prompt_hash_and_ignored_when_prompts_change(tmp_path: Path) -> None:
    server = FakeServer(tmp_path)
    first = await warm_prompts(server, [PERSONA, ROUTER], model="m0")
    assert first["processed"] == 2 and first["restored"] == 0
    names = _names(tmp_path)
    assert names == {state_file("m0", PERSONA), state_file("m0", ROUTER)}
    assert state_file("m0", ROUTER) == f"m0-{prompt_key(ROUTER)}.bin"

    server = FakeServer(tmp_path)  # a restart: both restored, nothing processed
    again = await warm_prompts(server, [PERSONA, ROUTER], model="m0")
    assert again["restored"] == 2 and again["processed"] == 0
    assert ("flush", "") in server.calls  # the persona is kept in RAM before the router replaces it

    edited = ROUTER + "One more rule."
    assert prompt_key(edited) != prompt_key(ROUTER)
    server = FakeServer(tmp_path)
    changed = await warm_prompts(server, [PERSONA, edited], model="m0")
    assert changed["restored"] == 1 and changed["processed"] == 1  # the old router state is not used
    assert ("restore", state_file("m0", ROUTER)) not in server.calls
    names = _names(tmp_path)
    assert names == {state_file("m0", PERSONA), state_file("m0", edited)}  # the stale file is gone

    server = FakeServer(tmp_path)  # other weights: nothing of m0 is read
    other = await warm_prompts(server, [PERSONA, edited], model="m1")
    assert other["processed"] == 2 and all(c[0] != "restore" for c in server.calls)


async def test_no_model_key_means_no_files(tmp_path: Path) -> None:
    server = FakeServer(tmp_path)
    assert (await warm_prompts(server, [PERSONA], model=None))["processed"] == 1
    assert _names(tmp_path) == set()


def test_model_key_follows_the_verified_sha256(tmp_path: Path) -> None:
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    plain = model_key(gguf)
    (tmp_path / "m.verified.json").write_text('{"sha256": "ab" }')
    assert model_key(gguf) != plain and len(model_key(gguf)) == 16


async def test_real_llama_cpp_restores_a_saved_prompt(smollm2_path: Path, tmp_path: Path) -> None:
    key = model_key(smollm2_path)
    async with LocalModelServer(smollm2_path, threads=1, n_ctx=1024, state_dir=tmp_path) as server:
        cold = await warm_prompts(server, [PERSONA, ROUTER], model=key)
        assert cold["processed"] == 2
    assert (tmp_path / state_file(key, ROUTER)).stat().st_size > 0
    assert not any(n.endswith(".partial") for n in _names(tmp_path))
    async with LocalModelServer(smollm2_path, threads=1, n_ctx=1024, state_dir=tmp_path) as server:
        warm = await warm_prompts(server, [PERSONA, ROUTER], model=key)
        assert warm["restored"] == 2 and warm["processed"] == 0
        _, processed = await server.warm_counted(ROUTER)  # in the slot: only the last token or so
        assert processed <= 8
        # The persona restored first is still in llama.cpp's RAM cache after the router replaced it.
        _, processed = await server.warm_counted(PERSONA)
        assert processed <= 8
