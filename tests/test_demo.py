"""`hudhud demo seed` (hudhud/demo.py): the demo organization lands once in the embedded core API's
database, the chat number is linked to its user in Redis and in the core API, and it is dev only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from base.keys import Keys
from coreapi.db import Database
from coreapi.models import Link, Task, User
from hudhud.demo import DEMO_NUMBER, DemoRefused, core_settings, is_empty, seed_demo
from memory.links import IdentityLinks

ARABIC = re.compile(r"[\u0600-\u06FF]")


async def _core(settings) -> tuple[list[User], list[Task], Link | None]:
    db = Database(core_settings(settings).sqlalchemy_url)
    try:
        async with db.sessions() as session:
            people = list(await session.scalars(select(User)))
            tasks = list(await session.scalars(select(Task)))
            link = await session.get(Link, DEMO_NUMBER)
        return people, tasks, link
    finally:
        await db.dispose()


async def test_seed_adds_the_demo_once_and_links_the_chat_number(settings_factory, redis) -> None:
    settings = settings_factory()
    url = core_settings(settings).sqlalchemy_url
    assert await is_empty(url)
    first = await seed_demo(settings, redis)
    assert (first.people, first.tasks) == (6, 12)
    assert not await is_empty(url)
    again = await seed_demo(settings, redis)
    assert (again.people, again.tasks, again.user_id) == (0, 0, first.user_id)

    people, tasks, link = await _core(settings)
    assert len(people) == 6 and {p.team for p in people} == {"ops", "sales"}
    assert len(tasks) == 12
    titles = [t.title for t in tasks]
    assert any(ARABIC.search(t) for t in titles) and any(t.isascii() for t in titles)
    assert link is not None and link.user_id == first.user_id
    cached = await IdentityLinks(redis, Keys(settings.queue.redis_prefix)).get(DEMO_NUMBER)
    assert cached is not None and cached.user_id == first.user_id and cached.role == "manager"
    assert "hudhud chat --as 966500000001" in first.line("http://127.0.0.1:8000")


async def test_the_core_admin_is_still_made_when_the_demo_comes_first(settings_factory, redis) -> None:
    settings = settings_factory(hudhud_admin_password="admin-pass-123456")
    await seed_demo(settings, redis)
    people, _, _ = await _core(settings)
    assert [p.username for p in people if p.role == "admin"] == ["admin"]


@pytest.mark.parametrize("env", ["staging", "prod"])
async def test_never_outside_dev(settings_factory, redis, env) -> None:
    settings = settings_factory(hudhud_env=env)
    with pytest.raises(DemoRefused, match="dev only"):
        await seed_demo(settings, redis)


async def test_not_when_another_core_api_is_configured(settings_factory, redis) -> None:
    settings = settings_factory(core_api_url="https://core.example.org")
    with pytest.raises(DemoRefused, match="CORE_API_URL"):
        await seed_demo(settings, redis)


def test_the_command_refuses_in_prod(monkeypatch, tmp_path) -> None:
    from hudhud.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUDHUD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUDHUD_ENV", "prod")
    result = CliRunner().invoke(app, ["demo", "seed"])
    assert result.exit_code == 2, result.output
    assert "dev only" in result.output
