"""Every change leaves an audit entry; admins and managers read them."""

from __future__ import annotations

from typing import Any

from tests.coreapi.conftest import Api


async def entries(api: Api, username: str = "admin", **params: Any) -> list[dict[str, Any]]:
    r = await api.client(username).get("/audit", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_every_task_change_is_recorded(api: Api) -> None:
    sara = api.client("sara")
    created = (await sara.post("/tasks", json={"title": "Audit me", "due_date": "2031-01-01"})).json()
    task_id = created["id"]
    await sara.patch(f"/tasks/{task_id}", json={"title": "Audit me twice"})
    await sara.post(f"/tasks/{task_id}/assign", json={"assignee": "samir"})
    await sara.post(f"/tasks/{task_id}/complete")
    await sara.post(f"/tasks/{task_id}/reopen")
    await sara.post(f"/tasks/{task_id}/comments", json={"text": "noted"})
    await sara.delete(f"/tasks/{task_id}")

    log = await entries(api, task_id=task_id)
    assert [e["action"] for e in reversed(log)] == [
        "create",
        "update",
        "assign",
        "complete",
        "reopen",
        "comment",
        "delete",
    ]
    assert all(e["actor_id"] == api.id("sara") and e["task_id"] == task_id for e in log)
    create, update, assign, complete, reopen, comment, delete = reversed(log)
    assert create["before"] is None and create["after"]["title"] == "Audit me"
    assert create["after"]["due_date"] == "2031-01-01"
    assert (update["before"]["title"], update["after"]["title"]) == ("Audit me", "Audit me twice")
    assert (assign["before"]["assignee_id"], assign["after"]["assignee_id"]) == (None, api.id("samir"))
    assert (complete["before"]["status"], complete["after"]["status"]) == ("open", "done")
    assert (reopen["before"]["status"], reopen["after"]["status"]) == ("done", "open")
    assert comment["entity"] == "comment" and comment["after"]["text"] == "noted"
    assert delete["before"]["title"] == "Audit me twice" and delete["after"] is None
    assert create["created_at"] <= delete["created_at"]


async def test_failed_and_read_only_requests_leave_nothing(api: Api) -> None:
    await api.client("sara").get("/tasks")
    await api.client("sara").delete(f"/tasks/{api.task(2)}")  # 403
    await api.client("sara").post("/tasks/99999/complete")  # 404
    assert await entries(api) == []


async def test_user_and_link_changes_are_recorded(api: Api) -> None:
    admin = api.client("admin")
    created = (await admin.post("/users", json={"username": "zed", "display_name": "Zed"})).json()
    await admin.patch(f"/users/{created['id']}", json={"team": "ops", "password": "a-new-password"})
    await admin.post("/links/966500000009/block")
    log = await entries(api)
    assert [(e["action"], e["entity"], e["subject"]) for e in log] == [
        ("block", "link", "966500000009"),
        ("update", "user", str(created["id"])),
        ("create", "user", str(created["id"])),
    ]
    update = log[1]
    assert (update["before"]["team"], update["after"]["team"], update["after"]["password_changed"]) == (
        None,
        "ops",
        True,
    )
    assert "password_hash" not in update["after"]


async def test_filters(api: Api) -> None:
    await api.client("sara").post(f"/tasks/{api.task(1)}/complete")
    await api.client("khalid").post(f"/tasks/{api.task(4)}/complete")
    assert [e["task_id"] for e in await entries(api, actor_id=api.id("khalid"))] == [api.task(4)]
    assert len(await entries(api, action="complete")) == 2
    assert await entries(api, action="delete") == []
    assert len(await entries(api, limit=1)) == 1
    assert [e["actor_id"] for e in await entries(api, offset=1)] == [api.id("sara")]


async def test_managers_read_their_teams_entries_members_none(api: Api) -> None:
    await api.client("sara").post(f"/tasks/{api.task(1)}/complete")  # ops
    await api.client("khalid").post(f"/tasks/{api.task(4)}/complete")  # sales
    await api.client("admin").post(f"/tasks/{api.task(2)}/comments", json={"text": "hq on an ops task"})
    assert [e["actor_id"] for e in await entries(api, "mona")] == [api.id("admin"), api.id("sara")]
    assert [e["actor_id"] for e in await entries(api, "khalid")] == [api.id("khalid")]
    r = await api.client("sara").get("/audit")
    assert r.status_code == 403
    assert r.json()["detail"] == "only admin or manager users can read the audit log"


async def test_a_manager_without_a_team_reads_only_their_own_entries(api: Api) -> None:
    await api.add_user(username="boss", role="manager")
    await api.client("loner").post("/tasks", json={"title": "team-less too"})
    created = await api.client("boss").post("/tasks", json={"title": "boss's"})
    assert [e["task_id"] for e in await entries(api, "boss")] == [created.json()["id"]]
