"""The people directory and user management."""

from __future__ import annotations

from typing import Any

import pytest

from tests.coreapi.conftest import Api


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["username"] for p in response.json()["items"]]


async def test_everyone_may_list_people_for_name_matching(api: Api) -> None:
    r = await api.client("sara").get("/users")
    assert names(r) == ["admin", "mona", "sara", "samir", "nour", "khalid", "ahmed.k", "loner"]
    assert r.json()["items"][2] == {
        "id": api.id("sara"),
        "username": "sara",
        "display_name": "Sara Ahmed",
        "team": "ops",
    }


async def test_list_people_filters(api: Api) -> None:
    sara = api.client("sara")
    assert names(await sara.get("/users", params={"team": "sales"})) == ["khalid", "ahmed.k"]
    assert names(await sara.get("/users", params={"q": "AHMED"})) == ["sara", "ahmed.k"]
    assert names(await sara.get("/users", params={"q": "احمد"})) == ["nour"]
    assert "old" in names(await sara.get("/users", params={"include_inactive": "true"}))
    assert (await api.client().get("/users")).status_code == 401


async def test_get_me_and_get_user(api: Api) -> None:
    r = await api.client("mona").get("/users/me")
    body = r.json()
    assert (
        body["username"],
        body["role"],
        body["team"],
        body["timezone"],
        body["language"],
        body["active"],
    ) == (
        "mona",
        "manager",
        "ops",
        "Asia/Riyadh",
        "ar",
        True,
    )
    r = await api.client("sara").get(f"/users/{api.id('khalid')}")
    assert r.json() == {
        "id": api.id("khalid"),
        "username": "khalid",
        "display_name": "Khalid Omar",
        "team": "sales",
    }
    r = await api.client("sara").get("/users/99999")
    assert (r.status_code, r.json()["detail"]) == (404, "no user with id 99999")


async def test_admins_create_people(api: Api) -> None:
    r = await api.client("admin").post(
        "/users",
        json={
            "username": "Huda.M",
            "display_name": "Huda M",
            "role": "manager",
            "team": "ops",
            "language": "en",
            "timezone": "Europe/London",
            "password": "a-long-password",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["username"], body["role"], body["timezone"], body["language"]) == (
        "huda.m",
        "manager",
        "Europe/London",
        "en",
    )
    assert "password" not in body and "password_hash" not in body
    login = await api.client().post("/auth/login", json={"username": "huda.m", "password": "a-long-password"})
    assert login.status_code == 200
    # the server's default time zone when none is given
    r = await api.client("admin").post("/users", json={"username": "zaid", "display_name": "Zaid"})
    assert (r.json()["timezone"], r.json()["role"], r.json()["language"]) == ("Asia/Riyadh", "member", "ar")


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"username": "sara", "display_name": "Another Sara"}, 409, "username 'sara' is taken"),
        (
            {"username": "a b", "display_name": "x"},
            422,
            "invalid request: username: String should match pattern",
        ),
        (
            {"username": "zed", "display_name": "x", "timezone": "Mars/Base"},
            422,
            "invalid request: timezone: unknown",
        ),
        (
            {"username": "zed", "display_name": "x", "role": "owner"},
            422,
            "invalid request: role: Input should be",
        ),
        (
            {"username": "zed", "display_name": "x", "password": "short"},
            422,
            "invalid request: password: String",
        ),
    ],
)
async def test_create_user_errors(api: Api, body: dict[str, Any], status: int, detail: str) -> None:
    r = await api.client("admin").post("/users", json=body)
    assert r.status_code == status
    assert r.json()["detail"].startswith(detail), r.json()["detail"]


@pytest.mark.parametrize("username", ["mona", "sara"])
async def test_only_admins_create_people(api: Api, username: str) -> None:
    r = await api.client(username).post("/users", json={"username": "zed", "display_name": "Zed"})
    assert r.status_code == 403
    assert r.json()["detail"] == "only admin users can create users"


async def test_admins_update_anyone(api: Api) -> None:
    r = await api.client("admin").patch(
        f"/users/{api.id('sara')}", json={"role": "manager", "team": "sales", "display_name": "Sara A."}
    )
    assert r.status_code == 200
    assert (r.json()["role"], r.json()["team"], r.json()["display_name"]) == ("manager", "sales", "Sara A.")
    r = await api.client("admin").patch(f"/users/{api.id('sara')}", json={"team": None})
    assert r.json()["team"] is None
    r = await api.client("admin").patch(f"/users/{api.id('samir')}", json={"active": False})
    assert r.json()["active"] is False
    assert (await api.client("samir").get("/users/me")).status_code == 401  # deactivated: tokens stop working
    assert (await api.client("admin").patch("/users/99999", json={"team": "x"})).status_code == 404


async def test_people_update_their_own_preferences(api: Api) -> None:
    sara = api.client("sara")
    r = await sara.patch(
        f"/users/{api.id('sara')}",
        json={"language": "en", "timezone": "Asia/Dubai", "password": "new-password!"},
    )
    assert r.status_code == 200
    assert (r.json()["language"], r.json()["timezone"]) == ("en", "Asia/Dubai")
    login = await api.client().post("/auth/login", json={"username": "sara", "password": "new-password!"})
    assert login.status_code == 200


async def test_people_cannot_change_their_role_or_others(api: Api) -> None:
    r = await api.client("sara").patch(f"/users/{api.id('sara')}", json={"role": "admin", "team": "hq"})
    assert r.status_code == 403
    assert r.json()["detail"] == "only admins can change role, team"
    r = await api.client("mona").patch(f"/users/{api.id('sara')}", json={"language": "en"})
    assert r.status_code == 403
    assert r.json()["detail"] == "only admins can change other people"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "invalid request: nothing to change; send at least one field"),
        ({"language": None}, "invalid request: language: cannot be null"),
        ({"timezone": "Nowhere/Town"}, "invalid request: timezone: unknown time zone 'Nowhere/Town'"),
    ],
)
async def test_update_user_validation(api: Api, body: dict[str, Any], detail: str) -> None:
    r = await api.client("sara").patch(f"/users/{api.id('sara')}", json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == detail
