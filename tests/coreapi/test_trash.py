"""The trash: a delete only marks the task; it disappears from every read and change, `POST
/tasks/{id}/restore` brings it back unchanged (with the delete's permissions), and it is purged for good
COREAPI_TRASH_RETENTION_S after the delete — at start-up, on deletes and restores, and where old link
codes are purged. Also the unassign operation an undo of an assignment needs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from coreapi.clock import utcnow
from tests.coreapi.conftest import Api


async def _backdate(api: Api, task_id: int, seconds: int) -> None:
    """Pretend the task was deleted `seconds` ago."""
    await api.execute(
        "UPDATE tasks SET deleted_at = :at WHERE id = :t", at=utcnow() - timedelta(seconds=seconds), t=task_id
    )


async def _rows(api: Api, task_id: int) -> list[Any]:
    return await api.fetch("SELECT deleted_at, deleted_by FROM tasks WHERE id = :t", t=task_id)


async def test_a_deleted_task_is_gone_from_every_read_and_change_until_restored(api: Api) -> None:
    sara, mona = api.client("sara"), api.client("mona")
    task = api.task(1)  # sara's own, overdue
    before = (await sara.get(f"/tasks/{task}")).json()
    r = await sara.delete(f"/tasks/{task}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["deleted"]) == (task, True) and body["restorable_until"].endswith("Z")
    [(deleted_at, deleted_by)] = await _rows(api, task)
    assert deleted_at is not None and deleted_by == api.id("sara")

    assert (await sara.get(f"/tasks/{task}")).status_code == 404
    assert (await sara.get(f"/tasks/{task}")).json()["code"] == "task_not_found"
    assert task not in [t["id"] for t in (await sara.get("/tasks")).json()["items"]]
    assert (await sara.get("/tasks", params={"q": "Q3 report"})).json()["items"] == []
    assert (await sara.patch(f"/tasks/{task}", json={"priority": "high"})).status_code == 404
    assert (await sara.post(f"/tasks/{task}/complete")).status_code == 404
    assert (await sara.post("/tasks/complete", json={"task_ids": [task]})).json()["code"] == "tasks_not_found"
    assert (await sara.post(f"/tasks/{task}/comments", json={"text": "x"})).status_code == 404
    assert (await sara.delete(f"/tasks/{task}")).status_code == 404  # not deleted twice
    report = (await mona.get("/reports/summary")).json()
    assert report["total"] == len(api.tasks) - 2  # the sales team's task is not hers, this one is deleted

    r = await sara.post(f"/tasks/{task}/restore")
    assert r.status_code == 200, r.text
    restored = r.json()
    assert {k: v for k, v in restored.items() if k != "comments"} == {
        k: v for k, v in before.items() if k != "comments"
    }  # unchanged, updated_at included
    assert (await sara.get(f"/tasks/{task}")).status_code == 200
    assert await _rows(api, task) == [(None, None)]
    again = await sara.post(f"/tasks/{task}/restore")
    assert (again.status_code, again.json()["code"]) == (404, "task_not_in_trash")
    missing = await sara.post("/tasks/999999/restore")
    assert (missing.status_code, missing.json()["code"]) == (404, "task_not_found")
    actions = await api.fetch("SELECT action FROM audit_log WHERE task_id = :t ORDER BY id", t=task)
    assert [a for (a,) in actions] == ["delete", "restore"]


async def test_comments_wait_in_the_trash_with_their_task(api: Api) -> None:
    mona = api.client("mona")
    task = api.task(5)  # with a comment
    assert (await mona.delete(f"/tasks/{task}")).status_code == 200
    rows = await api.fetch("SELECT count(*) FROM comments WHERE task_id = :t", t=task)
    assert rows[0][0] == 1
    restored = await mona.post(f"/tasks/{task}/restore")
    assert restored.status_code == 200
    assert [c["text"] for c in (await mona.get(f"/tasks/{task}")).json()["comments"]] == ["ask for a quote"]


async def test_who_may_delete_may_restore(api: Api) -> None:
    mona = api.client("mona")
    assert (await mona.delete(f"/tasks/{api.task(2)}")).status_code == 200  # hers, assigned to sara
    refused = await api.client("sara").post(f"/tasks/{api.task(2)}/restore")
    assert (refused.status_code, refused.json()["code"]) == (403, "delete_not_yours")
    hidden = await api.client("ahmed.k").post(f"/tasks/{api.task(2)}/restore")  # another team's
    assert (hidden.status_code, hidden.json()["code"]) == (403, "task_not_visible")
    assert (await api.client("admin").post(f"/tasks/{api.task(2)}/restore")).status_code == 200
    assert (await api.client("admin").delete(f"/tasks/{api.task(4)}")).status_code == 200
    khalid = api.client("khalid")  # manages the sales team: its tasks are his to restore
    assert (await khalid.post(f"/tasks/{api.task(4)}/restore")).status_code == 200


async def test_restore_replays_with_the_same_key(api: Api) -> None:
    sara = api.client("sara")
    assert (await sara.delete(f"/tasks/{api.task(1)}", headers={"Idempotency-Key": "d1"})).status_code == 200
    replay = await sara.delete(f"/tasks/{api.task(1)}", headers={"Idempotency-Key": "d1"})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    first = await sara.post(f"/tasks/{api.task(1)}/restore", headers={"Idempotency-Key": "r1"})
    again = await sara.post(f"/tasks/{api.task(1)}/restore", headers={"Idempotency-Key": "r1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    restores = await api.fetch("SELECT count(*) FROM audit_log WHERE action = 'restore'")
    assert restores[0][0] == 1


async def test_the_trash_is_purged_after_its_retention(start: Any) -> None:
    api: Api = await start(coreapi_trash_retention_s=3600)
    sara = api.client("sara")
    old, recent = api.task(1), api.task(2)
    assert (await sara.delete(f"/tasks/{old}")).status_code == 200
    assert (await api.client("mona").delete(f"/tasks/{recent}")).status_code == 200
    await _backdate(api, old, 3601)
    expired = await sara.post(f"/tasks/{old}/restore")
    assert (expired.status_code, expired.json()["code"]) == (410, "trash_expired")
    assert await _rows(api, old) == []  # purged although the restore failed
    assert (await sara.post(f"/tasks/{old}/restore")).json()["code"] == "trash_expired"  # still said
    # Someone who had no part in it is told it does not exist, as for any unknown task.
    stranger = await api.client("khalid").post(f"/tasks/{old}/restore")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "task_not_found")
    assert len(await _rows(api, recent)) == 1  # still restorable

    # Issuing a link code purges the trash too, comments included.
    await _backdate(api, recent, 3601)
    await api.execute("INSERT INTO comments (task_id, author_id, text, created_at) VALUES (:t, :a, 'x', :c)",
                      t=recent, a=api.id("mona"), c=utcnow())  # fmt: skip
    assert (await sara.post("/link-codes")).status_code == 201
    assert await _rows(api, recent) == []
    assert (await api.fetch("SELECT count(*) FROM comments WHERE task_id = :t", t=recent))[0][0] == 0


async def test_deleting_purges_what_expired(start: Any) -> None:
    api: Api = await start(coreapi_trash_retention_s=60)
    mona = api.client("mona")
    assert (await mona.delete(f"/tasks/{api.task(5)}")).status_code == 200
    await _backdate(api, api.task(5), 61)
    assert (await mona.delete(f"/tasks/{api.task(3)}")).status_code == 200
    assert await _rows(api, api.task(5)) == [] and len(await _rows(api, api.task(3))) == 1


async def test_start_up_purges_the_trash(start: Any) -> None:
    api: Api = await start(coreapi_trash_retention_s=60)
    assert (await api.client("sara").delete(f"/tasks/{api.task(1)}")).status_code == 200
    await _backdate(api, api.task(1), 61)
    await start(people=False, coreapi_trash_retention_s=60)  # another process starting on the database
    assert await _rows(api, api.task(1)) == []


async def test_unassign(api: Api) -> None:
    mona, sara = api.client("mona"), api.client("sara")
    task = api.task(2)  # mona's, assigned to sara
    refused = await sara.delete(f"/tasks/{task}/assignee")  # she holds it but did not create it
    assert (refused.status_code, refused.json()["code"]) == (403, "assign_not_yours")
    r = await mona.delete(f"/tasks/{task}/assignee")
    assert r.status_code == 200 and (r.json()["assignee"], r.json()["assignee_id"]) == (None, None)
    assert (await mona.delete(f"/tasks/{task}/assignee")).status_code == 200  # nobody holds it: unchanged
    actions = await api.fetch("SELECT action FROM audit_log WHERE task_id = :t", t=task)
    assert [a for (a,) in actions] == ["unassign"]
    other = await api.client("khalid").delete(f"/tasks/{api.task(5)}/assignee")
    assert other.status_code == 403
