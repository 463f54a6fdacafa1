"""The app as a whole: OpenAPI, health, errors, start-up, settings and the small helpers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

import coreapi.__main__ as main_module
import coreapi.server as server_module
from coreapi.clock import today_in
from coreapi.config import CoreSettings, async_url
from coreapi.db import Database
from coreapi.models import UTCDateTime
from coreapi.passwords import hash_password, verify_password
from coreapi.people import normalize
from coreapi.seed import ensure_admin, seed
from tests.coreapi.conftest import SERVICE_TOKEN, Api

TOOL_OPERATIONS = {
    "create_task",
    "list_tasks",
    "get_task",
    "update_task",
    "assign_task",
    "complete_task",
    "reopen_task",
    "add_comment",
    "delete_task",
    "restore_task",  # what an undo of a delete calls
    "unassign_task",  # what an undo of an assignment to a task nobody held calls
}


async def test_openapi_names_every_operation(api: Api) -> None:
    r = await api.client().get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    ]
    op_ids = [op.get("operationId") for _, _, op in operations]
    assert None not in op_ids
    assert len(op_ids) == len(set(op_ids))
    assert set(op_ids) >= TOOL_OPERATIONS | {
        "exchange_token",
        "login",
        "list_users",
        "summary_report",
        "list_audit",
    }
    assert set(op_ids) >= {"create_link_code", "redeem_link_code", "get_link", "delete_link", "block_wa_id"}
    # every change advertises the Idempotency-Key header — but forgetting a number: a stored response
    # would name the number again after it was forgotten (a second call simply finds nothing)
    for path, method, op in operations:
        forget = (method, path) == ("post", "/links/{wa_id}/forget")
        if method in ("post", "patch", "delete") and not path.startswith("/auth/") and not forget:
            headers = [p["name"] for p in op.get("parameters", []) if p["in"] == "header"]
            assert "Idempotency-Key" in headers, (method, path)
    assert {"UserToken", "ServiceToken"} <= set(spec["components"]["securitySchemes"])


async def test_health(api: Api) -> None:
    r = await api.client().get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["database"] in ("sqlite", "postgresql")


async def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    r = await api.client("sara").get("/nowhere")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found", "code": "not_found"})
    r = await api.client("sara").put("/tasks")
    assert (r.status_code, r.json()["code"]) == (405, "method_not_allowed")


async def test_the_first_admin_comes_from_the_environment(start: Any) -> None:
    api = await start(people=False, coreapi_admin_password="first-admin-password")
    r = await api.client().post("/auth/login", json={"username": "admin", "password": "first-admin-password"})
    assert r.status_code == 200
    me = (await api.client(bearer=r.json()["access_token"]).get("/users/me")).json()
    assert (me["role"], me["display_name"]) == ("admin", "Administrator")
    # a restart with another password changes nothing: there are users now
    again = await start(people=False, coreapi_admin_password="another-password!!")
    r = await again.client().post("/auth/login", json={"username": "admin", "password": "another-password!!"})
    assert r.status_code == 401


async def test_without_a_jwt_secret_tokens_use_a_random_key(start: Any) -> None:
    api = await start(coreapi_jwt_secret=None)
    r = await api.service(SERVICE_TOKEN).post("/auth/token", json={"user_id": api.id("sara")})
    token = r.json()["access_token"]
    assert (await api.client(bearer=token).get("/users/me")).status_code == 200
    assert (await api.client("sara").get("/users/me")).status_code == 401  # signed with the test key


# --- settings ---


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        CoreSettings(_env_file=None, coreapi_jwt_secret="short")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        CoreSettings(_env_file=None, coreapi_service_token="short")  # type: ignore[call-arg]


def test_database_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "COREAPI_DATABASE_URL", "HUDHUD_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path))
    assert CoreSettings(_env_file=None).sqlalchemy_url == f"sqlite+aiosqlite:///{tmp_path / 'coreapi.db'}"  # type: ignore[call-arg]
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/db")
    assert CoreSettings(_env_file=None).sqlalchemy_url == "postgresql+asyncpg://u@h:5432/db"  # type: ignore[call-arg]
    monkeypatch.setenv("COREAPI_DATABASE_URL", "postgres://u@other/db")
    assert CoreSettings(_env_file=None).sqlalchemy_url == "postgresql+asyncpg://u@other/db"  # type: ignore[call-arg]
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


async def test_the_sqlite_directory_is_created(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'er' / 'core.db'}")
    await db.create_all()
    assert (tmp_path / "deep" / "er" / "core.db").exists()
    await db.drop_all()
    await db.dispose()
    memory = Database("sqlite+aiosqlite:///:memory:")
    await memory.create_all()
    await memory.dispose()


async def test_the_first_admin_is_made_once_even_when_two_processes_race(api: Api) -> None:
    """The other process counted no users either, then committed its admin first."""
    settings = api.settings.model_copy(update={"coreapi_admin_password": SecretStr("first-admin-password")})

    class LateSession:
        def __init__(self, real: Any) -> None:
            self.real = real

        async def scalar(self, _statement: Any) -> int:
            return 0  # what this process saw before the other committed

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    async with api.db.sessions() as session:
        assert await ensure_admin(LateSession(session), settings) is None  # type: ignore[arg-type]
    rows = await api.fetch("SELECT count(*) FROM users WHERE username = 'admin'")
    assert rows == [(1,)]


async def test_seed_can_leave_the_commit_to_the_caller(api: Api) -> None:
    async with api.db.sessions() as session:
        await seed(session, [{"username": "draft"}], commit=False)
        await session.rollback()
    assert await api.fetch("SELECT count(*) FROM users WHERE username = 'draft'") == [(0,)]


# --- serving ---


def test_run_serves_the_app_with_uvicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(server_module.uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    server_module.run(settings=CoreSettings(_env_file=None, hudhud_data_dir=tmp_path))  # type: ignore[call-arg]
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8100)
    assert seen["app"].title == "Hudhud reference core API"


def test_python_dash_m_coreapi(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    monkeypatch.setattr(main_module, "run", lambda host, port: seen.append((host, port)))
    main_module.main(["--host", "0.0.0.0", "--port", "9001"])
    main_module.main([])
    assert seen == [("0.0.0.0", 9001), ("127.0.0.1", 8100)]


# --- helpers ---


async def test_seed_names_people_by_username_or_id(api: Api) -> None:
    async with api.db.sessions() as session:
        result = await seed(
            session,
            tasks=[
                {
                    "title": "by id",
                    "created_by": api.id("sara"),
                    "assignee": "SAMIR",
                    "due_date": date(2031, 5, 1),
                    "comments": [{"author": api.id("samir"), "text": "on it"}],
                }
            ],
        )
        assert result.tasks[0].assignee_id == api.id("samir")
        with pytest.raises(ValueError, match="seed: unknown user 'ghost'"):
            await seed(session, tasks=[{"title": "x", "created_by": "ghost"}])


def test_password_hashes() -> None:
    stored = hash_password("secret-password")
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password("secret-password", stored)
    assert not verify_password("Secret-password", stored)
    assert not verify_password("x", None)
    assert not verify_password("x", "bcrypt$1$2$3$4$5")
    assert not verify_password("x", "garbage")


def test_name_normalization() -> None:
    assert normalize("  @Sara   AHMED ") == "sara ahmed"
    assert normalize("أَحْمَد") == normalize("احمد") == normalize("إحمد")
    assert normalize("فاطمة") == normalize("فاطمه")
    assert normalize("مصطفى") == normalize("مصطفي")


def test_today_in_an_unknown_zone_is_utc_today() -> None:
    assert today_in("Not/AZone") == today_in("UTC")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2030, 1, 1), None)
