"""Why the embedded model cannot be used. Every message says what to do about it."""

from __future__ import annotations


class LocalModelError(RuntimeError):
    """The embedded model cannot be used; the message is meant for the operator."""


class InvalidModelSpec(LocalModelError, ValueError):
    """HUDHUD_LOCAL_MODEL names no catalog model and no GGUF file."""


class ModelNotInstalled(LocalModelError):
    """The packages that ship the weights (or llama.cpp itself) are not installed."""


class ModelCorrupt(LocalModelError):
    """The weights do not hash to the catalog's sha256."""


class ModelLoadError(LocalModelError):
    """llama.cpp refused to load the file."""
