"""Hudhud: WhatsApp AI agents. The public API users import:

from hudhud import CommandRouter, ToolKit, Turn, TextPart
"""

from __future__ import annotations

import importlib
from typing import Any

# Resolved on first use: hudhud's own modules import each other through this package, so eager
# imports here would be circular.
_EXPORTS = {
    "ButtonsPart": "base.turn",
    "CommandRouter": "base.commands",
    "InboundMessage": "base.turn",
    "ReplyPart": "base.turn",
    "Responder": "base.responder",
    "Settings": "base.settings",
    "TextPart": "base.turn",
    "ToolCall": "tools.base",
    "ToolKit": "tools.python",
    "ToolResult": "tools.base",
    "Turn": "base.turn",
    "create_app": "hudhud.app",
    "load_settings": "base.settings",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hudhud' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
