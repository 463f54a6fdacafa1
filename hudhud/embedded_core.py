"""`hudhud up` with no CORE_API_URL serves the reference core API itself, under /core, so the exec
bot's commands run end to end out of the box. Its secrets are generated once under HUDHUD_DATA_DIR."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from base.settings import Settings

MOUNT = "/core"


def _secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "coreapi-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    values = {"jwt_secret": secrets.token_urlsafe(48), "service_token": secrets.token_urlsafe(48)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(values, f)
    return values


def embedded_core(settings: Settings) -> tuple[FastAPI, Settings]:
    """The core API app to mount, and the settings that point the tools at it."""
    from coreapi.app import create_app
    from coreapi.config import CoreSettings

    found = _secrets(settings.runtime.data_dir)
    core = create_app(
        CoreSettings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=settings.core.database_url,
            hudhud_data_dir=settings.runtime.data_dir,
            coreapi_jwt_secret=found["jwt_secret"],
            coreapi_service_token=found["service_token"],
            coreapi_admin_password=settings.admin.password,
        )
    )
    host = "127.0.0.1" if settings.runtime.host in ("0.0.0.0", "::") else settings.runtime.host
    wired = settings.replace(
        core_api_url=f"http://{host}:{settings.runtime.port}{MOUNT}",
        hudhud_core_api_token=SecretStr(found["service_token"]),
    )
    return core, wired
