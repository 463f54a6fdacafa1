"""GET /reports/summary, scoped by role."""

from __future__ import annotations

from tests.coreapi.conftest import Api


def by_id(body: dict) -> dict:
    return {row["assignee_id"]: row for row in body["by_assignee"]}


async def test_a_member_sees_their_own_tasks(api: Api) -> None:
    r = await api.client("sara").get("/reports/summary")
    assert r.status_code == 200
    body = r.json()
    assert body["scope"] == "own"
    assert (body["total"], body["overdue"]) == (2, 1)
    assert body["by_status"] == {"open": 2, "in_progress": 0, "done": 0}
    sara = by_id(body)[api.id("sara")]
    assert sara == {
        "assignee_id": api.id("sara"),
        "display_name": "Sara Ahmed",
        "total": 2,
        "open": 2,
        "in_progress": 0,
        "done": 0,
        "overdue": 1,
    }


async def test_a_manager_sees_their_team(api: Api) -> None:
    await api.client("mona").patch(f"/tasks/{api.task(2)}", json={"status": "in_progress"})
    body = (await api.client("mona").get("/reports/summary")).json()
    assert body["scope"] == "team"
    assert (body["total"], body["overdue"]) == (4, 1)
    assert body["by_status"] == {"open": 2, "in_progress": 1, "done": 1}
    rows = by_id(body)
    assert list(rows) == [api.id("sara"), api.id("samir"), None]  # unassigned last
    assert (rows[api.id("sara")]["open"], rows[api.id("sara")]["in_progress"]) == (1, 1)
    assert rows[api.id("samir")]["done"] == 1
    assert rows[None] == {
        "assignee_id": None,
        "display_name": None,
        "total": 1,
        "open": 1,
        "in_progress": 0,
        "done": 0,
        "overdue": 0,
    }


async def test_an_admin_sees_everything(api: Api) -> None:
    body = (await api.client("admin").get("/reports/summary")).json()
    assert body["scope"] == "all"
    assert (body["total"], body["overdue"]) == (5, 2)
    assert by_id(body)[api.id("ahmed.k")]["overdue"] == 1


async def test_a_manager_without_a_team_sees_their_own(api: Api) -> None:
    await api.add_user(username="boss", role="manager")
    body = (await api.client("boss").get("/reports/summary")).json()
    assert (body["scope"], body["total"], body["by_assignee"]) == ("own", 0, [])
