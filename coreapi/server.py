"""Running the core API as its own process."""

from __future__ import annotations

import uvicorn

from coreapi.app import create_app
from coreapi.config import CoreSettings


def run(host: str = "127.0.0.1", port: int = 8100, settings: CoreSettings | None = None) -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
