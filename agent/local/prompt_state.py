"""Warmed prompts kept across restarts: llama.cpp's slot save/restore, keyed by model and prompt.

Processing the stable system prompts (router, personas) takes about a minute on 2 cores. After a prompt
is processed once, its slot state (the KV cache of its tokens) is saved to
`<data dir>/prompt-state/<model key>-<prompt key>.bin`; the next start restores it in milliseconds.
The model key is the GGUF file's sha256 (from its `.verified.json` sidecar, else its path, size and
mtime) with the llama.cpp build; the prompt key is the sha256 of the exact warm-up request's messages.
A changed prompt, model or llama.cpp has another name, so a stale file is never read; files of the same
model that no current prompt names are deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import structlog

from agent.local.server import WARM_MESSAGE

log = structlog.get_logger(__name__)

SUFFIX = ".bin"


def model_key(path: Path) -> str:
    """What identifies the weights and the llama.cpp that computed a state: 16 hex digits."""
    path = Path(path)
    sidecar = path.with_name(f"{path.stem}.verified.json")
    identity = ""
    with contextlib.suppress(OSError, ValueError):  # no sidecar: a path given by the operator
        identity = str(json.loads(sidecar.read_text()).get("sha256") or "")
    if not identity:
        stat = path.stat()
        identity = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    try:
        import xllamacpp

        build = str(getattr(xllamacpp, "__version__", ""))
    except ImportError:
        build = ""
    return hashlib.sha256(f"{identity}|{build}".encode()).hexdigest()[:16]


def prompt_key(system_prompt: str) -> str:
    """The sha256 of the warm-up request's messages (16 hex digits): any change of a byte changes it."""
    messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": WARM_MESSAGE}]
    return hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()[:16]


def state_file(model: str, system_prompt: str) -> str:
    return f"{model}-{prompt_key(system_prompt)}{SUFFIX}"


async def warm_prompts(server: Any, prompts: Sequence[str], *, model: str | None) -> dict[str, Any]:
    """Warm `prompts` in order (the last stays in the slot, the others in llama.cpp's RAM prompt cache):
    restored from saved state when the server has a state_dir and a file for it, else processed and saved.
    `model`: `model_key()` of the weights (None: no saving). Returns what happened, for the log."""
    started = time.perf_counter()
    saving = model is not None and getattr(server, "state_dir", None) is not None
    restored = processed = 0
    for i, prompt in enumerate(prompts):
        name = state_file(model, prompt) if saving and model is not None else None
        if name is not None and i > 0:
            await server.flush()  # a restore replaces the slot: keep the previous prompt in RAM first
        # No request after a restore: each decode costs seconds on a busy 2-core machine, and llama.cpp
        # checks the file's token count; the name's hashes make it this prompt's state.
        if name is not None and await server.restore_slot(name):
            restored += 1
            continue
        await server.warm_counted(prompt)
        processed += 1
        if name is not None:
            try:
                await server.save_slot(name)
            except Exception as exc:  # a full disk must not stop the start: the next one warms again
                log.warning("prompt state not saved", file=name, error=str(exc))
    if saving and model is not None:
        _forget_others(server.state_dir, model, {state_file(model, p) for p in prompts})
    seconds = round(time.perf_counter() - started, 2)
    log.info("prompts warmed", restored=restored, processed=processed, seconds=seconds)
    return {"restored": restored, "processed": processed, "seconds": seconds}


def _forget_others(directory: Path, model: str, keep: set[str]) -> None:
    """Files of this model for prompts no longer used (an edited prompt leaves its old state behind)."""
    for path in Path(directory).glob(f"{model}-*{SUFFIX}"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
