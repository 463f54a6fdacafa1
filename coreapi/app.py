"""The app factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from coreapi import errors, trash
from coreapi.config import CoreSettings
from coreapi.deps import Core, CoreDep
from coreapi.routes import audit, auth, links, reports, tasks, users
from coreapi.seed import ensure_admin

log = logging.getLogger("coreapi")


def create_app(settings: CoreSettings | None = None) -> FastAPI:
    settings = settings or CoreSettings()
    core = Core(settings)
    if settings.coreapi_jwt_secret is None:
        log.warning("COREAPI_JWT_SECRET is not set: using a random key, tokens die with this process")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # No migrations yet: create missing tables (existing ones are left as they are).
        await core.db.create_all()
        async with core.db.sessions() as session:
            await ensure_admin(session, settings)
            await trash.purge(session, settings.coreapi_trash_retention_s)
            await session.commit()
        try:
            yield
        finally:
            await core.db.dispose()

    app = FastAPI(
        title="Hudhud reference core API",
        version="1.0.0",
        summary="Tasks, people and WhatsApp links, called by Hudhud with each user's own identity",
        lifespan=lifespan,
    )
    app.state.core = core
    errors.install(app)
    for module in (auth, users, tasks, reports, audit, links):
        app.include_router(module.router)

    @app.get("/healthz", operation_id="healthz", tags=["health"])
    async def healthz(core: CoreDep) -> dict[str, str]:
        async with core.db.sessions() as session:
            await session.execute(text("SELECT 1"))
        return {"status": "ok", "database": core.db.url.get_backend_name()}

    return app
