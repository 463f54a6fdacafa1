"""Tasks over HTTP: every route, the list filters, and each role's limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from coreapi.clock import today_in
from tests.coreapi.conftest import Api


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def today() -> Any:
    return today_in("Asia/Riyadh")


# --- create ---


async def test_create_a_task(api: Api) -> None:
    r = await api.client("sara").post(
        "/tasks",
        json={
            "title": "  Book the venue ",
            "description": "for 40",
            "priority": "high",
            "due_date": "2031-02-03",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["title"] == "Book the venue"
    assert body["description"] == "for 40"
    assert body["status"] == "open"
    assert body["priority"] == "high"
    assert body["due_date"] == "2031-02-03"
    assert body["overdue"] is False
    assert body["assignee"] is None
    assert body["created_by"] == api.id("sara")
    assert body["creator"] == {
        "id": api.id("sara"),
        "username": "sara",
        "display_name": "Sara Ahmed",
        "team": "ops",
    }
    assert body["completed_at"] is None
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("assignee", "username"),
    [("Samir", "samir"), ("samir ali", "samir"), ("@SAMIR", "samir"), ("احمد", "nour"), ("أحمد نور", "nour")],
)
async def test_create_with_an_assignee_named_as_people_write_it(
    api: Api, assignee: str, username: str
) -> None:
    r = await api.client("sara").post("/tasks", json={"title": "Check stock", "assignee": assignee})
    assert r.status_code == 201, r.text
    assert r.json()["assignee_id"] == api.id(username)
    assert r.json()["assignee"]["username"] == username


async def test_create_with_an_assignee_id(api: Api) -> None:
    for ref in (api.id("samir"), str(api.id("samir")), f"#{api.id('samir')}"):
        r = await api.client("sara").post("/tasks", json={"title": "x", "assignee": ref})
        assert r.status_code == 201
        assert r.json()["assignee_id"] == api.id("samir")


async def test_an_ambiguous_name_is_409_listing_the_people(api: Api) -> None:
    r = await api.client("admin").post("/tasks", json={"title": "x", "assignee": "ahmed"})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "ambiguous_user"
    assert "Ahmed Khan (@ahmed.k)" in body["detail"] and "Sara Ahmed (@sara)" in body["detail"]
    assert {c["username"] for c in body["candidates"]} == {"ahmed.k", "sara"}


async def test_an_exact_name_wins_over_partial_ones(api: Api) -> None:
    r = await api.client("admin").post("/tasks", json={"title": "x", "assignee": "ahmed khan"})
    assert r.status_code == 201
    assert r.json()["assignee"]["username"] == "ahmed.k"


async def test_unknown_and_deactivated_assignees(api: Api) -> None:
    client = api.client("sara")
    r = await client.post("/tasks", json={"title": "x", "assignee": "Zeinab"})
    assert (r.status_code, r.json()["detail"]) == (404, "no user named 'Zeinab'")
    r = await client.post("/tasks", json={"title": "x", "assignee": 99999})
    assert (r.status_code, r.json()["detail"]) == (404, "no user with id 99999")
    r = await client.post(
        "/tasks", json={"title": "x", "assignee": "Old Timer"}
    )  # inactive: not matched by name
    assert r.status_code == 404
    r = await client.post("/tasks", json={"title": "x", "assignee": api.id("old")})
    assert (r.status_code, r.json()["detail"]) == (422, "Old Timer is deactivated")
    r = await client.post("/tasks", json={"title": "x", "assignee": " @ "})
    assert (r.status_code, r.json()["detail"]) == (422, "the person's name is empty")


async def test_members_and_managers_assign_new_tasks_within_their_team(api: Api) -> None:
    r = await api.client("sara").post("/tasks", json={"title": "x", "assignee": "Ahmed Khan"})
    assert r.status_code == 403
    assert r.json()["detail"] == "Ahmed Khan is not in your team; only an admin can assign across teams"
    r = await api.client("loner").post("/tasks", json={"title": "x", "assignee": "sara"})
    assert r.status_code == 403
    r = await api.client("loner").post("/tasks", json={"title": "x", "assignee": "loner"})
    assert r.status_code == 201
    r = await api.client("admin").post("/tasks", json={"title": "x", "assignee": "Ahmed Khan"})
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "invalid request: title: Field required"),
        ({"title": "   "}, "invalid request: title: String should have at least 1 character"),
        ({"title": "x", "due_date": "tomorrow"}, "invalid request: due_date: Input should be a valid date"),
        (
            {"title": "x", "priority": "urgent"},
            "invalid request: priority: Input should be 'low', 'normal' or 'high'",
        ),
        ({"title": "x", "owner": 1}, "invalid request: owner: Extra inputs are not permitted"),
        ({"title": "x" * 301}, "invalid request: title: String should have at most 300 characters"),
    ],
)
async def test_create_validation_is_422_saying_what_is_wrong(
    api: Api, body: dict[str, Any], message: str
) -> None:
    r = await api.client("sara").post("/tasks", json=body)
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"
    assert r.json()["detail"].startswith(message), r.json()["detail"]
    assert r.json()["errors"][0]["field"] == message.split(": ")[1]


async def test_a_body_that_is_not_json_is_422(api: Api) -> None:
    r = await api.client("sara").post(
        "/tasks", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["code"] == "validation_error"


# --- list ---


async def test_list_scopes(api: Api) -> None:
    sara = api.client("sara")
    assert ids(await sara.get("/tasks")) == [api.task(1), api.task(2)]  # mine by default
    assert ids(await sara.get("/tasks", params={"scope": "mine"})) == [api.task(1), api.task(2)]
    # the team's: ordered by due date, undated last
    assert ids(await sara.get("/tasks", params={"scope": "team"})) == [api.task(n) for n in (3, 1, 2, 5)]
    assert ids(await api.client("khalid").get("/tasks", params={"scope": "team"})) == [api.task(4)]
    everything = [api.task(n) for n in (3, 1, 4, 2, 5)]
    assert ids(await api.client("admin").get("/tasks", params={"scope": "all"})) == everything
    assert ids(await api.client("admin").get("/tasks", params={"scope": "team"})) == []


@pytest.mark.parametrize("username", ["sara", "mona"])
async def test_only_admins_list_all(api: Api, username: str) -> None:
    r = await api.client(username).get("/tasks", params={"scope": "all"})
    assert r.status_code == 403
    assert r.json() == {
        "detail": "only admins can list all tasks; use scope=mine or scope=team",
        "code": "list_all_admin_only",
    }


async def test_team_scope_needs_a_team(api: Api) -> None:
    r = await api.client("loner").get("/tasks", params={"scope": "team"})
    assert r.status_code == 422
    assert r.json()["detail"] == "you are not in a team; use scope=mine"


async def test_list_filters(api: Api) -> None:
    admin = api.client("admin")

    async def get(**params: Any) -> list[int]:
        return ids(await admin.get("/tasks", params={"scope": "all", **params}))

    t = api.task
    assert await get(status="done") == [t(3)]
    assert await get(status=["open", "in_progress"]) == [t(1), t(4), t(2), t(5)]
    assert await get(overdue="true") == [t(1), t(4)]
    assert await get(overdue="false") == [t(3), t(2), t(5)]
    assert await get(due_before=today().isoformat()) == [t(3), t(1), t(4)]
    assert await get(due_before=(today() - timedelta(days=2)).isoformat()) == [t(3), t(1)]  # inclusive
    assert await get(due_after=today().isoformat()) == [t(2)]
    assert await get(due_after=(today() - timedelta(days=1)).isoformat(), due_before=today().isoformat()) == [
        t(4)
    ]
    assert await get(q="SUPPLIER") == [t(2)]
    assert await get(q="100%") == [t(5)]
    assert await get(q="%") == [t(5)]  # a literal percent sign, not a wildcard
    assert await get(q="c_chairs") == [t(5)]  # a literal underscore
    assert await get(q="nothing like this") == []
    assert await get(assignee="Sara") == [t(1), t(2)]
    assert await get(assignee_id=api.id("ahmed.k")) == [t(4)]
    assert await get(status="open", overdue="true", assignee="sara") == [t(1)]
    assert await get(priority="high") == [t(2)]
    assert await get(priority=["low", "normal"], status="open") == [t(1), t(4), t(5)]


async def test_list_unknown_assignee_is_404(api: Api) -> None:
    r = await api.client("admin").get("/tasks", params={"scope": "all", "assignee": "nobody"})
    assert r.status_code == 404


async def test_list_pagination(api: Api) -> None:
    r = await api.client("admin").get("/tasks", params={"scope": "all", "limit": 2, "offset": 1})
    assert ids(r) == [api.task(1), api.task(4)]
    assert (r.json()["total"], r.json()["limit"], r.json()["offset"]) == (5, 2, 1)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"status": "closed"},
        {"scope": "everyone"},
        {"due_before": "x"},
        {"priority": "urgent"},
    ],
)
async def test_list_validation(api: Api, params: dict[str, Any]) -> None:
    r = await api.client("sara").get("/tasks", params=params)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"invalid request: {next(iter(params))}")


async def test_list_items_say_whether_they_are_overdue(api: Api) -> None:
    r = await api.client("sara").get("/tasks")
    assert [i["overdue"] for i in r.json()["items"]] == [True, False]


# --- get ---


async def test_get_a_task_with_its_comments(api: Api) -> None:
    r = await api.client("mona").get(f"/tasks/{api.task(5)}")
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == "Order chairs"
    assert body["due_date"] is None and body["overdue"] is False
    assert [(c["text"], c["author"]["username"]) for c in body["comments"]] == [("ask for a quote", "mona")]


async def test_members_read_their_teams_tasks(api: Api) -> None:
    assert (await api.client("sara").get(f"/tasks/{api.task(5)}")).status_code == 200


async def test_get_another_teams_task_is_403(api: Api) -> None:
    r = await api.client("sara").get(f"/tasks/{api.task(4)}")
    assert r.status_code == 403
    assert r.json()["detail"] == f"task {api.task(4)} is neither yours nor your team's"
    assert (await api.client("loner").get(f"/tasks/{api.task(1)}")).status_code == 403


async def test_get_a_missing_task_is_404(api: Api) -> None:
    r = await api.client("sara").get("/tasks/99999")
    assert r.status_code == 404
    assert r.json() == {"detail": "task 99999 not found", "code": "task_not_found", "task_id": 99999}
    r = await api.client("sara").get("/tasks/abc")
    assert r.status_code == 422


# --- update ---


async def test_update_fields(api: Api) -> None:
    r = await api.client("sara").patch(
        f"/tasks/{api.task(1)}",
        json={"title": "Q3 report v2", "description": "with charts", "priority": "low", "due_date": None},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["title"], body["description"], body["priority"], body["due_date"]) == (
        "Q3 report v2",
        "with charts",
        "low",
        None,
    )
    assert body["overdue"] is False
    assert body["updated_at"] > body["created_at"]


async def test_update_status_keeps_completed_at_in_step(api: Api) -> None:
    sara = api.client("sara")
    r = await sara.patch(f"/tasks/{api.task(1)}", json={"status": "in_progress"})
    assert (r.json()["status"], r.json()["completed_at"]) == ("in_progress", None)
    r = await sara.patch(f"/tasks/{api.task(1)}", json={"status": "done"})
    assert r.json()["status"] == "done" and r.json()["completed_at"] is not None
    assert r.json()["overdue"] is False  # done tasks are never overdue
    again = await sara.patch(f"/tasks/{api.task(1)}", json={"status": "done", "priority": "low"})
    assert again.json()["completed_at"] == r.json()["completed_at"]  # still when it was first done
    r = await sara.patch(f"/tasks/{api.task(1)}", json={"status": "open", "description": None})
    assert (r.json()["status"], r.json()["completed_at"], r.json()["description"]) == ("open", None, "")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "invalid request: nothing to change; send at least one field"),
        ({"title": None}, "invalid request: title: cannot be null"),
        ({"status": None}, "invalid request: status: cannot be null"),
        ({"assignee_id": 3}, "invalid request: assignee_id: Extra inputs are not permitted"),
        ({"status": "finished"}, "invalid request: status: Input should be 'open', 'in_progress' or 'done'"),
    ],
)
async def test_update_validation(api: Api, body: dict[str, Any], message: str) -> None:
    r = await api.client("sara").patch(f"/tasks/{api.task(1)}", json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == message


async def test_update_permissions(api: Api) -> None:
    r = await api.client("sara").patch(f"/tasks/{api.task(5)}", json={"title": "mine now"})  # team, read-only
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only edit tasks you created or are assigned to"
    r = await api.client("khalid").patch(f"/tasks/{api.task(1)}", json={"title": "x"})
    assert r.status_code == 403
    assert (await api.client("mona").patch(f"/tasks/{api.task(1)}", json={"title": "ok"})).status_code == 200
    assert (await api.client("admin").patch(f"/tasks/{api.task(4)}", json={"title": "ok"})).status_code == 200
    assert (await api.client("sara").patch("/tasks/99999", json={"title": "x"})).status_code == 404


# --- assign ---


async def test_assign_by_name(api: Api) -> None:
    r = await api.client("sara").post(f"/tasks/{api.task(1)}/assign", json={"assignee": "samir"})
    assert r.status_code == 200, r.text
    assert r.json()["assignee"]["username"] == "samir"


async def test_members_cannot_give_away_tasks_they_did_not_create(api: Api) -> None:
    r = await api.client("sara").post(f"/tasks/{api.task(2)}/assign", json={"assignee": "samir"})
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only assign tasks you created; ask its creator or a manager"
    # taking a task one already works on is fine
    r = await api.client("sara").post(f"/tasks/{api.task(2)}/assign", json={"assignee": "sara"})
    assert r.status_code == 200


async def test_managers_assign_within_their_team(api: Api) -> None:
    mona = api.client("mona")
    assert (await mona.post(f"/tasks/{api.task(1)}/assign", json={"assignee": "samir"})).status_code == 200
    r = await mona.post(f"/tasks/{api.task(1)}/assign", json={"assignee": "ahmed.k"})
    assert r.status_code == 403
    assert r.json()["detail"] == "Ahmed Khan is not in your team; only an admin can assign across teams"
    r = await api.client("khalid").post(f"/tasks/{api.task(1)}/assign", json={"assignee": "khalid"})
    assert r.status_code == 403
    r = await api.client("admin").post(f"/tasks/{api.task(4)}/assign", json={"assignee": "sara"})
    assert r.status_code == 200


async def test_a_task_belongs_to_the_teams_of_its_creator_and_its_assignee(api: Api) -> None:
    r = await api.client("admin").post("/tasks", json={"title": "shared", "assignee": "ahmed.k"})
    task_id = r.json()["id"]
    # admin (hq) made it and ahmed.k (sales) holds it: a sales task, so khalid manages it...
    assert (await api.client("khalid").patch(f"/tasks/{task_id}", json={"title": "y"})).status_code == 200
    assert (
        await api.client("khalid").post(f"/tasks/{task_id}/assign", json={"assignee": "khalid"})
    ).status_code == 200
    # ...and mona (ops) cannot even see it
    r = await api.client("mona").get(f"/tasks/{task_id}")
    assert r.status_code == 403
    assert r.json()["detail"] == f"task {task_id} is neither yours nor your team's"


async def test_a_manager_without_a_team_only_manages_their_own_tasks(api: Api) -> None:
    await api.add_user(username="boss", display_name="Boss", role="manager")
    r = await api.client("admin").post("/tasks", json={"title": "for the boss", "assignee": "boss"})
    task_id = r.json()["id"]
    boss = api.client("boss")
    assert (await boss.post(f"/tasks/{task_id}/complete")).status_code == 200
    r = await boss.post(f"/tasks/{task_id}/assign", json={"assignee": "sara"})
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only assign tasks of your team or tasks you created"
    r = await boss.delete(f"/tasks/{task_id}")
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only delete tasks of your team or tasks you created"


async def test_assign_errors(api: Api) -> None:
    sara = api.client("sara")
    assert (await sara.post(f"/tasks/{api.task(1)}/assign", json={"assignee": "ahmed"})).status_code == 409
    assert (await sara.post(f"/tasks/{api.task(1)}/assign", json={"assignee": "nobody"})).status_code == 404
    assert (await sara.post(f"/tasks/{api.task(1)}/assign", json={})).status_code == 422
    assert (await sara.post("/tasks/99999/assign", json={"assignee": "sara"})).status_code == 404


# --- complete / reopen ---


async def test_complete_and_reopen(api: Api) -> None:
    sara = api.client("sara")
    r = await sara.post(f"/tasks/{api.task(1)}/complete")
    assert r.status_code == 200
    assert r.json()["status"] == "done" and r.json()["completed_at"]
    r = await sara.post(f"/tasks/{api.task(1)}/complete")
    assert r.status_code == 409
    assert r.json() == {
        "detail": f"task {api.task(1)} is already done",
        "code": "already_done",
        "task_ids": [api.task(1)],
    }
    r = await sara.post(f"/tasks/{api.task(1)}/reopen")
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["completed_at"]) == ("open", None)
    r = await sara.post(f"/tasks/{api.task(1)}/reopen")
    assert r.status_code == 409
    assert r.json()["code"] == "not_done"


async def test_complete_and_reopen_permissions(api: Api) -> None:
    r = await api.client("samir").post(f"/tasks/{api.task(2)}/complete")
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only complete tasks you created or are assigned to"
    r = await api.client("sara").post(f"/tasks/{api.task(3)}/reopen")
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only reopen tasks you created or are assigned to"
    assert (await api.client("mona").post(f"/tasks/{api.task(3)}/reopen")).status_code == 200
    assert (await api.client("sara").post("/tasks/99999/complete")).status_code == 404


# --- comments ---


async def test_comments(api: Api) -> None:
    r = await api.client("sara").post(f"/tasks/{api.task(2)}/comments", json={"text": " called, no answer "})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["text"] == "called, no answer"
    assert body["author"]["username"] == "sara"
    assert body["task_id"] == api.task(2)
    await api.client("mona").post(f"/tasks/{api.task(2)}/comments", json={"text": "try again tomorrow"})
    r = await api.client("sara").get(f"/tasks/{api.task(2)}/comments")
    assert [c["text"] for c in r.json()] == ["called, no answer", "try again tomorrow"]
    r = await api.client("sara").get(f"/tasks/{api.task(2)}")
    assert len(r.json()["comments"]) == 2


async def test_comment_permissions_and_validation(api: Api) -> None:
    r = await api.client("sara").post(f"/tasks/{api.task(5)}/comments", json={"text": "hi"})
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only comment on tasks you created or are assigned to"
    r = await api.client("sara").post(f"/tasks/{api.task(1)}/comments", json={"text": "  "})
    assert r.status_code == 422
    assert (await api.client("sara").post("/tasks/99999/comments", json={"text": "x"})).status_code == 404
    assert (await api.client("khalid").get(f"/tasks/{api.task(1)}/comments")).status_code == 403


# --- delete ---


async def test_delete_own_task(api: Api) -> None:
    sara = api.client("sara")
    r = await sara.delete(f"/tasks/{api.task(1)}")
    assert r.status_code == 200
    assert {k: v for k, v in r.json().items() if k != "restorable_until"} == {
        "id": api.task(1),
        "deleted": True,
    }
    assert (await sara.get(f"/tasks/{api.task(1)}")).status_code == 404
    assert (await sara.delete(f"/tasks/{api.task(1)}")).status_code == 404


async def test_delete_permissions(api: Api) -> None:
    r = await api.client("sara").delete(f"/tasks/{api.task(2)}")  # assigned to her, created by mona
    assert r.status_code == 403
    assert r.json()["detail"] == "you can only delete tasks you created"
    assert (await api.client("samir").delete(f"/tasks/{api.task(5)}")).status_code == 403
    assert (await api.client("khalid").delete(f"/tasks/{api.task(5)}")).status_code == 403
    assert (await api.client("mona").delete(f"/tasks/{api.task(4)}")).status_code == 403
    assert (await api.client("mona").delete(f"/tasks/{api.task(3)}")).status_code == 200  # her team's
    assert (await api.client("admin").delete(f"/tasks/{api.task(4)}")).status_code == 200


async def test_a_deleted_tasks_comments_are_hidden_with_it(api: Api) -> None:
    """Deleting moves the task to the trash (tests/coreapi/test_trash.py): its comments wait there with it,
    unreadable, until it is restored or purged."""
    mona = api.client("mona")
    assert (await mona.delete(f"/tasks/{api.task(5)}")).status_code == 200
    assert (await mona.get(f"/tasks/{api.task(5)}/comments")).status_code == 404


async def test_ids_beyond_the_id_column_are_422_not_a_database_overflow(api: Api) -> None:
    # Found by schemathesis (tests/test_openapi_fuzz.py): these were 500s (SQLite's OverflowError).
    sara, huge = api.client("sara"), 2**70
    assert (await sara.get(f"/tasks/{huge}")).status_code == 422
    assert (await sara.get(f"/tasks/{2**31}/comments")).status_code == 422
    assert (await sara.get(f"/users/{huge}")).status_code == 422
    assert (await sara.get("/tasks", params={"offset": huge})).status_code == 422
    done = await sara.post("/tasks/complete", json={"task_ids": [api.task(1), huge]})
    assert done.status_code == 422
    assert (await sara.get(f"/tasks/{api.task(1)}")).json()["status"] != "done"
