"""Versioned prompt files (`<name>.<lang>.md`, `<name>.md`) and the store that loads and hashes them."""

from prompts.store import Prompt, PromptError, PromptNotFound, PromptStore

__all__ = ["Prompt", "PromptError", "PromptNotFound", "PromptStore"]
