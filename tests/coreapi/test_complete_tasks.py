"""POST /tasks/complete: several tasks done in one call, all or none, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.coreapi.conftest import Api


async def statuses(api: Api) -> dict[int, str]:
    return {row[0]: row[1] for row in await api.fetch("SELECT id, status FROM tasks")}


async def completes_logged(api: Api) -> list[tuple[int, int]]:
    rows = await api.fetch(
        "SELECT task_id, actor_id FROM audit_log WHERE action = 'complete' ORDER BY task_id"
    )
    return [(row[0], row[1]) for row in rows]


async def test_completes_every_task_asked_with_one_audit_entry_each(api: Api) -> None:
    one, two = api.task(1), api.task(2)
    r = await api.client("sara").post("/tasks/complete", json={"task_ids": [two, one, two]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2
    assert [t["id"] for t in body["tasks"]] == [two, one]  # the order asked, a repeated id once
    assert all(t["status"] == "done" and t["completed_at"] and not t["overdue"] for t in body["tasks"])
    assert body["tasks"][1]["title"] == "Prepare Q3 report"
    now = await statuses(api)
    assert (now[one], now[two], now[api.task(5)]) == ("done", "done", "open")
    assert await completes_logged(api) == sorted([(one, api.id("sara")), (two, api.id("sara"))])


async def test_a_manager_completes_the_teams_tasks(api: Api) -> None:
    ids = [api.task(1), api.task(2), api.task(5)]
    r = await api.client("mona").post("/tasks/complete", json={"task_ids": ids})
    assert r.status_code == 200, r.text
    assert {t["id"] for t in r.json()["tasks"]} == set(ids)


async def test_unknown_tasks_are_404_naming_them_and_nothing_changes(api: Api) -> None:
    before = await statuses(api)
    r = await api.client("sara").post("/tasks/complete", json={"task_ids": [api.task(1), 99998, 99999]})
    assert r.status_code == 404
    assert r.json() == {
        "detail": "tasks 99998 and 99999 not found",
        "code": "tasks_not_found",
        "task_ids": [99998, 99999],
    }
    assert await statuses(api) == before
    assert await completes_logged(api) == []


async def test_a_task_the_caller_may_not_complete_is_403_naming_it_and_nothing_changes(api: Api) -> None:
    before = await statuses(api)
    sara = api.client("sara")
    # Task 5 is her team's (she may see it) but neither created by nor assigned to her.
    r = await sara.post("/tasks/complete", json={"task_ids": [api.task(1), api.task(5)]})
    assert r.status_code == 403
    assert r.json()["detail"] == (
        f"task {api.task(5)}: you can only complete tasks you created or are assigned to"
    )
    assert r.json()["task_ids"] == [api.task(5)]
    body = r.json()
    assert (body["code"], body["task_id"], body["action"]) == ("task_not_yours", api.task(5), "complete")
    # Task 4 is another team's: she may not even see it.
    r = await sara.post("/tasks/complete", json={"task_ids": [api.task(1), api.task(4)]})
    assert r.status_code == 403
    assert r.json()["detail"] == f"task {api.task(4)} is neither yours nor your team's"
    assert r.json()["code"] == "task_not_visible"
    assert await statuses(api) == before
    assert await completes_logged(api) == []


async def test_tasks_already_done_are_409_and_nothing_changes(api: Api) -> None:
    r = await api.client("mona").post("/tasks/complete", json={"task_ids": [api.task(1), api.task(3)]})
    assert r.status_code == 409
    assert r.json() == {
        "detail": f"task {api.task(3)} is already done",
        "code": "already_done",
        "task_ids": [api.task(3)],
    }
    assert (await statuses(api))[api.task(1)] == "open"


async def test_the_limit_and_an_empty_list_are_422(api: Api) -> None:
    sara = api.client("sara")
    r = await sara.post("/tasks/complete", json={"task_ids": list(range(1, 52))})
    assert r.status_code == 422
    assert "at most 50" in r.json()["detail"] and r.json()["detail"].startswith("invalid request: task_ids")
    for body in ({"task_ids": []}, {"task_ids": [0]}, {}, {"task_ids": [1], "overdue": True}):
        r = await sara.post("/tasks/complete", json=body)
        assert r.status_code == 422, body
    assert await completes_logged(api) == []


async def test_a_retried_bulk_complete_replays(api: Api) -> None:
    sara = api.client("sara")
    key = {"Idempotency-Key": "turn-9:complete_tasks"}
    body = {"task_ids": [api.task(1), api.task(2)]}
    first = await sara.post("/tasks/complete", json=body, headers=key)
    again = await sara.post("/tasks/complete", json=body, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)  # not 409 already_done
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(await completes_logged(api)) == 2
    other = await sara.post("/tasks/complete", json={"task_ids": [api.task(1)]}, headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


async def test_the_operation_is_in_the_openapi_spec(api: Api) -> None:
    spec = (await api.client().get("/openapi.json")).json()
    op = spec["paths"]["/tasks/complete"]["post"]
    assert op["operationId"] == "complete_tasks"
    assert (await api.client().post("/tasks/complete", json={"task_ids": [1]})).status_code == 401
