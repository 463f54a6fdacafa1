"""Idempotency-Key: a retried request (same key, same caller) replays the first response."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from starlette.requests import Request

from coreapi.clock import utcnow
from coreapi.idempotency import Idempotency, request_hash
from coreapi.models import AuditEntry, IdempotencyRecord
from tests.coreapi.conftest import Api

KEY = {"Idempotency-Key": "turn-7f3a:create_task:0"}


async def count_tasks(api: Api, title: str) -> int:
    return (await api.fetch("SELECT count(*) FROM tasks WHERE title = :t", t=title))[0][0]


async def test_a_retried_create_replays_and_creates_nothing(api: Api) -> None:
    sara = api.client("sara")
    first = await sara.post("/tasks", json={"title": "Once only", "priority": "high"}, headers=KEY)
    again = await sara.post("/tasks", json={"title": "Once only", "priority": "high"}, headers=KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_tasks(api, "Once only") == 1
    assert len((await api.client("admin").get("/audit", params={"action": "create"})).json()["items"]) == 1


async def test_key_order_and_spacing_do_not_make_a_new_request(api: Api) -> None:
    sara = api.client("sara")
    headers = {**KEY, "content-type": "application/json"}
    await sara.post("/tasks", content=b'{"title": "Same", "priority": "low"}', headers=headers)
    r = await sara.post("/tasks", content=b'{"priority":"low","title":"Same"}', headers=headers)
    assert r.status_code == 201 and r.headers["idempotent-replayed"] == "true"
    assert await count_tasks(api, "Same") == 1


async def test_the_same_key_with_another_body_is_422(api: Api) -> None:
    sara = api.client("sara")
    await sara.post("/tasks", json={"title": "First"}, headers=KEY)
    r = await sara.post("/tasks", json={"title": "Second"}, headers=KEY)
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    assert r.json()["detail"] == (
        "Idempotency-Key 'turn-7f3a:create_task:0' was already used for a different request; use a new key"
    )
    assert await count_tasks(api, "Second") == 0
    # ...and so is the same key on another route
    r = await sara.post(f"/tasks/{api.task(1)}/complete", headers=KEY)
    assert r.status_code == 422


async def test_keys_belong_to_one_caller(api: Api) -> None:
    for username in ("sara", "samir"):
        r = await api.client(username).post("/tasks", json={"title": "Shared key"}, headers=KEY)
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert await count_tasks(api, "Shared key") == 2


async def test_failures_are_not_stored(api: Api) -> None:
    sara = api.client("sara")
    assert (await sara.post("/tasks/99999/complete", headers=KEY)).status_code == 404
    assert (
        await sara.post("/tasks/99999/complete", headers=KEY)
    ).status_code == 404  # ran again, not replayed
    rows = await api.fetch("SELECT count(*) FROM idempotency_keys")
    assert rows[0][0] == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/tasks/{t}", {"title": "Renamed"}),
        ("POST", "/tasks/{t}/complete", None),
        ("POST", "/tasks/{t}/comments", {"text": "once"}),
        ("POST", "/tasks/{t}/assign", {"assignee": "samir"}),
        ("DELETE", "/tasks/{t}", None),
    ],
)
async def test_every_change_replays(api: Api, method: str, path: str, body: dict[str, Any] | None) -> None:
    sara = api.client("sara")
    url = path.format(t=api.task(1))
    first = await sara.request(method, url, json=body, headers=KEY)
    again = await sara.request(method, url, json=body, headers=KEY)
    assert first.status_code in (200, 201), first.text
    assert (again.status_code, again.json()) == (
        first.status_code,
        first.json(),
    )  # not 409 / 404 the second time
    assert again.headers["idempotent-replayed"] == "true"
    audit = (await api.client("admin").get("/audit", params={"task_id": api.task(1)})).json()["items"]
    assert len(audit) == 1


async def test_concurrent_copies_of_a_request_create_one_task(api: Api) -> None:
    sara = api.client("sara")
    responses = await asyncio.gather(
        *(sara.post("/tasks", json={"title": "Raced"}, headers=KEY) for _ in range(6))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count_tasks(api, "Raced") == 1


async def test_an_expired_key_may_be_used_again(api: Api) -> None:
    sara = api.client("sara")
    await sara.post("/tasks", json={"title": "Daily"}, headers=KEY)
    async with api.db.sessions() as session:
        await session.execute(
            IdempotencyRecord.__table__.update().values(created_at=utcnow() - timedelta(days=2))
        )
        await session.commit()
    r = await sara.post("/tasks", json={"title": "Daily"}, headers=KEY)
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert await count_tasks(api, "Daily") == 2


async def test_a_key_longer_than_200_characters_is_422(api: Api) -> None:
    r = await api.client("sara").post("/tasks", json={"title": "x"}, headers={"Idempotency-Key": "k" * 201})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("invalid request: Idempotency-Key: String should have at most 200")


def fake_request(body: bytes, path: str = "/tasks") -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [],
        "query_string": b"",
        "scheme": "http",
        "server": ("test", 80),
        "root_path": "",
    }
    return Request(scope, receive)


async def test_the_request_hash_ignores_key_order_but_not_values_or_paths() -> None:
    a = await request_hash(fake_request(b'{"a": 1, "b": 2}'))
    assert a == await request_hash(fake_request(b'{"b":2,"a":1}'))
    assert a != await request_hash(fake_request(b'{"a": 1, "b": 3}'))
    assert a != await request_hash(fake_request(b'{"a": 1, "b": 2}', path="/other"))
    assert await request_hash(fake_request(b"not json")) != await request_hash(fake_request(b""))


async def test_the_loser_of_a_race_is_rolled_back_and_replays_the_winner(api: Api) -> None:
    """Both copies missed each other's key at lookup; the unique (actor, key) decides at commit."""
    if api.db.is_sqlite:
        pytest.skip("SQLite takes its write lock at BEGIN, so two copies never overlap")
    request = fake_request(b'{"title": "x"}')
    digest = await request_hash(request)
    winner = {"id": 1, "winner": True}

    async with api.db.sessions() as session:
        idem = Idempotency(session, "user:1", "race", request, ttl_s=3600)

        async def op() -> dict[str, Any]:
            session.add(AuditEntry(actor_id=1, action="loser", entity="task"))
            async with api.db.sessions() as other:  # the other copy commits first
                other.add(
                    IdempotencyRecord(
                        actor="user:1",
                        key="race",
                        request_hash=digest,
                        status_code=201,
                        body=json.dumps(winner),
                    )
                )
                await other.commit()
            return {"id": 2, "winner": False}

        response = await idem.run(op, status_code=201)
    assert response.status_code == 201
    assert json.loads(response.body) == winner
    assert response.headers["idempotent-replayed"] == "true"
    # the loser's own work was rolled back with its key
    assert await api.fetch("SELECT count(*) FROM audit_log WHERE action = 'loser'") == [(0,)]
