"""The reference core API of one case: a fresh SQLite database seeded from the case's fixtures, served
over loopback for the agent's tools, and read back as an admin over HTTP for the end state."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pydantic import SecretStr

from evals.suite import Fixtures

ADMIN = "eval-admin"  # reads the end state; not one of the case's people


class _QuietServer(uvicorn.Server):
    """uvicorn in the runner's event loop, leaving SIGINT to the runner (Ctrl-C keeps results)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class CoreWorld:
    def __init__(self, workdir: Path, fixtures: Fixtures, *, timezone: str) -> None:
        self.workdir = workdir
        self.fixtures = fixtures
        self.timezone = timezone
        self.service_token = secrets.token_urlsafe(48)
        self.user_ids: dict[str, int] = {}
        self.url = ""
        self._server: _QuietServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        self._http: httpx.AsyncClient | None = None
        self._admin_token: str | None = None

    async def start(self) -> None:
        from coreapi.app import create_app
        from coreapi.config import CoreSettings

        self.workdir.mkdir(parents=True, exist_ok=True)
        settings = CoreSettings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=f"sqlite:///{self.workdir / 'coreapi.db'}",
            hudhud_data_dir=self.workdir,
            coreapi_jwt_secret=SecretStr(secrets.token_urlsafe(48)),
            coreapi_service_token=SecretStr(self.service_token),
            coreapi_admin_password=None,
            coreapi_timezone=self.timezone,
        )
        app = create_app(settings)
        db = app.state.core.db
        await db.create_all()
        async with db.sessions() as session:
            await self._seed(session)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP,
        # and without it a response written in two parts waits ~40 ms for the client's delayed ACK.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, log_level="error", lifespan="on", access_log=False)
        self._server = _QuietServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]), name="eval-coreapi")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise RuntimeError("the core API stopped while starting")  # pragma: no cover
            await asyncio.sleep(0.005)
        self._http = httpx.AsyncClient(base_url=self.url, timeout=30)

    async def _seed(self, session: Any) -> None:
        from coreapi.clock import utcnow
        from coreapi.models import Comment, Role, Task
        from coreapi.seed import UserSeed, seed

        people = [
            UserSeed(
                username=u.username,
                display_name=u.name or u.username,
                role=Role(u.role),
                team=u.team,
                timezone=u.timezone or self.timezone,
                language=u.lang,  # type: ignore[arg-type]
            )
            for u in self.fixtures.users
        ]
        people.append(UserSeed(username=ADMIN, display_name="Eval Admin", role=Role.admin, language="en"))  # type: ignore[arg-type]
        seeded = await seed(session, users=people, commit=False)
        users = seeded.users
        self.user_ids = {name: user.id for name, user in users.items()}
        for spec in self.fixtures.tasks:
            creator = users[spec.created_by.lower()]
            task = Task(
                id=spec.id,
                title=spec.title,
                description=spec.description,
                status=spec.status,
                priority=spec.priority,
                due_date=spec.due,
                creator=creator,
                assignee=users[spec.assignee.lower()] if spec.assignee else None,
                completed_at=utcnow() if spec.status == "done" else None,
            )
            session.add(task)
            for text in spec.comments:
                session.add(Comment(task=task, author=creator, text=text))
        await session.commit()

    async def mirror_link(self, wa_id: str, username: str) -> None:
        """The core API's mirror of a link (Redis holds the link itself), as /link leaves it."""
        await self._service("PUT", f"/links/{wa_id}", json={"user_id": self.user_ids[username.lower()]})

    async def mirror_block(self, wa_id: str) -> None:
        """The core API's mirror of an administrator's block (`hudhud links block` sets Redis)."""
        await self._admin_request("POST", f"/links/{wa_id}/block")

    async def _service(self, method: str, path: str, **kwargs: Any) -> Any:
        assert self._http is not None
        response = await self._http.request(
            method, path, headers={"Authorization": f"Bearer {self.service_token}"}, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None

    async def _admin(self, path: str, **params: Any) -> Any:
        return await self._admin_request("GET", path, params=params)

    async def _admin_request(self, method: str, path: str, **kwargs: Any) -> Any:
        assert self._http is not None
        if self._admin_token is None:
            token = await self._service("POST", "/auth/token", json={"user_id": self.user_ids[ADMIN]})
            self._admin_token = token["access_token"]
        response = await self._http.request(
            method, path, headers={"Authorization": f"Bearer {self._admin_token}"}, **kwargs
        )
        response.raise_for_status()
        return response.json()

    async def snapshot(self) -> list[dict[str, Any]]:
        """Every task, as the suite format names its fields (people by username), ordered by id."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await self._admin("/tasks", scope="all", limit=200, offset=offset)
            items.extend(page["items"])
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                break
        tasks = []
        for item in sorted(items, key=lambda t: t["id"]):
            comments = await self._admin(f"/tasks/{item['id']}/comments")
            tasks.append(
                {
                    "id": item["id"],
                    "title": item["title"],
                    "description": item["description"],
                    "status": item["status"],
                    "priority": item["priority"],
                    "assignee": (item.get("assignee") or {}).get("username"),
                    "created_by": (item.get("creator") or {}).get("username"),
                    "due": item["due_date"],
                    "comments": [c["text"] for c in comments],
                }
            )
        return tasks

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await self._task
            self._server = self._task = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
